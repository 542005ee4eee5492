"""The bot path for real: a customer's message runs the `triage` Celery task (inline under eager Celery, and once
through a real worker on the Redis broker), which answers a routine question from the knowledge base or hands over."""

import pytest
from celery.signals import before_task_publish
from channels.db import database_sync_to_async

from tests.tickets.conftest import CustomerSocket, messages_in, wait_for
from tickets.models import Conversation, EventKind, SenderKind, Status
from tickets.services.lifecycle import conversation_start
from tickets.services.messages import post_message
from tickets.triage.models import Outcome, TriageDecision

ROUTINE = "I ordered my card two weeks ago and it still hasn't arrived"
UNANSWERABLE = "Can you explain the meaning of life?"

pytestmark = pytest.mark.django_db(transaction=True)


async def ask(socket: CustomerSocket, client_msg_id: str, body: str) -> list[dict]:
    await socket.send({"type": "message", "client_msg_id": client_msg_id, "body": body})
    return await socket.receive_until("ack")


async def until_status(socket: CustomerSocket, status: str) -> list[dict]:
    frames = []
    while not (frames and frames[-1]["type"] == "status" and frames[-1]["status"] == status):
        frames.append(await socket.receive())
    return frames


async def decision_for(conversation, client_msg_id: str) -> TriageDecision:
    return await database_sync_to_async(TriageDecision.objects.get)(
        message__conversation=conversation, message__client_msg_id=client_msg_id
    )


@pytest.mark.anyio
async def test_a_routine_question_gets_the_knowledge_base_answer_and_no_brings_a_human(chat, knowledge_base):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()

    await ask(socket, "q-1", ROUTINE)
    frames = await socket.receive_until("bot_question")
    bot = [m for m in messages_in(frames) if m["sender"] == "bot"]
    decision = await decision_for(conversation, "q-1")
    assert decision.outcome == Outcome.BOT_ANSWER and decision.intent == "card_arrival"
    knowledge = await database_sync_to_async(lambda: decision.knowledge_answer.body)()
    assert bot[0]["body"] == knowledge
    assert bot[1]["body"].startswith("Did that solve it?")

    await ask(socket, "q-2", "no")
    queued = (await until_status(socket, Status.QUEUED))[-1]
    assert queued["queue_position"] == 1
    conv = await database_sync_to_async(Conversation.objects.get)(pk=conversation.pk)
    assert conv.bot_failures == 1
    assert conv.handover_summary["request"], "the agent learns what the customer wants"
    assert conv.handover_summary["bot_tried"], "and what the bot already tried"
    await socket.close()


@pytest.mark.anyio
async def test_a_routine_question_answered_yes_is_solved_by_the_bot_and_asks_for_a_rating(chat, knowledge_base):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await ask(socket, "q-1", ROUTINE)
    await socket.receive_until("bot_question")
    await socket.send({"type": "bot_feedback", "solved": True})
    frames = await socket.receive_until("csat_request")
    assert [f["status"] for f in frames if f["type"] == "status"][-1] == Status.BOT_RESOLVED
    await socket.close()


@pytest.mark.anyio
async def test_a_second_question_the_bot_cannot_answer_goes_to_a_human(chat, knowledge_base):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await ask(socket, "q-1", ROUTINE)
    await socket.receive_until("bot_question")

    await ask(socket, "q-2", UNANSWERABLE)
    await until_status(socket, Status.QUEUED)
    decision = await decision_for(conversation, "q-2")
    assert decision.outcome == Outcome.HANDOFF
    await socket.close()


@pytest.mark.anyio
async def test_asking_for_a_human_in_words_hands_over_at_once(chat, knowledge_base):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await ask(socket, "q-1", "I want to talk to a human please")
    await until_status(socket, Status.QUEUED)
    handoff = await database_sync_to_async(conversation.events.get)(kind=EventKind.HANDOFF)
    assert handoff.data == {"reason": "human_requested"}
    await socket.close()


def test_the_triage_task_runs_on_a_real_worker_through_the_broker(celery_worker_thread, knowledge_base):
    published = []

    def record(sender=None, **kwargs):  # fires only when a task is sent to the broker, never when run inline
        published.append(sender)

    before_task_publish.connect(record, weak=False)
    try:
        conversation = conversation_start(customer_name="Ada")
        message, _ = post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body=ROUTINE)
    finally:
        before_task_publish.disconnect(record)
    assert "triage" in published
    assert wait_for(lambda: conversation.messages.filter(sender_kind=SenderKind.BOT).count() == 2)
    decision = TriageDecision.objects.get(message=message)
    assert (decision.outcome, decision.intent) == (Outcome.BOT_ANSWER, "card_arrival")
    conversation.refresh_from_db()
    assert conversation.status == Status.BOT


def test_talk_to_a_human_after_a_bot_answer_routes_by_what_the_triage_learnt(knowledge_base):
    from tickets.services.bot import conversation_request_human

    conversation = conversation_start(customer_name="Dora")
    post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body=ROUTINE)
    decision = TriageDecision.objects.get(conversation=conversation)
    assert decision.outcome == Outcome.BOT_ANSWER
    conversation.refresh_from_db()
    assert (conversation.category, conversation.required_skill) == ("general", ""), "a bot answer routes nothing"

    conversation_request_human(conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED
    assert (conversation.category, conversation.required_skill, conversation.language) == ("cards", "cards", "en")
    assert conversation.intent == "card_arrival"
    assert conversation.handover_summary["bot_tried"]
