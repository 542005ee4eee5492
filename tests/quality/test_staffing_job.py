"""The hourly staffing job: opens slots where seats are missing and surges pay on under-filled slots."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.models import ShiftClaim, ShiftSlot
from tests.factories import AgentProfileFactory, ShiftSlotFactory
from tests.quality.test_staffing_forecast import WEEK, handoffs_at
from tickets.quality.models import ForecastSlot
from tickets.quality.services.staffing import staffing_plan_run, surge_multiplier
from tickets.quality.staffing import floor_hour
from tickets.quality.tasks import staffing_plan_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staffing(settings):
    settings.STAFFING_CHATS_PER_AGENT = 1
    settings.STAFFING_DEFAULT_AHT_SECONDS = 360
    settings.STAFFING_BLOCK_HOURS = 4
    settings.STAFFING_SURGE_WITHIN_HOURS = 12
    settings.STAFFING_SURGE_CAP = "1.50"


def demand(hour, per_hour=6, language="en"):
    """Enough history for `per_hour` handoffs at that weekday/hour (6/h at 6 min → 2 seats)."""
    for weeks_ago in range(1, 5):
        handoffs_at(hour - weeks_ago * WEEK + timedelta(minutes=1), per_hour, language=language)


def test_a_slot_is_opened_for_the_block_where_seats_are_missing():
    target = floor_hour(timezone.now()) + timedelta(hours=20)  # beyond the surge window
    demand(target)

    run = staffing_plan_run()

    (slot,) = ShiftSlot.objects.all()
    assert run.opened == [slot.pk]
    assert slot.starts_at <= target < slot.ends_at
    assert (slot.seats, slot.languages, slot.pay_multiplier) == (2, ["en"], Decimal("1.00"))
    assert ForecastSlot.objects.get().slot == slot


def test_a_slot_opened_at_short_notice_is_surged_at_once():
    target = floor_hour(timezone.now()) + timedelta(hours=1)
    demand(target)

    run = staffing_plan_run()

    (slot,) = ShiftSlot.objects.all()
    assert run.opened == run.surged == [slot.pk]
    assert slot.pay_multiplier == Decimal("1.50")


def test_running_the_job_twice_opens_nothing_the_second_time():
    target = floor_hour(timezone.now()) + timedelta(hours=6)
    demand(target)
    demand(target + timedelta(hours=9), language="de")

    staffing_plan_task.delay()
    slots = list(ShiftSlot.objects.values_list("pk", "seats", "pay_multiplier"))
    second = staffing_plan_run()

    assert len(slots) == 2
    assert second.as_dict() == {"opened": [], "topped_up": [], "surged": []}
    assert list(ShiftSlot.objects.values_list("pk", "seats", "pay_multiplier")) == slots


def test_seats_already_offered_by_ops_are_not_opened_again():
    target = floor_hour(timezone.now()) + timedelta(hours=6)
    demand(target)
    ShiftSlotFactory(starts_at=target, ends_at=target + timedelta(hours=2), seats=1, languages=["en"])

    staffing_plan_run()

    forecast_slot = ForecastSlot.objects.get()
    assert forecast_slot.slot.seats == 1  # 2 needed, 1 offered


def test_more_demand_later_tops_up_the_forecast_slot_instead_of_opening_another():
    target = floor_hour(timezone.now()) + timedelta(hours=6)
    demand(target)
    staffing_plan_run()
    demand(target, per_hour=24)  # now 30 an hour: 3 erlangs

    run = staffing_plan_run()

    assert run.opened == [] and len(run.topped_up) == 1
    assert ShiftSlot.objects.count() == 1
    assert ShiftSlot.objects.get().seats > 2


@pytest.mark.parametrize(
    ("hours", "multiplier"),
    [(13, "1.00"), (12, "1.17"), (7, "1.17"), (6, "1.33"), (4, "1.33"), (3, "1.50"), (0.5, "1.50")],
)
def test_surge_rises_towards_the_cap_as_the_start_gets_close(hours, multiplier):
    assert surge_multiplier(hours_to_start=hours) == Decimal(multiplier)


def test_an_under_filled_slot_starting_soon_is_surged_once_and_capped():
    now = timezone.now()
    start = floor_hour(now) + timedelta(hours=2)
    demand(start)
    slot = ShiftSlotFactory(starts_at=start, ends_at=start + timedelta(hours=4), seats=3, languages=["en"])

    first = staffing_plan_run()
    second = staffing_plan_run()

    slot.refresh_from_db()
    assert first.surged == [slot.pk] and second.surged == []
    assert slot.pay_multiplier == Decimal("1.50")


def test_a_slot_is_not_surged_when_its_hours_are_covered_or_it_is_full():
    now = timezone.now()
    start = floor_hour(now) + timedelta(hours=2)
    no_demand = ShiftSlotFactory(starts_at=start, ends_at=start + timedelta(hours=4), seats=3, languages=["sv"])
    demand(start)
    full = ShiftSlotFactory(
        starts_at=start, ends_at=start + timedelta(hours=4), seats=1, seats_taken=1, languages=["en"]
    )
    ShiftClaim.objects.create(slot=full, agent=AgentProfileFactory(), starts_at=full.starts_at, ends_at=full.ends_at)

    run = staffing_plan_run()

    assert no_demand.pk not in run.surged and full.pk not in run.surged
    assert set(ShiftSlot.objects.filter(pk__in=[no_demand.pk, full.pk]).values_list("pay_multiplier", flat=True)) == {
        Decimal("1.00")
    }


def test_a_slot_far_ahead_is_not_surged():
    start = floor_hour(timezone.now()) + timedelta(hours=20)
    demand(start)
    slot = ShiftSlotFactory(starts_at=start, ends_at=start + timedelta(hours=4), seats=5, languages=["en"])

    staffing_plan_run()

    slot.refresh_from_db()
    assert slot.pay_multiplier == Decimal("1.00")


@pytest.mark.django_db(transaction=True)
def test_two_jobs_racing_open_each_slot_once():
    import threading

    from django.db import connection

    target = floor_hour(timezone.now()) + timedelta(hours=20)
    demand(target)
    demand(target + timedelta(hours=8), per_hour=1, language="de")
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            staffing_plan_run()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    assert errors == []
    assert ShiftSlot.objects.count() == ForecastSlot.objects.count() == 2
    assert sorted(ShiftSlot.objects.values_list("seats", flat=True)) == [1, 2]
