"""Operations metrics, every one computed from the conversation event log (plus CSAT ratings).

Definitions (each number on the dashboard is one of these):

- **Queue depth**: conversations waiting for an agent now; their wait starts at the event that put
  them in the queue (the latest transition into `queued`/`reopened`).
- **SLA attainment**: of the handoff events, the share answered (first transition to `assigned`
  after the handoff) within `settings.QUEUE_SLA_SECONDS`. A handoff still waiting past the target
  counts as missed; one still inside the target, or whose customer left inside it, is not yet
  decided and is left out.
- **AI containment**: of the conversations that ended (their first transition into `bot_resolved`,
  `resolved`, `abandoned` or `closed`), the share whose first ending was `bot_resolved` and that
  never had a handoff event.
- **Average handling time (AHT)**: for each transition to `resolved`, the time since the latest
  transition to `assigned` before it.
- **First response time**: for each `first_response` event, the time since the latest handoff
  before it.
- **CSAT**: the mean score of ratings given in the window (also split bot / agents).
- **Cost per resolved case**: agent pay tied to cases in the payouts ledger for the window (resolution
  earnings, bonuses, clawbacks, case adjustments) divided by the resolutions in the window (integer
  minor units; 0 when nothing was resolved).

Facts are read once for the widest span and then bucketed, so the cards, the 24-hour and the
7-day charts all use the same code.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from agents.models import AgentStatus, ClaimStatus, Presence, ShiftClaim
from tickets.models import WAITING_STATUSES, Conversation, ConversationEvent, EventKind, Status
from tickets.quality.models import CsatRating

ENDING_STATUSES = (Status.BOT_RESOLVED, Status.RESOLVED, Status.ABANDONED, Status.CLOSED)
LEFT_STATUSES = (Status.ABANDONED, Status.CLOSED)


@dataclass(frozen=True)
class Handoff:
    at: datetime
    answered_at: datetime | None
    left_at: datetime | None

    def sla_outcome(self, *, now: datetime, target: timedelta) -> bool | None:
        """True = answered within target, False = missed, None = not decided yet (or left in time)."""
        if self.answered_at is not None and (self.left_at is None or self.answered_at <= self.left_at):
            return self.answered_at - self.at <= target
        if self.left_at is not None and self.left_at - self.at <= target:
            return None
        return False if now - self.at > target else None


@dataclass(frozen=True)
class Ending:
    at: datetime
    contained: bool


@dataclass
class Facts:
    """Everything the windowed metrics need, as timestamped facts read from the event log."""

    handoffs: list[Handoff] = field(default_factory=list)
    endings: list[Ending] = field(default_factory=list)
    resolutions: list[datetime] = field(default_factory=list)
    handling: list[tuple[datetime, float]] = field(default_factory=list)  # (resolved at, seconds)
    first_responses: list[tuple[datetime, float]] = field(default_factory=list)
    ratings: list[tuple[datetime, int, bool]] = field(default_factory=list)  # (at, score, for the bot)
    case_costs: list[tuple[datetime, int]] = field(default_factory=list)  # (occurred at, minor units)


def _events(kind: str, **filters) -> QuerySet[ConversationEvent]:
    return ConversationEvent.objects.filter(kind=kind, **filters)


def _transitions_to(statuses: tuple[str, ...] | str) -> QuerySet[ConversationEvent]:
    if isinstance(statuses, str):
        statuses = (statuses,)
    return ConversationEvent.objects.filter(kind=EventKind.TRANSITION, to_status__in=statuses)


def _before_outer() -> Q:
    """Strictly earlier than the outer event, in log order (time, then id)."""
    return Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))


def _after_outer() -> Q:
    return Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))


def _first_time(qs) -> Subquery:
    return Subquery(qs.order_by("created_at", "id").values("created_at")[:1])


def _last_time(qs) -> Subquery:
    return Subquery(qs.order_by("-created_at", "-id").values("created_at")[:1])


def collect_facts(*, since: datetime, until: datetime) -> Facts:
    """Read the facts whose time falls in [since, until)."""
    facts = Facts()
    in_window = {"created_at__gte": since, "created_at__lt": until}
    same_conv = {"conversation": OuterRef("conversation")}

    handoffs = _events(EventKind.HANDOFF, **in_window).annotate(
        answered_at=_first_time(_transitions_to(Status.ASSIGNED).filter(_after_outer(), **same_conv)),
        left_at=_first_time(_transitions_to(LEFT_STATUSES).filter(_after_outer(), **same_conv)),
    )
    facts.handoffs = [
        Handoff(at=row["created_at"], answered_at=row["answered_at"], left_at=row["left_at"])
        for row in handoffs.values("created_at", "answered_at", "left_at")
    ]

    first_endings = (
        _transitions_to(ENDING_STATUSES)
        .filter(**in_window)
        .exclude(Exists(_transitions_to(ENDING_STATUSES).filter(_before_outer(), **same_conv)))
        .annotate(had_handoff=Exists(_events(EventKind.HANDOFF, **same_conv)))
    )
    facts.endings = [
        Ending(at=row["created_at"], contained=row["to_status"] == Status.BOT_RESOLVED and not row["had_handoff"])
        for row in first_endings.values("created_at", "to_status", "had_handoff")
    ]

    resolutions = (
        _transitions_to(Status.RESOLVED)
        .filter(**in_window)
        .annotate(assigned_at=_last_time(_transitions_to(Status.ASSIGNED).filter(_before_outer(), **same_conv)))
    )
    resolution_rows = list(resolutions.values("created_at", "assigned_at"))
    facts.resolutions = [row["created_at"] for row in resolution_rows]
    facts.handling = [
        (row["created_at"], (row["created_at"] - row["assigned_at"]).total_seconds())
        for row in resolution_rows
        if row["assigned_at"] is not None
    ]

    first_responses = _events(EventKind.FIRST_RESPONSE, **in_window).annotate(
        handoff_at=_last_time(_events(EventKind.HANDOFF).filter(_before_outer(), **same_conv))
    )
    facts.first_responses = [
        (row["created_at"], (row["created_at"] - row["handoff_at"]).total_seconds())
        for row in first_responses.values("created_at", "handoff_at")
        if row["handoff_at"] is not None
    ]

    facts.ratings = [
        (at, score, agent_id is None)
        for at, score, agent_id in CsatRating.objects.filter(**in_window).values_list("created_at", "score", "agent_id")
    ]
    facts.case_costs = _case_costs(since=since, until=until)
    return facts


def _case_costs(*, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """Agent pay tied to cases (resolution, bonus, clawback, case adjustments), as finance's cost report counts it."""
    from payouts.models import EARNING_KINDS, LedgerEntry

    rows = LedgerEntry.objects.filter(
        kind__in=EARNING_KINDS,
        conversation__isnull=False,
        currency=settings.CURRENCY,
        occurred_at__gte=since,
        occurred_at__lt=until,
    ).values_list("occurred_at", "amount_minor")
    return list(rows)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return round(value, digits) if value is not None else None


