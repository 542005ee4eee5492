"""The bot's answer asks "did that solve it?": yes ends the chat with the bot (and asks for a rating), no goes to a
human with priority and a handover summary. A request for a human is honoured at once from any state but closed."""

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from tests.factories import ConversationFactory, UserFactory, agent_on_shift
from tests.tickets.conftest import CustomerSocket, messages_in
from tickets.exceptions import IllegalTransition
from tickets.models import EventKind, Priority, SenderKind, Status
from tickets.services import bot
from tickets.services.messages import bot_feedback_answer, post_message

ANSWER = "Cards arrive within 5 working days. You can follow the delivery in the app under Card > Track."


def bot_answered(conversation):
    """The bot has answered (as the triage does for a routine question) and asked whether that solved it."""
    bot.conversation_bot_answer(conversation=conversation, body=ANSWER, intent="card_arrival")
    conversation.refresh_from_db()
    return conversation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Yes!", True),
        ("ja", True),
        ("JA TACK", True),
        ("yes, thank you", True),
        ("no", False),
        ("No.", False),
        ("nej", False),
        ("Nein", False),
        ("not really", False),
        ("no it didn't", False),
        ("no it didn’t", False),
        ("yes but my card is blocked", None),
        ("how do I change my PIN?", None),
    ],
)
def test_short_yes_and_no_answers_are_recognised_and_anything_longer_is_a_new_question(text, expected):
    assert bot_feedback_answer(text) is expected


@pytest.mark.django_db
def test_the_bot_answer_is_posted_with_the_question_and_recorded():
    conversation = bot_answered(ConversationFactory())
    bodies = list(conversation.messages.filter(sender_kind=SenderKind.BOT).values_list("body", flat=True))
    assert bodies[0] == ANSWER
    assert bodies[1].startswith("Did that solve it?")
    assert conversation.events.filter(kind=EventKind.BOT_ANSWER, data__intent="card_arrival").exists()
    assert conversation.intent == "card_arrival"


@pytest.mark.django_db
@pytest.mark.parametrize("reply", ["no", "Nein", "nej"])
def test_answering_no_to_the_bot_hands_over_to_a_human_with_a_summary(reply):
    conversation = bot_answered(ConversationFactory())
    post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body=reply)
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED
    assert conversation.bot_failures == 1
    assert conversation.handover_summary, "the agent gets a summary"
    handoff = conversation.events.get(kind=EventKind.HANDOFF)
    assert handoff.data == {"reason": "bot_answer_rejected"}
    assert handoff.actor_kind == "customer"


@pytest.mark.django_db
@pytest.mark.parametrize("reply", ["yes", "Ja", "yes thanks"])
def test_answering_yes_to_the_bot_ends_the_chat_as_solved_by_the_bot(reply):
    conversation = bot_answered(ConversationFactory())
    post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body=reply)
    conversation.refresh_from_db()
    assert conversation.status == Status.BOT_RESOLVED
    assert conversation.messages.order_by("-seq").first().sender_kind == SenderKind.BOT


@pytest.mark.django_db
def test_yes_without_a_bot_question_is_just_a_message():
    conversation = ConversationFactory()
    post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="yes")
    conversation.refresh_from_db()
    assert conversation.status != Status.BOT_RESOLVED


@pytest.mark.django_db
def test_bot_feedback_outside_the_bot_state_raises_and_changes_nothing():
    conversation = ConversationFactory(status=Status.QUEUED, queued_at=timezone.now())
    with pytest.raises(IllegalTransition):
        bot.conversation_bot_feedback(conversation=conversation, solved=False)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.bot_failures) == (Status.QUEUED, 0)


def in_state(status):
    now = timezone.now()
    fields = {"status": status}
    if status in (Status.ASSIGNED, Status.RESOLVED):
        fields.update(assigned_agent=UserFactory(), assigned_at=now)
    if status in (Status.QUEUED, Status.REOPENED):
        fields.update(queued_at=now, sla_due_at=now)
    if status == Status.RESOLVED:
        fields["resolved_at"] = now
    return ConversationFactory(**fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "after"),
    [
        (Status.BOT, Status.QUEUED),
        (Status.BOT_RESOLVED, Status.QUEUED),
        (Status.ABANDONED, Status.QUEUED),
        (Status.QUEUED, Status.QUEUED),
        (Status.REOPENED, Status.REOPENED),
        (Status.ASSIGNED, Status.ASSIGNED),
        (Status.RESOLVED, Status.REOPENED),
    ],
)
def test_asking_for_a_human_is_honoured_at_once_from_every_state_but_closed(status, after):
    conversation = in_state(status)
    bot.conversation_request_human(conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == after
    if status in (Status.BOT, Status.BOT_RESOLVED, Status.ABANDONED):
        assert conversation.priority >= Priority.HIGH
        assert conversation.events.get(kind=EventKind.HANDOFF).data == {"reason": "human_requested"}


@pytest.mark.django_db
def test_asking_for_a_human_after_resolution_goes_back_to_the_same_agent_when_online():
    agent = agent_on_shift(languages=["en"])
    now = timezone.now()
    conversation = ConversationFactory(
        status=Status.RESOLVED, assigned_agent=agent.user, assigned_at=now, resolved_at=now
    )
    bot.conversation_request_human(conversation=conversation)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_agent_id) == (Status.ASSIGNED, agent.user_id)


@pytest.mark.django_db
def test_asking_for_a_human_in_a_closed_conversation_raises_and_changes_nothing():
    conversation = in_state(Status.CLOSED)
    with pytest.raises(IllegalTransition):
        bot.conversation_request_human(conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == Status.CLOSED
    assert not conversation.events.exists()


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_over_the_socket_the_bot_question_shows_and_the_no_button_brings_a_human(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await database_sync_to_async(bot.conversation_bot_answer)(
        conversation=conversation, body=ANSWER, intent="card_arrival"
    )
    frames = await socket.receive_until("bot_question")
    assert [m["sender"] for m in messages_in(frames)] == ["bot", "bot"]
    assert messages_in(frames)[0]["body"] == ANSWER

    reconnect = CustomerSocket(conversation.public_id, token)
    await reconnect.connect()
    status = next(f for f in await reconnect.hello(last_seq=2) if f["type"] == "status")
    assert status["awaiting_bot_feedback"] is True, "a reloaded page shows the yes/no buttons again"
    await reconnect.close()

    await socket.send({"type": "bot_feedback", "solved": False})
    frames = await socket.receive_until("status")
    while frames[-1]["status"] != Status.QUEUED:
        frames += await socket.receive_until("status")
    assert frames[-1]["queue_position"] == 1
    await socket.close()


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_over_the_socket_yes_ends_with_the_bot_and_asks_for_a_rating(chat):
    conversation, token = chat
    socket = CustomerSocket(conversation.public_id, token)
    await socket.connect()
    await socket.hello()
    await database_sync_to_async(bot.conversation_bot_answer)(
        conversation=conversation, body=ANSWER, intent="card_arrival"
    )
    await socket.receive_until("bot_question")
    await socket.send({"type": "message", "client_msg_id": "yes-1", "body": "Yes!"})
    frames = await socket.receive_until("csat_request")
    statuses = [f["status"] for f in frames if f["type"] == "status"]
    assert statuses[-1] == Status.BOT_RESOLVED
    await socket.send({"type": "csat", "score": 4, "comment": ""})
    assert (await socket.receive_until("csat_thanks"))[-1]["score"] == 4
    await socket.close()
