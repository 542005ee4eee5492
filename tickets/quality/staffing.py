"""Staffing forecast: arrivals per hour from history → agents needed (Erlang C) → needed vs claimed seats.

Erlang C models the human queue as M/M/N: Poisson arrivals of A = λ·AHT erlangs of work, N servers,
and gives P(wait) and the service level SL(t) = 1 − P(wait)·e^{−(N−A)·t/AHT}. A chat agent works
several chats at once, so one agent counts as `chats_per_agent` servers.

Settings (all optional): STAFFING_SERVICE_LEVEL (0.8), STAFFING_TARGET_SECONDS (60),
STAFFING_DEFAULT_AHT_SECONDS (360), STAFFING_HISTORY_WEEKS (4), STAFFING_HORIZON_HOURS (48),
STAFFING_CHATS_PER_AGENT (AGENT_MAX_CONCURRENT_CHATS).
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Min
from django.db.models.functions import TruncHour
from django.utils import timezone

from agents.models import ClaimStatus, Language, ShiftClaim, ShiftSlot
from tickets.models import ConversationEvent, EventKind
from tickets.quality.exceptions import ForecastInputInvalid

# --- Erlang C ------------------------------------------------------------------------------------


def erlang_b(traffic: float, servers: int) -> float:
    """Blocking probability, by the stable recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))."""
    if traffic < 0 or servers < 0:
        raise ForecastInputInvalid("Traffic and servers cannot be negative.")
    b = 1.0
    for n in range(1, servers + 1):
        b = traffic * b / (n + traffic * b)
    return b


def erlang_c(traffic: float, servers: int) -> float:
    """Probability that an arrival has to wait: C = N·B / (N − A·(1 − B)); 1 when N ≤ A (the queue grows)."""
    if servers <= traffic:
        return 1.0
    b = erlang_b(traffic, servers)
    return servers * b / (servers - traffic * (1 - b))


def service_level(*, traffic: float, servers: int, target_seconds: float, aht_seconds: float) -> float:
    """Share of arrivals answered within `target_seconds`: 1 − C·e^{−(N−A)·t/AHT}."""
    if aht_seconds <= 0:
        raise ForecastInputInvalid("The average handling time must be positive.")
    if traffic == 0:
        return 1.0
    if servers <= traffic:
        return 0.0
    return 1 - erlang_c(traffic, servers) * math.exp(-(servers - traffic) * target_seconds / aht_seconds)


def average_speed_of_answer(*, traffic: float, servers: int, aht_seconds: float) -> float:
    """Mean wait in seconds: C·AHT / (N − A); infinite when N ≤ A."""
    if servers <= traffic:
        return math.inf
    return erlang_c(traffic, servers) * aht_seconds / (servers - traffic)


def servers_needed(*, traffic: float, aht_seconds: float, target_seconds: float, service_level_target: float) -> int:
    """The fewest servers that reach the service level target (0 when there is no traffic)."""
    if not 0 < service_level_target < 1:
        raise ForecastInputInvalid("The service level target must be between 0 and 1.")
    if traffic < 0 or target_seconds < 0:
        raise ForecastInputInvalid("Traffic and target time cannot be negative.")
    if traffic == 0:
        return 0
    n = max(1, math.floor(traffic) + 1)
    while (
        service_level(traffic=traffic, servers=n, target_seconds=target_seconds, aht_seconds=aht_seconds)
        < service_level_target
    ):
        n += 1
    return n


# --- Forecast ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingParameters:
    service_level: float
    target_seconds: int
    aht_seconds: float
    history_weeks: int
    horizon_hours: int
    chats_per_agent: int

    @classmethod
    def from_settings(cls, *, aht_seconds: float | None = None) -> "StaffingParameters":
        return cls(
            service_level=float(getattr(settings, "STAFFING_SERVICE_LEVEL", 0.8)),
            target_seconds=int(getattr(settings, "STAFFING_TARGET_SECONDS", 60)),
            aht_seconds=aht_seconds or float(getattr(settings, "STAFFING_DEFAULT_AHT_SECONDS", 360)),
            history_weeks=int(getattr(settings, "STAFFING_HISTORY_WEEKS", 4)),
            horizon_hours=int(getattr(settings, "STAFFING_HORIZON_HOURS", 48)),
            chats_per_agent=int(getattr(settings, "STAFFING_CHATS_PER_AGENT", settings.AGENT_MAX_CONCURRENT_CHATS)),
        )


@dataclass
class HourForecast:
    start: datetime
    conversations: float  # expected new conversations (bot and human)
    arrivals: float  # expected handoffs: the human-needing arrivals Erlang C is fed with
    arrivals_by_language: dict[str, float]
    needed_by_language: dict[str, int]
    claimed_by_language: dict[str, int] = field(default_factory=dict)
    offered_by_language: dict[str, int] = field(default_factory=dict)
    claimed: int = 0
    service_level_claimed: float | None = None

    @property
    def needed(self) -> int:
        return sum(self.needed_by_language.values())

    @property
    def gap(self) -> int:
        return max(self.needed - self.claimed, 0)

    def missing_seats(self, language: str) -> int:
        """Seats to open for a language: needed minus seats already offered (claimed or not)."""
        return max(self.needed_by_language.get(language, 0) - self.offered_by_language.get(language, 0), 0)

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "conversations": round(self.conversations, 2),
            "arrivals": round(self.arrivals, 2),
            "arrivals_by_language": {k: round(v, 2) for k, v in sorted(self.arrivals_by_language.items())},
            "needed": self.needed,
            "needed_by_language": dict(sorted(self.needed_by_language.items())),
            "claimed": self.claimed,
            "claimed_by_language": dict(sorted(self.claimed_by_language.items())),
            "offered_by_language": dict(sorted(self.offered_by_language.items())),
            "gap": self.gap,
            "service_level_claimed": round(self.service_level_claimed, 4)
            if self.service_level_claimed is not None
            else None,
        }


def staffing_language(code: str) -> str:
    """Shifts are published per agent language; demand in any other language is served in English."""
    return code if code in Language.values else Language.EN


def floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def recent_aht_seconds(*, now: datetime, days: int = 7) -> float | None:
    """Mean assigned → resolved time over recent resolutions (from the event log); None without data."""
    from tickets.quality.metrics import collect_facts

    handling = collect_facts(since=now - timedelta(days=days), until=now).handling
    return sum(s for _, s in handling) / len(handling) if handling else None


def _hourly_counts(kind: str, *, since: datetime, until: datetime) -> dict[tuple[datetime, str], int]:
    rows = (
        ConversationEvent.objects.filter(kind=kind, created_at__gte=since, created_at__lt=until)
        .annotate(hour=TruncHour("created_at"), language=F("conversation__language"))
        .values("hour", "language")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[datetime, str], int] = defaultdict(int)
    for row in rows:
        counts[(row["hour"], staffing_language(row["language"]))] += row["n"]
    return counts


def forecast(*, now: datetime | None = None, params: StaffingParameters | None = None) -> list[HourForecast]:
    """The next `horizon_hours` hours, from the current one: expected arrivals, seats needed, claimed, offered.

    Arrivals for an hour = mean of the same weekday and hour over the last `history_weeks` weeks, counting
    only weeks the event log already covers (so a young system is not forecast as empty).
    """
    now = now or timezone.now()
    if params is None:
        params = StaffingParameters.from_settings(aht_seconds=recent_aht_seconds(now=now))
    first = floor_hour(now)
    hours = [first + timedelta(hours=i) for i in range(params.horizon_hours)]
    week = timedelta(days=7)
    since = first - params.history_weeks * week
    until = hours[-1] + timedelta(hours=1) - week
    handoffs = _hourly_counts(EventKind.HANDOFF, since=since, until=until)
    created = _hourly_counts(EventKind.CREATED, since=since, until=until)
    log_start = ConversationEvent.objects.aggregate(first=Min("created_at"))["first"]
    languages = sorted({lang for _, lang in handoffs})

    result = []
    for hour in hours:
        past = [hour - k * week for k in range(1, params.history_weeks + 1)]
        past = [p for p in past if log_start is not None and p >= floor_hour(log_start)]
        weeks = len(past) or 1
        by_language = {lang: sum(handoffs.get((p, lang), 0) for p in past) / weeks for lang in languages}
        conversations = sum(n for (h, _), n in created.items() if h in past) / weeks
        needed = {}
        for lang, rate in by_language.items():
            traffic = rate * params.aht_seconds / 3600
            servers = servers_needed(
                traffic=traffic,
                aht_seconds=params.aht_seconds,
                target_seconds=params.target_seconds,
                service_level_target=params.service_level,
            )
            needed[lang] = math.ceil(servers / params.chats_per_agent)
        result.append(
            HourForecast(
                start=hour,
                conversations=conversations,
                arrivals=sum(by_language.values()),
                arrivals_by_language={k: v for k, v in by_language.items() if v},
                needed_by_language={k: v for k, v in needed.items() if v},
            )
        )
    _add_supply(result, params=params)
    return result


def _add_supply(hours: list[HourForecast], *, params: StaffingParameters) -> None:
    """Claimed seats (active claims overlapping each hour) and offered seats (all seats of slots overlapping it)."""
    if not hours:
        return
    start, end = hours[0].start, hours[-1].start + timedelta(hours=1)
    claims = list(
        ShiftClaim.objects.filter(status=ClaimStatus.ACTIVE, starts_at__lt=end, ends_at__gt=start).values_list(
            "starts_at", "ends_at", "slot__languages"
        )
    )
    slots = list(
        ShiftSlot.objects.filter(starts_at__lt=end, ends_at__gt=start).values_list(
            "starts_at", "ends_at", "languages", "seats"
        )
    )
    for h in hours:
        h_end = h.start + timedelta(hours=1)
        claimed: dict[str, int] = defaultdict(int)
        for s, e, langs in claims:
            if s < h_end and e > h.start:
                h.claimed += 1
                for lang in set(langs):
                    claimed[lang] += 1
        offered: dict[str, int] = defaultdict(int)
        for s, e, langs, seats in slots:
            if s < h_end and e > h.start:
                for lang in set(langs):
                    offered[lang] += seats
        h.claimed_by_language = dict(claimed)
        h.offered_by_language = dict(offered)
        h.service_level_claimed = _service_level_with_claimed(h, params=params)


def _service_level_with_claimed(hour: HourForecast, *, params: StaffingParameters) -> float:
    """Expected service level if only the claimed seats show up: each language pool on its own,
    weighted by its arrivals (an agent speaking two languages counts in both pools)."""
    if not hour.arrivals:
        return 1.0
    weighted = 0.0
    for lang, rate in hour.arrivals_by_language.items():
        weighted += rate * service_level(
            traffic=rate * params.aht_seconds / 3600,
            servers=hour.claimed_by_language.get(lang, 0) * params.chats_per_agent,
            target_seconds=params.target_seconds,
            aht_seconds=params.aht_seconds,
        )
    return weighted / hour.arrivals


def under_staffed_languages(hour: HourForecast) -> set[str]:
    """Languages whose claimed seats fall short of the seats needed in this hour."""
    return {lang for lang, n in hour.needed_by_language.items() if hour.claimed_by_language.get(lang, 0) < n}


def forecast_report(*, now: datetime | None = None) -> dict:
    """The forecast page and API: the parameters used and the next hours as plain data."""
    from dataclasses import asdict

    now = now or timezone.now()
    params = StaffingParameters.from_settings(aht_seconds=recent_aht_seconds(now=now))
    return {"parameters": asdict(params), "hours": [h.as_dict() for h in forecast(now=now, params=params)]}
