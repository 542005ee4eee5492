"""Periodic jobs for conversations (scheduled in klarna_gig/celery.py). Each is safe to run twice.

A job finds candidates with one cheap query, then hands each to a service in
tickets.services.timeouts that locks the row and re-checks before changing anything.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from tickets.models import WAITING_STATUSES, Conversation, ConversationEvent, EventKind, Status
from tickets.services import timeouts

BATCH = 500


def _each(queryset, service) -> int:
    done = 0
    for conversation in queryset.order_by("pk")[:BATCH]:
        if service(conversation=conversation):
            done += 1
    return done


@shared_task(name="tickets.close_idle_bot_conversations")
def close_idle_bot_conversations() -> int:
    cutoff = timezone.now() - timedelta(minutes=settings.IDLE_CLOSE_MINUTES)
    idle = Conversation.objects.filter(status=Status.BOT, updated_at__lt=cutoff).only("pk")
    return _each(idle, timeouts.conversation_close_if_idle_with_bot)


@shared_task(name="tickets.abandon_gone_customers")
def abandon_gone_customers() -> int:
    cutoff = timezone.now() - timedelta(minutes=settings.ABANDON_AFTER_MINUTES)
    waiting_long = Conversation.objects.filter(status__in=WAITING_STATUSES, queued_at__lt=cutoff).only("pk")
    return _each(waiting_long, timeouts.conversation_abandon_if_customer_left)


@shared_task(name="tickets.close_conversations_after_reopen_window")
def close_conversations_after_reopen_window() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.REOPEN_WINDOW_HOURS)
    ended = Conversation.objects.filter(
        Q(status=Status.RESOLVED, resolved_at__lt=cutoff)
        | Q(status__in=[Status.BOT_RESOLVED, Status.ABANDONED], closed_at__lt=cutoff)
    ).only("pk")
    return _each(ended, timeouts.conversation_close_after_reopen_window)


@shared_task(name="tickets.flag_sla_breaches")
def flag_sla_breaches() -> int:
    flagged = ConversationEvent.objects.filter(conversation=OuterRef("pk"), kind=EventKind.SLA_BREACH)
    overdue = (
        Conversation.objects.filter(status__in=WAITING_STATUSES, sla_due_at__lt=timezone.now())
        .exclude(Exists(flagged))
        .only("pk")
    )
    return _each(overdue, timeouts.conversation_flag_sla_breach)
