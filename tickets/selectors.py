"""Reads about conversations shared by the chat socket, the REST API and the pages.

The queue estimate is deliberately simple and honest: how many waiting conversations
the same agents would serve first, how many free seats those agents have right now,
and how long a chat has recently taken them.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from agents.models import AgentStatus, ClaimStatus
from tickets.models import WAITING_STATUSES, Conversation, ConversationEvent, EventKind, Message, SenderKind, Status

DEFAULT_HANDLING_SECONDS = 6 * 60
HANDLING_WINDOW = timedelta(hours=24)
HANDLING_CACHE_SECONDS = 60
# Estimates are shown rounded up to this step: "about 2 minutes", never a false "37 seconds".
ESTIMATE_STEP_SECONDS = 30


def conversation_by_public_id(*, public_id: uuid.UUID | str) -> Conversation | None:
    return Conversation.objects.filter(public_id=public_id).select_related("assigned_agent__agent_profile").first()


def messages_since(*, conversation: Conversation, after_seq: int, limit: int = 500) -> list[Message]:
    """Messages with seq > after_seq, oldest first; at most `limit` of them."""
    return list(
        Message.objects.filter(conversation=conversation, seq__gt=after_seq)
        .select_related("sender_user__agent_profile")
        .order_by("seq")[:limit]
    )


def customer_has_rated(*, conversation: Conversation) -> bool:
    return ConversationEvent.objects.filter(conversation=conversation, kind=EventKind.CSAT).exists()


def bot_question_open(*, conversation: Conversation, before_seq: int) -> bool:
    """The message just before `before_seq` is the bot's, and the bot has answered here: "did that solve it?" is open."""
    return (
        Message.objects.filter(conversation=conversation, seq=before_seq - 1, sender_kind=SenderKind.BOT).exists()
        and ConversationEvent.objects.filter(conversation=conversation, kind=EventKind.BOT_ANSWER).exists()
    )


def assigned_agent_name(*, conversation: Conversation) -> str | None:
    agent = conversation.assigned_agent if conversation.assigned_agent_id else None
    if agent is None:
        return None
    profile = getattr(agent, "agent_profile", None)
    return profile.display_name if profile else agent.get_username()


def queue_position(*, conversation: Conversation) -> int | None:
    """1 = next in line. Counts waiting conversations in the same language served before this one."""
    if conversation.status not in WAITING_STATUSES or conversation.queued_at is None:
        return None
    priority, queued_at = conversation.priority, conversation.queued_at
    ahead = (
        Conversation.objects.filter(status__in=WAITING_STATUSES, language=conversation.language)
        .filter(
            Q(priority__gt=priority)
            | Q(priority=priority, queued_at__lt=queued_at)
            | Q(priority=priority, queued_at=queued_at, pk__lt=conversation.pk)
        )
        .count()
    )
    return ahead + 1


@dataclass(frozen=True)
class Supply:
    """Agents who could take a conversation right now, and their seats."""

    agents: int
    free_seats: int
    total_seats: int


def agent_supply(*, language: str, skill: str = "", now: datetime | None = None) -> Supply:
    """Approved agents, online with a fresh heartbeat, on a running shift, speaking `language` (and with `skill`)."""
    from agents.models import AgentProfile

    now = now or timezone.now()
    fresh = now - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    profiles = (
        AgentProfile.objects.filter(
            status=AgentStatus.APPROVED,
            presence__online=True,
            presence__last_heartbeat_at__gte=fresh,
            shift_claims__status=ClaimStatus.ACTIVE,
            shift_claims__starts_at__lte=now,
            shift_claims__ends_at__gt=now,
        )
        .distinct()
        .only("user_id", "languages", "skills", "max_concurrent_chats")
    )
    # Languages and skills are small JSON lists; filtering them here works on SQLite and PostgreSQL alike.
    eligible = [p for p in profiles if language in (p.languages or []) and (not skill or skill in (p.skills or []))]
    if not eligible:
        return Supply(agents=0, free_seats=0, total_seats=0)
    live = dict(
        Conversation.objects.filter(assigned_agent_id__in=[p.user_id for p in eligible], status=Status.ASSIGNED)
        .values_list("assigned_agent_id")
        .annotate(n=Count("id"))
    )
    total = sum(p.max_concurrent_chats for p in eligible)
    free = sum(max(p.max_concurrent_chats - live.get(p.user_id, 0), 0) for p in eligible)
    return Supply(agents=len(eligible), free_seats=free, total_seats=total)


def average_handling_seconds(*, now: datetime | None = None) -> int:
    """Mean time from assignment to resolution over the last 24 h, from the event log; 6 minutes without data."""
    key = "tickets:average-handling-seconds"
    cached = cache.get(key)
    if cached is not None:
        return cached
    now = now or timezone.now()
    assigned_before = (
        ConversationEvent.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            kind=EventKind.TRANSITION,
            to_status=Status.ASSIGNED,
            created_at__lte=OuterRef("created_at"),
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    pairs = (
        ConversationEvent.objects.filter(
            kind=EventKind.TRANSITION, to_status=Status.RESOLVED, created_at__gte=now - HANDLING_WINDOW
        )
        .annotate(assigned_at=Subquery(assigned_before))
        .exclude(assigned_at=None)
        .values_list("assigned_at", "created_at")
    )
    durations = [(resolved - assigned).total_seconds() for assigned, resolved in pairs]
    value = round(sum(durations) / len(durations)) if durations else DEFAULT_HANDLING_SECONDS
    value = max(value, 1)
    cache.set(key, value, HANDLING_CACHE_SECONDS)
    return value


@dataclass(frozen=True)
class QueueEstimate:
    position: int | None
    agents_online: int
    free_seats: int
    average_handling_seconds: int
    # None when no agent who could help is online: we don't pretend to know.
    estimated_wait_seconds: int | None


def estimate_wait_seconds(*, position: int, supply: Supply, handling_seconds: int) -> int | None:
    """Seconds until an agent is expected to take the conversation in `position` (1 = next).

    Free seats serve the first `free_seats` waiting conversations at once; everyone
    behind them waits for chats to finish, and the online seats finish one chat every
    handling_seconds / total_seats seconds on average.
    """
    if supply.total_seats == 0:
        return None
    waiting_for_a_seat = position - supply.free_seats
    if waiting_for_a_seat <= 0:
        return 0
    seconds = waiting_for_a_seat * handling_seconds / supply.total_seats
    return math.ceil(seconds / ESTIMATE_STEP_SECONDS) * ESTIMATE_STEP_SECONDS


def queue_estimate(*, conversation: Conversation) -> QueueEstimate:
    position = queue_position(conversation=conversation)
    supply = agent_supply(language=conversation.language, skill=conversation.required_skill)
    handling = average_handling_seconds()
    wait = (
        None if position is None else estimate_wait_seconds(position=position, supply=supply, handling_seconds=handling)
    )
    return QueueEstimate(
        position=position,
        agents_online=supply.agents,
        free_seats=supply.free_seats,
        average_handling_seconds=handling,
        estimated_wait_seconds=wait,
    )
