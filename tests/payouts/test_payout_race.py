"""Two executions of the same run at the same moment, on real threads and PostgreSQL, pay each agent once."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from payouts.models import EntryKind, LedgerEntry, Payout, PayoutStatus
from payouts.periods import period_of
from payouts.services import payout_run_approve, payout_run_preview, payout_run_process, payout_run_start
from tests.payouts.factories import available_earning, connected_agent


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("executors", [2, 4])
def test_concurrent_executions_of_the_same_run_pay_each_agent_once(fake_stripe, executors):
    agents = [connected_agent(account_id=fake_stripe.add_account()) for _ in range(12)]
    for agent in agents:
        available_earning(agent=agent, amount_minor=1500)
    fake_stripe.state.transfer_delay_seconds = 0.02  # each call takes a moment, so the executors overlap
    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    payout_run_approve(run_id=run.pk, actor=None)

    barrier = threading.Barrier(executors)
    errors: list[BaseException] = []
    handled: list[str] = []

    def execute() -> None:
        try:
            barrier.wait()
            payout_run_start(run_id=run.pk)
            payout_run_process(
                run_id=run.pk, on_progress=lambda payout: handled.append(threading.current_thread().name)
            )
        except BaseException as exc:  # noqa: BLE001 - any failure in a thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=execute) for _ in range(executors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(set(handled)) > 1, "the executors really overlapped"
    transfers = fake_stripe.transfers()
    assert len(transfers) == len(agents)
    assert len({t["destination"] for t in transfers}) == len(agents)
    assert Payout.objects.filter(run=run, status=PayoutStatus.PAID).count() == len(agents)
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).count() == len(agents)
    run.refresh_from_db()
    assert run.status == "completed"
    assert run.processed_count == len(agents)
