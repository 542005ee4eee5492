"""The one place where payout runs and payouts change status.

Each move is a conditional UPDATE (`… WHERE id = %s AND status = <expected>`), so when
two workers race for the same move exactly one wins; the loser learns it from the
return value and backs off. `tests/payouts/test_state_machines.py` walks both tables.
"""

from typing import Any

from django.utils import timezone

from payouts.exceptions import IllegalPayoutTransition, IllegalRunTransition
from payouts.models import Payout, PayoutRun, PayoutRunStatus, PayoutStatus

RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    PayoutRunStatus.PREVIEW: frozenset({PayoutRunStatus.APPROVED, PayoutRunStatus.CANCELLED}),
    PayoutRunStatus.APPROVED: frozenset({PayoutRunStatus.EXECUTING, PayoutRunStatus.CANCELLED}),
    PayoutRunStatus.EXECUTING: frozenset({PayoutRunStatus.COMPLETED}),
    PayoutRunStatus.COMPLETED: frozenset(),
    PayoutRunStatus.CANCELLED: frozenset(),
}

PAYOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    PayoutStatus.PENDING: frozenset({PayoutStatus.PROCESSING, PayoutStatus.SKIPPED}),
    # Processing means the ledger debit is written and the transfer may or may not exist at the provider.
    PayoutStatus.PROCESSING: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
    PayoutStatus.PAID: frozenset({PayoutStatus.REVERSED}),
    PayoutStatus.FAILED: frozenset(),
    PayoutStatus.REVERSED: frozenset(),
    PayoutStatus.SKIPPED: frozenset(),
}


def run_can_move(*, from_status: str, to_status: str) -> bool:
    return to_status in RUN_TRANSITIONS[from_status]


def payout_can_move(*, from_status: str, to_status: str) -> bool:
    return to_status in PAYOUT_TRANSITIONS[from_status]


def run_transition(*, run: PayoutRun, to_status: str, **fields: Any) -> bool:
    """Move `run` from its current status to `to_status`; False if another worker moved it first."""
    if not run_can_move(from_status=run.status, to_status=to_status):
        raise IllegalRunTransition(f"A {run.status} run cannot become {to_status}.")
    won = PayoutRun.objects.filter(pk=run.pk, status=run.status).update(status=to_status, **fields)
    if won:
        run.status = to_status
        for name, value in fields.items():
            setattr(run, name, value)
    return bool(won)


def payout_transition(*, payout: Payout, to_status: str, **fields: Any) -> bool:
    """Move `payout` from its current status to `to_status`; False if another worker moved it first."""
    if not payout_can_move(from_status=payout.status, to_status=to_status):
        raise IllegalPayoutTransition(f"A {payout.status} payout cannot become {to_status}.")
    fields.setdefault("updated_at", timezone.now())
    won = Payout.objects.filter(pk=payout.pk, status=payout.status).update(status=to_status, **fields)
    if won:
        payout.status = to_status
        for name, value in fields.items():
            setattr(payout, name, value)
    return bool(won)
