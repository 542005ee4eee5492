"""The REST API mirrors the pages: role-checked, integer minor units, clear errors for bad input."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from payouts.models import EntryKind, LedgerEntry, PayoutRun, RateCard
from payouts.periods import period_of
from tests.factories import user_with_role
from tests.payouts.factories import agent_user, available_earning, connected_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_the_run_lifecycle_over_the_api(api, fake_stripe, django_capture_on_commit_callbacks):
    agent = connected_agent(account_id=fake_stripe.add_account())
    available_earning(agent=agent, amount_minor=2200)
    api.force_authenticate(user_with_role("finance"))

    created = api.post("/api/payouts/runs/", {"period": period_of(timezone.now())}, format="json")
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    assert [(p["agent_id"], p["amount_minor"], p["currency"]) for p in created.json()["payouts"]] == [
        (agent.pk, 2200, "EUR")
    ]
    assert api.post(f"/api/payouts/runs/{run_id}/approve/").json()["status"] == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/payouts/runs/{run_id}/execute/")
    assert api.get(f"/api/payouts/runs/{run_id}/progress/").json()["status"] == "completed"
    detail = api.get(f"/api/payouts/runs/{run_id}/").json()
    assert detail["payouts"][0]["transfer_id"].startswith("tr_")
    report = api.get(f"/api/payouts/report/?period={period_of(timezone.now())}").json()
    assert report["totals"]["net_minor"] == 2200


def test_a_second_preview_while_one_is_open_is_a_409_with_a_stable_code(api, local_provider):
    api.force_authenticate(user_with_role("finance"))
    period = period_of(timezone.now())
    api.post("/api/payouts/runs/", {"period": period}, format="json")
    response = api.post("/api/payouts/runs/", {"period": period}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "open_run_exists"
    assert PayoutRun.objects.count() == 1


@pytest.mark.parametrize("period", ["2025-13", "25-01", "", "2025-1"])
def test_a_malformed_period_is_a_400(api, period):
    api.force_authenticate(user_with_role("finance"))
    assert api.post("/api/payouts/runs/", {"period": period}, format="json").status_code == 400
    assert api.get(f"/api/payouts/report/?period={period or 'x'}").status_code == 400


@pytest.mark.parametrize("bad", [-1, 2.5, "300", True, None])
def test_rate_card_money_must_be_a_non_negative_integer_of_minor_units(api, bad):
    api.force_authenticate(user_with_role("ops"))
    body = {"effective_from": (timezone.now() + timezone.timedelta(hours=1)).isoformat(), "default_base_minor": bad}
    response = api.post("/api/payouts/rate-cards/", body, format="json")
    assert response.status_code == 400
    assert not RateCard.objects.exists()


def test_ops_publishes_a_rate_card_over_the_api(api):
    api.force_authenticate(user_with_role("ops"))
    body = {
        "effective_from": (timezone.now() + timezone.timedelta(hours=1)).isoformat(),
        "default_base_minor": 300,
        "category_bases": {"cards": 400},
        "language_premiums": {"sv": 75},
        "quality_bonus_minor": 100,
    }
    response = api.post("/api/payouts/rate-cards/", body, format="json")
    assert response.status_code == 201, response.content
    assert {(line["code"], line["amount_minor"]) for line in response.json()["lines"]} == {("cards", 400), ("sv", 75)}


def test_an_agent_reads_their_statement_and_disputes_an_entry_over_the_api(api):
    agent = agent_user()
    entry = available_earning(agent=agent, amount_minor=400)
    available_earning(agent=agent, amount_minor=250, days_ago=0)
    api.force_authenticate(agent)

    statement = api.get("/api/payouts/statement/").json()
    assert (statement["available_minor"], statement["pending_minor"], statement["currency"]) == (400, 250, "EUR")
    assert {e["state"] for e in statement["entries"]} == {"available", "pending"}

    created = api.post(f"/api/payouts/entries/{entry.pk}/disputes/", {"reason": "Should be 500"}, format="json")
    assert created.status_code == 201
    finance = user_with_role("finance")
    api.force_authenticate(finance)
    dispute_id = created.json()["id"]
    decided = api.post(
        f"/api/payouts/disputes/{dispute_id}/decide/", {"upheld": True, "note": "Tier 2 case", "adjustment_minor": 100},
        format="json",
    )  # fmt: skip
    assert decided.status_code == 200, decided.content
    assert LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT).amount_minor == 100


def test_roles_are_checked_on_every_endpoint(api):
    api.force_authenticate(user_with_role("agent"))
    for url in ["/api/payouts/runs/", "/api/payouts/report/", "/api/payouts/disputes/", "/api/payouts/cost-per-case/"]:
        assert api.get(url).status_code == 403, url
    assert api.get("/api/payouts/rate-cards/").status_code == 403
    api.force_authenticate(user_with_role("finance"))
    assert api.get("/api/payouts/statement/").status_code == 403
    api.force_authenticate(None)
    assert api.get("/api/payouts/statement/").status_code in (401, 403)


def test_another_agents_entry_cannot_be_disputed_over_the_api(api):
    entry = available_earning(agent=agent_user(), amount_minor=400)
    api.force_authenticate(agent_user())
    response = api.post(f"/api/payouts/entries/{entry.pk}/disputes/", {"reason": "mine"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "not_your_entry"


def test_the_payouts_api_is_in_the_openapi_schema(client):
    client.force_login(user_with_role("finance"))
    schema = client.get("/api/schema/").content.decode()
    assert "/api/payouts/runs/" in schema and "/api/payouts/statement/" in schema
