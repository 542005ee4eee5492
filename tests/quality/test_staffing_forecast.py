"""The forecast: same weekday/hour over recent weeks → Erlang C seats needed, against seats claimed."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import ShiftClaim
from tests.factories import AgentProfileFactory, ConversationFactory, ShiftSlotFactory
from tickets.models import ActorKind, ConversationEvent, EventKind
from tickets.quality.staffing import StaffingParameters, floor_hour, forecast

pytestmark = pytest.mark.django_db

WEEK = timedelta(days=7)
PARAMS = StaffingParameters(
    service_level=0.8, target_seconds=60, aht_seconds=360, history_weeks=4, horizon_hours=48, chats_per_agent=1
)


def handoffs_at(at, count, *, language="en"):
    for _ in range(count):
        conv = ConversationFactory(language=language)
        ConversationEvent.objects.create(
            conversation=conv, kind=EventKind.CREATED, actor_kind=ActorKind.CUSTOMER, created_at=at
        )
        ConversationEvent.objects.create(
            conversation=conv, kind=EventKind.HANDOFF, actor_kind=ActorKind.BOT, created_at=at
        )


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def target(now):
    """An hour three hours ahead; history is written at the same weekday and hour in past weeks."""
    return floor_hour(now) + timedelta(hours=3)


def hour_of(result, start):
    return next(h for h in result if h.start == start)


def test_arrivals_are_the_mean_of_the_same_weekday_and_hour_over_four_weeks(now, target):
    for weeks_ago, n in ((1, 8), (2, 4), (3, 6), (4, 6), (5, 100)):  # five weeks ago is outside the window
        handoffs_at(target - weeks_ago * WEEK + timedelta(minutes=10), n)
    handoffs_at(target - WEEK + timedelta(hours=1, minutes=5), 50)  # the next hour, not this one

    h = hour_of(forecast(now=now, params=PARAMS), target)

    assert h.arrivals == 6.0  # (8 + 4 + 6 + 6) / 4
    assert h.conversations == 6.0
    assert h.arrivals_by_language == {"en": 6.0}


def test_seats_needed_come_from_erlang_c(now, target):
    # 6 handoffs an hour × 6 min = 0.6 erlangs. One server: P(wait) = 0.6, SL(60 s) = 1 − 0.6·e^(−0.4/6) ≈ 0.44;
    # two servers: P(wait) ≈ 0.1385, SL ≈ 0.89 ≥ 0.8 → 2 seats when each agent takes one chat at a time.
    for weeks_ago in range(1, 5):
        handoffs_at(target - weeks_ago * WEEK, 6)

    h = hour_of(forecast(now=now, params=PARAMS), target)

    assert h.needed_by_language == {"en": 2}
    three_chats = StaffingParameters(**{**PARAMS.__dict__, "chats_per_agent": 3})
    assert hour_of(forecast(now=now, params=three_chats), target).needed == 1


def test_only_weeks_the_log_covers_are_averaged(now, target):
    handoffs_at(target - WEEK, 6)  # the log starts one week ago

    assert hour_of(forecast(now=now, params=PARAMS), target).arrivals == 6.0


def test_each_language_is_staffed_separately(now, target):
    for weeks_ago in range(1, 5):
        handoffs_at(target - weeks_ago * WEEK, 6, language="en")
        handoffs_at(target - weeks_ago * WEEK, 1, language="de")
        handoffs_at(target - weeks_ago * WEEK, 1, language="xx")  # no agents for it: served in English

    h = hour_of(forecast(now=now, params=PARAMS), target)

    assert h.arrivals_by_language == {"en": 7.0, "de": 1.0}
    assert h.needed_by_language == {"en": 2, "de": 1}
    assert h.needed == 3


def test_claimed_and_offered_seats_are_counted_per_hour(now, target):
    slot = ShiftSlotFactory(
        starts_at=target - timedelta(hours=1), ends_at=target + timedelta(hours=1), seats=4, languages=["en", "de"]
    )
    for _ in range(2):
        ShiftClaim.objects.create(
            slot=slot, agent=AgentProfileFactory(), starts_at=slot.starts_at, ends_at=slot.ends_at
        )
    ShiftClaim.objects.create(
        slot=slot, agent=AgentProfileFactory(), starts_at=slot.starts_at, ends_at=slot.ends_at, status="cancelled"
    )

    result = forecast(now=now, params=PARAMS)

    h = hour_of(result, target)
    assert (h.claimed, h.claimed_by_language, h.offered_by_language) == (2, {"en": 2, "de": 2}, {"en": 4, "de": 4})
    assert hour_of(result, target + timedelta(hours=1)).claimed == 0


def test_the_forecast_covers_48_hours_from_the_current_one(now):
    result = forecast(now=now, params=PARAMS)
    assert len(result) == 48
    assert result[0].start == floor_hour(now)
    assert all(h.needed == 0 and h.service_level_claimed == 1.0 for h in result)


def test_the_service_level_with_claimed_seats_pools_each_language_separately(now, target):
    for weeks_ago in range(1, 5):
        handoffs_at(target - weeks_ago * WEEK, 6, language="en")
        handoffs_at(target - weeks_ago * WEEK, 6, language="de")
    slot = ShiftSlotFactory(starts_at=target, ends_at=target + timedelta(hours=1), seats=2, languages=["en"])
    ShiftClaim.objects.create(slot=slot, agent=AgentProfileFactory(), starts_at=slot.starts_at, ends_at=slot.ends_at)

    h = hour_of(forecast(now=now, params=PARAMS), target)

    # en: 0.6 erlangs on one server answers 1 − 0.6·e^(−0.4·60/360) ≈ 43.9 % in time; de has nobody: 0 %.
    assert h.service_level_claimed == pytest.approx((1 - 0.6 * math.exp(-0.4 * 60 / 360)) / 2)
