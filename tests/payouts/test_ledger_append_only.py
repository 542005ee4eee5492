"""The ledger is append-only: entries are never changed or removed, by the code or directly in the database."""

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from payouts.models import LedgerEntry, LedgerIsAppendOnly
from tests.payouts.factories import agent_user, available_earning

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return available_earning(agent=agent_user(), amount_minor=500)


def test_saving_an_existing_entry_is_refused(entry):
    entry.amount_minor = 5000
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()


def test_the_database_refuses_an_update_of_an_amount_even_behind_the_models_back(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_minor=5000)
    entry.refresh_from_db()
    assert entry.amount_minor == 500


def test_the_database_refuses_a_delete_behind_the_models_back(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_the_only_change_allowed_is_voiding_once(entry):
    now = timezone.now()
    assert LedgerEntry.objects.filter(pk=entry.pk).update(voided_at=now) == 1
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(voided_at=None)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(voided_at=now, amount_minor=1)


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        ("case_resolution", -1),
        ("bonus", 0),
        ("clawback", 10),
        ("payout", 10),
        ("payout_reversal", -5),
        ("adjustment", 0),
    ],
)
def test_the_database_refuses_an_amount_whose_sign_does_not_match_the_kind(kind, amount):
    agent = agent_user()
    now = timezone.now()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.create(
            agent=agent, kind=kind, amount_minor=amount, currency="EUR", occurred_at=now, available_at=now
        )
