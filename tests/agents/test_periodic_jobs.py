"""The marketplace's beat jobs are scheduled, registered, and safe to run twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents import tasks
from agents.models import Presence, ShiftClaim, TicketOffer
from klarna_gig.celery import app
from tests.factories import agent_on_shift, queued_conversation
from tickets.models import Conversation, Status
from tickets.services.claims import claim_next_ticket

JOBS = {
    "agents.presence_sweep": 15,
    "agents.requeue_unanswered": 30,
    "agents.shifts_sweep": 60,
    "agents.dispatch_offers": 5,
}


def test_every_marketplace_job_is_scheduled_often_enough_and_registered(settings):
    scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    for name, every in JOBS.items():
        assert scheduled.get(name) == every, name
        assert name in app.tasks, name
    # An agent whose heartbeat stops is offline within a minute: timeout plus one sweep interval.
    assert settings.PRESENCE_TIMEOUT_SECONDS + JOBS["agents.presence_sweep"] <= 60


@pytest.mark.django_db
def test_the_jobs_run_through_celery_and_running_them_twice_changes_nothing(settings):
    settings.AGENT_REPLY_TIMEOUT_SECONDS = 180
    gone, silent, fresh = agent_on_shift(), agent_on_shift(), agent_on_shift()
    ShiftClaim.objects.update(checked_in_at=timezone.now() - timedelta(minutes=50))  # both went online on time
    queued_conversation()
    claim_next_ticket(agent=silent.user)
    Conversation.objects.filter(assigned_agent=silent.user).update(assigned_at=timezone.now() - timedelta(minutes=5))
    Presence.objects.filter(agent=gone).update(last_heartbeat_at=timezone.now() - timedelta(minutes=5))

    assert tasks.presence_sweep_task.delay().get()["heartbeat_lost"] == 1
    assert tasks.requeue_unanswered_task.delay().get() == 1
    assert tasks.shifts_sweep_task.delay().get() == {"no_show": 0, "completed": 0}
    assert tasks.dispatch_offers_task.delay().get() == 1
    assert TicketOffer.objects.get().agent_id == fresh.user_id, "not to the agent who dropped it, nor the one gone"

    assert tasks.presence_sweep_task.delay().get()["heartbeat_lost"] == 0
    assert tasks.requeue_unanswered_task.delay().get() == 0
    assert tasks.dispatch_offers_task.delay().get() == 0
    assert Conversation.objects.get().status == Status.QUEUED
