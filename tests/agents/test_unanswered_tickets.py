"""A ticket whose agent stops answering goes back to the queue with raised priority."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import agent_on_shift, queued_conversation
from tickets.models import Conversation, Priority, SenderKind, Status
from tickets.services.claims import claim_next_ticket, requeue_unanswered_tickets
from tickets.services.messages import post_message


def _claimed(agent, **kwargs):
    queued_conversation(**kwargs)
    return claim_next_ticket(agent=agent.user)


@pytest.mark.django_db
def test_a_ticket_claimed_and_never_answered_is_requeued_with_raised_priority(settings):
    settings.AGENT_REPLY_TIMEOUT_SECONDS = 180
    agent = agent_on_shift()
    conv = _claimed(agent, priority=Priority.NORMAL)
    Conversation.objects.filter(pk=conv.pk).update(assigned_at=timezone.now() - timedelta(seconds=181))

    assert requeue_unanswered_tickets() == 1
    conv.refresh_from_db()
    assert conv.status == Status.QUEUED
    assert conv.priority == Priority.HIGH
    assert agent.user_id in conv.excluded_agent_ids
    assert conv.events.filter(to_status=Status.QUEUED, data__reason="agent_unresponsive").exists()
    assert requeue_unanswered_tickets() == 0


@pytest.mark.django_db
def test_a_customer_left_waiting_after_the_agents_last_reply_is_requeued(settings):
    settings.AGENT_REPLY_TIMEOUT_SECONDS = 180
    agent = agent_on_shift()
    conv = _claimed(agent)
    post_message(conversation=conv, sender_kind=SenderKind.AGENT, sender_user=agent.user, body="Hi, looking now")
    post_message(conversation=conv, sender_kind=SenderKind.CUSTOMER, body="Any news?")
    long_ago = timezone.now() - timedelta(seconds=200)
    Conversation.objects.filter(pk=conv.pk).update(
        assigned_at=long_ago - timedelta(seconds=60),
        last_agent_message_at=long_ago - timedelta(seconds=30),
        last_customer_message_at=long_ago,
    )
    assert requeue_unanswered_tickets() == 1


@pytest.mark.django_db
def test_an_agent_who_replied_and_is_waiting_for_the_customer_keeps_the_ticket(settings):
    settings.AGENT_REPLY_TIMEOUT_SECONDS = 180
    agent = agent_on_shift()
    conv = _claimed(agent)
    long_ago = timezone.now() - timedelta(seconds=600)
    Conversation.objects.filter(pk=conv.pk).update(
        assigned_at=long_ago,
        last_customer_message_at=long_ago - timedelta(seconds=5),
        last_agent_message_at=long_ago + timedelta(seconds=20),
    )
    fresh = _claimed(agent)
    assert requeue_unanswered_tickets() == 0
    for ticket in (conv, fresh):
        ticket.refresh_from_db()
        assert ticket.status == Status.ASSIGNED
