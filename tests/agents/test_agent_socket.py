"""The agent socket: who may connect, live queue, claiming, multiplexed chat, presence, refusals."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from agents.models import AgentStatus, Presence
from agents.roles import AGENT, FINANCE, OPS
from agents.services.dispatch import dispatch_offers
from agents.services.presence import presence_sweep
from tests.agents.sockets import AgentSocket, customer_receive_until
from tests.factories import AgentProfileFactory, agent_on_shift, user_with_role
from tests.tickets.conftest import CustomerSocket
from tickets.models import ConversationEvent, EventKind, Message, SenderKind, Status
from tickets.services.bot import conversation_handoff
from tickets.services.claims import claim_ticket
from tickets.services.lifecycle import conversation_start
from tickets.services.messages import post_message
from tickets.tokens import customer_token_for

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


def _waiting_customer(name="Ada", language="en", summary=None):
    conversation = conversation_start(customer_name=name, language=language)
    conversation = conversation_handoff(
        conversation=conversation,
        reason="human_requested",
        summary=summary or {"request": f"{name} wants a refund"},
    )
    return conversation, customer_token_for(conversation=conversation)


async def _connected(user) -> tuple[AgentSocket, dict]:
    socket = await AgentSocket.for_user(user)
    connected, _ = await socket.connect()
    assert connected
    welcome = await socket.receive()
    assert welcome["type"] == "welcome"
    return socket, welcome


async def test_an_anonymous_visitor_is_refused_with_4401():
    socket = await AgentSocket.for_user(None)
    await socket.connect()
    assert await socket.close_code() == 4401


@pytest.mark.parametrize("role", [FINANCE, AGENT])
async def test_staff_without_ops_and_agents_without_a_profile_are_refused_with_4403(role):
    user = await database_sync_to_async(user_with_role)(role)
    socket = await AgentSocket.for_user(user)
    await socket.connect()
    assert await socket.close_code() == 4403


async def test_an_applicant_not_yet_approved_is_refused_with_4403():
    applicant = await database_sync_to_async(AgentProfileFactory)(status=AgentStatus.APPLIED)
    socket = await AgentSocket.for_user(applicant.user)
    await socket.connect()
    assert await socket.close_code() == 4403


async def test_a_socket_from_a_foreign_origin_is_refused():
    profile = await database_sync_to_async(agent_on_shift)()
    socket = await AgentSocket.for_user(profile.user, origin=(b"origin", b"https://evil.example"))
    connected, _ = await socket.connect()
    assert not connected
    await socket.close()


async def test_the_welcome_carries_presence_the_queue_and_my_conversations():
    profile = await database_sync_to_async(agent_on_shift)()
    waiting, _ = await database_sync_to_async(_waiting_customer)()
    socket, welcome = await _connected(profile.user)
    assert welcome["role"] == "agent"
    assert welcome["presence"]["online"] is True
    assert [t["id"] for t in welcome["queue"]["tickets"]] == [waiting.pk]
    assert welcome["queue"]["tickets"][0]["request"] == "Ada wants a refund"
    assert welcome["conversations"] == []
    await socket.close()


async def test_heartbeats_keep_the_agent_online_and_going_online_off_shift_is_refused():
    profile = await database_sync_to_async(agent_on_shift)()
    socket, _ = await _connected(profile.user)
    await socket.send({"type": "heartbeat"})
    assert await socket.receive() == {"type": "heartbeat_ack", "online": True}

    off_shift = await database_sync_to_async(AgentProfileFactory)()
    other, _ = await _connected(off_shift.user)
    await other.send({"type": "go_online"})
    error = await other.receive()
    assert (error["type"], error["code"]) == ("error", "not_on_shift")
    await other.send({"type": "heartbeat"})
    assert await other.receive() == {"type": "heartbeat_ack", "online": False}
    await socket.close()
    await other.close()


async def test_the_queue_updates_live_when_a_ticket_arrives_and_when_it_is_taken():
    profile = await database_sync_to_async(agent_on_shift)()
    rival = await database_sync_to_async(agent_on_shift)()
    socket, welcome = await _connected(profile.user)
    assert welcome["queue"]["counts"]["total"] == 0

    waiting, _ = await database_sync_to_async(_waiting_customer)(name="Bea")
    frames = await socket.receive_until(lambda f: f["type"] == "queue" and f["counts"]["total"] == 1)
    assert frames[-1]["tickets"][0]["id"] == waiting.pk

    await database_sync_to_async(claim_ticket)(agent=rival.user, conversation=waiting)
    frames = await socket.receive_until(lambda f: f["type"] == "queue" and f["counts"]["total"] == 0)
    assert frames[-1]["tickets"] == []
    await socket.close()


async def test_take_next_then_chat_with_the_customer_over_both_sockets():
    profile = await database_sync_to_async(agent_on_shift)()
    conversation, token = await database_sync_to_async(_waiting_customer)()
    customer = CustomerSocket(conversation.public_id, token)
    await customer.connect()
    await customer.hello()
    agent, _ = await _connected(profile.user)

    await agent.send({"type": "take_next"})
    claimed = (await agent.receive_until("claimed"))[-1]
    assert claimed["conversation"] == conversation.pk
    await agent.send({"type": "hello", "conversation": conversation.pk, "last_seq": 0})
    resume = await agent.receive_until("ready")
    assert any(f["type"] == "message" and f["sender"] == "system" for f in resume), "the transcript follows"
    assert all(f.get("conversation") == conversation.pk for f in resume if f["type"] in ("message", "ready"))

    await customer.send({"type": "message", "client_msg_id": "c-1", "body": "Hello, is anyone there?"})
    pushed = await agent.receive_until(lambda f: f["type"] == "message" and f["sender"] == "customer")
    assert pushed[-1]["body"] == "Hello, is anyone there?"
    assert pushed[-1]["conversation"] == conversation.pk

    await agent.send(
        {"type": "message", "conversation": conversation.pk, "client_msg_id": "a-1", "body": "Hi Ada, Anna here"}
    )
    ack = (await agent.receive_until("ack"))[-1]
    assert ack["conversation"] == conversation.pk and ack["duplicate"] is False
    heard = await customer_receive_until(customer, lambda f: f["type"] == "message" and f["sender"] == "agent")
    assert heard[-1]["body"] == "Hi Ada, Anna here"
    await agent.send({"type": "typing", "conversation": conversation.pk, "is_typing": True})
    typing = await customer.receive_until("typing")
    assert typing[-1]["sender"] == "agent"

    await agent.send({"type": "resolve", "conversation": conversation.pk, "resolution_code": "solved"})
    assert (await agent.receive_until("resolved"))[-1]["status"] == Status.RESOLVED
    assert (await customer.receive_until("csat_request"))[-1]["type"] == "csat_request"
    await agent.close()
    await customer.close()


async def test_frames_for_a_conversation_that_is_not_yours_are_refused_and_change_nothing():
    owner = await database_sync_to_async(agent_on_shift)()
    other = await database_sync_to_async(agent_on_shift)()
    conversation, _ = await database_sync_to_async(_waiting_customer)()
    await database_sync_to_async(claim_ticket)(agent=owner.user, conversation=conversation)
    socket, _ = await _connected(other.user)
    for frame in [
        {"type": "hello", "conversation": conversation.pk, "last_seq": 0},
        {"type": "message", "conversation": conversation.pk, "client_msg_id": "x-1", "body": "I'm not your agent"},
        {"type": "typing", "conversation": conversation.pk, "is_typing": True},
        {"type": "read", "conversation": conversation.pk, "seq": 1},
        {"type": "release", "conversation": conversation.pk, "note": "mine"},
        {"type": "resolve", "conversation": conversation.pk, "resolution_code": "solved"},
        {"type": "draft", "conversation": conversation.pk},
    ]:
        await socket.send(frame)
        error = await socket.receive()
        assert (error["type"], error["code"]) == ("error", "not_your_ticket"), frame
    await socket.send({"type": "take", "conversation": conversation.pk})
    assert (await socket.receive())["code"] == "ticket_already_claimed"
    assert await socket.nothing_more()

    # Nothing of that conversation reaches the other agent's socket.
    await database_sync_to_async(post_message)(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="hi")
    assert await socket.nothing_more(timeout=0.5)
    stored = await database_sync_to_async(
        lambda: list(Message.objects.filter(conversation=conversation).values_list("sender_kind", flat=True))
    )()
    assert SenderKind.AGENT not in stored
    await database_sync_to_async(conversation.refresh_from_db)()
    assert (conversation.status, conversation.assigned_agent_id) == (Status.ASSIGNED, owner.user_id)
    await socket.close()


async def test_malformed_frames_get_error_frames_and_the_socket_stays_open():
    profile = await database_sync_to_async(agent_on_shift)()
    socket, _ = await _connected(profile.user)
    for raw, code in [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"type": "launch_rockets"}', "unknown_type"),
        ('{"type": "take"}', "invalid_frame"),
        ('{"type": "hello", "conversation": "7"}', "invalid_frame"),
        ('{"type": "observe", "conversation": 1}', "forbidden"),
        ('{"type": "message", "conversation": 1, "body": "' + "x" * 20_000 + '"}', "frame_too_large"),
    ]:
        await socket.send_raw(raw)
        error = await socket.receive()
        assert (error["type"], error["code"]) == ("error", code), raw
    await socket.send({"type": "heartbeat"})
    assert (await socket.receive())["type"] == "heartbeat_ack"
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    await socket.close()


async def test_ops_observe_a_conversation_read_only_and_the_view_is_audited():
    profile = await database_sync_to_async(agent_on_shift)()
    conversation, _ = await database_sync_to_async(_waiting_customer)()
    await database_sync_to_async(claim_ticket)(agent=profile.user, conversation=conversation)
    ops = await database_sync_to_async(user_with_role)(OPS)
    socket, welcome = await _connected(ops)
    assert welcome["role"] == "staff" and "queue" not in welcome

    await socket.send({"type": "observe", "conversation": conversation.pk})
    resume = await socket.receive_until("ready")
    assert any(f["type"] == "message" for f in resume)
    await socket.send({"type": "message", "conversation": conversation.pk, "client_msg_id": "o-1", "body": "hi"})
    assert (await socket.receive())["code"] == "forbidden"
    await socket.send({"type": "take_next"})
    assert (await socket.receive())["code"] == "unknown_type"

    await database_sync_to_async(post_message)(
        conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="still there?"
    )
    seen = await socket.receive_until(lambda f: f["type"] == "message" and f["sender"] == "customer")
    assert seen[-1]["body"] == "still there?"
    viewed = await database_sync_to_async(
        ConversationEvent.objects.filter(conversation=conversation, kind=EventKind.VIEWED, actor_user=ops).count
    )()
    assert viewed == 1
    await socket.close()


async def test_when_the_heartbeat_stops_the_ticket_leaves_the_agent_and_the_customer_is_told():
    profile = await database_sync_to_async(agent_on_shift)()
    conversation, token = await database_sync_to_async(_waiting_customer)()
    await database_sync_to_async(claim_ticket)(agent=profile.user, conversation=conversation)
    customer = CustomerSocket(conversation.public_id, token)
    await customer.connect()
    await customer.hello()
    agent, welcome = await _connected(profile.user)
    assert [c["id"] for c in welcome["conversations"]] == [conversation.pk]
    await agent.send({"type": "hello", "conversation": conversation.pk, "last_seq": 0})
    await agent.receive_until("ready")

    stale = timezone.now() - timedelta(minutes=5)
    await database_sync_to_async(Presence.objects.filter(agent=profile).update)(last_heartbeat_at=stale)
    result = await database_sync_to_async(presence_sweep)()
    assert result["requeued"] == [conversation.pk]

    told = await customer_receive_until(customer, lambda f: f["type"] == "message" and f["sender"] == "system")
    assert "agent had to leave" in told[-1]["body"]
    status = await customer_receive_until(customer, lambda f: f["type"] == "status" and f["status"] == Status.QUEUED)
    assert status[-1]["agent_name"] is None
    changed = await agent.receive_until("conversation_changed")
    assert changed[-1]["status"] == Status.QUEUED
    presence_frame = await agent.receive_until("presence")
    assert presence_frame[-1]["online"] is False and presence_frame[-1]["reason"] == "heartbeat_lost"

    # The agent no longer hears that conversation, nor may write to it.
    await agent.send({"type": "message", "conversation": conversation.pk, "client_msg_id": "late", "body": "back!"})
    assert (await agent.receive_until("error"))[-1]["code"] == "not_your_ticket"
    await customer.send({"type": "message", "client_msg_id": "c-9", "body": "hello?"})
    frames = []
    while not await agent.nothing_more(timeout=0.5):
        frames.append(await agent.receive())
    assert not [f for f in frames if f["type"] == "message"]
    await agent.close()
    await customer.close()


async def test_an_offer_arrives_live_and_accepting_it_claims_the_ticket():
    profile = await database_sync_to_async(agent_on_shift)()
    socket, _ = await _connected(profile.user)
    conversation, _ = await database_sync_to_async(_waiting_customer)()
    assert await database_sync_to_async(dispatch_offers)() == 1
    offer = (await socket.receive_until("offer"))[-1]["offer"]
    assert offer["ticket"]["id"] == conversation.pk and offer["ticket"]["request"] == "Ada wants a refund"

    await socket.send({"type": "accept_offer", "offer": offer["id"]})
    claimed = (await socket.receive_until("claimed"))[-1]
    assert claimed["conversation"] == conversation.pk
    await socket.send({"type": "accept_offer", "offer": offer["id"]})
    assert (await socket.receive_until("error"))[-1]["code"] == "offer_not_open"
    await socket.close()


async def test_an_agent_still_marked_online_with_a_stale_heartbeat_is_refreshed_by_connecting():
    profile = await database_sync_to_async(agent_on_shift)()
    stale = timezone.now() - timedelta(minutes=10)
    await database_sync_to_async(Presence.objects.filter(agent=profile).update)(last_heartbeat_at=stale)
    conversation, _ = await database_sync_to_async(_waiting_customer)()
    socket, welcome = await _connected(profile.user)
    assert welcome["presence"]["online"] is True
    await socket.send({"type": "take_next"})
    assert (await socket.receive_until("claimed"))[-1]["conversation"] == conversation.pk
    await socket.close()


async def test_a_queue_change_is_shown_at_once_and_the_rest_of_a_burst_costs_one_recount(monkeypatch):
    monkeypatch.setattr("agents.consumers.QUEUE_REFRESH_SECONDS", 6.0)
    profile = await database_sync_to_async(agent_on_shift)()
    socket, _ = await _connected(profile.user)

    await database_sync_to_async(_waiting_customer)(name="Bea")
    first = await socket.receive_until(lambda f: f["type"] == "queue", timeout=3)  # well inside the 6 s window
    assert first[-1]["counts"]["total"] == 1

    for name in ("Cai", "Dov", "Eli"):
        await database_sync_to_async(_waiting_customer)(name=name)
    assert await socket.nothing_more(timeout=0.5), "changes inside the window wait for the one recount"
    recount = await socket.receive_until(lambda f: f["type"] == "queue", timeout=10)
    assert recount[-1]["counts"]["total"] == 4
    assert await socket.nothing_more(timeout=0.5)
    await socket.close()
