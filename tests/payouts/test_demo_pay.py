"""seed_demo's history carries its earnings (available), and its agents can be paid by a demo run."""

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from payouts.demo import seed_demo_pay
from payouts.models import ConnectedAccount, EntryKind, LedgerEntry, Provider, RateCard
from payouts.selectors import agent_balance
from tickets.models import Conversation

pytestmark = pytest.mark.django_db


def _historical_cases():
    return Conversation.objects.filter(resolved_at__isnull=False, assigned_agent__isnull=False)


@override_settings(DEBUG=True)
def test_the_demo_history_carries_its_earnings_available_and_a_second_seed_adds_nothing(local_provider):
    call_command("seed_demo", verbosity=0)
    cases = _historical_cases()
    assert cases.exists()
    resolutions = LedgerEntry.objects.filter(kind=EntryKind.CASE_RESOLUTION)
    assert resolutions.count() == cases.count()
    now = timezone.now()
    assert not resolutions.filter(available_at__gt=now).exists()
    assert RateCard.objects.count() == 1
    accounts = ConnectedAccount.objects.all()
    assert accounts.exists() and all(a.provider == Provider.LOCAL_TEST and a.payouts_enabled for a in accounts)
    agent_id = resolutions.first().agent_id
    assert agent_balance(agent_id=agent_id).available_minor > 0

    before = (LedgerEntry.objects.count(), ConnectedAccount.objects.count())
    seed_demo_pay(now=timezone.now())
    assert (LedgerEntry.objects.count(), ConnectedAccount.objects.count()) == before


@override_settings(DEBUG=True)
def test_with_stripe_keys_the_demo_agents_get_stripe_test_accounts_and_a_demo_run_pays_them(fake_stripe):
    call_command("seed_demo", verbosity=0)

    accounts = ConnectedAccount.objects.all()
    assert accounts.exists()
    assert all(a.provider == Provider.STRIPE and a.payouts_enabled for a in accounts)
    assert {r.params["type"] for r in fake_stripe.requests_to("POST", "/v1/accounts")} == {"custom"}

    from payouts.periods import period_of
    from payouts.services import payout_run_approve, payout_run_preview, payout_run_process, payout_run_start

    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    payout_run_start(run_id=run.pk)
    payout_run_process(run_id=run.pk)
    paid = sum(t["amount"] for t in fake_stripe.transfers())
    assert paid == LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).aggregate(s=Sum("amount_minor"))["s"] * -1 > 0


def test_demo_accounts_are_never_created_with_a_live_key(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_real_money"
    seed_demo_pay(now=timezone.now())
    assert not ConnectedAccount.objects.exists()
