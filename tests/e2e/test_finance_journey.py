"""Finance pays the agents: preview a payout run, approve it, execute it against (fake) Stripe, watch it
finish, then download the period's CSV report whose totals add up and match what Stripe transferred."""

import csv
import io
import re
from datetime import UTC, datetime

from playwright.sync_api import expect

MONEY_COLUMNS = ("cases", "gross_minor", "bonuses_minor", "adjustments_minor", "clawbacks_minor", "net_minor")


def test_finance_previews_approves_and_executes_a_payout_run_and_the_csv_report_matches_stripe(
    e2e_stack, open_page, shot
):
    period = datetime.now(UTC).strftime("%Y-%m")  # the demo history is the last two weeks
    transfers_before = {t["id"] for t in e2e_stack.fake_stripe.transfers()}
    page = open_page("finance")

    page.goto("/finance/runs/")
    page.fill("#id_period", period)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#run-status")).to_have_text("Preview")
    lines = page.locator("main table tbody tr")
    expect(lines.first).to_contain_text("Anna Lindqvist")
    to_pay = lines.filter(has=page.locator(".badge", has_text=re.compile(r"^Pending$"))).count()
    assert to_pay >= 2, "the demo agents have earned enough to be paid"
    shot(page, "run-preview")

    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#run-status")).to_have_text("Approved")
    expect(page.locator(".flash")).to_contain_text("Run approved")

    # Each transfer takes a moment at "Stripe", so the run is seen executing before it completes.
    e2e_stack.fake_stripe.state.transfer_delay_seconds = 1.0
    try:
        page.get_by_role("button", name="Execute").click()
        expect(page.locator("#run-status")).to_have_text("Executing")
        expect(page.locator("#run-progress")).to_be_visible()
        expect(page.locator("#run-processed")).not_to_have_text("0", timeout=15_000)
        shot(page, "run-executing")
        expect(page.locator("#run-status")).to_have_text("Completed", timeout=15_000)
    finally:
        e2e_stack.fake_stripe.state.transfer_delay_seconds = 0.0
    expect(lines.filter(has=page.locator(".badge", has_text=re.compile(r"^Paid$")))).to_have_count(to_pay)
    expect(page.locator("#run-counts")).to_contain_text(f"paid {to_pay}, failed 0")
    shot(page, "run-completed")

    transfers = [t for t in e2e_stack.fake_stripe.transfers() if t["id"] not in transfers_before]
    assert len(transfers) == to_pay

    page.goto(f"/finance/report/?period={period}")
    shot(page, "report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"payouts-{period}.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))

    *agents, total = rows
    assert total["agent_name"] == "TOTAL"
    assert agents, "the report lists the agents"
    for column in (*MONEY_COLUMNS, "paid_minor"):
        assert sum(int(row[column]) for row in agents) == int(total[column]), column
    for row in agents:
        assert int(row["gross_minor"]) + int(row["bonuses_minor"]) + int(row["adjustments_minor"]) - abs(
            int(row["clawbacks_minor"])
        ) == int(row["net_minor"]), row
    paid_rows = {row["transfer_id"]: int(row["paid_minor"]) for row in agents if row["transfer_id"]}
    assert paid_rows == {t["id"]: t["amount"] for t in transfers}
    assert int(total["paid_minor"]) == sum(t["amount"] for t in transfers)
    assert {row["status"] for row in agents if row["transfer_id"]} == {"paid"}
    assert {t["currency"] for t in transfers} == {total["currency"].lower()}
