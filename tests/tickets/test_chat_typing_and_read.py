"""Typing indicators and read receipts travel between the two sides of a conversation, never back to the sender."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tests.factories import agent_on_shift
from tests.tickets.conftest import CustomerSocket, messages_in
from tickets import protocol, realtime
from tickets.models import SenderKind, Status
from tickets.services.lifecycle import conversation_transition
from tickets.services.messages import post_message

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


class GroupListener:
    """Listens to a conversation's group the way the agent's socket does."""

    def __init__(self, conversation_id: int) -> None:
        self.layer = get_channel_layer()
        self.group = realtime.conversation_group(conversation_id)

    async def __aenter__(self) -> "GroupListener":
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.layer.group_discard(self.group, self.channel)

    async def nothing_of(self, kind: str, timeout: float = 0.5) -> bool:
        try:
            await asyncio.wait_for(self.next_of(kind), timeout)
        except TimeoutError:
            return True
        return False

    async def next_of(self, kind: str) -> dict:
        while True:
            event = await self.layer.receive(self.channel)
            if event["payload"]["type"] == kind:
                return event["payload"]


def assign_to_new_agent(conversation, name: str):
    profile = agent_on_shift(display_name=name, languages=["en"])
    conversation_transition(
        conversation=conversation, to_status=Status.QUEUED, actor_kind="system", data={"reason": "test"}
    )
    conversation_transition(
        conversation=conversation, to_status=Status.ASSIGNED, agent=profile.user, actor_kind="agent"
    )
    return profile


async def test_the_customer_typing_reaches_the_agent_side_and_not_the_customer(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    async with GroupListener(conversation.pk) as agent_side:
        await socket.send({"type": "typing", "is_typing": True})
        typing = await agent_side.next_of("typing")
        assert (typing["sender"], typing["is_typing"]) == ("customer", True)
    assert await socket.nothing_more(), "the customer's own typing is not echoed to them"
    await socket.close()


async def test_the_agent_typing_shows_with_their_name(chat):
    conversation, token = chat
    profile = await database_sync_to_async(assign_to_new_agent)(conversation, "Bo")
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await database_sync_to_async(protocol.set_typing)(
        actor=protocol.Actor.agent(profile.user), conversation=conversation, is_typing=True
    )
    typing = await socket.receive()
    assert typing == {"type": "typing", "sender": "agent", "sender_name": "Bo", "is_typing": True}
    await socket.close()


async def test_the_customers_read_receipt_reaches_the_agent_once_per_new_mark(chat):
    conversation, token = chat
    for n in range(3):
        await database_sync_to_async(post_message)(conversation=conversation, sender_kind=SenderKind.BOT, body=f"{n}")
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    async with GroupListener(conversation.pk) as agent_side:
        await socket.send({"type": "read", "seq": 3})
        assert await agent_side.next_of("read") == {
            "type": "read",
            "conversation": conversation.pk,
            "sender": "customer",
            "seq": 3,
        }
        await socket.send({"type": "read", "seq": 2})  # older than what was read: nothing to tell
        await socket.send({"type": "read", "seq": 3})  # the same mark again: nothing new either
        assert await agent_side.nothing_of("read")
    await socket.close()


async def test_a_reconnecting_customer_learns_how_far_the_agent_has_read(chat):
    conversation, token = chat
    profile = await database_sync_to_async(assign_to_new_agent)(conversation, "Cy")
    await database_sync_to_async(post_message)(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="hi")
    await database_sync_to_async(protocol.mark_read)(
        actor=protocol.Actor.agent(profile.user), conversation=conversation, seq=1
    )
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    frames = await socket.hello(last_seq=0)
    assert [m["body"] for m in messages_in(frames)] == ["hi"]
    assert {"type": "read", "sender": "agent", "seq": 1} in frames
    await socket.close()


async def test_an_agent_cannot_mark_or_type_in_a_conversation_that_is_not_theirs(chat):
    from tickets.exceptions import NotYourTicket

    conversation, _ = chat
    await database_sync_to_async(assign_to_new_agent)(conversation, "Di")
    stranger = await database_sync_to_async(agent_on_shift)(display_name="Ed", languages=["en"])
    actor = protocol.Actor.agent(stranger.user)
    for call, kwargs in (
        (protocol.set_typing, {"is_typing": True}),
        (protocol.mark_read, {"seq": 0}),
        (protocol.send_message, {"client_msg_id": "x", "body": "hello"}),
    ):
        with pytest.raises(NotYourTicket):
            await database_sync_to_async(call)(actor=actor, conversation=conversation, **kwargs)


async def test_an_agent_reusing_the_customers_client_id_is_refused_not_silently_acknowledged(chat):
    from tickets.protocol import ClientIdTaken

    conversation, _ = chat
    profile = await database_sync_to_async(assign_to_new_agent)(conversation, "Flo")
    customer = protocol.Actor.customer()
    await database_sync_to_async(protocol.send_message)(
        actor=customer, conversation=conversation, client_msg_id="1", body="from the customer"
    )
    with pytest.raises(ClientIdTaken):
        await database_sync_to_async(protocol.send_message)(
            actor=protocol.Actor.agent(profile.user), conversation=conversation, client_msg_id="1", body="from Flo"
        )
