"""Who may open a customer's chat socket: only the holder of that conversation's signed token, from our origin."""

import pytest
from channels.db import database_sync_to_async
from django.core import signing

from tests.tickets.conftest import CustomerSocket
from tickets.services.lifecycle import conversation_start
from tickets.tokens import SALT, customer_token_for

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


async def test_the_conversations_own_token_opens_its_socket(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    connected, _ = await socket.connect()
    assert connected
    frames = await socket.hello()
    assert [f["type"] for f in frames] == ["status", "ready"]
    assert frames[0]["status"] == "bot"
    assert "conversation" not in frames[0], "customers never see internal ids"
    await socket.close()


async def test_a_forged_token_is_refused_with_4401(chat):
    conversation, token = chat
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    socket = CustomerSocket(conversation.public_id, forged)
    await socket.connect()
    assert await socket.close_code() == 4401


async def test_a_token_signed_with_another_key_is_refused_with_4401(chat):
    conversation, _ = chat
    foreign = signing.dumps({"c": str(conversation.public_id)}, key="not-our-secret", salt=SALT)
    socket = CustomerSocket(conversation.public_id, foreign)
    await socket.connect()
    assert await socket.close_code() == 4401


async def test_a_missing_token_is_refused_with_4401(chat):
    conversation, _ = chat
    socket = CustomerSocket(conversation.public_id, "")
    await socket.connect()
    assert await socket.close_code() == 4401


async def test_another_customers_conversation_is_refused_with_4403(chat):
    _, my_token = chat
    theirs = await database_sync_to_async(conversation_start)(customer_name="Bea")
    socket = CustomerSocket(theirs.public_id, my_token)
    await socket.connect()
    assert await socket.close_code() == 4403


async def test_a_token_for_a_conversation_that_no_longer_exists_is_refused_with_4401():
    gone = await database_sync_to_async(conversation_start)()
    token = customer_token_for(conversation=gone)
    await database_sync_to_async(gone.delete)()
    socket = CustomerSocket(gone.public_id, token)
    await socket.connect()
    assert await socket.close_code() == 4401


async def test_a_socket_from_a_foreign_origin_is_refused(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token, origin=(b"origin", b"https://evil.example"))
    connected, _ = await socket.connect()
    assert not connected
    await socket.close()


async def test_a_refused_socket_hears_nothing_of_the_conversation(chat):
    """The refused socket never joined the conversation: a message posted afterwards does not reach it."""
    from tickets.models import SenderKind
    from tickets.services.messages import post_message

    _, my_token = chat
    theirs = await database_sync_to_async(conversation_start)(customer_name="Bea")
    socket = CustomerSocket(theirs.public_id, my_token)
    await socket.connect()
    assert await socket.close_code() == 4403
    await database_sync_to_async(post_message)(conversation=theirs, sender_kind=SenderKind.CUSTOMER, body="secret")
    assert await socket.nothing_more()
