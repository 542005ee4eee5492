"""Shift slots (ops) and seats in them (agents): claim, cancel, no-shows, completion, reliability.

Lock order: agent profile → shift slot / shift claim. Locking the profile first serialises
one agent's claims, so the overlap check cannot race with itself; the slot row lock
serialises the seats of one slot. The database is the guarantee behind both: a check
constraint (seats_taken <= seats) and, on PostgreSQL, an exclusion constraint on
overlapping active claims of one agent.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from agents.exceptions import (
    AgentNotApproved,
    ClaimNotActive,
    NotAnAgent,
    NotEligibleForSlot,
    NotYourShift,
    ShiftOverlap,
    SlotFull,
    SlotInvalid,
    SlotNotOpen,
)
from agents.models import AgentProfile, AgentStatus, ClaimStatus, Language, Presence, ShiftClaim, ShiftSlot, Skill
from agents.selectors import slot_is_eligible
from agents.validation import choice_list_error, unique_in_order

MAX_SLOT_HOURS = 12
MAX_SEATS = 500
MAX_MULTIPLIER = Decimal("5.00")
# Reliability: a worked shift counts 1, a late cancel 0.5, a no-show 0; two perfect shifts as a prior
# so that one early mishap does not sink a new agent.
RELIABILITY_WEIGHTS = {ClaimStatus.COMPLETED: 1.0, ClaimStatus.LATE_CANCELLED: 0.5, ClaimStatus.NO_SHOW: 0.0}
RELIABILITY_PRIOR = 2
RELIABILITY_WINDOW_DAYS = 90


def no_show_grace() -> timedelta:
    return timedelta(minutes=settings.SHIFT_NO_SHOW_GRACE_MINUTES)


def cancel_cutoff() -> timedelta:
    return timedelta(hours=settings.SHIFT_CANCEL_CUTOFF_HOURS)


def lock_profile(agent: AbstractBaseUser) -> AgentProfile:
    """The first lock every agent write takes (see the module docstring)."""
    profile = AgentProfile.objects.select_for_update().filter(user_id=agent.pk).first()
    if profile is None:
        raise NotAnAgent()
    return profile


# --- Slots (ops) -----------------------------------------------------------------------------


def _slot_errors(
    *,
    starts_at: datetime,
    ends_at: datetime,
    languages: list[str],
    skills: list[str],
    seats: int,
    pay_multiplier: Decimal,
    seats_taken: int = 0,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str | None) -> None:
        if message:
            errors.setdefault(field, []).append(message)

    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        add("starts_at", "Give the start as a date and time with a time zone.")
    if not isinstance(ends_at, datetime) or timezone.is_naive(ends_at):
        add("ends_at", "Give the end as a date and time with a time zone.")
    if not errors:
        if ends_at <= starts_at:
            add("ends_at", "The shift must end after it starts.")
        elif ends_at - starts_at > timedelta(hours=MAX_SLOT_HOURS):
            add("ends_at", f"A shift is at most {MAX_SLOT_HOURS} hours long.")
        if ends_at <= timezone.now():
            add("ends_at", "This shift would already be over.")
    add("languages", choice_list_error(languages, Language, what="languages", required=True))
    add("skills", choice_list_error(skills, Skill, what="skills", required=False))
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        add("seats", f"Seats must be a whole number from 1 to {MAX_SEATS}.")
    elif seats < seats_taken:
        add("seats", f"{seats_taken} seats are already taken; you cannot offer fewer.")
    if not isinstance(pay_multiplier, Decimal) or not pay_multiplier.is_finite():
        add("pay_multiplier", "The multiplier must be a number such as 1.25.")
    elif not Decimal(1) <= pay_multiplier <= MAX_MULTIPLIER or pay_multiplier != pay_multiplier.quantize(
        Decimal("0.01")
    ):
        add("pay_multiplier", f"The multiplier must be between 1.00 and {MAX_MULTIPLIER} in steps of 0.01.")
    return errors


def parse_multiplier(value: object) -> Decimal | None:
    """A multiplier from a form or JSON; None when it is not a number (floats are read through their text)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def slot_create(
    *,
    created_by: AbstractBaseUser,
    starts_at: datetime,
    ends_at: datetime,
    languages: list[str],
    skills: list[str],
    seats: int,
    pay_multiplier: Decimal,
) -> ShiftSlot:
    errors = _slot_errors(
        starts_at=starts_at,
        ends_at=ends_at,
        languages=languages,
        skills=skills,
        seats=seats,
        pay_multiplier=pay_multiplier,
    )
    if errors:
        raise SlotInvalid(errors)
    return ShiftSlot.objects.create(
        starts_at=starts_at,
        ends_at=ends_at,
        languages=unique_in_order(languages),
        skills=unique_in_order(skills),
        seats=seats,
        pay_multiplier=pay_multiplier,
        created_by=created_by,
    )


