"""The conversation state machine: the one place where `Conversation.status` changes.

Every transition locks the conversation row, checks the transition table, writes
the new state and an event (actor + time), and only after commit tells the
websockets. Lock order when several rows are needed: the agent's rows first, then
the conversation (see docs/operations.md); code here locks only the conversation.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tickets import realtime
from tickets.exceptions import IllegalTransition, NotYourTicket
from tickets.models import (
    ActorKind,
    Conversation,
    ConversationEvent,
    EventKind,
    Priority,
    SenderKind,
    Status,
)

log = logging.getLogger(__name__)
S = Status
# from-state -> states it may move to. Anything else raises IllegalTransition.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.BOT: frozenset({S.QUEUED, S.BOT_RESOLVED, S.ABANDONED, S.CLOSED}),
    S.QUEUED: frozenset({S.ASSIGNED, S.ABANDONED, S.CLOSED}),
    S.ASSIGNED: frozenset({S.QUEUED, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.REOPENED, S.CLOSED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.ABANDONED, S.CLOSED}),
    S.BOT_RESOLVED: frozenset({S.BOT, S.QUEUED, S.CLOSED}),
    S.ABANDONED: frozenset({S.QUEUED, S.CLOSED}),
    S.CLOSED: frozenset(),
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def _record_event(
    *,
    conversation: Conversation,
    kind: str,
    actor_kind: str,
    actor_user: AbstractBaseUser | None = None,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        conversation=conversation,
        kind=kind,
        actor_kind=actor_kind,
        actor_user=actor_user,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        created_at=at or timezone.now(),
    )


def conversation_event_record(
    *,
    conversation: Conversation,
    kind: str,
    actor_kind: str,
    actor_user: AbstractBaseUser | None = None,
    data: dict[str, Any] | None = None,
) -> ConversationEvent:
    """Record a non-transition event (first response, CSAT, a view by an agent…)."""
    return _record_event(conversation=conversation, kind=kind, actor_kind=actor_kind, actor_user=actor_user, data=data)


def conversation_lock(conversation: Conversation) -> Conversation:
    """The conversation's row, locked for the rest of the transaction."""
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _status_payload(conversation: Conversation) -> dict[str, Any]:
    agent = conversation.assigned_agent
    return {
        "type": "status",
        "conversation": conversation.pk,
        "status": conversation.status,
        "agent_name": agent.agent_profile.display_name if agent and hasattr(agent, "agent_profile") else None,
    }


def conversation_transition(
    *,
    conversation: Conversation,
    to_status: str,
    actor_kind: str,
    actor_user: AbstractBaseUser | None = None,
    data: dict[str, Any] | None = None,
    agent: AbstractBaseUser | None = None,
    expect_status: str | None = None,
) -> Conversation:
    """Move a conversation to `to_status`, or raise IllegalTransition and change nothing.

    `agent` is required for moves into `assigned`. `expect_status` makes the move
    conditional: if someone else moved the conversation first, it raises.
    """
    with transaction.atomic():
        conv = conversation_lock(conversation)
        from_status = conv.status
        if expect_status is not None and from_status != expect_status:
            raise IllegalTransition(f"Conversation is {from_status}, not {expect_status}.")
        if not can_transition(from_status, to_status):
            raise IllegalTransition(f"A conversation cannot go from {from_status} to {to_status}.")
        now = timezone.now()
        conv.status = to_status
        previous_agent = conv.assigned_agent
        if to_status in (S.QUEUED, S.REOPENED):
            conv.assigned_agent = None
            conv.queued_at = now
            conv.sla_due_at = now + timedelta(seconds=settings.QUEUE_SLA_SECONDS)
        elif to_status == S.ASSIGNED:
            if agent is None:
                raise IllegalTransition("Assigning needs an agent.")
            conv.assigned_agent = agent
            conv.assigned_at = now
        elif to_status == S.RESOLVED:
            conv.resolved_at = now
        elif to_status in (S.CLOSED, S.BOT_RESOLVED, S.ABANDONED):
            conv.closed_at = now
        if to_status == S.REOPENED:
            conv.reopen_count += 1
        conv.save()
        _record_event(
            conversation=conv,
            kind=EventKind.TRANSITION,
            actor_kind=actor_kind,
            actor_user=actor_user,
            from_status=from_status,
            to_status=to_status,
            data=data,
            at=now,
        )
        if to_status == S.RESOLVED:
            from payouts import services as payouts_services

            payouts_services.earning_record_resolution(conversation=conv)
        if from_status == S.RESOLVED and to_status == S.REOPENED:
            from payouts import services as payouts_services

            payouts_services.earning_handle_reopen(conversation=conv)
        realtime.conversation_push(conv.pk, _status_payload(conv))
        if to_status in (S.QUEUED, S.REOPENED) or from_status in (S.QUEUED, S.REOPENED):
            realtime.queue_push({"type": "queue_changed", "conversation": conv.pk, "status": to_status})
        for user in {previous_agent, conv.assigned_agent} - {None}:
            realtime.agent_push(user.pk, {"type": "conversation_changed", "conversation": conv.pk, "status": to_status})
    conversation.refresh_from_db()
    return conv


