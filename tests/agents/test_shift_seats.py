"""Seats in a shift never overbook, and an agent never holds two overlapping shifts."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agents.exceptions import AgentNotApproved, NotEligibleForSlot, ShiftOverlap, SlotFull, SlotNotOpen
from agents.models import AgentStatus, ClaimStatus, ShiftClaim, ShiftSlot
from agents.services.shifts import shift_claim
from tests.factories import AgentProfileFactory, ShiftSlotFactory


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes, errors = [], []

    def run(fn):
        try:
            barrier.wait()
            outcomes.append(fn())
        except (SlotFull, ShiftOverlap) as exc:
            outcomes.append(exc)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


def _future_slot(**kwargs):
    starts = timezone.now() + timedelta(days=2)
    return ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=4), **kwargs)


@pytest.mark.django_db(transaction=True)
def test_thirty_agents_racing_for_the_last_seat_only_one_gets_it():
    slot = _future_slot(seats=3)
    early = [AgentProfileFactory(languages=["en"]) for _ in range(2)]
    for profile in early:
        shift_claim(agent=profile.user, slot=slot)
    racers = [AgentProfileFactory(languages=["en"]) for _ in range(30)]

    outcomes, errors = _race([lambda user=p.user: shift_claim(agent=user, slot=slot) for p in racers])

    assert errors == []
    winners = [o for o in outcomes if isinstance(o, ShiftClaim)]
    assert len(winners) == 1
    assert sum(isinstance(o, SlotFull) for o in outcomes) == 29
    slot.refresh_from_db()
    assert slot.seats_taken == slot.seats == 3
    assert ShiftClaim.objects.filter(slot=slot, status=ClaimStatus.ACTIVE).count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_agent_racing_for_overlapping_shifts_holds_only_one():
    profile = AgentProfileFactory(languages=["en"])
    starts = timezone.now() + timedelta(days=3)
    slots = [
        ShiftSlotFactory(
            starts_at=starts + timedelta(minutes=30 * i), ends_at=starts + timedelta(minutes=30 * i + 240), seats=5
        )
        for i in range(6)
    ]

    outcomes, errors = _race([lambda slot=s: shift_claim(agent=profile.user, slot=slot) for s in slots])

    assert errors == []
    assert sum(isinstance(o, ShiftClaim) for o in outcomes) == 1
    assert sum(isinstance(o, ShiftOverlap) for o in outcomes) == 5
    assert ShiftClaim.objects.filter(agent=profile, status=ClaimStatus.ACTIVE).count() == 1
    assert sum(ShiftSlot.objects.filter(pk__in=[s.pk for s in slots]).values_list("seats_taken", flat=True)) == 1


@pytest.mark.django_db
def test_back_to_back_shifts_do_not_overlap():
    profile = AgentProfileFactory(languages=["en"])
    first = _future_slot()
    second = ShiftSlotFactory(starts_at=first.ends_at, ends_at=first.ends_at + timedelta(hours=2))
    shift_claim(agent=profile.user, slot=first)
    shift_claim(agent=profile.user, slot=second)
    assert ShiftClaim.objects.filter(agent=profile, status=ClaimStatus.ACTIVE).count() == 2


@pytest.mark.django_db
def test_the_database_refuses_overbooking_even_without_the_service():
    slot = _future_slot(seats=1, seats_taken=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftSlot.objects.filter(pk=slot.pk).update(seats_taken=2)


@pytest.mark.django_db
def test_the_database_refuses_overlapping_active_claims_even_without_the_service():
    profile = AgentProfileFactory()
    first, second = _future_slot(), _future_slot()
    ShiftClaim.objects.create(slot=first, agent=profile, starts_at=first.starts_at, ends_at=first.ends_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftClaim.objects.create(
            slot=second, agent=profile, starts_at=second.starts_at + timedelta(hours=1), ends_at=second.ends_at
        )
    # A cancelled claim does not block.
    ShiftClaim.objects.filter(agent=profile).update(status=ClaimStatus.CANCELLED)
    ShiftClaim.objects.create(slot=second, agent=profile, starts_at=second.starts_at, ends_at=second.ends_at)


@pytest.mark.django_db
def test_a_claim_takes_a_seat_and_copies_the_window():
    profile = AgentProfileFactory(languages=["en"])
    slot = _future_slot(seats=2)
    claim = shift_claim(agent=profile.user, slot=slot)
    slot.refresh_from_db()
    assert slot.seats_taken == 1
    assert (claim.starts_at, claim.ends_at, claim.status) == (slot.starts_at, slot.ends_at, ClaimStatus.ACTIVE)


@pytest.mark.django_db
def test_only_approved_agents_can_claim_shifts():
    slot = _future_slot()
    for status in (AgentStatus.APPLIED, AgentStatus.REJECTED, AgentStatus.DEACTIVATED):
        profile = AgentProfileFactory(status=status)
        with pytest.raises(AgentNotApproved):
            shift_claim(agent=profile.user, slot=slot)
    slot.refresh_from_db()
    assert slot.seats_taken == 0


@pytest.mark.django_db
def test_a_shift_in_another_language_or_needing_other_skills_is_refused():
    profile = AgentProfileFactory(languages=["en"], skills=["cards"])
    with pytest.raises(NotEligibleForSlot):
        shift_claim(agent=profile.user, slot=_future_slot(languages=["de"]))
    with pytest.raises(NotEligibleForSlot):
        shift_claim(agent=profile.user, slot=_future_slot(skills=["cards", "security_fraud"]))
    shift_claim(agent=profile.user, slot=_future_slot(languages=["de", "en"], skills=["cards"]))


@pytest.mark.django_db
def test_a_shift_that_is_over_cannot_be_claimed_but_a_running_one_can():
    profile = AgentProfileFactory()
    now = timezone.now()
    past = ShiftSlotFactory(starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=1))
    with pytest.raises(SlotNotOpen):
        shift_claim(agent=profile.user, slot=past)
    running = ShiftSlotFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    assert shift_claim(agent=profile.user, slot=running).status == ClaimStatus.ACTIVE


@pytest.mark.django_db
def test_a_full_shift_is_refused_with_nothing_changed():
    profile = AgentProfileFactory()
    slot = _future_slot(seats=1, seats_taken=1)
    with pytest.raises(SlotFull):
        shift_claim(agent=profile.user, slot=slot)
    assert not ShiftClaim.objects.filter(agent=profile).exists()
