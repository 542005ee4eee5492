"""Payout runs: preview → approve → execute, one transfer per agent, never two.

How a payout is sent (`payout_send`), in two transactions:

1. Lock the payout row; if still `pending`, re-check the agent's available balance, write
   the ledger debit and move it to `processing`. Committed before any provider call, so
   the intent is durable.
2. Lock the row again (SKIP LOCKED: a second executor passes it by instead of calling
   too) and, holding that lock as a mutex, ask the provider for the transfer with the
   idempotency key `payout-<id>`; record the transfer and move to `paid`.

A crash between the call and the save rolls back step 2 only: the payout stays
`processing` and the next execution asks again with the same key, getting the same
transfer. Past the provider's key retention (24 h at Stripe) the transfer is first looked
up by its transfer group, which carries the same id.

Lock order, to stay deadlock-free: payout run → payout → connected account.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payouts import selectors
from payouts.exceptions import IllegalRunTransition, InvalidPeriod, OpenRunExists, ProviderDeclined, ProviderUnavailable
from payouts.gateways import PayoutGateway, TransferRecord, configured_provider, gateway_for
from payouts.models import (
    ConnectedAccount,
    EntryKind,
    LedgerEntry,
    Payout,
    PayoutRun,
    PayoutRunStatus,
    PayoutStatus,
    SkipReason,
)
from payouts.periods import period_bounds
from payouts.transitions import payout_transition, run_transition

logger = logging.getLogger(__name__)

# Stripe keeps idempotency keys for at least 24 hours; resume older attempts by looking the transfer up first.
IDEMPOTENCY_KEY_TRUSTED_FOR = timedelta(hours=23)


def payout_run_preview(*, period: str, actor: AbstractBaseUser | None, now: datetime | None = None) -> PayoutRun:
    """Create a run in `preview` with one line per agent holding a positive payable balance.

    Lines below the minimum or without an enabled payout account are kept as `skipped` with
    the reason, so finance sees who is not paid and why; the rest are `pending`.
    """
    now = now or timezone.now()
    start, end = period_bounds(period)
    if start > now:
        raise InvalidPeriod(f"{period} has not started yet.")
    cutoff = min(end, now)
    currency = settings.CURRENCY
    provider = configured_provider()
    minimum = settings.PAYOUT_MINIMUM_MINOR
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = PayoutRun.objects.create(
                    period=period,
                    currency=currency,
                    provider=provider,
                    cutoff_at=cutoff,
                    minimum_minor=minimum,
                    created_by=actor,
                )
        except IntegrityError as exc:
            raise OpenRunExists() from exc
        balances = {
            agent: amount
            for agent, amount in selectors.payable_balances(cutoff=cutoff, now=now, currency=currency).items()
            if amount > 0
        }
        accounts = {a.agent_id: a for a in ConnectedAccount.objects.filter(agent_id__in=list(balances))}
        covered = selectors.last_covered_until(agent_ids=balances)
        cases = selectors.cases_becoming_available(cutoff=cutoff, currency=currency)
        payouts = []
        for agent_id in sorted(balances):
            amount = balances[agent_id]
            account = accounts.get(agent_id)
            reason = ""
            if amount < minimum:
                reason = SkipReason.BELOW_MINIMUM
            elif account is None:
                reason = SkipReason.NO_ACCOUNT
            elif account.provider != provider:
                reason = SkipReason.OTHER_PROVIDER
            elif not account.payouts_enabled:
                reason = SkipReason.ACCOUNT_NOT_ENABLED
            payouts.append(
                Payout(
                    run=run,
                    agent_id=agent_id,
                    connected_account=account,
                    amount_minor=amount,
                    currency=currency,
                    cases=cases.get(agent_id, 0),
                    covers_from=covered.get(agent_id),
                    covers_until=cutoff,
                    status=PayoutStatus.SKIPPED if reason else PayoutStatus.PENDING,
                    skip_reason=reason,
                )
            )
        Payout.objects.bulk_create(payouts, batch_size=1000)
        run.total_count = sum(1 for p in payouts if p.status == PayoutStatus.PENDING)
        run.save(update_fields=["total_count"])
    return run


def payout_run_approve(*, run_id: int, actor: AbstractBaseUser | None, now: datetime | None = None) -> PayoutRun:
    with transaction.atomic():
        run = PayoutRun.objects.select_for_update().get(pk=run_id)
        if not run_transition(
            run=run, to_status=PayoutRunStatus.APPROVED, approved_by=actor, approved_at=now or timezone.now()
        ):
            raise IllegalRunTransition("The run changed meanwhile; reload it.")
    return run


def payout_run_cancel(*, run_id: int, actor: AbstractBaseUser | None) -> PayoutRun:
    """Drop a run that has not started; its pending lines become skipped, nothing was debited."""
    with transaction.atomic():
        run = PayoutRun.objects.select_for_update().get(pk=run_id)
        if not run_transition(run=run, to_status=PayoutRunStatus.CANCELLED, finished_at=timezone.now()):
            raise IllegalRunTransition("The run changed meanwhile; reload it.")
        for payout in Payout.objects.select_for_update().filter(run=run, status=PayoutStatus.PENDING):
            payout_transition(payout=payout, to_status=PayoutStatus.SKIPPED, skip_reason=SkipReason.RUN_CANCELLED)
    logger.info("Payout run %s cancelled by %s", run_id, actor)
    return run


def payout_run_start(*, run_id: int, now: datetime | None = None) -> PayoutRun:
    """Approved → executing. An executing run is resumed (after a crash, or a second click)."""
    with transaction.atomic():
        run = PayoutRun.objects.select_for_update().get(pk=run_id)
        if run.status == PayoutRunStatus.APPROVED:
            run_transition(
                run=run, to_status=PayoutRunStatus.EXECUTING, started_at=now or timezone.now(), last_error=""
            )
        elif run.status != PayoutRunStatus.EXECUTING:
            raise IllegalRunTransition(f"A {run.status} run cannot be executed.")
    return run


def payout_run_execute_async(*, run_id: int) -> PayoutRun:
    """Start (or resume) the run and hand the sending to a Celery task after commit."""
    from payouts.tasks import payout_run_execute_task

    with transaction.atomic():
        run = payout_run_start(run_id=run_id)
        transaction.on_commit(lambda: payout_run_execute_task.delay(run_id))
    return run


def payout_run_process(
    *, run_id: int, on_progress: Callable[[Payout], None] | None = None, now: Callable[[], datetime] = timezone.now
) -> PayoutRun:
    """Send every payout of an executing run that is not yet sent; safe to run twice, or twice at once.

    Stops at the first provider outage (recorded on the run as `last_error`); the run stays
    `executing` and the next execution resumes where this one stopped.
    """
    run = PayoutRun.objects.get(pk=run_id)
    if run.status != PayoutRunStatus.EXECUTING:
        return run
    gateway = gateway_for(run.provider)
    todo = list(
        Payout.objects.filter(run=run, status__in=[PayoutStatus.PENDING, PayoutStatus.PROCESSING])
        .order_by("id")
        .values_list("id", "status")
    )
    for payout_id, status in todo:
        try:
            payout = payout_send(
                payout_id=payout_id, gateway=gateway, resumed=status == PayoutStatus.PROCESSING, now=now()
            )
        except ProviderUnavailable as exc:
            PayoutRun.objects.filter(pk=run_id).update(last_error=str(exc)[:300])
            logger.warning("Payout run %s paused: %s", run_id, exc)
            break
        if on_progress is not None and payout is not None:
            on_progress(payout)
    return payout_run_finish(run_id=run_id)


def payout_run_finish(*, run_id: int) -> PayoutRun:
    """Executing → completed once no payout of the run is left to send."""
    with transaction.atomic():
        run = PayoutRun.objects.select_for_update().get(pk=run_id)
        open_left = Payout.objects.filter(run=run, status__in=[PayoutStatus.PENDING, PayoutStatus.PROCESSING]).exists()
        if run.status == PayoutRunStatus.EXECUTING and not open_left:
            run_transition(run=run, to_status=PayoutRunStatus.COMPLETED, finished_at=timezone.now(), last_error="")
    return run


def _count_processed(*, payout: Payout) -> None:
    PayoutRun.objects.filter(pk=payout.run_id).update(processed_count=F("processed_count") + 1)


def payout_send(*, payout_id: int, gateway: PayoutGateway, resumed: bool, now: datetime) -> Payout | None:
    """Send one payout (see the module docstring). Returns the payout as left, or None if another worker has it."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update(skip_locked=True).filter(pk=payout_id).first()
        if payout is None:
            return None
        if payout.status == PayoutStatus.PENDING:
            resumed = False
            if not _payout_debit(payout=payout, gateway=gateway, now=now):
                return payout
        elif payout.status != PayoutStatus.PROCESSING:
            return payout

    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update(skip_locked=True)
            .filter(pk=payout_id, status=PayoutStatus.PROCESSING)
            .first()
        )
        if payout is None:
            return None
        # Holding this row lock across the provider call is deliberate: it is the mutex that keeps a
        # concurrent executor from calling at the same time. The debit was committed above.
        record = None
        if resumed and payout.processing_since and now - payout.processing_since > IDEMPOTENCY_KEY_TRUSTED_FOR:
            record = gateway.find_transfer(transfer_group=payout.transfer_group)
        try:
            if record is None:
                record = gateway.create_transfer(
                    amount_minor=payout.amount_minor,
                    currency=payout.currency,
                    destination=ConnectedAccount.objects.get(pk=payout.connected_account_id).account_id,
                    idempotency_key=payout.idempotency_key,
                    transfer_group=payout.transfer_group,
                    metadata={
                        "payout_id": str(payout.pk),
                        "run_id": str(payout.run_id),
                        "agent_id": str(payout.agent_id),
                    },
                )
        except ProviderDeclined as exc:
            payout_fail(payout=payout, message=str(exc), now=now)
            return payout
        payout_record_transfer(payout=payout, transfer=record, now=now)
    return payout


