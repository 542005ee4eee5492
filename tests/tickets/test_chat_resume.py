"""After a dropped connection the customer resumes with the last seq they have and gets exactly what they missed:
nothing lost, nothing twice, in order. A resend of an unacknowledged message is stored once."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db.models import F

from tests.tickets.conftest import CustomerSocket, messages_in
from tickets import realtime
from tickets.models import Conversation, Message, SenderKind
from tickets.services.messages import message_payload, post_message

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


def post_as_system(conversation, body: str) -> int:
    message, _ = post_message(conversation=conversation, sender_kind=SenderKind.SYSTEM, body=body)
    return message.seq


async def test_a_reconnect_receives_exactly_the_missed_messages_in_order(chat):
    conversation, token = chat
    first = CustomerSocket(conversation.public_id, token)
    await first.connect()
    await first.hello()
    for n in range(2):
        await database_sync_to_async(post_as_system)(conversation, f"before {n}")
    seen = messages_in([await first.receive(), await first.receive()])
    assert [m["seq"] for m in seen] == [1, 2]
    await first.close()

    # While the customer is away, three more messages arrive.
    for n in range(3):
        await database_sync_to_async(post_as_system)(conversation, f"while away {n}")

    second = CustomerSocket(conversation.public_id, token)
    await second.connect()
    frames = await second.hello(last_seq=2)
    missed = messages_in(frames)
    assert [m["seq"] for m in missed] == [3, 4, 5]
    assert [m["body"] for m in missed] == ["while away 0", "while away 1", "while away 2"]
    assert frames[-1] == {"type": "ready", "last_seq": 5}

    # Live again: the next message arrives once.
    await database_sync_to_async(post_as_system)(conversation, "live")
    live = await second.receive()
    assert (live["seq"], live["body"]) == (6, "live")
    assert await second.nothing_more()
    await second.close()


async def test_a_fresh_page_with_last_seq_zero_gets_the_whole_transcript(chat):
    conversation, token = chat
    for n in range(4):
        await database_sync_to_async(post_as_system)(conversation, f"m{n}")
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    assert [m["seq"] for m in messages_in(await socket.hello(last_seq=0))] == [1, 2, 3, 4]
    await socket.close()


async def test_a_resent_message_is_stored_once_and_acknowledged_with_the_same_seq(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await socket.send({"type": "message", "client_msg_id": "same-id", "body": "Where is my card?"})
    first_ack = (await socket.receive_until("ack"))[-1]
    await socket.close()  # the network drops before the page saw the ack

    again = CustomerSocket(conversation.public_id, token)
    await again.connect()
    await again.hello(last_seq=0)
    await again.send({"type": "message", "client_msg_id": "same-id", "body": "Where is my card?"})
    second_ack = (await again.receive_until("ack"))[-1]
    assert second_ack["seq"] == first_ack["seq"]
    assert (first_ack["duplicate"], second_ack["duplicate"]) == (False, True)
    assert await again.nothing_more(), "a resend pushes nothing new"
    await again.close()

    copies = Message.objects.filter(conversation=conversation, client_msg_id="same-id")
    assert await database_sync_to_async(copies.count)() == 1


async def test_messages_are_not_sent_before_hello_and_hello_brings_them(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await database_sync_to_async(post_as_system)(conversation, "early")
    assert await socket.nothing_more()
    assert [m["body"] for m in messages_in(await socket.hello())] == ["early"]
    assert await socket.nothing_more()
    await socket.close()


async def test_a_late_push_never_leaves_a_gap_or_a_duplicate(chat):
    """Pushes after commit may overtake each other. When seq 3 arrives before seq 2, the socket fetches 2 from the
    database and sends 2 then 3; the late push of 2 is then dropped."""
    conversation, token = chat
    await database_sync_to_async(post_as_system)(conversation, "one")
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello(last_seq=0)

    def store_silently(body: str) -> Message:
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=F("last_seq") + 1)
        seq = Conversation.objects.get(pk=conversation.pk).last_seq
        return Message.objects.create(conversation=conversation, seq=seq, sender_kind=SenderKind.SYSTEM, body=body)

    two = await database_sync_to_async(store_silently)("two")
    three = await database_sync_to_async(store_silently)("three")
    layer = get_channel_layer()
    group = realtime.conversation_group(conversation.pk)
    await layer.group_send(group, {"type": "push", "payload": message_payload(three)})
    got = [await socket.receive(), await socket.receive()]
    assert [(m["seq"], m["body"]) for m in got] == [(2, "two"), (3, "three")]
    await layer.group_send(group, {"type": "push", "payload": message_payload(two)})
    assert await socket.nothing_more()
    await socket.close()


async def test_two_tabs_of_the_same_conversation_both_see_each_message_once(chat):
    conversation, token = chat
    tabs = [CustomerSocket(conversation.public_id, token), CustomerSocket(conversation.public_id, token)]
    for tab in tabs:
        await tab.connect()
        await tab.hello()
    await tabs[0].send({"type": "message", "client_msg_id": "tab-1", "body": "from the first tab"})
    await tabs[0].receive_until("ack")
    for tab in tabs:
        frames = []
        while not messages_in(frames):
            frames.append(await tab.receive())
        assert [m["body"] for m in messages_in(frames)] == ["from the first tab"]
    for tab in tabs:
        await tab.close()
