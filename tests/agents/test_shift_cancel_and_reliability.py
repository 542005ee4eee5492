"""Cancelling is free until the cut-off; late cancels and no-shows count against reliability."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.exceptions import ClaimNotActive, NotYourShift
from agents.models import ClaimStatus, Presence, ShiftClaim
from agents.services.shifts import reliability_recompute, shift_cancel, shift_claim, shifts_sweep
from tests.factories import AgentProfileFactory, ShiftSlotFactory


def _slot_starting_in(delta, **kwargs):
    starts = timezone.now() + delta
    return ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=4), **kwargs)


@pytest.mark.django_db
def test_cancelling_before_the_cutoff_is_free_and_gives_the_seat_back(settings):
    settings.SHIFT_CANCEL_CUTOFF_HOURS = 12
    profile = AgentProfileFactory()
    slot = _slot_starting_in(timedelta(hours=13), seats=1)
    claim = shift_claim(agent=profile.user, slot=slot)
    cancelled = shift_cancel(agent=profile.user, claim=claim)
    slot.refresh_from_db()
    profile.refresh_from_db()
    assert cancelled.status == ClaimStatus.CANCELLED
    assert slot.seats_taken == 0
    assert profile.reliability_score == 1.0
    # The seat is on the market again.
    other = AgentProfileFactory()
    assert shift_claim(agent=other.user, slot=slot).status == ClaimStatus.ACTIVE


@pytest.mark.django_db
def test_cancelling_after_the_cutoff_is_a_late_cancel_that_lowers_reliability(settings):
    settings.SHIFT_CANCEL_CUTOFF_HOURS = 12
    profile = AgentProfileFactory()
    slot = _slot_starting_in(timedelta(hours=11))
    claim = shift_claim(agent=profile.user, slot=slot)
    cancelled = shift_cancel(agent=profile.user, claim=claim)
    slot.refresh_from_db()
    profile.refresh_from_db()
    assert cancelled.status == ClaimStatus.LATE_CANCELLED
    assert slot.seats_taken == 0
    assert profile.reliability_score == pytest.approx((2 + 0.5) / 3, abs=1e-3)


@pytest.mark.django_db
def test_an_agent_cannot_cancel_someone_elses_shift():
    owner, other = AgentProfileFactory(), AgentProfileFactory()
    claim = shift_claim(agent=owner.user, slot=_slot_starting_in(timedelta(days=2)))
    with pytest.raises(NotYourShift):
        shift_cancel(agent=other.user, claim=claim)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE


@pytest.mark.django_db
def test_a_cancelled_claim_cannot_be_cancelled_again():
    profile = AgentProfileFactory()
    slot = _slot_starting_in(timedelta(days=2), seats=2)
    claim = shift_claim(agent=profile.user, slot=slot)
    shift_cancel(agent=profile.user, claim=claim)
    with pytest.raises(ClaimNotActive):
        shift_cancel(agent=profile.user, claim=claim)
    slot.refresh_from_db()
    assert slot.seats_taken == 0


@pytest.mark.django_db
def test_a_claimed_shift_started_past_the_grace_without_going_online_is_a_no_show(settings):
    settings.SHIFT_NO_SHOW_GRACE_MINUTES = 15
    profile = AgentProfileFactory()
    slot = _slot_starting_in(-timedelta(minutes=20), seats=2)
    claim = ShiftClaim.objects.create(slot=slot, agent=profile, starts_at=slot.starts_at, ends_at=slot.ends_at)
    ShiftClaim.objects.filter(pk=claim.pk).update(created_at=slot.starts_at - timedelta(days=1))  # claimed yesterday
    slot.seats_taken = 1
    slot.save()

    assert shifts_sweep() == {"no_show": 1, "completed": 0}
    claim.refresh_from_db()
    slot.refresh_from_db()
    profile.refresh_from_db()
    assert claim.status == ClaimStatus.NO_SHOW
    assert slot.seats_taken == 0, "the seat goes back on the market"
    assert profile.reliability_score == pytest.approx(2 / 3, abs=1e-3)
    assert shifts_sweep() == {"no_show": 0, "completed": 0}, "running the sweep twice changes nothing"


@pytest.mark.django_db
def test_within_the_grace_or_online_is_not_a_no_show(settings):
    settings.SHIFT_NO_SHOW_GRACE_MINUTES = 15
    early = AgentProfileFactory()
    slot = _slot_starting_in(-timedelta(minutes=5))
    ShiftClaim.objects.create(slot=slot, agent=early, starts_at=slot.starts_at, ends_at=slot.ends_at)
    present = AgentProfileFactory()
    slot2 = _slot_starting_in(-timedelta(minutes=40))
    claim2 = ShiftClaim.objects.create(slot=slot2, agent=present, starts_at=slot2.starts_at, ends_at=slot2.ends_at)
    ShiftClaim.objects.filter(pk=claim2.pk).update(created_at=slot2.starts_at - timedelta(days=1))
    Presence.objects.create(agent=present, online=True, last_heartbeat_at=timezone.now())

    assert shifts_sweep() == {"no_show": 0, "completed": 0}
    claim2.refresh_from_db()
    assert claim2.status == ClaimStatus.ACTIVE
    assert claim2.checked_in_at is not None


@pytest.mark.django_db
def test_a_worked_shift_is_completed_when_it_ends():
    profile = AgentProfileFactory()
    now = timezone.now()
    slot = ShiftSlotFactory(starts_at=now - timedelta(hours=5), ends_at=now - timedelta(minutes=1))
    claim = ShiftClaim.objects.create(
        slot=slot, agent=profile, starts_at=slot.starts_at, ends_at=slot.ends_at, checked_in_at=slot.starts_at
    )
    assert shifts_sweep() == {"no_show": 0, "completed": 1}
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED


@pytest.mark.django_db
def test_reliability_is_recomputed_from_the_whole_recent_history():
    profile = AgentProfileFactory()
    now = timezone.now()
    for index, status in enumerate(
        [ClaimStatus.COMPLETED] * 6 + [ClaimStatus.NO_SHOW, ClaimStatus.LATE_CANCELLED, ClaimStatus.CANCELLED]
    ):
        starts = now - timedelta(days=index + 1)
        slot = ShiftSlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=2))
        ShiftClaim.objects.create(slot=slot, agent=profile, starts_at=starts, ends_at=slot.ends_at, status=status)
    # Free cancels do not count; 2 prior + 6 worked + 0.5 late over 2 + 8.
    assert reliability_recompute(profile=profile) == pytest.approx(8.5 / 10, abs=1e-3)
    profile.refresh_from_db()
    assert profile.reliability_score == pytest.approx(0.85, abs=1e-3)


@pytest.mark.django_db
def test_a_seat_taken_in_a_running_shift_gets_its_own_grace_before_it_counts_as_a_no_show(settings):
    settings.SHIFT_NO_SHOW_GRACE_MINUTES = 15
    profile = AgentProfileFactory()
    slot = _slot_starting_in(-timedelta(hours=2))
    claim = shift_claim(agent=profile.user, slot=slot)
    assert shifts_sweep() == {"no_show": 0, "completed": 0}
    ShiftClaim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    assert shifts_sweep() == {"no_show": 1, "completed": 0}
