"""Finance pages are for finance, rate cards for ops or finance, a statement only for its own agent."""

import pytest
from django.urls import reverse
from django.utils import timezone

from payouts.models import EntryKind, LedgerEntry, PayoutRun, RateCard
from payouts.periods import period_of, previous_period
from tests.factories import user_with_role
from tests.payouts.factories import RateCardFactory, agent_user, available_earning

pytestmark = pytest.mark.django_db

FINANCE_PAGES = [
    "payouts:runs",
    "payouts:report",
    "payouts:cost",
    "payouts:reconciliation",
    "payouts:disputes",
    "payouts:dac7",
]


@pytest.mark.parametrize("role", ["agent", "ops"])
def test_finance_pages_refuse_other_roles(client, role, local_provider):
    client.force_login(user_with_role(role))
    for name in FINANCE_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("payouts:report_csv", args=["2025-01"])).status_code == 403
    assert client.get(reverse("payouts:dac7_csv", args=[2025])).status_code == 403


def test_finance_sees_every_finance_page(client, local_provider):
    client.force_login(user_with_role("finance"))
    for name in FINANCE_PAGES:
        assert client.get(reverse(name)).status_code == 200, name


def test_rate_cards_are_edited_by_ops_or_finance_but_not_agents(client):
    client.force_login(user_with_role("agent"))
    assert client.get(reverse("payouts:rate_cards")).status_code == 403
    for role in ("ops", "finance"):
        client.force_login(user_with_role(role))
        assert client.get(reverse("payouts:rate_cards")).status_code == 200


def test_publishing_a_rate_card_version_from_the_page(client):
    client.force_login(user_with_role("ops"))
    start = (timezone.now() + timezone.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        reverse("payouts:rate_cards"),
        {"effective_from": start, "default_base": "3.00", "quality_bonus": "1.50", "quality_bonus_min_score": "5",
         "base_refunds_disputes": "5.25", "premium_de": "0.50"},
    )  # fmt: skip
    assert response.status_code == 302
    card = RateCard.objects.get()
    assert (card.default_base_minor, card.quality_bonus_minor) == (300, 150)
    assert {(line.code, line.amount_minor) for line in card.lines.all()} == {("refunds_disputes", 525), ("de", 50)}


@pytest.mark.parametrize("amount", ["-3", "3.001", "abc", "1e400"])
def test_a_rate_card_with_negative_or_inexact_money_is_refused_and_nothing_is_saved(client, amount):
    client.force_login(user_with_role("finance"))
    start = (timezone.now() + timezone.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(reverse("payouts:rate_cards"), {"effective_from": start, "default_base": amount,
                                                           "quality_bonus_min_score": "5"})  # fmt: skip
    assert response.status_code == 200
    assert not RateCard.objects.exists()


def test_a_rate_card_cannot_be_backdated(client):
    client.force_login(user_with_role("finance"))
    response = client.post(reverse("payouts:rate_cards"), {"effective_from": "2020-01-01 00:00", "default_base": "3",
                                                           "quality_bonus_min_score": "5"})  # fmt: skip
    assert response.status_code == 200
    assert not RateCard.objects.exists()


def test_an_agent_sees_only_their_own_statement(client):
    me, other = agent_user(), agent_user()
    available_earning(agent=me, amount_minor=1234)
    available_earning(agent=other, amount_minor=9876)
    client.force_login(me)

    page = client.get(reverse("payouts:statement")).content.decode()

    assert "€12.34" in page
    assert "€98.76" not in page
    entry = LedgerEntry.objects.get(agent=other)
    assert client.post(reverse("payouts:dispute_open", args=[entry.pk]), {"reason": "x"}).status_code == 404


def test_the_statement_separates_pending_from_available(client):
    RateCardFactory()
    me = agent_user()
    available_earning(agent=me, amount_minor=1000)
    available_earning(agent=me, amount_minor=500, days_ago=0)
    client.force_login(me)
    page = client.get(reverse("payouts:statement")).content.decode()
    assert "€10.00" in page and "€5.00" in page


def test_finance_previews_approves_and_executes_a_run_from_the_pages_and_polls_its_progress(
    client, local_provider, django_capture_on_commit_callbacks
):
    from payouts.services import connected_account_ensure, local_test_onboarding_complete

    agent = agent_user()
    account = connected_account_ensure(agent=agent)
    local_test_onboarding_complete(agent=agent, account_id=account.account_id)
    available_earning(agent=agent, amount_minor=2500)
    client.force_login(user_with_role("finance"))

    response = client.post(reverse("payouts:runs"), {"period": period_of(timezone.now())})
    run = PayoutRun.objects.get()
    assert response["Location"] == reverse("payouts:run_detail", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Local test provider" in page and "€25.00" in page
    client.post(reverse("payouts:run_action", kwargs={"run_id": run.pk, "action": "approve"}))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payouts:run_action", kwargs={"run_id": run.pk, "action": "execute"}))

    progress = client.get(reverse("payouts:run_progress", args=[run.pk])).json()
    assert progress | {"counts": None} == progress | {
        "status": "completed", "processed": 1, "total": 1, "percent": 100, "done": True, "counts": None,
    }  # fmt: skip
    assert progress["counts"]["paid"] == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYOUT, agent=agent).count() == 1
    assert 'class="progress"' in client.get(reverse("payouts:run_detail", args=[run.pk])).content.decode()


def test_the_runs_page_suggests_last_month(client):
    client.force_login(user_with_role("finance"))
    assert previous_period(timezone.now()) in client.get(reverse("payouts:runs")).content.decode()
