"""Celery tasks: load by id, call a service; each is safe to run twice."""

from celery import shared_task

from payouts.services.runs import payout_reverse_after_bank_failure, payout_run_process


@shared_task(acks_late=True)
def payout_run_execute_task(run_id: int) -> str:
    """Send the payouts of an executing run; a second delivery resumes or finds nothing left to do."""
    run = payout_run_process(run_id=run_id)
    return run.status


@shared_task(acks_late=True)
def payout_reverse_task(payout_id: int) -> str:
    """Pull back a transfer whose bank payout failed; the reversal's idempotency key makes repeats harmless."""
    return payout_reverse_after_bank_failure(payout_id=payout_id)