def conversation_start(*, customer_name: str = "", customer_email: str = "", language: str = "en") -> Conversation:
    with transaction.atomic():
        conv = Conversation.objects.create(
            customer_name=customer_name.strip()[:120], customer_email=customer_email.strip(), language=language
        )
        _record_event(conversation=conv, kind=EventKind.CREATED, actor_kind=ActorKind.CUSTOMER)
    return conv


def _agent_is_online(user: AbstractBaseUser) -> bool:
    from agents.selectors import agent_is_available

    return agent_is_available(user=user)


def conversation_reopen(*, conversation: Conversation) -> Conversation:
    """A resolved case in which the customer writes again: back to the same agent if online, else the queue."""
    with transaction.atomic():
        conv = conversation_lock(conversation)
        previous_agent = conv.assigned_agent
        conv = conversation_transition(
            conversation=conv, to_status=S.REOPENED, actor_kind=ActorKind.CUSTOMER, expect_status=S.RESOLVED
        )
        if previous_agent is not None and _agent_is_online(previous_agent):
            conv = conversation_transition(
                conversation=conv,
                to_status=S.ASSIGNED,
                agent=previous_agent,
                actor_kind=ActorKind.SYSTEM,
                data={"reason": "reopened_to_same_agent"},
            )
    return conv


def _require_agent(conv: Conversation, agent: AbstractBaseUser) -> None:
    if conv.status != S.ASSIGNED or conv.assigned_agent_id != agent.pk:
        raise NotYourTicket()


def conversation_release(*, conversation: Conversation, agent: AbstractBaseUser, note: str = "") -> Conversation:
    """The agent gives the ticket back to the queue; they won't be offered it again."""
    with transaction.atomic():
        conv = conversation_lock(conversation)
        _require_agent(conv, agent)
        if agent.pk not in conv.excluded_agent_ids:
            conv.excluded_agent_ids = [*conv.excluded_agent_ids, agent.pk]
            conv.save(update_fields=["excluded_agent_ids", "updated_at"])
        return conversation_transition(
            conversation=conv,
            to_status=S.QUEUED,
            actor_kind=ActorKind.AGENT,
            actor_user=agent,
            data={"reason": "released", "note": note[:500]},
        )


def conversation_requeue(*, conversation: Conversation, reason: str, raise_priority: bool = True) -> Conversation:
    """The system takes a ticket from an agent who went offline or stopped answering."""
    from tickets.services.messages import post_message

    with transaction.atomic():
        conv = conversation_lock(conversation)
        if conv.status != S.ASSIGNED:
            return conv
        dropped_by = conv.assigned_agent_id
        if dropped_by not in conv.excluded_agent_ids:
            conv.excluded_agent_ids = [*conv.excluded_agent_ids, dropped_by]
        if raise_priority:
            conv.priority = min(conv.priority + 10, Priority.URGENT)
        conv.save(update_fields=["excluded_agent_ids", "priority", "updated_at"])
        post_message(
            conversation=conv,
            sender_kind=SenderKind.SYSTEM,
            body="Your agent had to leave. You keep your place near the front of the queue; "
            "the next agent will see the whole conversation.",
        )
        return conversation_transition(
            conversation=conv,
            to_status=S.QUEUED,
            actor_kind=ActorKind.SYSTEM,
            data={"reason": reason, "dropped_by": dropped_by},
        )


def conversation_resolve(*, conversation: Conversation, agent: AbstractBaseUser, resolution_code: str) -> Conversation:
    """The agent resolves the case: the customer gets the CSAT prompt and the agent an earning."""
    with transaction.atomic():
        conv = conversation_lock(conversation)
        _require_agent(conv, agent)
        conv.resolution_code = resolution_code[:32]
        conv.save(update_fields=["resolution_code", "updated_at"])
        conv = conversation_transition(
            conversation=conv,
            to_status=S.RESOLVED,
            actor_kind=ActorKind.AGENT,
            actor_user=agent,
            data={"resolution_code": resolution_code[:32]},
        )
        realtime.conversation_push(conv.pk, {"type": "csat_request", "conversation": conv.pk})
    return conv


def conversation_close(
    *, conversation: Conversation, actor_kind: str = ActorKind.SYSTEM, reason: str = ""
) -> Conversation:
    return conversation_transition(
        conversation=conversation, to_status=S.CLOSED, actor_kind=actor_kind, data={"reason": reason}
    )


def conversation_abandon(*, conversation: Conversation) -> Conversation:
    return conversation_transition(
        conversation=conversation, to_status=S.ABANDONED, actor_kind=ActorKind.SYSTEM, data={"reason": "customer_left"}
    )
