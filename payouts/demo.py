"""Demo pay data: a rate card, the earnings of the historical resolved cases, payout accounts.

Idempotent: a second call adds nothing. With Stripe keys (test mode only) the demo agents
get Stripe test connected accounts, so a demo payout run pays them through Stripe;
without keys they get enabled accounts at the local test provider.
"""

import logging
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction

from agents.models import AgentProfile, AgentStatus
from payouts.gateways import StripeGateway
from payouts.models import ConnectedAccount, EntryKind, LedgerEntry, Provider, RateCard
from payouts.services.accounts import connected_account_ensure
from payouts.services.earnings import earning_quote, shift_multiplier_at
from payouts.services.rate_cards import rate_card_create

logger = logging.getLogger(__name__)

DEMO_NOTE = "Demo rate card"
DEMO_CATEGORY_BASES = {
    "cards": 300,
    "payments": 350,
    "refunds_disputes": 500,
    "transfers": 400,
    "top_ups": 250,
    "account_identity": 450,
    "security_fraud": 600,
}
DEMO_LANGUAGE_PREMIUMS = {"de": 50, "sv": 75, "fr": 50, "es": 50}


def seed_demo_pay(*, now: datetime) -> None:
    card = _demo_rate_card(now=now)
    _demo_earnings(card=card, now=now)
    _demo_accounts()


def _demo_rate_card(*, now: datetime) -> RateCard:
    existing = RateCard.objects.filter(currency=settings.CURRENCY, note=DEMO_NOTE).first()
    if existing is not None:
        return existing
    return rate_card_create(
        # Starts before any demo history so every historical case has a card in force.
        effective_from=(now - timedelta(days=365)).replace(hour=0, minute=0, second=0, microsecond=0),
        default_base_minor=300,
        category_bases=DEMO_CATEGORY_BASES,
        language_premiums=DEMO_LANGUAGE_PREMIUMS,
        quality_bonus_minor=100,
        quality_bonus_min_score=5,
        note=DEMO_NOTE,
        actor=None,
        now=now,
        allow_backdating=True,
    )


def _csat_scores(conversation_ids: list[int]) -> dict[int, int]:
    """Ratings from the quality app, if it is installed; pay does not depend on it."""
    try:
        rating = apps.get_model("quality", "CsatRating")
    except LookupError:
        return {}
    return dict(rating.objects.filter(conversation_id__in=conversation_ids).values_list("conversation_id", "score"))


@transaction.atomic
def _demo_earnings(*, card: RateCard, now: datetime) -> None:
    """Credit each historical resolved case once, as the lifecycle would have, already past the hold-back."""
    from tickets.models import Conversation

    agent_ids = set(AgentProfile.objects.values_list("user_id", flat=True))
    credited = set(
        LedgerEntry.objects.filter(kind=EntryKind.CASE_RESOLUTION, voided_at__isnull=True).values_list(
            "conversation_id", flat=True
        )
    )
    conversations = [
        c
        for c in Conversation.objects.filter(
            resolved_at__isnull=False, resolved_at__lte=now, assigned_agent__isnull=False
        )
        .exclude(pk__in=credited)
        .order_by("resolved_at")
        if c.assigned_agent_id in agent_ids
    ]
    scores = _csat_scores([c.pk for c in conversations])
    holdback = timedelta(hours=settings.HOLDBACK_HOURS)
    entries = []
    for conv in conversations:
        quote = earning_quote(
            rate_card=card,
            category=conv.category,
            language=conv.language,
            multiplier=shift_multiplier_at(agent_id=conv.assigned_agent_id, at=conv.resolved_at),
        )
        # Historical cases are shown as settled: available now even if resolved within the last hold-back window.
        available_at = max(min(conv.resolved_at + holdback, now), conv.resolved_at)
        entries.append(
            LedgerEntry(
                agent_id=conv.assigned_agent_id,
                kind=EntryKind.CASE_RESOLUTION,
                amount_minor=quote.amount_minor,
                currency=card.currency,
                occurred_at=conv.resolved_at,
                available_at=available_at,
                conversation_id=conv.pk,
                rate_card=card,
                breakdown=quote.breakdown(),
                memo=f"Case #{conv.pk} resolved",
            )
        )
        if card.quality_bonus_minor and scores.get(conv.pk, 0) >= card.quality_bonus_min_score:
            entries.append(
                LedgerEntry(
                    agent_id=conv.assigned_agent_id,
                    kind=EntryKind.BONUS,
                    amount_minor=card.quality_bonus_minor,
                    currency=card.currency,
                    occurred_at=conv.resolved_at,
                    available_at=available_at,
                    conversation_id=conv.pk,
                    rate_card=card,
                    breakdown={"csat_score": scores[conv.pk], "rate_card_id": card.pk},
                    memo=f"{scores[conv.pk]}-star rating on case #{conv.pk}",
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=1000)


def _demo_accounts() -> None:
    """Give every approved demo agent a payout account that can receive a demo payout run."""
    use_stripe = bool(settings.STRIPE_SECRET_KEY)
    if use_stripe and not settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_")):
        logger.warning("Not creating demo connected accounts with a live Stripe key.")
        return
    profiles = AgentProfile.objects.filter(status=AgentStatus.APPROVED).select_related("user")
    for profile in profiles:
        if ConnectedAccount.objects.filter(agent_id=profile.user_id).exists():
            continue
        if use_stripe:
            state = StripeGateway().create_test_account(
                agent_id=profile.user_id,
                email=profile.user.email,
                country=profile.country,
                name=profile.display_name,
                address=profile.address,
            )
            ConnectedAccount.objects.get_or_create(
                agent_id=profile.user_id,
                defaults={
                    "provider": Provider.STRIPE,
                    "account_id": state.account_id,
                    "payouts_enabled": state.payouts_enabled,
                    "details_submitted": state.details_submitted,
                },
            )
        else:
            account = connected_account_ensure(agent=profile.user)
            ConnectedAccount.objects.filter(pk=account.pk).update(payouts_enabled=True, details_submitted=True)
