"""Agents' payout accounts: onboarding to Stripe Connect (Express) or the local test provider."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from agents.models import AgentProfile
from payouts.exceptions import NotAnAgent, ProviderDeclined
from payouts.gateways import AccountState, PayoutGateway, gateway_for, payout_gateway
from payouts.models import ConnectedAccount, Provider


def _profile(agent: AbstractBaseUser) -> AgentProfile:
    profile = AgentProfile.objects.filter(user_id=agent.pk).first()
    if profile is None:
        raise NotAnAgent()
    return profile


def connected_account_ensure(*, agent: AbstractBaseUser, gateway: PayoutGateway | None = None) -> ConnectedAccount:
    """The agent's payout account, created at the configured provider on first use.

    The provider call happens before our row exists (there is nothing to roll back at the
    provider); Stripe's idempotency key `connect-account-<agent id>` makes a double click
    return the same account, and the one-to-one row keeps one per agent here.
    """
    existing = ConnectedAccount.objects.filter(agent_id=agent.pk).first()
    if existing is not None:
        return existing
    profile = _profile(agent)
    gateway = gateway or payout_gateway()
    state = gateway.create_account(agent_id=agent.pk, email=getattr(agent, "email", ""), country=profile.country)
    try:
        with transaction.atomic():
            return ConnectedAccount.objects.create(
                agent_id=agent.pk,
                provider=gateway.provider,
                account_id=state.account_id,
                payouts_enabled=state.payouts_enabled,
                details_submitted=state.details_submitted,
            )
    except IntegrityError:
        return ConnectedAccount.objects.get(agent_id=agent.pk)


def connected_account_onboarding_link(*, agent: AbstractBaseUser, refresh_url: str, return_url: str) -> str:
    """Where to send the agent to enter their payout details (Stripe-hosted, or the local test page)."""
    account = connected_account_ensure(agent=agent)
    gateway = gateway_for(account.provider)
    return gateway.onboarding_link(account_id=account.account_id, refresh_url=refresh_url, return_url=return_url)


def connected_account_apply_state(*, state: AccountState) -> ConnectedAccount | None:
    """Record what the provider says about an account (from `account.updated` or a refresh)."""
    with transaction.atomic():
        account = ConnectedAccount.objects.select_for_update().filter(account_id=state.account_id).first()
        if account is None:
            return None
        account.payouts_enabled = state.payouts_enabled
        account.details_submitted = state.details_submitted
        account.save(update_fields=["payouts_enabled", "details_submitted", "updated_at"])
        return account


def connected_account_refresh(*, agent: AbstractBaseUser) -> ConnectedAccount | None:
    """Ask the provider for the account's state now (the agent came back from onboarding)."""
    account = ConnectedAccount.objects.filter(agent_id=agent.pk).first()
    if account is None:
        return None
    state = gateway_for(account.provider).retrieve_account(account_id=account.account_id)
    return connected_account_apply_state(state=state)


def local_test_onboarding_complete(*, agent: AbstractBaseUser, account_id: str) -> ConnectedAccount:
    """The local test provider's stand-in for Stripe's hosted onboarding: enable the agent's test account."""
    account = ConnectedAccount.objects.filter(agent_id=agent.pk, account_id=account_id).first()
    if account is None or account.provider != Provider.LOCAL_TEST:
        raise ProviderDeclined("No such local test account for you.")
    applied = connected_account_apply_state(
        state=AccountState(account_id=account_id, payouts_enabled=True, details_submitted=True)
    )
    assert applied is not None
    return applied