def _payout_debit(*, payout: Payout, gateway: PayoutGateway, now: datetime) -> bool:
    """Pending → processing with its ledger debit; or skipped, if it can no longer be paid. Inside a transaction."""
    account = ConnectedAccount.objects.select_for_update().filter(pk=payout.connected_account_id).first()
    reason = ""
    if account is None:
        reason = SkipReason.NO_ACCOUNT
    elif account.provider != gateway.provider:
        reason = SkipReason.OTHER_PROVIDER
    elif not account.payouts_enabled:
        reason = SkipReason.ACCOUNT_NOT_ENABLED
    elif selectors.agent_balance(agent_id=payout.agent_id, now=now, currency=payout.currency).available_minor < (
        payout.amount_minor
    ):
        reason = SkipReason.BALANCE_CHANGED
    if reason:
        payout_transition(payout=payout, to_status=PayoutStatus.SKIPPED, skip_reason=reason)
        _count_processed(payout=payout)
        return False
    LedgerEntry.objects.create(
        agent_id=payout.agent_id,
        kind=EntryKind.PAYOUT,
        amount_minor=-payout.amount_minor,
        currency=payout.currency,
        occurred_at=now,
        available_at=now,
        payout=payout,
        memo=f"Payout #{payout.pk} ({payout.run.period})",
    )
    payout_transition(payout=payout, to_status=PayoutStatus.PROCESSING, processing_since=now)
    return True


