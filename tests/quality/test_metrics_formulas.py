"""Each dashboard figure, checked by hand against a constructed event history."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import AgentProfileFactory, ConversationFactory
from tests.quality.history import History
from tickets.models import Status
from tickets.quality import metrics
from tickets.quality.models import CsatRating

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def t(hh: int, mm: int = 0, ss: int = 0, *, days_ago: int = 0) -> datetime:
    return datetime(2026, 1, 15, hh, mm, ss, tzinfo=UTC) - timedelta(days=days_ago)


def rate(conversation, score: int, at: datetime, agent=None) -> None:
    CsatRating.objects.create(conversation=conversation, score=score, agent=agent, created_at=at)


@pytest.fixture
def day(settings):
    """A morning of conversations; the comments give each one's contribution to the figures."""
    settings.QUEUE_SLA_SECONDS = 60
    agent = AgentProfileFactory().user
    # A: solved by the bot alone -> contained; CSAT 4 for the bot.
    a = History(at=t(10), status=Status.BOT_RESOLVED).to(Status.BOT_RESOLVED, t(10, 5))
    rate(a.conversation, 4, t(10, 6))
    # B: answered after 30 s (SLA met), first reply 60 s after handoff, handled 600 s; CSAT 5.
    b = (
        History(at=t(10), status=Status.RESOLVED)
        .handoff(t(10, 1))
        .assigned(t(10, 1, 30), agent)
        .first_response(t(10, 2), agent)
        .resolved(t(10, 11, 30), agent)
    )
    rate(b.conversation, 5, t(10, 12), agent)
    # C: answered after 120 s (missed), first reply after 180 s, handled 240 s; CSAT 2.
    c = (
        History(at=t(10, 19), status=Status.RESOLVED)
        .handoff(t(10, 20))
        .assigned(t(10, 22), agent)
        .first_response(t(10, 23), agent)
        .resolved(t(10, 26), agent)
    )
    rate(c.conversation, 2, t(10, 30), agent)
    # D: waiting 30 s so far -> not decided yet; in the queue (en, cards).
    History(at=t(11, 59), status=Status.QUEUED, language="en", category="cards").handoff(t(11, 59, 30))
    # E: waiting an hour -> missed; the longest wait (de, payments).
    History(at=t(10, 59), status=Status.QUEUED, language="de", category="payments").handoff(t(11))
    # F: customer left 40 s after handoff -> left out of SLA; ended, not contained.
    History(at=t(10, 29), status=Status.ABANDONED).handoff(t(10, 30)).to(Status.ABANDONED, t(10, 30, 40))
    # G: first ended with the bot, came back and needed a human -> not contained; SLA met (20 s), handled 580 s.
    (
        History(at=t(8, 55), status=Status.RESOLVED)
        .to(Status.BOT_RESOLVED, t(9))
        .to(Status.BOT, t(9, 29))
        .handoff(t(9, 30))
        .assigned(t(9, 30, 20), agent)
        .resolved(t(9, 40), agent)
    )
    # H: ten days ago: outside every window.
    History(at=t(9, days_ago=10), status=Status.BOT_RESOLVED).to(Status.BOT_RESOLVED, t(9, 5, days_ago=10))
    return agent


def _last_24h():
    facts = metrics.collect_facts(since=NOW - timedelta(days=7), until=NOW)
    return metrics.summarise(facts=facts, since=NOW - timedelta(hours=24), until=NOW, now=NOW)


def test_sla_attainment_counts_handoffs_answered_within_target_over_decided_handoffs(day):
    s = _last_24h()
    assert s["handoffs"] == 6  # B C D E F G
    assert s["sla"] == {"target_seconds": 60, "met": 2, "missed": 2, "rate": 0.5}  # met B G; missed C E


def test_containment_is_bot_resolved_without_any_handoff_over_conversations_that_ended(day):
    s = _last_24h()
    assert s["conversations_ended"] == 5  # A B C F G (first ending in the window)
    assert s["bot_contained"] == 1  # A only: G was handed over after its bot ending
    assert s["containment_rate"] == 0.2


def test_average_handling_time_runs_from_assignment_to_resolution(day):
    s = _last_24h()
    assert s["resolved_cases"] == 3
    assert s["aht_seconds"] == round((600 + 240 + 580) / 3, 1)


def test_first_response_time_runs_from_the_handoff_to_the_first_agent_reply(day):
    assert _last_24h()["first_response_seconds"] == 120.0  # (60 + 180) / 2


