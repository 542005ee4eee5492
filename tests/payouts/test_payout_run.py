"""A payout run: preview per agent, approve, execute as one Stripe transfer per agent through the real library."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payouts.exceptions import IllegalRunTransition, InvalidPeriod, OpenRunExists
from payouts.models import EntryKind, LedgerEntry, Payout, PayoutStatus, SkipReason
from payouts.periods import period_of
from payouts.selectors import agent_balance, run_progress
from payouts.services import (
    payout_run_approve,
    payout_run_cancel,
    payout_run_execute_async,
    payout_run_preview,
    payout_run_process,
    payout_run_start,
)
from tests.factories import UserFactory
from tests.payouts.factories import agent_user, available_earning, connected_agent

pytestmark = pytest.mark.django_db
PERIOD = period_of(timezone.now())


@pytest.fixture
def agents(fake_stripe):
    """Two payable agents, one below the minimum, one without an account, one not yet enabled."""
    paid_a = connected_agent(account_id=fake_stripe.add_account())
    paid_b = connected_agent(account_id=fake_stripe.add_account())
    small = connected_agent(account_id=fake_stripe.add_account())
    no_account = agent_user()
    not_enabled = connected_agent(account_id=fake_stripe.add_account(enabled=False), enabled=False)
    available_earning(agent=paid_a, amount_minor=1500)
    available_earning(agent=paid_a, amount_minor=500)
    available_earning(agent=paid_b, amount_minor=1200)
    available_earning(agent=small, amount_minor=999)
    available_earning(agent=no_account, amount_minor=5000)
    available_earning(agent=not_enabled, amount_minor=5000)
    return {"a": paid_a, "b": paid_b, "small": small, "no_account": no_account, "not_enabled": not_enabled}


@pytest.fixture
def execute(django_capture_on_commit_callbacks):
    """Approve and execute; the Celery task is enqueued on commit and runs inline in the suite."""

    def run_it(run, actor=None, *, approve=True):
        if approve:
            payout_run_approve(run_id=run.pk, actor=actor)
        with django_capture_on_commit_callbacks(execute=True):
            payout_run_execute_async(run_id=run.pk)
        run.refresh_from_db()
        return run

    return run_it


def test_preview_lists_each_agents_available_balance_and_cases_and_says_who_is_not_paid_and_why(agents):
    run = payout_run_preview(period=PERIOD, actor=None)

    lines = {p.agent_id: p for p in Payout.objects.filter(run=run)}
    assert (lines[agents["a"].pk].amount_minor, lines[agents["a"].pk].cases) == (2000, 2)
    assert lines[agents["a"].pk].status == PayoutStatus.PENDING
    assert lines[agents["b"].pk].amount_minor == 1200
    assert lines[agents["small"].pk].skip_reason == SkipReason.BELOW_MINIMUM
    assert lines[agents["no_account"].pk].skip_reason == SkipReason.NO_ACCOUNT
    assert lines[agents["not_enabled"].pk].skip_reason == SkipReason.ACCOUNT_NOT_ENABLED
    assert run.total_count == 2
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).exists(), "a preview moves no money"


def test_pending_earnings_inside_the_holdback_are_not_paid(fake_stripe):
    agent = connected_agent(account_id=fake_stripe.add_account())
    available_earning(agent=agent, amount_minor=2000, days_ago=0)  # available in ~24 h
    run = payout_run_preview(period=PERIOD, actor=None)
    assert not Payout.objects.filter(run=run).exists()


def test_executing_a_run_makes_one_transfer_per_agent_keyed_by_the_payouts_id(agents, fake_stripe, settings, execute):
    finance = UserFactory()
    run = payout_run_preview(period=PERIOD, actor=finance)

    run = execute(run, finance)
    run.refresh_from_db()

    assert run.status == "completed"
    assert (run.processed_count, run.total_count) == (2, 2)
    transfers = fake_stripe.transfers()
    assert sorted((t["destination"], t["amount"]) for t in transfers) == sorted(
        [(agents["a"].payout_account.account_id, 2000), (agents["b"].payout_account.account_id, 1200)]
    )
    for payout in Payout.objects.filter(run=run, status=PayoutStatus.PAID):
        posts = [
            r for r in fake_stripe.requests_to("POST", "/v1/transfers") if r.idempotency_key == f"payout-{payout.pk}"
        ]
        assert len(posts) == 1
        assert posts[0].params["transfer_group"] == f"payout-{payout.pk}"
        assert posts[0].stripe_version == settings.STRIPE_API_VERSION
        assert payout.transfer_id == next(t["id"] for t in transfers if t["transfer_group"] == f"payout-{payout.pk}")
    assert agent_balance(agent_id=agents["a"].pk).available_minor == 0
    assert agent_balance(agent_id=agents["small"].pk).available_minor == 999  # carried over to a later run


def test_executing_a_finished_run_again_sends_nothing(agents, fake_stripe, execute):
    run = payout_run_preview(period=PERIOD, actor=None)
    execute(run)
    with pytest.raises(IllegalRunTransition):
        payout_run_start(run_id=run.pk)
    payout_run_process(run_id=run.pk)
    assert len(fake_stripe.transfers()) == 2


def test_a_second_run_pays_only_what_was_earned_since_the_first(agents, fake_stripe, execute):
    execute(payout_run_preview(period=PERIOD, actor=None))
    available_earning(agent=agents["a"], amount_minor=1100, days_ago=2)

    run = payout_run_preview(period=PERIOD, actor=None)
    pending = Payout.objects.filter(run=run, status=PayoutStatus.PENDING)
    assert [(p.agent_id, p.amount_minor, p.cases) for p in pending] == [(agents["a"].pk, 1100, 1)]


def test_only_one_run_may_be_open_at_a_time(agents):
    payout_run_preview(period=PERIOD, actor=None)
    with pytest.raises(OpenRunExists):
        payout_run_preview(period=PERIOD, actor=None)


def test_a_cancelled_run_pays_nothing_and_frees_the_way_for_a_new_one(agents, fake_stripe):
    run = payout_run_preview(period=PERIOD, actor=None)
    payout_run_cancel(run_id=run.pk, actor=None)
    assert not Payout.objects.filter(run=run, status=PayoutStatus.PENDING).exists()
    assert payout_run_preview(period=PERIOD, actor=None).total_count == 2
    assert fake_stripe.transfers() == []


def test_a_future_or_malformed_period_is_refused():
    with pytest.raises(InvalidPeriod):
        payout_run_preview(period=period_of(timezone.now() + timedelta(days=62)), actor=None)
    with pytest.raises(InvalidPeriod):
        payout_run_preview(period="2025-13", actor=None)


def test_a_transfer_the_provider_refuses_fails_the_payout_and_returns_the_money(agents, fake_stripe, execute):
    fake_stripe.refuse_next_transfers(1)
    run = payout_run_preview(period=PERIOD, actor=None)
    execute(run)

    failed = Payout.objects.get(run=run, status=PayoutStatus.FAILED)
    assert "Insufficient funds" in failed.failure_message
    assert agent_balance(agent_id=failed.agent_id).available_minor == failed.amount_minor
    assert LedgerEntry.objects.filter(payout=failed).count() == 2  # the debit and its return
    run.refresh_from_db()
    assert run.status == "completed"
    assert run_progress(run_id=run.pk).counts["paid"] == 1


def test_a_clawback_after_approval_lowers_the_balance_and_the_payout_is_held_back(agents, fake_stripe, execute):
    run = payout_run_preview(period=PERIOD, actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    now = timezone.now()
    LedgerEntry.objects.create(
        agent=agents["b"],
        kind="adjustment",
        amount_minor=-500,
        currency="EUR",
        occurred_at=now,
        available_at=now,
        memo="correction",
    )
    execute(run, approve=False)

    line = Payout.objects.get(run=run, agent=agents["b"])
    assert (line.status, line.skip_reason) == (PayoutStatus.SKIPPED, SkipReason.BALANCE_CHANGED)
    assert len(fake_stripe.transfers()) == 1


def test_a_provider_outage_pauses_the_run_and_resuming_pays_each_agent_once(agents, fake_stripe, settings, execute):
    good_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    run = payout_run_preview(period=PERIOD, actor=None)
    execute(run)
    run.refresh_from_db()
    assert run.status == "executing"
    assert run.last_error

    settings.STRIPE_API_BASE = good_base
    execute(run, approve=False)

    run.refresh_from_db()
    assert run.status == "completed"
    assert len(fake_stripe.transfers()) == 2
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).count() == 2
