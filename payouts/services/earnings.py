"""Earnings: what a resolved case pays, clawbacks on reopen, quality bonuses, adjustments.

The tickets lifecycle calls `earning_record_resolution` and `earning_handle_reopen`
inside its resolving/reopening transaction; the quality app calls
`earning_record_csat_bonus` when a rating is stored.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import AgentProfile, ClaimStatus, ShiftClaim
from payouts.exceptions import InvalidAmount
from payouts.models import EntryKind, LedgerEntry, RateCard, RateLineKind
from payouts.money import validate_minor
from payouts.selectors import rate_card_in_force

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EarningQuote:
    """What one resolved case pays under a rate card, and why."""

    rate_card: RateCard
    base_minor: int
    language_premium_minor: int
    multiplier: Decimal

    @property
    def amount_minor(self) -> int:
        exact = Decimal(self.base_minor + self.language_premium_minor) * self.multiplier
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def currency(self) -> str:
        return self.rate_card.currency

    def breakdown(self) -> dict:
        return {
            "rate_card_id": self.rate_card.pk,
            "base_minor": self.base_minor,
            "language_premium_minor": self.language_premium_minor,
            "shift_multiplier": str(self.multiplier),
        }


def earning_quote(*, rate_card: RateCard, category: str, language: str, multiplier: Decimal) -> EarningQuote:
    """(base for the category, else the card's default) + the language's premium, × the shift multiplier."""
    lines = {(line.kind, line.code): line.amount_minor for line in rate_card.lines.all()}
    return EarningQuote(
        rate_card=rate_card,
        base_minor=lines.get((RateLineKind.CATEGORY_BASE, category), rate_card.default_base_minor),
        language_premium_minor=lines.get((RateLineKind.LANGUAGE_PREMIUM, language), 0),
        multiplier=multiplier,
    )


def shift_multiplier_at(*, agent_id: int, at: datetime) -> Decimal:
    """The pay multiplier of the shift the agent is working at that moment; 1 off shift."""
    claim = (
        ShiftClaim.objects.filter(
            agent__user_id=agent_id,
            status__in=[ClaimStatus.ACTIVE, ClaimStatus.COMPLETED],
            starts_at__lte=at,
            ends_at__gt=at,
        )
        .select_related("slot")
        .order_by("-slot__pay_multiplier")
        .first()
    )
    return Decimal(claim.slot.pay_multiplier) if claim else Decimal(1)


def _active_case_entry(*, conversation_id: int, kind: str) -> LedgerEntry | None:
    return (
        LedgerEntry.objects.select_for_update()
        .filter(conversation_id=conversation_id, kind=kind, voided_at__isnull=True)
        .first()
    )


def earning_record_resolution(*, conversation, now: datetime | None = None) -> LedgerEntry | None:
    """Credit the resolving agent with the case, pending for the hold-back window.

    Returns the new entry; the existing one if this agent is already credited (a repeated
    call); None when nothing is owed: no agent, a staff member rather than a gig agent, no
    rate card yet, or the case is already credited to someone (a reopen after the hold-back).
    The partial unique index `one_active_resolution_per_case` is the guarantee; the
    lookup before it only gives the friendly answer.
    """
    agent_id = conversation.assigned_agent_id
    if agent_id is None or not AgentProfile.objects.filter(user_id=agent_id).exists():
        return None
    resolved_at = conversation.resolved_at or now or timezone.now()
    card = rate_card_in_force(at=resolved_at)
    if card is None:
        logger.warning("No rate card in force at %s; conversation %s earns nothing.", resolved_at, conversation.pk)
        return None
    quote = earning_quote(
        rate_card=card,
        category=conversation.category,
        language=conversation.language,
        multiplier=shift_multiplier_at(agent_id=agent_id, at=resolved_at),
    )
    with transaction.atomic():
        existing = _active_case_entry(conversation_id=conversation.pk, kind=EntryKind.CASE_RESOLUTION)
        if existing is not None:
            return existing if existing.agent_id == agent_id else None
        try:
            with transaction.atomic():
                return LedgerEntry.objects.create(
                    agent_id=agent_id,
                    kind=EntryKind.CASE_RESOLUTION,
                    amount_minor=quote.amount_minor,
                    currency=quote.currency,
                    occurred_at=resolved_at,
                    available_at=resolved_at + timedelta(hours=settings.HOLDBACK_HOURS),
                    conversation_id=conversation.pk,
                    rate_card=card,
                    breakdown=quote.breakdown(),
                    memo=f"Case #{conversation.pk} resolved",
                )
        except IntegrityError:
            # A concurrent resolution of the same case won the unique index.
            existing = _active_case_entry(conversation_id=conversation.pk, kind=EntryKind.CASE_RESOLUTION)
            return existing if existing is not None and existing.agent_id == agent_id else None


def earning_handle_reopen(*, conversation, now: datetime | None = None) -> None:
    """A resolved case came back: inside the hold-back window its pending pay is clawed back.

    The resolution (and any quality bonus) is voided and a clawback entry with the same
    `available_at` cancels it, so it nets to zero whether pending or later available; whoever
    finally resolves the case is credited then. Outside the window the resolution held for
    the whole hold-back and its pay stands: a case is paid once, so its later re-resolution
    earns nothing automatically (ops may grant an adjustment).
    """
    now = now or timezone.now()
    with transaction.atomic():
        entries = (
            LedgerEntry.objects.select_for_update()
            .filter(conversation_id=conversation.pk, kind__in=[EntryKind.CASE_RESOLUTION, EntryKind.BONUS])
            .filter(voided_at__isnull=True, available_at__gt=now)
            .order_by("id")
        )
        for entry in entries:
            _void_with_clawback(entry=entry, now=now, memo=f"Case #{conversation.pk} reopened within the hold-back")


def _void_with_clawback(*, entry: LedgerEntry, now: datetime, memo: str) -> LedgerEntry | None:
    if not LedgerEntry.objects.filter(pk=entry.pk, voided_at__isnull=True).update(voided_at=now):
        return None  # already voided by a concurrent reopen
    if entry.amount_minor == 0:
        return None
    return LedgerEntry.objects.create(
        agent_id=entry.agent_id,
        kind=EntryKind.CLAWBACK,
        amount_minor=-entry.amount_minor,
        currency=entry.currency,
        occurred_at=now,
        available_at=max(entry.available_at, now),
        conversation_id=entry.conversation_id,
        rate_card=entry.rate_card,
        reverses=entry,
        memo=memo,
    )


def earning_record_csat_bonus(*, conversation, score: int, now: datetime | None = None) -> LedgerEntry | None:
    """Grant the quality bonus to the agent credited with the case when the rating earns it.

    Called by the quality app when a CSAT rating is stored. Ratings below the card's
    threshold earn nothing (the agent may dispute the resolution entry to ask for a review).
    Idempotent: a second call finds the active bonus and returns it.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidAmount(f"A CSAT score is a whole number from 1 to 5, not {score!r}.")
    now = now or timezone.now()
    with transaction.atomic():
        resolution = _active_case_entry(conversation_id=conversation.pk, kind=EntryKind.CASE_RESOLUTION)
        if resolution is None or resolution.rate_card is None:
            return None
        card = resolution.rate_card
        if card.quality_bonus_minor <= 0 or score < card.quality_bonus_min_score:
            return None
        existing = _active_case_entry(conversation_id=conversation.pk, kind=EntryKind.BONUS)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return LedgerEntry.objects.create(
                    agent_id=resolution.agent_id,
                    kind=EntryKind.BONUS,
                    amount_minor=card.quality_bonus_minor,
                    currency=card.currency,
                    occurred_at=now,
                    # Held like the resolution it rewards: a reopen inside the window takes both back.
                    available_at=max(resolution.available_at, now),
                    conversation_id=conversation.pk,
                    rate_card=card,
                    breakdown={"csat_score": score, "rate_card_id": card.pk},
                    memo=f"{score}-star rating on case #{conversation.pk}",
                )
        except IntegrityError:
            return _active_case_entry(conversation_id=conversation.pk, kind=EntryKind.BONUS)


def ledger_adjustment_record(
    *,
    agent: AbstractBaseUser,
    amount_minor: int,
    memo: str,
    actor: AbstractBaseUser | None,
    dispute_id: int | None = None,
    conversation_id: int | None = None,
    now: datetime | None = None,
) -> LedgerEntry:
    """A person's correction, positive or negative, available at once."""
    validate_minor(amount_minor, allow_negative=True, allow_zero=False)
    memo = (memo or "").strip()
    if not memo:
        raise InvalidAmount("An adjustment needs a memo saying why.")
    now = now or timezone.now()
    return LedgerEntry.objects.create(
        agent=agent,
        kind=EntryKind.ADJUSTMENT,
        amount_minor=amount_minor,
        currency=settings.CURRENCY,
        occurred_at=now,
        available_at=now,
        conversation_id=conversation_id,
        dispute_id=dispute_id,
        memo=memo[:200],
        created_by=actor,
    )
