"""A crash, a lost response or a retry days later never pays an agent twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payouts.models import EntryKind, LedgerEntry, Payout, PayoutStatus
from payouts.periods import period_of
from payouts.services import payout_run_approve, payout_run_preview, payout_run_process, payout_run_start
from payouts.services import runs as runs_service
from tests.payouts.factories import available_earning, connected_agent

pytestmark = pytest.mark.django_db
PERIOD = period_of(timezone.now())


class SimulatedCrash(Exception):
    pass


@pytest.fixture
def approved_run(fake_stripe):
    for amount in (2500, 4000, 1800):
        available_earning(agent=connected_agent(account_id=fake_stripe.add_account()), amount_minor=amount)
    run = payout_run_preview(period=PERIOD, actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    payout_run_start(run_id=run.pk)
    return run


def _assert_one_transfer_per_agent(fake_stripe, run):
    transfers = fake_stripe.transfers()
    payouts = list(Payout.objects.filter(run=run))
    assert len(transfers) == len(payouts) == 3
    assert sorted(t["destination"] for t in transfers) == sorted(p.connected_account.account_id for p in payouts)
    for payout in payouts:
        assert payout.status == PayoutStatus.PAID
        assert payout.transfer_id in {t["id"] for t in transfers}
        assert LedgerEntry.objects.filter(payout=payout, kind=EntryKind.PAYOUT).count() == 1


def test_a_crash_between_the_transfer_call_and_saving_it_then_a_rerun_gives_one_transfer_per_agent(
    approved_run, fake_stripe, monkeypatch
):
    real_record = runs_service.payout_record_transfer
    calls = {"n": 0}

    def crash_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SimulatedCrash("worker killed after the transfer was made, before it was saved")
        return real_record(**kwargs)

    monkeypatch.setattr(runs_service, "payout_record_transfer", crash_on_second)
    with pytest.raises(SimulatedCrash):
        payout_run_process(run_id=approved_run.pk)
    crashed = Payout.objects.get(run=approved_run, status=PayoutStatus.PROCESSING)
    assert crashed.transfer_id == ""
    assert len(fake_stripe.transfers()) == 2  # the crashed payout's transfer exists at Stripe

    monkeypatch.setattr(runs_service, "payout_record_transfer", real_record)
    payout_run_start(run_id=approved_run.pk)  # resuming an executing run is allowed
    payout_run_process(run_id=approved_run.pk)

    _assert_one_transfer_per_agent(fake_stripe, approved_run)
    keyed = [
        r for r in fake_stripe.requests_to("POST", "/v1/transfers") if r.idempotency_key == crashed.idempotency_key
    ]
    assert len(keyed) == 2, "the rerun asked again with the same key and got the same transfer back"
    approved_run.refresh_from_db()
    assert approved_run.status == "completed"
    assert approved_run.processed_count == 3


def test_a_lost_response_is_retried_by_the_library_with_the_same_key_and_pays_once(approved_run, fake_stripe):
    fake_stripe.lose_next_responses(1)

    payout_run_process(run_id=approved_run.pk)

    _assert_one_transfer_per_agent(fake_stripe, approved_run)
    posts = fake_stripe.requests_to("POST", "/v1/transfers")
    assert len(posts) == 4
    assert posts[0].idempotency_key == posts[1].idempotency_key


def test_resuming_after_the_providers_key_memory_expired_finds_the_transfer_by_its_group(
    approved_run, fake_stripe, monkeypatch
):
    real_record = runs_service.payout_record_transfer

    def crash(**kwargs):
        raise SimulatedCrash

    monkeypatch.setattr(runs_service, "payout_record_transfer", crash)
    with pytest.raises(SimulatedCrash):
        payout_run_process(run_id=approved_run.pk)
    monkeypatch.setattr(runs_service, "payout_record_transfer", real_record)
    fake_stripe.forget_idempotency_keys()
    two_days_later = timezone.now() + timedelta(days=2)

    payout_run_process(run_id=approved_run.pk, now=lambda: two_days_later)

    _assert_one_transfer_per_agent(fake_stripe, approved_run)
