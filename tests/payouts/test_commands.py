"""Finance automation: payout_preview / approve / execute / report, each ending with one JSON object with --json."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from payouts.models import PayoutRun
from payouts.periods import period_of
from tests.factories import user_with_role
from tests.payouts.factories import available_earning, connected_agent

pytestmark = pytest.mark.django_db
PERIOD = period_of(timezone.now())


def run(*args) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    text = out.getvalue()
    return json.loads(text.strip().splitlines()[-1]), err.getvalue()


def test_preview_approve_execute_and_report_from_the_command_line(fake_stripe):
    agents = [connected_agent(account_id=fake_stripe.add_account()) for _ in range(2)]
    available_earning(agent=agents[0], amount_minor=1500)
    available_earning(agent=agents[0], amount_minor=700)
    available_earning(agent=agents[1], amount_minor=3100)
    user_with_role("finance", username="fiona")

    preview, _ = run("payout_preview", "--period", PERIOD, "--json")
    assert preview["period"] == PERIOD
    assert preview["total"] == 5300
    assert sorted((line["agent_id"], line["amount"], line["currency"], line["cases"]) for line in preview["lines"]) == [
        (agents[0].pk, 2200, "eur", 2),
        (agents[1].pk, 3100, "eur", 1),
    ]
    assert all(line["connected_account"].startswith("acct_") for line in preview["lines"])

    approved, _ = run("payout_approve", str(preview["run_id"]), "--by", "fiona", "--json")
    assert approved["status"] == "approved"
    assert PayoutRun.objects.get().approved_by.username == "fiona"

    executed, progress = run("payout_execute", str(preview["run_id"]), "--json")
    assert executed["status"] == "completed"
    assert {line["status"] for line in executed["lines"]} == {"paid"}
    assert {line["transfer_id"] for line in executed["lines"]} == {t["id"] for t in fake_stripe.transfers()}
    assert "2/2" in progress, "a progress bar is drawn on stderr"

    out = io.StringIO()
    call_command("payout_report", "--period", PERIOD, "--csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[-1]["agent_name"] == "TOTAL" and rows[-1]["net_minor"] == "5300"

    summary, _ = run("payout_report", "--period", PERIOD, "--csv", "--json")
    assert summary["totals"]["net_minor"] == 5300
    report, _ = run("payout_report", "--period", PERIOD, "--json")
    assert {row["transfer_id"] for row in report["rows"]} == {t["id"] for t in fake_stripe.transfers()}


def test_command_errors_are_one_json_object_with_a_code(fake_stripe):
    with pytest.raises(SystemExit):
        run("payout_preview", "--period", "2025-13", "--json")
    with pytest.raises(CommandError):
        call_command("payout_preview", "--period", "2025-13", stdout=io.StringIO())


def test_approving_a_run_twice_is_refused(local_provider):
    preview, _ = run("payout_preview", "--period", PERIOD, "--json")
    run("payout_approve", str(preview["run_id"]), "--json")
    with pytest.raises(CommandError, match="approved"):
        call_command("payout_approve", str(preview["run_id"]), stdout=io.StringIO())
