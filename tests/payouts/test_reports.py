"""Finance reports: totals equal the ledger, CSV is streamed and spreadsheet-safe, DAC7 per quarter, reconciliation."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum
from django.http import StreamingHttpResponse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from payouts.exports import csv_cell
from payouts.models import EARNING_KINDS, EntryKind, LedgerEntry, Payout
from payouts.periods import period_bounds, period_of
from payouts.selectors import cost_per_case_by_category, dac7_rows, period_report, reconcile, reconciliation_for_period
from payouts.services import (
    earning_handle_reopen,
    earning_record_csat_bonus,
    ledger_adjustment_record,
    payout_run_approve,
    payout_run_cancel,
    payout_run_preview,
    payout_run_process,
    payout_run_start,
)
from tests.factories import AgentProfileFactory, ConversationFactory, user_with_role
from tests.payouts.factories import RateCardFactory, agent_user, available_earning, connected_agent, resolve

pytestmark = pytest.mark.django_db


def _entry(agent, kind, amount, at, conversation=None, **extra):
    return LedgerEntry.objects.create(
        agent=agent, kind=kind, amount_minor=amount, currency="EUR", occurred_at=at, available_at=at,
        conversation=conversation, **extra,
    )  # fmt: skip


@pytest.fixture
def month_of_pay():
    """Resolutions, a bonus, a reopen clawback and adjustments for three agents this month, and noise outside it."""
    RateCardFactory(default_base_minor=300, rates={"cards": 400, "security_fraud": 700}, quality_bonus_minor=100)
    agents = [agent_user() for _ in range(3)]
    for i, agent in enumerate(agents):
        for j in range(i + 2):
            resolve(ConversationFactory(category=["cards", "security_fraud", "payments"][j % 3]), agent)
    conv = resolve(ConversationFactory(category="cards"), agents[0])
    earning_record_csat_bonus(conversation=conv, score=5)
    earning_handle_reopen(conversation=resolve(ConversationFactory(category="cards"), agents[1]))
    ledger_adjustment_record(agent=agents[2], amount_minor=-150, memo="duplicate case", actor=None)
    ledger_adjustment_record(agent=agents[2], amount_minor=275, memo="goodwill", actor=None)
    last_year = timezone.now() - timedelta(days=400)
    _entry(agents[0], EntryKind.ADJUSTMENT, 999, last_year, memo="old")
    return agents


def test_report_totals_equal_the_sum_of_the_ledger_entries_of_the_period(month_of_pay):
    period = period_of(timezone.now())
    start, end = period_bounds(period)

    rows, totals = period_report(period=period)

    in_period = LedgerEntry.objects.filter(occurred_at__gte=start, occurred_at__lt=end, kind__in=EARNING_KINDS)
    assert totals.net_minor == in_period.aggregate(s=Sum("amount_minor"))["s"]
    for kind, column in [
        (EntryKind.CASE_RESOLUTION, "gross_minor"),
        (EntryKind.BONUS, "bonuses_minor"),
        (EntryKind.ADJUSTMENT, "adjustments_minor"),
        (EntryKind.CLAWBACK, "clawbacks_minor"),
    ]:
        assert getattr(totals, column) == (in_period.filter(kind=kind).aggregate(s=Sum("amount_minor"))["s"] or 0)
    assert totals.cases == in_period.filter(kind=EntryKind.CASE_RESOLUTION, voided_at=None).count() == 2 + 3 + 4 + 1
    assert sum(r.net_minor for r in rows) == totals.net_minor
    for row in rows:
        assert row.net_minor == row.gross_minor + row.bonuses_minor + row.adjustments_minor + row.clawbacks_minor


@given(amounts=st.lists(st.integers(min_value=-50_000, max_value=50_000).filter(bool), min_size=1, max_size=30))
@hyp_settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_report_totals_equal_the_ledger_for_any_mix_of_adjustments(amounts):
    agents = [agent_user() for _ in range(3)]
    for i, amount in enumerate(amounts):
        ledger_adjustment_record(agent=agents[i % 3], amount_minor=amount, memo="x", actor=None)
    _, totals = period_report(period=period_of(timezone.now()))
    assert totals.net_minor == LedgerEntry.objects.aggregate(s=Sum("amount_minor"))["s"]


def test_the_report_shows_each_agents_transfer_id_and_status(fake_stripe):
    agent = connected_agent(account_id=fake_stripe.add_account())
    available_earning(agent=agent, amount_minor=2000, days_ago=0)
    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    assert not Payout.objects.filter(run=run).exists()  # still pending: nothing paid yet
    available_earning(agent=agent, amount_minor=1500, days_ago=2)
    payout_run_cancel(run_id=run.pk, actor=None)
    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    payout_run_start(run_id=run.pk)
    payout_run_process(run_id=run.pk)

    rows, _ = period_report(period=period_of(timezone.now()))
    payout = Payout.objects.get(run=run)
    assert [(r.agent_id, r.transfer_id, r.status, r.paid_minor) for r in rows] == [
        (agent.pk, payout.transfer_id, "paid", 1500)
    ]


def test_the_csv_download_streams_every_row_and_the_totals_with_minor_units(client, month_of_pay):
    client.force_login(user_with_role("finance"))
    period = period_of(timezone.now())

    response = client.get(f"/finance/report/{period}.csv")

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    *agents, total = lines
    _, totals = period_report(period=period)
    assert total["agent_name"] == "TOTAL"
    assert int(total["net_minor"]) == totals.net_minor == sum(int(r["net_minor"]) for r in agents)
    assert {r["currency"] for r in lines} == {"EUR"}


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil")', "+SUM(A1)", "-2+3", "@cmd", "\tx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, name):
    agent = AgentProfileFactory(display_name=name).user
    available_earning(agent=agent, amount_minor=500, days_ago=0)
    ledger_adjustment_record(agent=agent, amount_minor=-200, memo="x", actor=None)
    client.force_login(user_with_role("finance"))

    body = b"".join(client.get(f"/finance/report/{period_of(timezone.now())}.csv").streaming_content).decode()

    row = next(r for r in csv.DictReader(io.StringIO(body)) if r["agent_id"] == str(agent.pk))
    assert row["agent_name"] == "'" + name
    assert row["adjustments_minor"] == "-200", "numbers stay numbers"


def test_csv_cell_leaves_ordinary_values_alone():
    assert csv_cell("Anna") == "Anna"
    assert csv_cell(-500) == -500
    assert csv_cell("=1") == "'=1"


def test_cost_per_resolved_case_by_category(month_of_pay):
    rows = {r.category: r for r in cost_per_case_by_category(period=period_of(timezone.now()))}
    assert rows["security_fraud"].cases == 3
    assert rows["security_fraud"].cost_per_case_minor == 700
    # cards: 5 credited cases at 400 plus one 100 bonus; the reopened case nets to zero and is not counted
    assert rows["cards"].cases == 5
    assert rows["cards"].cost_minor == 5 * 400 + 100
    assert rows["cards"].cost_per_case_minor == 420


def test_the_dac7_statement_gives_cases_and_gross_per_quarter_with_the_agents_tax_identity(client):
    profile = AgentProfileFactory(display_name="Anna L", address="Storgatan 1, Stockholm", country="SE", tax_id="SE123")
    profile.user.first_name, profile.user.last_name = "Anna", "Lindqvist"
    profile.user.save()
    for month, amount in [(2, 300), (2, 400), (5, 500), (11, 600)]:
        conv = ConversationFactory()
        _entry(profile.user, EntryKind.CASE_RESOLUTION, amount, datetime(2025, month, 10, tzinfo=UTC), conv)
    _entry(profile.user, EntryKind.BONUS, 100, datetime(2025, 11, 11, tzinfo=UTC), ConversationFactory())
    _entry(profile.user, EntryKind.ADJUSTMENT, 50, datetime(2026, 1, 1, tzinfo=UTC))  # next year

    [row] = list(dac7_rows(year=2025))

    assert row["name"] == "Anna Lindqvist"
    assert (row["address"], row["country"], row["tax_id"]) == ("Storgatan 1, Stockholm", "SE", "SE123")
    assert [row[f"q{q}_cases"] for q in range(1, 5)] == [2, 1, 0, 1]
    assert [row[f"q{q}_gross_minor"] for q in range(1, 5)] == [700, 500, 0, 700]
    assert (row["total_cases"], row["total_gross_minor"]) == (4, 1900)

    client.force_login(user_with_role("finance"))
    body = b"".join(client.get("/finance/dac7/2025.csv").streaming_content).decode()
    assert "Storgatan 1, Stockholm" in body and "SE123" in body


def test_reconciliation_matches_every_paid_payout_with_the_transfer_stripe_lists(fake_stripe):
    for amount in (1500, 2500):
        available_earning(agent=connected_agent(account_id=fake_stripe.add_account()), amount_minor=amount)
    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    payout_run_start(run_id=run.pk)
    payout_run_process(run_id=run.pk)

    result = reconciliation_for_period(period=period_of(timezone.now()))

    assert result.balanced
    assert result.ledger_total_minor == result.provider_total_minor == 4000
    assert {line.state for line in result.lines} == {"matched"}


def test_reconciliation_flags_a_transfer_we_have_no_payout_for_and_a_reversal_we_did_not_record(fake_stripe):
    agent = connected_agent(account_id=fake_stripe.add_account())
    available_earning(agent=agent, amount_minor=1500)
    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    payout_run_start(run_id=run.pk)
    payout_run_process(run_id=run.pk)
    payout = Payout.objects.get(run=run)
    fake_stripe.reverse(payout.transfer_id, 500)  # Stripe knows, our webhook has not arrived
    from payouts.gateways import StripeGateway

    StripeGateway().create_transfer(
        amount_minor=777, currency="EUR", destination=agent.payout_account.account_id,
        idempotency_key="manual-1", transfer_group="manual", metadata={},
    )  # fmt: skip

    result = reconciliation_for_period(period=period_of(timezone.now()))

    states = {line.transfer_id: line.state for line in result.lines}
    assert states[payout.transfer_id] == "amount_mismatch"
    assert "provider_only" in states.values()
    assert not result.balanced


def test_reconciliation_with_no_transfers_at_all_lists_the_ledger_side_only(month_of_pay):
    result = reconcile(period=period_of(timezone.now()), transfers=[])
    assert result.lines == [] and result.balanced
