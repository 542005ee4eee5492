"""The periodic jobs: idle bot chats end, waiting customers who left are marked abandoned, finished conversations
close after the reopen window, SLA breaches are flagged once. Each job is safe to run twice."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import ConversationFactory, UserFactory, queued_conversation
from tickets import protocol
from tickets.models import Conversation, EventKind, Message, SenderKind, Status
from tickets.services.bot import conversation_bot_answer
from tickets.services.messages import post_message
from tickets.tasks import (
    abandon_gone_customers,
    close_conversations_after_reopen_window,
    close_idle_bot_conversations,
    flag_sla_breaches,
)

pytestmark = pytest.mark.django_db


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def backdate(conversation, **fields):
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    conversation.refresh_from_db()
    return conversation


IDLE = {"minutes": settings.IDLE_CLOSE_MINUTES + 1}


def test_an_idle_bot_chat_where_the_customer_never_wrote_is_closed():
    conversation = backdate(ConversationFactory(), updated_at=ago(**IDLE))
    assert close_idle_bot_conversations() == 1
    conversation.refresh_from_db()
    assert conversation.status == Status.CLOSED
    assert close_idle_bot_conversations() == 0, "running twice changes nothing more"


def test_an_idle_bot_chat_whose_answer_went_unchallenged_counts_as_solved_by_the_bot():
    conversation = ConversationFactory()
    conversation_bot_answer(conversation=conversation, body="Here is how.", intent="change_pin")
    backdate(conversation, updated_at=ago(**IDLE), last_customer_message_at=ago(minutes=40))
    close_idle_bot_conversations()
    conversation.refresh_from_db()
    assert conversation.status == Status.BOT_RESOLVED
    event = conversation.events.get(kind=EventKind.TRANSITION, to_status=Status.BOT_RESOLVED)
    assert event.data == {"reason": "idle"}


def test_an_idle_bot_chat_with_an_unanswered_question_goes_to_a_human():
    # The customer's question is stored, but the triage that should have answered it never ran.
    conversation = ConversationFactory(last_seq=1, last_customer_message_at=ago(minutes=40))
    Message.objects.create(conversation=conversation, seq=1, sender_kind=SenderKind.CUSTOMER, body="Charged twice?")
    backdate(conversation, updated_at=ago(**IDLE))
    close_idle_bot_conversations()
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED
    assert conversation.events.filter(kind=EventKind.HANDOFF, data__reason="bot_never_answered").exists()


def test_a_bot_chat_active_recently_is_left_alone():
    conversation = backdate(ConversationFactory(), updated_at=ago(minutes=settings.IDLE_CLOSE_MINUTES - 1))
    assert close_idle_bot_conversations() == 0
    conversation.refresh_from_db()
    assert conversation.status == Status.BOT


GONE = {"minutes": settings.ABANDON_AFTER_MINUTES + 1}


def test_a_waiting_customer_with_no_sign_of_life_is_marked_abandoned():
    conversation = queued_conversation(queued_at=ago(**GONE))
    assert abandon_gone_customers() == 1
    conversation.refresh_from_db()
    assert conversation.status == Status.ABANDONED
    assert abandon_gone_customers() == 0


def test_a_waiting_customer_whose_socket_is_alive_is_not_abandoned():
    conversation = queued_conversation(queued_at=ago(**GONE))
    protocol.customer_seen_now(conversation_id=conversation.pk)
    assert abandon_gone_customers() == 0
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED


def test_a_waiting_customer_who_wrote_recently_is_not_abandoned():
    conversation = queued_conversation(queued_at=ago(**GONE), last_customer_message_at=ago(minutes=1))
    assert abandon_gone_customers() == 0
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED


def test_an_abandoned_customer_who_writes_again_goes_back_in_the_queue():
    conversation = queued_conversation(queued_at=ago(**GONE))
    abandon_gone_customers()
    post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="Sorry, I'm back")
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED


WINDOW = {"hours": settings.REOPEN_WINDOW_HOURS + 1}


@pytest.mark.parametrize(
    ("status", "time_field"),
    [(Status.RESOLVED, "resolved_at"), (Status.BOT_RESOLVED, "closed_at"), (Status.ABANDONED, "closed_at")],
)
def test_finished_conversations_close_after_the_reopen_window(status, time_field):
    agent = UserFactory() if status == Status.RESOLVED else None
    old = ConversationFactory(status=status, assigned_agent=agent, **{time_field: ago(**WINDOW)})
    recent = ConversationFactory(status=status, assigned_agent=agent, **{time_field: ago(hours=1)})
    assert close_conversations_after_reopen_window() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (Status.CLOSED, status)
    assert close_conversations_after_reopen_window() == 0


def test_a_customer_waiting_past_the_sla_is_flagged_once():
    overdue = queued_conversation(queued_at=ago(minutes=5), sla_due_at=ago(minutes=4))
    on_time = queued_conversation(sla_due_at=timezone.now() + timedelta(seconds=30))
    assert flag_sla_breaches() == 1
    assert flag_sla_breaches() == 0
    assert overdue.events.filter(kind=EventKind.SLA_BREACH).count() == 1
    assert not on_time.events.filter(kind=EventKind.SLA_BREACH).exists()


def test_a_conversation_taken_by_an_agent_before_the_job_runs_is_not_flagged():
    conversation = queued_conversation(sla_due_at=ago(minutes=1))
    backdate(conversation, status=Status.ASSIGNED, assigned_agent=UserFactory())
    assert flag_sla_breaches() == 0


def test_the_jobs_are_on_the_beat_schedule():
    from klarna_gig.celery import app

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    for task in (close_idle_bot_conversations, abandon_gone_customers, close_conversations_after_reopen_window):
        assert task.name in scheduled
    assert flag_sla_breaches.name in scheduled
    for name in scheduled:
        if name.startswith("tickets."):
            assert name in app.tasks, f"{name} is scheduled but not registered"
