"""Ops publish and edit shift slots; bad input is refused with nothing changed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.exceptions import SlotInvalid
from agents.models import ShiftSlot
from agents.roles import OPS
from agents.services.shifts import shift_claim, slot_create, slot_update
from tests.factories import AgentProfileFactory, ShiftSlotFactory, user_with_role


def _good(**overrides):
    starts = timezone.now() + timedelta(days=1)
    values = {
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=4),
        "languages": ["en", "de"],
        "skills": ["cards"],
        "seats": 4,
        "pay_multiplier": Decimal("1.25"),
    }
    return {**values, **overrides}


@pytest.mark.django_db
def test_ops_publish_a_slot():
    ops = user_with_role(OPS)
    slot = slot_create(created_by=ops, **_good())
    assert (slot.seats, slot.seats_taken, slot.pay_multiplier, slot.created_by) == (4, 0, Decimal("1.25"), ops)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"seats": 0},
        {"seats": -1},
        {"seats": 2.5},
        {"seats": True},
        {"pay_multiplier": Decimal("0.5")},
        {"pay_multiplier": Decimal("1.255")},
        {"pay_multiplier": Decimal("NaN")},
        {"languages": []},
        {"languages": ["xx"]},
        {"skills": ["nope"]},
        {"ends_at": timezone.now() - timedelta(hours=1), "starts_at": timezone.now() - timedelta(hours=3)},
        {"ends_at": timezone.now() + timedelta(days=1)},
        {"ends_at": timezone.now() + timedelta(days=2)},
    ],
)
def test_a_bad_slot_is_refused_and_nothing_is_created(overrides):
    with pytest.raises(SlotInvalid) as caught:
        slot_create(created_by=user_with_role(OPS), **_good(**overrides))
    assert caught.value.errors
    assert not ShiftSlot.objects.exists()


@pytest.mark.django_db
def test_ops_edit_seats_languages_and_multiplier_but_never_below_the_seats_taken():
    slot = ShiftSlotFactory(starts_at=timezone.now() + timedelta(days=1), seats=3)
    for _ in range(2):
        shift_claim(agent=AgentProfileFactory().user, slot=slot)
    updated = slot_update(slot=slot, seats=5, pay_multiplier=Decimal("1.50"), languages=["en", "sv"])
    assert (updated.seats, updated.pay_multiplier, updated.languages) == (5, Decimal("1.50"), ["en", "sv"])
    with pytest.raises(SlotInvalid) as caught:
        slot_update(slot=slot, seats=1)
    assert "seats" in caught.value.errors
    slot.refresh_from_db()
    assert slot.seats == 5


@pytest.mark.django_db
def test_a_slot_with_claimed_seats_cannot_move_in_time():
    slot = ShiftSlotFactory(starts_at=timezone.now() + timedelta(days=1))
    shift_claim(agent=AgentProfileFactory().user, slot=slot)
    with pytest.raises(SlotInvalid):
        slot_update(slot=slot, starts_at=slot.starts_at + timedelta(hours=1), ends_at=slot.ends_at + timedelta(hours=1))
    empty = ShiftSlotFactory(starts_at=timezone.now() + timedelta(days=1))
    moved = slot_update(slot=empty, starts_at=empty.starts_at + timedelta(hours=1))
    assert moved.starts_at == empty.starts_at + timedelta(hours=1)
