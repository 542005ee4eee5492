"""Stripe webhooks: real signed payloads; unsigned, forged and replayed events are refused; each event applies once."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from payouts.models import ConnectedAccount, EntryKind, LedgerEntry, Payout, PayoutStatus, StripeEvent
from payouts.periods import period_of
from payouts.selectors import agent_balance
from payouts.services import payout_run_approve, payout_run_preview, payout_run_process, payout_run_start
from tests.factories import AgentProfileFactory
from tests.payouts.conftest import WEBHOOK_SECRET
from tests.payouts.factories import available_earning, connected_agent
from tests.payouts.fake_stripe import event_payload, sign_webhook

pytestmark = pytest.mark.django_db
URL = "/stripe/webhook/"


def post(client, payload: str, signature: str | None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, data=payload, content_type="application/json", **headers)


@pytest.fixture
def paid_payout(fake_stripe):
    agent = connected_agent(account_id=fake_stripe.add_account())
    available_earning(agent=agent, amount_minor=3000)
    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    payout_run_start(run_id=run.pk)
    payout_run_process(run_id=run.pk)
    payout = Payout.objects.get(run=run)
    assert payout.status == PayoutStatus.PAID
    assert agent_balance(agent_id=agent.pk).available_minor == 0
    return payout


def test_the_endpoint_is_routed_where_stripe_posts():
    assert reverse("stripe-webhook") == URL


def test_an_unsigned_event_is_refused_and_changes_nothing(client, fake_stripe):
    response = post(client, event_payload("account.updated", {"id": "acct_x"}), None)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_an_event_signed_with_another_secret_is_refused(client, fake_stripe):
    payload = event_payload("account.updated", {"id": "acct_x"})
    assert post(client, payload, sign_webhook(payload, "whsec_someone_else")).status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_tampered_payload_is_refused(client, fake_stripe):
    payload = event_payload("transfer.reversed", {"id": "tr_1", "amount_reversed": 1})
    signature = sign_webhook(payload, WEBHOOK_SECRET)
    assert post(client, payload.replace('"amount_reversed": 1', '"amount_reversed": 999'), signature).status_code == 400


def test_a_replayed_delivery_with_an_old_signature_is_refused(client, fake_stripe):
    payload = event_payload("account.updated", {"id": "acct_x"})
    stale = sign_webhook(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600)
    response = post(client, payload, stale)
    assert response.status_code == 400
    assert "tolerance" in response.json()["detail"].lower()


def test_the_webhook_only_accepts_post(client):
    assert client.get(URL).status_code == 405


def test_account_updated_marks_the_agents_payouts_enabled(client, fake_stripe):
    account_id = fake_stripe.add_account(enabled=False)
    agent = connected_agent(account_id=account_id, enabled=False)
    account = fake_stripe.enable_account(account_id)

    payload = event_payload("account.updated", account)
    response = post(client, payload, sign_webhook(payload, WEBHOOK_SECRET))

    assert response.status_code == 200
    assert ConnectedAccount.objects.get(agent=agent).payouts_enabled


def test_the_same_event_delivered_twice_is_applied_once(client, paid_payout, fake_stripe):
    transfer = fake_stripe.reverse(paid_payout.transfer_id, 1000)
    payload = event_payload("transfer.reversed", transfer, event_id="evt_once")
    for _ in range(3):
        assert post(client, payload, sign_webhook(payload, WEBHOOK_SECRET)).status_code == 200

    assert StripeEvent.objects.filter(event_id="evt_once").count() == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYOUT_REVERSAL).count() == 1
    assert agent_balance(agent_id=paid_payout.agent_id).available_minor == 1000


def test_a_reversed_transfer_returns_the_money_to_the_agents_available_balance(client, paid_payout, fake_stripe):
    transfer = fake_stripe.reverse(paid_payout.transfer_id)
    payload = event_payload("transfer.reversed", transfer)

    assert post(client, payload, sign_webhook(payload, WEBHOOK_SECRET)).status_code == 200

    paid_payout.refresh_from_db()
    assert paid_payout.status == PayoutStatus.REVERSED
    assert agent_balance(agent_id=paid_payout.agent_id).available_minor == 3000


def test_a_later_event_with_a_larger_cumulative_reversal_adds_only_the_difference(client, paid_payout, fake_stripe):
    for reversed_so_far in (1000, 1000, 2500):
        transfer = dict(fake_stripe.state.transfers[paid_payout.transfer_id], amount_reversed=reversed_so_far)
        payload = event_payload("transfer.updated", transfer)
        post(client, payload, sign_webhook(payload, WEBHOOK_SECRET))
    assert agent_balance(agent_id=paid_payout.agent_id).available_minor == 2500


def test_a_failed_bank_payout_on_the_agents_account_pulls_the_transfer_back_and_returns_the_money(
    client, paid_payout, fake_stripe, django_capture_on_commit_callbacks
):
    account_id = paid_payout.connected_account.account_id
    bank_payout = {"id": "po_1", "object": "payout", "amount": 3000, "currency": "eur", "status": "failed",
                   "failure_code": "account_closed", "failure_message": "The bank account has been closed"}  # fmt: skip
    payload = event_payload("payout.failed", bank_payout, account=account_id)

    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, payload, sign_webhook(payload, WEBHOOK_SECRET)).status_code == 200

    assert fake_stripe.state.transfers[paid_payout.transfer_id]["amount_reversed"] == 3000
    reversal_posts = fake_stripe.requests_to("POST", f"/v1/transfers/{paid_payout.transfer_id}/reversals")
    assert reversal_posts[0].idempotency_key == f"payout-{paid_payout.pk}-reversal"
    assert agent_balance(agent_id=paid_payout.agent_id).available_minor == 3000
    paid_payout.refresh_from_db()
    assert paid_payout.status == PayoutStatus.REVERSED


def test_events_about_unknown_objects_are_acknowledged_and_ignored(client, fake_stripe):
    AgentProfileFactory()
    payload = event_payload("account.updated", {"id": "acct_unknown", "payouts_enabled": True})
    response = post(client, payload, sign_webhook(payload, WEBHOOK_SECRET))
    assert response.status_code == 200
    assert "unknown" in response.json()["outcome"]


def test_without_a_configured_secret_every_event_is_refused(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = event_payload("account.updated", {"id": "acct_x"})
    assert post(client, payload, sign_webhook(payload, "")).status_code == 400


def test_a_reversal_of_a_transfer_the_run_has_not_recorded_yet_is_deferred_until_it_has(
    client, fake_stripe, monkeypatch
):
    from payouts.services import runs as runs_service

    agent = connected_agent(account_id=fake_stripe.add_account())
    available_earning(agent=agent, amount_minor=3000)
    run = payout_run_preview(period=period_of(timezone.now()), actor=None)
    payout_run_approve(run_id=run.pk, actor=None)
    payout_run_start(run_id=run.pk)
    real_record = runs_service.payout_record_transfer

    def crash(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(runs_service, "payout_record_transfer", crash)
    with pytest.raises(RuntimeError):
        payout_run_process(run_id=run.pk)
    [transfer] = fake_stripe.transfers()
    payload = event_payload("transfer.reversed", fake_stripe.reverse(transfer["id"]), event_id="evt_early")

    assert post(client, payload, sign_webhook(payload, WEBHOOK_SECRET)).status_code == 503
    assert not StripeEvent.objects.filter(event_id="evt_early").exists(), "not stored, so Stripe delivers it again"

    monkeypatch.setattr(runs_service, "payout_record_transfer", real_record)
    payout_run_process(run_id=run.pk)
    assert post(client, payload, sign_webhook(payload, WEBHOOK_SECRET)).status_code == 200
    assert Payout.objects.get(run=run).status == PayoutStatus.REVERSED
    assert agent_balance(agent_id=agent.pk).available_minor == 3000
