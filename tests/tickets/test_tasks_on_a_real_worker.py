"""The conversation tasks through a real Celery worker and the Redis broker (not run inline)."""

import time

import pytest
from celery.result import EagerResult
from django.utils import timezone

from tests.factories import queued_conversation
from tests.tickets.conftest import wait_for
from tickets.models import EventKind
from tickets.tasks import flag_sla_breaches

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sla_job_sent_through_the_broker_is_run_by_the_worker(celery_worker_thread):
    overdue = queued_conversation(sla_due_at=timezone.now())
    sent = flag_sla_breaches.delay()
    assert not isinstance(sent, EagerResult), "sent to the broker, not run inline"
    assert wait_for(lambda: overdue.events.filter(kind=EventKind.SLA_BREACH).exists())
    flag_sla_breaches.delay()  # delivered twice: still one breach
    time.sleep(0.5)
    assert overdue.events.filter(kind=EventKind.SLA_BREACH).count() == 1