def slot_update(
    *,
    slot: ShiftSlot,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    languages: list[str] | None = None,
    skills: list[str] | None = None,
    seats: int | None = None,
    pay_multiplier: Decimal | None = None,
) -> ShiftSlot:
    """Ops edits a slot. Seats never drop below those taken; the window moves only while nobody holds a seat."""
    with transaction.atomic():
        locked = ShiftSlot.objects.select_for_update().get(pk=slot.pk)
        new = {
            "starts_at": locked.starts_at if starts_at is None else starts_at,
            "ends_at": locked.ends_at if ends_at is None else ends_at,
            "languages": locked.languages if languages is None else languages,
            "skills": locked.skills if skills is None else skills,
            "seats": locked.seats if seats is None else seats,
            "pay_multiplier": locked.pay_multiplier if pay_multiplier is None else pay_multiplier,
        }
        errors = _slot_errors(**new, seats_taken=locked.seats_taken)
        moved = (new["starts_at"], new["ends_at"]) != (locked.starts_at, locked.ends_at)
        if moved and locked.claims.filter(status=ClaimStatus.ACTIVE).exists():
            errors.setdefault("starts_at", []).append("Agents hold seats in this shift; its time can no longer move.")
        if errors:
            raise SlotInvalid(errors)
        new["languages"] = unique_in_order(new["languages"])
        new["skills"] = unique_in_order(new["skills"])
        for field, value in new.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(new))
    return locked


# --- Seats (agents) --------------------------------------------------------------------------


def _conflict_from(exc: IntegrityError) -> Exception:
    text = str(exc)
    if "slot_seats_not_overbooked" in text:
        return SlotFull()
    if "claim_no_overlap_per_agent" in text or "one_active_claim_per_slot" in text:
        return ShiftOverlap()
    return exc


def shift_claim(*, agent: AbstractBaseUser, slot: ShiftSlot) -> ShiftClaim:
    """Take one seat in `slot`, or raise and change nothing."""
    now = timezone.now()
    try:
        with transaction.atomic():
            profile = lock_profile(agent)
            if profile.status != AgentStatus.APPROVED:
                raise AgentNotApproved()
            locked = ShiftSlot.objects.select_for_update().get(pk=slot.pk)
            if locked.ends_at <= now:
                raise SlotNotOpen()
            if not slot_is_eligible(profile=profile, slot=locked):
                raise NotEligibleForSlot()
            if locked.claims.filter(agent=profile, status=ClaimStatus.ACTIVE).exists():
                raise ShiftOverlap("You already hold a seat in this shift.")
            if locked.seats_taken >= locked.seats:
                raise SlotFull()
            overlapping = ShiftClaim.objects.filter(
                agent=profile, status=ClaimStatus.ACTIVE, starts_at__lt=locked.ends_at, ends_at__gt=locked.starts_at
            )
            if overlapping.exists():
                raise ShiftOverlap()
            ShiftSlot.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") + 1)
            return ShiftClaim.objects.create(
                slot=locked, agent=profile, starts_at=locked.starts_at, ends_at=locked.ends_at
            )
    except IntegrityError as exc:
        conflict = _conflict_from(exc)
        if conflict is exc:
            raise
        raise conflict from exc


