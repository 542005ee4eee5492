"""The JSON shape of a payout run, shared by the payout commands."""

from payouts.models import Payout, PayoutRun, PayoutStatus


def run_as_json(run: PayoutRun, *, include_skipped: bool = False) -> dict:
    payouts = Payout.objects.filter(run=run).select_related("connected_account").order_by("agent_id")
    if not include_skipped:
        payouts = payouts.exclude(status=PayoutStatus.SKIPPED)
    lines = [
        {
            "payout_id": p.pk,
            "agent_id": p.agent_id,
            "connected_account": p.connected_account.account_id if p.connected_account else None,
            "amount": p.amount_minor,
            "currency": p.currency.lower(),
            "cases": p.cases,
            "status": p.status,
            "transfer_id": p.transfer_id or None,
            **({"skip_reason": p.skip_reason} if p.status == PayoutStatus.SKIPPED else {}),
        }
        for p in payouts
    ]
    return {
        "run_id": run.pk,
        "period": run.period,
        "status": run.status,
        "provider": run.provider,
        "lines": lines,
        "total": sum(line["amount"] for line in lines if line["status"] != PayoutStatus.SKIPPED),
        "processed": run.processed_count,
        "count": run.total_count,
    }


def run_as_text(data: dict) -> str:
    rows = [f"Run #{data['run_id']} {data['period']} ({data['status']}, {data['provider']})"]
    for line in data["lines"]:
        rows.append(
            f"  agent {line['agent_id']:>6}  {line['connected_account'] or '-':<24} {line['amount']:>10} "
            f"{line['currency']}  {line['cases']:>4} cases  {line['status']}"
            + (f"  {line['transfer_id']}" if line["transfer_id"] else "")
            + (f"  ({line['skip_reason']})" if "skip_reason" in line else "")
        )
    rows.append(f"  total {data['total']} (minor units)")
    return "\n".join(rows)