def summarise(*, facts: Facts, since: datetime, until: datetime, now: datetime) -> dict:
    """The windowed figures for [since, until) from facts (which may span more)."""

    def inside(at: datetime) -> bool:
        return since <= at < until

    target = timedelta(seconds=settings.QUEUE_SLA_SECONDS)
    handoffs = [h for h in facts.handoffs if inside(h.at)]
    outcomes = [o for o in (h.sla_outcome(now=now, target=target) for h in handoffs) if o is not None]
    endings = [e for e in facts.endings if inside(e.at)]
    contained = sum(1 for e in endings if e.contained)
    ratings = [(score, bot) for at, score, bot in facts.ratings if inside(at)]
    handling = [s for at, s in facts.handling if inside(at)]
    first_responses = [s for at, s in facts.first_responses if inside(at)]
    cost = sum(amount for at, amount in facts.case_costs if inside(at))
    resolved = sum(1 for at in facts.resolutions if inside(at))
    met = sum(1 for o in outcomes if o)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "handoffs": len(handoffs),
        "sla": {
            "target_seconds": settings.QUEUE_SLA_SECONDS,
            "met": met,
            "missed": len(outcomes) - met,
            "rate": _rounded(met / len(outcomes), 4) if outcomes else None,
        },
        "conversations_ended": len(endings),
        "bot_contained": contained,
        "containment_rate": _rounded(contained / len(endings), 4) if endings else None,
        "csat": {
            "count": len(ratings),
            "average": _rounded(_mean([s for s, _ in ratings]), 2),
            "bot_average": _rounded(_mean([s for s, bot in ratings if bot]), 2),
            "agent_average": _rounded(_mean([s for s, bot in ratings if not bot]), 2),
        },
        "resolved_cases": resolved,
        "aht_seconds": _rounded(_mean(handling)),
        "first_response_seconds": _rounded(_mean(first_responses)),
        "cost_minor": cost,
        "cost_per_resolved_case_minor": round(cost / resolved) if resolved else 0,
        "currency": settings.CURRENCY,
    }


