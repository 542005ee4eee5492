"""The per-agent month totals the reports read always equal the sums of the ledger entries behind them."""

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from payouts.models import EARNING_KINDS, AgentPeriodTotal, EntryKind, LedgerEntry
from payouts.period_totals import period_totals_rebuild
from payouts.services import (
    earning_handle_reopen,
    earning_record_csat_bonus,
    earning_record_resolution,
    ledger_adjustment_record,
)
from tests.factories import ConversationFactory
from tests.payouts.factories import RateCardFactory, agent_user, reopen, resolve

pytestmark = pytest.mark.django_db


def _live_totals() -> dict:
    """The same figures computed straight from the ledger, per agent and month."""
    out = {}
    for entry in LedgerEntry.objects.filter(kind__in=EARNING_KINDS):
        key = (entry.agent_id, f"{entry.occurred_at.astimezone(UTC):%Y-%m}", entry.currency)
        row = out.setdefault(key, {"cases": 0, "gross": 0, "bonuses": 0, "adjustments": 0, "clawbacks": 0, "net": 0})
        row["cases"] += entry.kind == EntryKind.CASE_RESOLUTION and entry.voided_at is None
        column = {"case_resolution": "gross", "bonus": "bonuses", "adjustment": "adjustments", "clawback": "clawbacks"}
        row[column[entry.kind]] += entry.amount_minor
        row["net"] += entry.amount_minor
    return out


def _stored_totals() -> dict:
    return {
        (t.agent_id, t.period, t.currency): {
            "cases": t.cases,
            "gross": t.gross_minor,
            "bonuses": t.bonuses_minor,
            "adjustments": t.adjustments_minor,
            "clawbacks": t.clawbacks_minor,
            "net": t.net_minor,
        }
        for t in AgentPeriodTotal.objects.all()
    }


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["resolve", "reopen", "bonus", "adjust"]), st.integers(0, 2), st.integers(-900, 900)),
    min_size=1,
    max_size=25,
)


@given(operations=OPERATIONS)
@hyp_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_totals_follow_any_mix_of_resolutions_reopens_bonuses_and_adjustments(operations):
    RateCardFactory(default_base_minor=300, quality_bonus_minor=100)
    agents = [agent_user() for _ in range(3)]
    open_cases: list = []
    resolved: list = []
    for operation, who, amount in operations:
        if operation == "resolve":
            conversation = open_cases.pop() if open_cases else ConversationFactory()
            resolved.append(resolve(conversation, agents[who]))
        elif operation == "reopen" and resolved:
            conversation = resolved.pop()
            reopen(conversation)
            open_cases.append(conversation)
        elif operation == "bonus" and resolved:
            earning_record_csat_bonus(conversation=resolved[-1], score=5)
        elif operation == "adjust" and amount:
            ledger_adjustment_record(agent=agents[who], amount_minor=amount, memo="x", actor=None)
    assert _stored_totals() == _live_totals()


def test_a_rolled_back_transaction_leaves_the_totals_as_they_were():
    RateCardFactory(default_base_minor=300)
    agent = agent_user()
    resolve(ConversationFactory(), agent)
    before = _stored_totals()
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger_adjustment_record(agent=agent, amount_minor=500, memo="x", actor=None)
        raise RuntimeError
    assert _stored_totals() == before == _live_totals()


def test_entries_count_in_the_utc_month_they_occurred_in():
    agent = agent_user()
    for at in (datetime(2025, 1, 31, 23, 59, 59, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)):
        LedgerEntry.objects.create(
            agent=agent, kind="adjustment", amount_minor=100, currency="EUR", occurred_at=at, available_at=at, memo="x"
        )
    assert sorted(AgentPeriodTotal.objects.values_list("period", "net_minor")) == [("2025-01", 100), ("2025-02", 100)]


def test_a_rebuild_from_the_ledger_gives_the_same_totals():
    RateCardFactory(default_base_minor=300)
    agents = [agent_user() for _ in range(2)]
    for agent in agents:
        conversation = resolve(ConversationFactory(), agent)
        earning_record_csat_bonus(conversation=conversation, score=5)
    earning_handle_reopen(conversation=conversation)
    earning_record_resolution(conversation=conversation)
    before = _stored_totals()

    period_totals_rebuild()

    assert _stored_totals() == before == _live_totals()
    assert (
        AgentPeriodTotal.objects.aggregate(c=Sum("cases"))["c"]
        == LedgerEntry.objects.aggregate(c=Count("id", filter=Q(kind="case_resolution", voided_at=None)))["c"]
    )
