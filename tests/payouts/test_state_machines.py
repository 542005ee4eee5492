"""The payout run and payout state machines: every allowed move works, every other one is refused."""

import itertools

import pytest
from django.utils import timezone

from payouts.exceptions import IllegalPayoutTransition, IllegalRunTransition
from payouts.models import Payout, PayoutRun, PayoutRunStatus, PayoutStatus
from payouts.transitions import PAYOUT_TRANSITIONS, RUN_TRANSITIONS, payout_transition, run_transition
from tests.payouts.factories import agent_user

pytestmark = pytest.mark.django_db


def _run(status: str) -> PayoutRun:
    PayoutRun.objects.filter(status__in=["preview", "approved", "executing"]).update(status="cancelled")
    return PayoutRun.objects.create(
        period="2025-01",
        currency="EUR",
        provider="local_test",
        status=status,
        cutoff_at=timezone.now(),
        minimum_minor=0,
    )


def test_the_tables_name_every_status():
    assert set(RUN_TRANSITIONS) == set(PayoutRunStatus.values)
    assert set(PAYOUT_TRANSITIONS) == set(PayoutStatus.values)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(PayoutRunStatus.values, repeat=2)))
def test_a_run_moves_only_along_the_table(source, target):
    run = _run(source)
    if target in RUN_TRANSITIONS[source]:
        assert run_transition(run=run, to_status=target)
        assert PayoutRun.objects.get(pk=run.pk).status == target
    else:
        with pytest.raises(IllegalRunTransition):
            run_transition(run=run, to_status=target)
        assert PayoutRun.objects.get(pk=run.pk).status == source


@pytest.mark.parametrize(("source", "target"), list(itertools.product(PayoutStatus.values, repeat=2)))
def test_a_payout_moves_only_along_the_table(source, target):
    run = _run("executing")
    payout = Payout.objects.create(
        run=run,
        agent=agent_user(),
        amount_minor=1000,
        currency="EUR",
        covers_until=timezone.now(),
        status=source,
        skip_reason="below_minimum" if source == "skipped" else "",
        transfer_id="tr_x" if source in ("paid", "reversed") else "",
    )
    fields = {"skip_reason": "below_minimum"} if target == "skipped" else {}
    if target in ("paid", "reversed"):
        fields["transfer_id"] = "tr_x"
    if target in PAYOUT_TRANSITIONS[source]:
        assert payout_transition(payout=payout, to_status=target, **fields)
        assert Payout.objects.get(pk=payout.pk).status == target
    else:
        with pytest.raises(IllegalPayoutTransition):
            payout_transition(payout=payout, to_status=target, **fields)
        assert Payout.objects.get(pk=payout.pk).status == source


def test_a_stale_copy_loses_the_race_and_changes_nothing():
    run = _run("preview")
    stale = PayoutRun.objects.get(pk=run.pk)
    assert run_transition(run=run, to_status="approved")
    assert not run_transition(run=stale, to_status="cancelled")
    assert PayoutRun.objects.get(pk=run.pk).status == "approved"