def _floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _floor_day(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def series(*, facts: Facts, start: datetime, step: timedelta, buckets: int, now: datetime) -> list[dict]:
    points = []
    for i in range(buckets):
        since = start + i * step
        until = min(since + step, now)
        s = summarise(facts=facts, since=since, until=until, now=now)
        points.append(
            {
                "start": since.isoformat(),
                "handoffs": s["handoffs"],
                "bot_contained": s["bot_contained"],
                "conversations_ended": s["conversations_ended"],
                "sla_rate": s["sla"]["rate"],
                "csat_average": s["csat"]["average"],
                "aht_seconds": s["aht_seconds"],
            }
        )
    return points


# --- Live figures -------------------------------------------------------------------------------


def queue_now(*, now: datetime) -> dict:
    """Conversations waiting now, by language and category, and how long the longest has waited."""
    entered = _transitions_to(WAITING_STATUSES).filter(conversation=OuterRef("pk"))
    waiting = (
        Conversation.objects.filter(status__in=WAITING_STATUSES)
        .annotate(waiting_since=_last_time(entered))
        .values("language", "category", "waiting_since")
    )
    by_language: Counter = Counter()
    by_category: Counter = Counter()
    matrix: Counter = Counter()
    oldest = None
    for row in waiting:
        by_language[row["language"]] += 1
        by_category[row["category"]] += 1
        matrix[(row["language"], row["category"])] += 1
        if row["waiting_since"] is not None and (oldest is None or row["waiting_since"] < oldest):
            oldest = row["waiting_since"]
    return {
        "depth": sum(by_language.values()),
        "by_language": dict(sorted(by_language.items())),
        "by_category": dict(sorted(by_category.items())),
        "by_language_and_category": [
            {"language": lang, "category": cat, "count": n} for (lang, cat), n in sorted(matrix.items())
        ],
        "longest_wait_seconds": round((now - oldest).total_seconds()) if oldest else 0,
    }


def agents_now(*, now: datetime) -> dict:
    """Agents online (fresh heartbeat) against agents scheduled (an active claimed shift running now)."""
    fresh = now - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    online = set(
        Presence.objects.filter(
            online=True, last_heartbeat_at__gte=fresh, agent__status=AgentStatus.APPROVED
        ).values_list("agent_id", flat=True)
    )
    scheduled = set(
        ShiftClaim.objects.filter(status=ClaimStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now).values_list(
            "agent_id", flat=True
        )
    )
    return {
        "online": len(online),
        "scheduled": len(scheduled),
        "online_on_shift": len(online & scheduled),
        "scheduled_not_online": len(scheduled - online),
    }


def dashboard(*, now: datetime | None = None) -> dict:
    """All dashboard figures: live queue and agents, the last 24 h, and hourly / daily series."""
    now = now or timezone.now()
    daily_start = _floor_day(now) - timedelta(days=6)
    hourly_start = _floor_hour(now) - timedelta(hours=23)
    facts = collect_facts(since=min(daily_start, now - timedelta(hours=24)), until=now + timedelta(microseconds=1))
    return {
        "generated_at": now.isoformat(),
        "queue": queue_now(now=now),
        "agents": agents_now(now=now),
        "last_24h": summarise(facts=facts, since=now - timedelta(hours=24), until=now, now=now),
        "last_7d": summarise(facts=facts, since=daily_start, until=now, now=now),
        "hourly": series(facts=facts, start=hourly_start, step=timedelta(hours=1), buckets=24, now=now),
        "daily": series(facts=facts, start=daily_start, step=timedelta(days=1), buckets=7, now=now),
    }


def events_behind(*, metric: str, since: datetime, until: datetime) -> QuerySet[ConversationEvent]:
    """The events a windowed number is computed from, so ops can trace a figure back to its source."""
    kinds = {
        "handoffs": Q(kind=EventKind.HANDOFF),
        "sla": Q(kind=EventKind.HANDOFF) | Q(kind=EventKind.TRANSITION, to_status=Status.ASSIGNED),
        "containment": Q(kind=EventKind.TRANSITION, to_status__in=ENDING_STATUSES) | Q(kind=EventKind.HANDOFF),
        "aht": Q(kind=EventKind.TRANSITION, to_status__in=[Status.ASSIGNED, Status.RESOLVED]),
        "first_response": Q(kind__in=[EventKind.FIRST_RESPONSE, EventKind.HANDOFF]),
        "csat": Q(kind=EventKind.CSAT),
    }
    if metric not in kinds:
        raise KeyError(metric)
    return ConversationEvent.objects.filter(kinds[metric], created_at__gte=since, created_at__lt=until).order_by(
        "created_at", "id"
    )
