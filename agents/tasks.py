"""Periodic jobs of the marketplace (scheduled in klarna_gig/celery.py). Each is safe to run twice."""

from celery import shared_task
from django.conf import settings

from agents.services.dispatch import dispatch_offers
from agents.services.presence import presence_sweep
from agents.services.shifts import shifts_sweep
from tickets.services.claims import requeue_unanswered_tickets


@shared_task(name="agents.presence_sweep")
def presence_sweep_task() -> dict[str, int]:
    result = presence_sweep()
    return {key: len(value) for key, value in result.items()}


@shared_task(name="agents.requeue_unanswered")
def requeue_unanswered_task() -> int:
    return requeue_unanswered_tickets()


@shared_task(name="agents.shifts_sweep")
def shifts_sweep_task() -> dict[str, int]:
    return shifts_sweep()


@shared_task(name="agents.dispatch_offers")
def dispatch_offers_task() -> int:
    if not settings.DISPATCH_OFFERS_ENABLED:
        return 0
    return dispatch_offers()