def payout_record_transfer(*, payout: Payout, transfer: TransferRecord, now: datetime) -> None:
    """Processing → paid with the provider's transfer id. Inside the sending transaction."""
    if transfer.amount_minor != payout.amount_minor or transfer.currency != payout.currency.upper():
        # Never expected (the key pins the parameters); keep the payout open for a person to look at.
        raise ProviderUnavailable(f"Transfer {transfer.transfer_id} does not match payout {payout.pk}.")
    if payout_transition(payout=payout, to_status=PayoutStatus.PAID, transfer_id=transfer.transfer_id, paid_at=now):
        _count_processed(payout=payout)


def payout_fail(*, payout: Payout, message: str, now: datetime) -> None:
    """Processing → failed: the provider refused, nothing was sent; the debit is returned to the agent."""
    if not payout_transition(payout=payout, to_status=PayoutStatus.FAILED, failure_message=message[:300]):
        return
    LedgerEntry.objects.create(
        agent_id=payout.agent_id,
        kind=EntryKind.PAYOUT_REVERSAL,
        amount_minor=payout.amount_minor,
        currency=payout.currency,
        occurred_at=now,
        available_at=now,
        payout=payout,
        memo=f"Payout #{payout.pk} failed: {message}"[:200],
    )
    _count_processed(payout=payout)