def shift_cancel(*, agent: AbstractBaseUser, claim: ShiftClaim) -> ShiftClaim:
    """Give a seat back: free until the cut-off before the start, a late cancel after it."""
    now = timezone.now()
    with transaction.atomic():
        profile = lock_profile(agent)
        locked = ShiftClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.agent_id != profile.pk:
            raise NotYourShift()
        if locked.status != ClaimStatus.ACTIVE:
            raise ClaimNotActive()
        if locked.ends_at <= now:
            raise ClaimNotActive("This shift is already over.")
        late = now > locked.starts_at - cancel_cutoff()
        locked.status = ClaimStatus.LATE_CANCELLED if late else ClaimStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at"])
        ShiftSlot.objects.filter(pk=locked.slot_id).update(seats_taken=F("seats_taken") - 1)
        if late:
            reliability_recompute(profile=profile)
    return locked


def shift_check_in(*, profile: AgentProfile, now: datetime) -> ShiftClaim | None:
    """Mark the running claim as worked-in (the agent went online). Caller holds the profile lock."""
    claim = (
        ShiftClaim.objects.select_for_update()
        .filter(agent=profile, status=ClaimStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .first()
    )
    if claim is not None and claim.checked_in_at is None:
        claim.checked_in_at = now
        claim.save(update_fields=["checked_in_at"])
    return claim


def shifts_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat job: mark no-shows (started + grace, never online) and finished shifts; safe to run twice."""
    now = now or timezone.now()
    grace_cutoff = now - no_show_grace()
    # The grace runs from the start, or from the claim for a seat taken in a running shift.
    due = ShiftClaim.objects.filter(status=ClaimStatus.ACTIVE).filter(
        Q(ends_at__lte=now) | Q(starts_at__lte=grace_cutoff, created_at__lte=grace_cutoff, checked_in_at__isnull=True)
    )
    counts = {"no_show": 0, "completed": 0}
    for claim_id, agent_id in due.values_list("pk", "agent__user_id"):
        with transaction.atomic():
            profile = AgentProfile.objects.select_for_update().get(user_id=agent_id)
            claim = ShiftClaim.objects.select_for_update().get(pk=claim_id)
            if claim.status != ClaimStatus.ACTIVE:
                continue
            online_now = Presence.objects.filter(agent=profile, online=True).exists()
            if claim.checked_in_at is None and online_now and claim.starts_at <= now:
                claim.checked_in_at = now
            if claim.ends_at <= now:
                claim.status = ClaimStatus.COMPLETED if claim.checked_in_at else ClaimStatus.NO_SHOW
            elif claim.checked_in_at is None and max(claim.starts_at, claim.created_at) <= grace_cutoff:
                claim.status = ClaimStatus.NO_SHOW
                # The seat goes back on the market for the rest of the shift.
                ShiftSlot.objects.filter(pk=claim.slot_id).update(seats_taken=F("seats_taken") - 1)
            if claim.status == ClaimStatus.ACTIVE and claim.checked_in_at is None:
                continue
            claim.save(update_fields=["status", "checked_in_at"])
            if claim.status != ClaimStatus.ACTIVE:
                counts[claim.status] += 1
                reliability_recompute(profile=profile)
    return counts


def reliability_recompute(*, profile: AgentProfile) -> float:
    since = timezone.now() - timedelta(days=RELIABILITY_WINDOW_DAYS)
    statuses = list(
        ShiftClaim.objects.filter(agent=profile, status__in=list(RELIABILITY_WEIGHTS), starts_at__gte=since)
        .values_list("status", flat=True)
        .iterator()
    )
    score = (RELIABILITY_PRIOR + sum(RELIABILITY_WEIGHTS[s] for s in statuses)) / (RELIABILITY_PRIOR + len(statuses))
    score = round(score, 3)
    AgentProfile.objects.filter(pk=profile.pk).update(reliability_score=score)
    profile.reliability_score = score
    return score
