"""Claiming tickets from the queue, and putting back the ones whose agent stopped answering.

Lock order: the agent's profile row first (it serialises one agent's claims, so the
capacity re-check inside the transaction is exact), then the conversation row. The
state change itself goes through `lifecycle.conversation_transition` with
`expect_status`, so a ticket moves out of the queue at most once whatever the race.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from agents.exceptions import AgentNotApproved, NotOnline, NotOnShift
from agents.models import AgentProfile, AgentStatus
from agents.selectors import current_claim, heartbeat_is_fresh, presence_of
from agents.services.dispatch import offers_withdraw_for_ticket
from agents.services.shifts import lock_profile
from tickets.exceptions import (
    AgentAtCapacity,
    IllegalTransition,
    NoTicketAvailable,
    NotYourTicket,
    TicketAlreadyClaimed,
)
from tickets.models import WAITING_STATUSES, ActorKind, Conversation, Status
from tickets.queue import eligible_tickets, ticket_is_eligible
from tickets.services import lifecycle


def _lock_agent_for_claim(agent: AbstractBaseUser) -> AgentProfile:
    """Lock the agent's profile and check they may take one more ticket right now."""
    profile = lock_profile(agent)
    if profile.status != AgentStatus.APPROVED:
        raise AgentNotApproved()
    if not heartbeat_is_fresh(presence_of(profile=profile)):
        raise NotOnline()
    if current_claim(profile=profile) is None:
        raise NotOnShift("Your shift is not running; you can take tickets only during a claimed shift.")
    live = Conversation.objects.filter(assigned_agent_id=agent.pk, status=Status.ASSIGNED).count()
    if live >= profile.max_concurrent_chats:
        raise AgentAtCapacity(f"You already have {live} live chats (your limit is {profile.max_concurrent_chats}).")
    return profile


def _assign(*, conversation: Conversation, agent: AbstractBaseUser, expect_status: str, via: str) -> Conversation:
    conv = lifecycle.conversation_transition(
        conversation=conversation,
        to_status=Status.ASSIGNED,
        agent=agent,
        actor_kind=ActorKind.AGENT,
        actor_user=agent,
        expect_status=expect_status,
        data={"via": via},
    )
    offers_withdraw_for_ticket(conversation=conv, taken_by=agent)
    return conv


def claim_next_ticket(*, agent: AbstractBaseUser) -> Conversation:
    """Take the best waiting ticket this agent may handle, or raise NoTicketAvailable."""
    with transaction.atomic():
        profile = _lock_agent_for_claim(agent)
        candidates = eligible_tickets(profile=profile)
        if connection.features.has_select_for_update_skip_locked:
            # Agents racing for the head of the queue each get a different row instead of waiting in line.
            conv = candidates.select_for_update(skip_locked=True, of=("self",)).first()
            if conv is None:
                raise NoTicketAvailable()
            return _assign(conversation=conv, agent=agent, expect_status=conv.status, via="take_next")
        # SQLite (embedded run): no SKIP LOCKED. Writers are serialised there (IMMEDIATE transactions);
        # the conditional transition still makes a stale candidate fail cleanly, so try the next one.
        for conv in candidates[:20]:
            try:
                with transaction.atomic():
                    return _assign(conversation=conv, agent=agent, expect_status=conv.status, via="take_next")
            except IllegalTransition:
                continue
        raise NoTicketAvailable()


def claim_ticket(*, agent: AbstractBaseUser, conversation: Conversation) -> Conversation:
    """Take one specific ticket from the queue list; raise TicketAlreadyClaimed if someone else got it first."""
    with transaction.atomic():
        profile = _lock_agent_for_claim(agent)
        conv = Conversation.objects.select_for_update(of=("self",)).filter(pk=conversation.pk).first()
        if conv is None or conv.status not in WAITING_STATUSES:
            raise TicketAlreadyClaimed()
        if not ticket_is_eligible(profile=profile, conversation=conv):
            raise NotYourTicket("This ticket needs a language or skill you don't have, or you handed it back before.")
        try:
            return _assign(conversation=conv, agent=agent, expect_status=conv.status, via="take")
        except IllegalTransition as exc:
            raise TicketAlreadyClaimed() from exc


def _owes_reply(now: datetime) -> Q:
    """Assigned, and the agent owes the customer a reply for longer than AGENT_REPLY_TIMEOUT_SECONDS."""
    cutoff = now - timedelta(seconds=settings.AGENT_REPLY_TIMEOUT_SECONDS)
    silent_since_claim = (Q(last_agent_message_at__isnull=True) | Q(last_agent_message_at__lt=F("assigned_at"))) & Q(
        assigned_at__lt=cutoff
    )
    customer_waiting = (
        Q(last_agent_message_at__gte=F("assigned_at"))
        & Q(last_customer_message_at__gt=F("last_agent_message_at"))
        & Q(last_customer_message_at__lt=cutoff)
    )
    return Q(status=Status.ASSIGNED) & (silent_since_claim | customer_waiting)


def requeue_unanswered_tickets(*, now: datetime | None = None) -> int:
    """Beat job: put back in the queue (priority raised) every ticket whose agent stopped answering."""
    now = now or timezone.now()
    requeued = 0
    for conversation_id in Conversation.objects.filter(_owes_reply(now)).values_list("pk", flat=True):
        with transaction.atomic():
            # Re-check under the row lock: the agent may have replied a moment ago.
            conv = Conversation.objects.select_for_update().filter(_owes_reply(now), pk=conversation_id).first()
            if conv is None:
                continue
            lifecycle.conversation_requeue(conversation=conv, reason="agent_unresponsive", raise_priority=True)
            requeued += 1
    return requeued