def payout_record_reversal(
    *, transfer_id: str, amount_reversed_minor: int, transfer_group: str = "", now: datetime | None = None
) -> str:
    """The provider reports `amount_reversed_minor` of a transfer returned: credit the difference back.

    Reports are cumulative, so replays and out-of-order events add nothing twice. A reversal
    of a transfer whose payout has not recorded it yet (a run interrupted between the call
    and the save) is refused as retryable, so the provider redelivers it after the run resumes.
    """
    now = now or timezone.now()
    with transaction.atomic():
        payout = Payout.objects.select_for_update().filter(transfer_id=transfer_id).first()
        group_id = transfer_group.removeprefix("payout-")
        if payout is None and transfer_group.startswith("payout-") and group_id.isdigit():
            unrecorded = Payout.objects.filter(pk=int(group_id), status=PayoutStatus.PROCESSING).first()
            if unrecorded is not None:
                raise ProviderUnavailable(f"Payout {unrecorded.pk} has not recorded {transfer_id} yet; retry later.")
        if payout is None:
            return "unknown transfer"
        delta = min(amount_reversed_minor, payout.amount_minor) - payout.reversed_minor
        if delta <= 0:
            return "already recorded"
        LedgerEntry.objects.create(
            agent_id=payout.agent_id,
            kind=EntryKind.PAYOUT_REVERSAL,
            amount_minor=delta,
            currency=payout.currency,
            occurred_at=now,
            available_at=now,
            payout=payout,
            memo=f"Transfer {transfer_id} reversed",
        )
        total = payout.reversed_minor + delta
        Payout.objects.filter(pk=payout.pk).update(reversed_minor=total, updated_at=now)
        payout.reversed_minor = total
        if total >= payout.amount_minor and payout.status == PayoutStatus.PAID:
            payout_transition(payout=payout, to_status=PayoutStatus.REVERSED)
    return f"returned {delta} to agent {payout.agent_id}"


def payout_reverse_after_bank_failure(*, payout_id: int) -> str:
    """The agent's bank refused the money: pull the transfer back so the balance is theirs to be paid again."""
    payout = Payout.objects.get(pk=payout_id)
    remaining = payout.amount_minor - payout.reversed_minor
    if payout.status != PayoutStatus.PAID or remaining <= 0:
        return "nothing to reverse"
    record = gateway_for(payout.run.provider).reverse_transfer(
        transfer_id=payout.transfer_id, amount_minor=remaining, idempotency_key=f"payout-{payout.pk}-reversal"
    )
    return payout_record_reversal(transfer_id=record.transfer_id, amount_reversed_minor=record.amount_reversed_minor)


def payout_handle_bank_failure(*, account_id: str, amount_minor: int, currency: str, message: str) -> str:
    """`payout.failed` on a connected account: find our paid payout it carried and reverse it (after commit)."""
    from payouts.tasks import payout_reverse_task

    payout = (
        Payout.objects.filter(
            connected_account__account_id=account_id,
            status=PayoutStatus.PAID,
            amount_minor=amount_minor,
            currency=currency.upper(),
            reversed_minor=0,
        )
        .order_by("-paid_at")
        .first()
    )
    if payout is None:
        return f"no paid payout of {amount_minor} {currency} to {account_id}; left for reconciliation"
    Payout.objects.filter(pk=payout.pk).update(failure_message=f"Bank payout failed: {message}"[:300])
    transaction.on_commit(lambda: payout_reverse_task.delay(payout.pk))
    return f"reversing payout {payout.pk}"
