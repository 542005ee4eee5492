"""Rate card versions. A version is never edited; new rates are a new version from a moment on."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from payouts.exceptions import RateCardInvalid
from payouts.models import RateCard, RateCardLine, RateLineKind
from payouts.money import validate_minor

# A new version may start a little in the past (the form's clock vs the server's), never further back:
# earnings already recorded name the card they were computed from.
BACKDATE_TOLERANCE = timedelta(minutes=5)


def rate_card_create(
    *,
    effective_from: datetime,
    default_base_minor: int,
    category_bases: dict[str, int],
    language_premiums: dict[str, int],
    quality_bonus_minor: int,
    quality_bonus_min_score: int = 5,
    note: str = "",
    actor: AbstractBaseUser | None,
    now: datetime | None = None,
    allow_backdating: bool = False,
) -> RateCard:
    """Publish a new version of the rates, in force from `effective_from`."""
    now = now or timezone.now()
    if timezone.is_naive(effective_from):
        raise RateCardInvalid("The effective time must carry a time zone.")
    if not allow_backdating and effective_from < now - BACKDATE_TOLERANCE:
        raise RateCardInvalid("A new rate card cannot start in the past; past earnings keep the card they used.")
    for amount in (default_base_minor, quality_bonus_minor, *category_bases.values(), *language_premiums.values()):
        validate_minor(amount)
    if isinstance(quality_bonus_min_score, bool) or quality_bonus_min_score not in range(1, 6):
        raise RateCardInvalid("The bonus threshold is a CSAT score from 1 to 5.")
    try:
        with transaction.atomic():
            card = RateCard.objects.create(
                effective_from=effective_from,
                currency=settings.CURRENCY,
                default_base_minor=default_base_minor,
                quality_bonus_minor=quality_bonus_minor,
                quality_bonus_min_score=quality_bonus_min_score,
                note=note[:200],
                created_by=actor,
            )
            RateCardLine.objects.bulk_create(
                [
                    RateCardLine(rate_card=card, kind=RateLineKind.CATEGORY_BASE, code=code, amount_minor=amount)
                    for code, amount in sorted(category_bases.items())
                ]
                + [
                    RateCardLine(rate_card=card, kind=RateLineKind.LANGUAGE_PREMIUM, code=code, amount_minor=amount)
                    for code, amount in sorted(language_premiums.items())
                ]
            )
    except IntegrityError as exc:
        raise RateCardInvalid("A rate card already starts at that moment.") from exc
    return card
