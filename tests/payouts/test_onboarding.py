"""Agents connect a payout account: a Stripe Express account and account link, or the labelled local test provider."""

import pytest
from django.urls import reverse

from payouts.models import ConnectedAccount, Provider
from payouts.services import connected_account_ensure, connected_account_onboarding_link
from tests.factories import AgentProfileFactory, user_with_role
from tests.payouts.factories import agent_user

pytestmark = pytest.mark.django_db


def test_connecting_creates_an_express_account_and_sends_the_agent_to_stripes_onboarding_link(client, fake_stripe):
    agent = AgentProfileFactory(country="DE").user
    client.force_login(agent)

    response = client.post(reverse("payouts:connect"))

    account = ConnectedAccount.objects.get(agent=agent)
    assert account.provider == Provider.STRIPE
    assert not account.payouts_enabled
    assert response.status_code == 302
    assert response["Location"] == f"{fake_stripe.url}/onboarding/{account.account_id}"
    [create] = fake_stripe.requests_to("POST", "/v1/accounts")
    assert create.params["type"] == "express"
    assert create.params["country"] == "DE"
    assert create.params["capabilities"] == {"transfers": {"requested": "true"}}
    assert create.idempotency_key == f"connect-account-{agent.pk}"
    [link] = fake_stripe.requests_to("POST", "/v1/account_links")
    assert link.params["type"] == "account_onboarding"
    assert link.params["return_url"].endswith(reverse("payouts:connect_return"))


def test_connecting_twice_keeps_one_account(client, fake_stripe):
    agent = agent_user()
    client.force_login(agent)
    client.post(reverse("payouts:connect"))
    client.post(reverse("payouts:connect"))
    assert ConnectedAccount.objects.filter(agent=agent).count() == 1
    assert len(fake_stripe.requests_to("POST", "/v1/accounts")) == 1


def test_coming_back_from_onboarding_refreshes_the_account_state(client, fake_stripe):
    agent = agent_user()
    client.force_login(agent)
    client.post(reverse("payouts:connect"))
    fake_stripe.enable_account(ConnectedAccount.objects.get(agent=agent).account_id)

    client.get(reverse("payouts:connect_return"))

    assert ConnectedAccount.objects.get(agent=agent).payouts_enabled


def test_without_keys_the_local_test_provider_is_used_and_says_so(client, local_provider):
    agent = agent_user()
    client.force_login(agent)
    assert "local test provider" in client.get(reverse("payouts:statement")).content.decode().lower()

    response = client.post(reverse("payouts:connect"))

    account = ConnectedAccount.objects.get(agent=agent)
    assert account.provider == Provider.LOCAL_TEST
    assert account.account_id.startswith("acct_local_")
    assert response["Location"].endswith(reverse("payouts:local_onboarding", args=[account.account_id]))
    page = client.get(reverse("payouts:local_onboarding", args=[account.account_id])).content.decode()
    assert "Not Stripe" in page and "no real money" in page
    client.post(reverse("payouts:local_onboarding", args=[account.account_id]))
    account.refresh_from_db()
    assert account.payouts_enabled


def test_an_agent_cannot_complete_someone_elses_local_onboarding(client, local_provider):
    owner = agent_user()
    account = connected_account_ensure(agent=owner)
    client.force_login(agent_user())
    assert client.post(reverse("payouts:local_onboarding", args=[account.account_id])).status_code == 404
    account.refresh_from_db()
    assert not account.payouts_enabled


def test_only_agents_connect_payout_accounts(client, fake_stripe):
    client.force_login(user_with_role("finance"))
    assert client.post(reverse("payouts:connect")).status_code == 403
    from payouts.exceptions import NotAnAgent

    with pytest.raises(NotAnAgent):
        connected_account_onboarding_link(agent=user_with_role("agent"), refresh_url="x", return_url="y")
