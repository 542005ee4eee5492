"""What happens to a conversation when time passes: the services behind the periodic jobs.

Each takes one conversation, locks it, re-checks the condition under the lock (the
customer may have written a second ago) and moves it through the state machine, so
running a job twice, or two beat processes at once, changes nothing more.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tickets import realtime, selectors
from tickets.models import WAITING_STATUSES, ActorKind, Conversation, EventKind, Status
from tickets.services import bot, lifecycle

S = Status


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def conversation_close_if_idle_with_bot(*, conversation: Conversation, now: datetime | None = None) -> str | None:
    """A conversation left with the bot for IDLE_CLOSE_MINUTES ends; returns what happened, or None.

    - the customer never wrote: closed;
    - the bot answered and the customer never said it didn't help: solved by the bot;
    - the customer's last question was never answered (triage broke): a human takes over.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.IDLE_CLOSE_MINUTES)
    with transaction.atomic():
        conv = _locked(conversation)
        if conv.status != S.BOT or conv.updated_at >= cutoff:
            return None
        if conv.last_customer_message_at is None:
            lifecycle.conversation_close(conversation=conv, reason="idle_without_a_question")
            return S.CLOSED
        if selectors.bot_question_open(conversation=conv, before_seq=conv.last_seq + 1):
            lifecycle.conversation_transition(
                conversation=conv, to_status=S.BOT_RESOLVED, actor_kind=ActorKind.SYSTEM, data={"reason": "idle"}
            )
            return S.BOT_RESOLVED
        bot.conversation_handoff(
            conversation=conv,
            reason="bot_never_answered",
            summary=bot.handover_summary_for(conversation=conv),
            actor_kind=ActorKind.SYSTEM,
        )
        return S.QUEUED


def customer_last_sign_of_life(*, conversation: Conversation) -> datetime | None:
    """The newest of: their socket or API polling (cache), their last message, joining the queue."""
    from tickets.protocol import customer_last_seen

    moments = [
        customer_last_seen(conversation_id=conversation.pk),
        conversation.last_customer_message_at,
        conversation.queued_at,
    ]
    return max((moment for moment in moments if moment is not None), default=None)


def conversation_abandon_if_customer_left(*, conversation: Conversation, now: datetime | None = None) -> bool:
    """A waiting customer with no socket and no sign of life for ABANDON_AFTER_MINUTES has left."""
    now = now or timezone.now()
    with transaction.atomic():
        conv = _locked(conversation)
        if conv.status not in WAITING_STATUSES:
            return False
        seen = customer_last_sign_of_life(conversation=conv)
        if seen is not None and now - seen < timedelta(minutes=settings.ABANDON_AFTER_MINUTES):
            return False
        lifecycle.conversation_abandon(conversation=conv)
        return True


def conversation_close_after_reopen_window(*, conversation: Conversation, now: datetime | None = None) -> bool:
    """Resolved, bot-solved and abandoned conversations close once the customer can no longer reopen them."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.REOPEN_WINDOW_HOURS)
    with transaction.atomic():
        conv = _locked(conversation)
        ended_at = conv.resolved_at if conv.status == S.RESOLVED else conv.closed_at
        if conv.status not in (S.RESOLVED, S.BOT_RESOLVED, S.ABANDONED) or ended_at is None or ended_at >= cutoff:
            return False
        lifecycle.conversation_close(conversation=conv, reason="reopen_window_over")
        return True


def conversation_flag_sla_breach(*, conversation: Conversation, now: datetime | None = None) -> bool:
    """A customer waiting past the SLA without an agent is recorded once per conversation; True if recorded now."""
    now = now or timezone.now()
    with transaction.atomic():
        conv = _locked(conversation)
        if conv.status not in WAITING_STATUSES or conv.sla_due_at is None or conv.sla_due_at > now:
            return False
        if conv.events.filter(kind=EventKind.SLA_BREACH).exists():
            return False
        lifecycle.conversation_event_record(
            conversation=conv,
            kind=EventKind.SLA_BREACH,
            actor_kind=ActorKind.SYSTEM,
            data={"sla_due_at": conv.sla_due_at.isoformat(), "priority": conv.priority},
        )
        realtime.queue_push({"type": "sla_breach", "conversation": conv.pk})
        return True
