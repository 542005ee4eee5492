"""Reads about the human queue: what an agent may take, in which order, and the packet shown before claiming.

The claim service (`tickets.services.claims`) locks rows of the same query that the
workspace lists, so the list and "take next" never disagree about eligibility or order.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agents.models import AgentProfile
from tickets.models import WAITING_STATUSES, Conversation, Status

# Best ticket first: most urgent, then the one that has waited longest.
QUEUE_ORDER = ("-priority", "queued_at", "pk")


def waiting_tickets() -> QuerySet[Conversation]:
    return Conversation.objects.filter(status__in=WAITING_STATUSES)


def _not_excluding(tickets: QuerySet[Conversation], user_id: int) -> QuerySet[Conversation]:
    """Tickets whose `excluded_agent_ids` does not hold this agent (they released or dropped it)."""
    if connection.features.supports_json_field_contains:
        return tickets.exclude(excluded_agent_ids__contains=[user_id])
    # SQLite: JSON containment is spelled with json_each.
    not_excluded = RawSQL(
        "NOT EXISTS (SELECT 1 FROM json_each(tickets_conversation.excluded_agent_ids) WHERE json_each.value = %s)",
        (user_id,),
        output_field=BooleanField(),
    )
    return tickets.filter(not_excluded)


def eligible_tickets(*, profile: AgentProfile) -> QuerySet[Conversation]:
    """Waiting tickets this agent may take: their language, a skill they have (or none needed), not dropped by them."""
    tickets = waiting_tickets().filter(language__in=profile.languages or [""])
    tickets = tickets.filter(Q(required_skill="") | Q(required_skill__in=profile.skills or [""]))
    return _not_excluding(tickets, profile.user_id).order_by(*QUEUE_ORDER)


def ticket_is_eligible(*, profile: AgentProfile, conversation: Conversation) -> bool:
    return (
        conversation.language in profile.languages
        and (not conversation.required_skill or conversation.required_skill in profile.skills)
        and profile.user_id not in conversation.excluded_agent_ids
    )


def request_line(conversation: Conversation) -> str:
    """The one line the handover summary gives for what the customer wants (already redacted)."""
    summary = conversation.handover_summary if isinstance(conversation.handover_summary, dict) else {}
    request = summary.get("request") or summary.get("customer_wants") or ""
    return str(request)[:280]


def ticket_packet(conversation: Conversation, *, now: datetime | None = None) -> dict[str, Any]:
    """What an agent sees about a waiting ticket before claiming it: no transcript, just the handover packet."""
    now = now or timezone.now()
    summary = conversation.handover_summary if isinstance(conversation.handover_summary, dict) else {}
    waited = (now - conversation.queued_at).total_seconds() if conversation.queued_at else 0
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "language": conversation.language,
        "intent": conversation.intent,
        "category": conversation.category,
        "category_label": conversation.get_category_display(),
        "priority": conversation.priority,
        "priority_label": conversation.get_priority_display(),
        "required_skill": conversation.required_skill,
        "queued_at": conversation.queued_at.isoformat() if conversation.queued_at else None,
        "waiting_seconds": max(0, int(waited)),
        "sla_breached": bool(conversation.sla_due_at and conversation.sla_due_at < now),
        "request": request_line(conversation),
        "sentiment": summary.get("sentiment", ""),
        "reopened": conversation.status == Status.REOPENED,
    }


def queue_for_agent(*, profile: AgentProfile, limit: int = 50) -> list[dict[str, Any]]:
    now = timezone.now()
    return [ticket_packet(conv, now=now) for conv in eligible_tickets(profile=profile)[:limit]]


def queue_counts() -> dict[str, Any]:
    """Waiting tickets in total, by language and by category (for the workspace and ops)."""
    rows = list(waiting_tickets().values("language", "category").annotate(n=Count("pk")).order_by())
    by_language: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for row in rows:
        by_language[row["language"]] = by_language.get(row["language"], 0) + row["n"]
        by_category[row["category"]] = by_category.get(row["category"], 0) + row["n"]
    oldest = waiting_tickets().order_by("queued_at").values_list("queued_at", flat=True).first()
    return {
        "total": sum(by_language.values()),
        "by_language": dict(sorted(by_language.items())),
        "by_category": dict(sorted(by_category.items())),
        "longest_wait_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }


def conversations_of(*, agent: AbstractBaseUser) -> QuerySet[Conversation]:
    """The agent's live conversations (assigned to them now), oldest claim first."""
    return Conversation.objects.filter(assigned_agent_id=agent.pk, status=Status.ASSIGNED).order_by("assigned_at", "pk")


def conversation_of(*, agent: AbstractBaseUser, conversation_id: int) -> Conversation | None:
    """One conversation, only if it is assigned to this agent now."""
    return conversations_of(agent=agent).filter(pk=conversation_id).first()
