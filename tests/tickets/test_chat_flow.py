"""A customer's whole conversation through the real ASGI app: write, ask for a human, wait in the queue,
chat with the agent who takes the ticket, get the rating prompt when it is resolved, rate it."""

import pytest
from channels.db import database_sync_to_async

from tests.factories import agent_on_shift
from tests.tickets.conftest import CustomerSocket, messages_in
from tickets import protocol
from tickets.models import ConversationEvent, EventKind, Message, SenderKind, Status
from tickets.services.claims import claim_next_ticket
from tickets.services.lifecycle import conversation_resolve

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


async def frames_until_status(socket: CustomerSocket, status: str) -> list[dict]:
    """Everything the socket receives up to a status frame with `status`."""
    frames = []
    while True:
        frame = await socket.receive()
        frames.append(frame)
        if frame["type"] == "status" and frame["status"] == status:
            return frames


async def test_a_customer_reaches_an_agent_chats_and_rates_the_conversation(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    assert (await socket.connect())[0]
    await socket.hello()

    await socket.send({"type": "message", "client_msg_id": "c-1", "body": "My refund of 89.90 EUR never arrived"})
    ack = (await socket.receive_until("ack"))[-1]
    assert (ack["client_msg_id"], ack["seq"], ack["duplicate"]) == ("c-1", 1, False)

    # "Talk to a human" is honoured at once; the customer learns their place and that nobody is online yet.
    await socket.send({"type": "human"})
    queued = (await frames_until_status(socket, Status.QUEUED))[-1]
    assert queued["queue_position"] == 1
    assert queued["agents_online"] == 0 and queued["estimated_wait_seconds"] is None
    await socket.nothing_more(0.5)  # let the handoff's pushes arrive before the agent appears

    agent = await database_sync_to_async(agent_on_shift)(display_name="Anna", languages=["en"])
    await database_sync_to_async(claim_next_ticket)(agent=agent.user)
    assigned = (await frames_until_status(socket, Status.ASSIGNED))[-1]
    assert assigned["agent_name"] == "Anna"

    actor = protocol.Actor.agent(agent.user)
    await database_sync_to_async(protocol.set_typing)(actor=actor, conversation=conversation, is_typing=True)
    typing = await socket.receive()
    assert (typing["type"], typing["sender"], typing["sender_name"], typing["is_typing"]) == (
        "typing",
        "agent",
        "Anna",
        True,
    )
    await database_sync_to_async(protocol.send_message)(
        actor=actor, conversation=conversation, client_msg_id="a-1", body="Hi! Let me look at that refund."
    )
    reply = await socket.receive()
    assert (reply["type"], reply["sender"], reply["sender_name"]) == ("message", "agent", "Anna")
    assert reply["body"] == "Hi! Let me look at that refund."

    await socket.send({"type": "read", "seq": reply["seq"]})
    await socket.send({"type": "message", "client_msg_id": "c-2", "body": "Thank you!"})
    frames = await socket.receive_until("ack")
    frames += [await socket.receive()] if not messages_in(frames) else []
    assert [m["body"] for m in messages_in(frames)] == ["Thank you!"]

    await database_sync_to_async(conversation_resolve)(
        conversation=conversation, agent=agent.user, resolution_code="solved"
    )
    frames = await socket.receive_until("csat_request")
    resolved = [f for f in frames if f["type"] == "status"][-1]
    assert resolved["status"] == Status.RESOLVED and resolved["can_rate"] is True

    await socket.send({"type": "csat", "score": 5, "comment": "Quick and kind"})
    thanks = (await socket.receive_until("csat_thanks"))[-1]
    assert thanks["score"] == 5
    await socket.send({"type": "csat", "score": 1})
    assert (await socket.receive_until("error"))[-1]["code"] == "csat_already_given"
    await socket.close()

    stored = await database_sync_to_async(
        lambda: list(Message.objects.filter(conversation=conversation).values_list("seq", "sender_kind"))
    )()
    assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1)), "gap-free sequence"
    assert [kind for _, kind in stored].count(SenderKind.CUSTOMER) == 2
    kinds = await database_sync_to_async(
        lambda: list(ConversationEvent.objects.filter(conversation=conversation).values_list("kind", "to_status"))
    )()
    assert (EventKind.TRANSITION, Status.QUEUED) in kinds
    assert (EventKind.TRANSITION, Status.ASSIGNED) in kinds
    assert (EventKind.TRANSITION, Status.RESOLVED) in kinds
    assert (EventKind.CSAT, "") in kinds


async def test_asking_for_a_human_while_waiting_changes_nothing_and_says_where_you_are(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await socket.send({"type": "human"})
    await frames_until_status(socket, Status.QUEUED)
    await socket.nothing_more(0.5)
    handoffs = await database_sync_to_async(conversation.events.filter(kind=EventKind.HANDOFF).count)()

    await socket.send({"type": "human"})
    again = (await frames_until_status(socket, Status.QUEUED))[-1]
    assert again["queue_position"] == 1
    assert await database_sync_to_async(conversation.events.filter(kind=EventKind.HANDOFF).count)() == handoffs
    await socket.close()


async def test_a_closed_conversation_refuses_new_messages_and_says_so(chat):
    from tickets.services.lifecycle import conversation_close

    conversation, token = chat
    await database_sync_to_async(conversation_close)(conversation=conversation, reason="test")
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    frames = await socket.hello()
    assert frames[-2]["status"] == Status.CLOSED
    await socket.send({"type": "message", "client_msg_id": "late", "body": "hello?"})
    error = await socket.receive()
    assert (error["code"], error["client_msg_id"]) == ("conversation_closed", "late")
    await socket.send({"type": "human"})
    assert (await socket.receive())["code"] == "illegal_transition"
    await socket.close()
