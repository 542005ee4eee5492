"""Stripe webhooks: verified, stored by event id, each processed once."""

import json
import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from payouts.exceptions import WebhookRejected
from payouts.gateways import AccountState
from payouts.models import StripeEvent
from payouts.services.accounts import connected_account_apply_state
from payouts.services.runs import payout_handle_bank_failure, payout_record_reversal

logger = logging.getLogger(__name__)

# Stripe's default: a signature older than this is refused, so a captured request cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE


def stripe_webhook_receive(*, payload: bytes, signature: str | None) -> str:
    """Verify, store and apply one webhook delivery; returns what was done.

    The event row and its effects commit together: if applying fails, nothing is stored and
    Stripe's redelivery tries again; a delivery of an id already stored changes nothing.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected("Webhooks are not configured (STRIPE_WEBHOOK_SECRET is empty).")
    if not signature:
        raise WebhookRejected("Missing Stripe-Signature header.")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS)
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(f"Signature refused: {exc.user_message or exc}") from exc
    except ValueError as exc:
        raise WebhookRejected("The payload is not a JSON event.") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        raise WebhookRejected("The payload is not a Stripe event.")

    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=str(event.get("type", ""))[:100],
                    account=str(event.get("account") or "")[:64],
                    payload=event,
                )
        except IntegrityError:
            return "duplicate: already processed"
        outcome = _apply(event)
        stored.outcome = outcome[:200]
        stored.save(update_fields=["outcome"])
    logger.info("Stripe event %s (%s): %s", event["id"], event.get("type"), outcome)
    return outcome


def _apply(event: dict) -> str:
    kind = event.get("type", "")
    obj = event["data"].get("object") or {}
    if kind == "account.updated":
        account = connected_account_apply_state(
            state=AccountState(
                account_id=str(obj.get("id", "")),
                payouts_enabled=bool(obj.get("payouts_enabled")),
                details_submitted=bool(obj.get("details_submitted")),
            )
        )
        if account is None:
            return "unknown account; ignored"
        return f"account {account.account_id} payouts_enabled={account.payouts_enabled}"
    if kind in ("transfer.reversed", "transfer.updated"):
        return payout_record_reversal(
            transfer_id=str(obj.get("id", "")),
            amount_reversed_minor=int(obj.get("amount_reversed") or 0),
            transfer_group=str(obj.get("transfer_group") or ""),
        )
    if kind == "payout.failed" and event.get("account"):
        return payout_handle_bank_failure(
            account_id=str(event["account"]),
            amount_minor=int(obj.get("amount") or 0),
            currency=str(obj.get("currency") or ""),
            message=str(obj.get("failure_message") or obj.get("failure_code") or "failed"),
        )
    return "ignored"