def test_csat_average_and_its_bot_and_agent_split(day):
    assert _last_24h()["csat"] == {"count": 3, "average": 3.67, "bot_average": 4.0, "agent_average": 3.5}


def test_queue_depth_by_language_and_category_and_the_longest_wait(day):
    q = metrics.queue_now(now=NOW)
    assert q["depth"] == 2
    assert q["by_language"] == {"de": 1, "en": 1}
    assert q["by_category"] == {"cards": 1, "payments": 1}
    assert q["longest_wait_seconds"] == 3600  # E, queued at 11:00


def test_hourly_series_puts_each_fact_in_its_hour(day):
    facts = metrics.collect_facts(since=NOW - timedelta(days=7), until=NOW)
    hourly = metrics.series(facts=facts, start=t(9), step=timedelta(hours=1), buckets=3, now=NOW)
    nine, ten, eleven = hourly
    assert (nine["handoffs"], nine["sla_rate"], nine["conversations_ended"], nine["bot_contained"]) == (1, 1.0, 1, 0)
    assert (ten["handoffs"], ten["sla_rate"], ten["bot_contained"], ten["csat_average"]) == (3, 0.5, 1, 3.67)
    assert ten["aht_seconds"] == 420.0  # B 600, C 240 resolved in the 10:00 hour
    assert (eleven["handoffs"], eleven["sla_rate"]) == (2, 0.0)  # E missed, D undecided


def test_the_dashboard_has_24_hourly_and_7_daily_points_and_ignores_older_history(day):
    data = metrics.dashboard(now=NOW)
    assert len(data["hourly"]) == 24 and len(data["daily"]) == 7
    assert data["hourly"][0]["start"] == t(13, days_ago=1).isoformat()
    assert data["hourly"][-1]["start"] == t(12).isoformat()  # the current hour, still empty at 12:00
    assert data["daily"][-1]["start"] == t(0).isoformat()
    assert sum(p["conversations_ended"] for p in data["daily"]) == 5  # H, ten days ago, is not counted
    assert data["last_7d"]["conversations_ended"] == 5


def test_a_late_answer_after_a_requeue_counts_from_the_latest_assignment(settings):
    settings.QUEUE_SLA_SECONDS = 60
    first, second = AgentProfileFactory().user, AgentProfileFactory().user
    (
        History(at=t(10), status=Status.RESOLVED)
        .handoff(t(10, 0, 10))
        .assigned(t(10, 0, 40), first)
        .to(Status.QUEUED, t(10, 5))
        .assigned(t(10, 6), second)
        .resolved(t(10, 16), second)
    )
    s = _last_24h()
    assert s["aht_seconds"] == 600.0
    assert s["sla"]["met"] == 1  # the handoff was first answered after 30 s


def test_a_handoff_answered_after_the_customer_left_does_not_count_as_met(settings):
    settings.QUEUE_SLA_SECONDS = 60
    agent = AgentProfileFactory().user
    h = History(at=t(10), status=Status.CLOSED).handoff(t(10, 1)).to(Status.ABANDONED, t(10, 3))
    h.to(Status.QUEUED, t(10, 4)).assigned(t(10, 4, 10), agent)
    s = _last_24h()
    assert s["sla"]["missed"] == 1 and s["sla"]["met"] == 0


def test_with_no_history_every_rate_is_empty_rather_than_zero():
    s = _last_24h()
    assert s["sla"]["rate"] is None
    assert s["containment_rate"] is None
    assert s["csat"]["average"] is None
    assert s["cost_per_resolved_case_minor"] == 0


def test_agents_online_against_agents_scheduled():
    from agents.models import Presence, ShiftClaim, ShiftSlot
    from tests.factories import agent_on_shift

    now = timezone.now()
    agent_on_shift()  # online and on shift
    scheduled_only = AgentProfileFactory()
    slot = ShiftSlot.objects.create(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1), seats=3)
    ShiftClaim.objects.create(slot=slot, agent=scheduled_only, starts_at=slot.starts_at, ends_at=slot.ends_at)
    stale = AgentProfileFactory()
    Presence.objects.create(agent=stale, online=True, last_heartbeat_at=now - timedelta(minutes=10))
    ConversationFactory()

    a = metrics.agents_now(now=now)

    assert a == {"online": 1, "scheduled": 2, "online_on_shift": 1, "scheduled_not_online": 1}
