"""The hourly staffing job: open shift slots where the forecast needs seats, and surge pay on slots still short.

Idempotent: a block and language gets at most one forecast slot (DB unique), a rerun sees the seats it
opened as offered and opens nothing more, and surge sets a multiplier from the time left (never adds
to it), so running the job twice changes nothing the second time.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import ShiftSlot
from agents.services.shifts import slot_create, slot_update
from tickets.quality.models import ForecastSlot
from tickets.quality.staffing import HourForecast, forecast, under_staffed_languages


def block_hours() -> int:
    return int(getattr(settings, "STAFFING_BLOCK_HOURS", 4))


def surge_within_hours() -> int:
    return int(getattr(settings, "STAFFING_SURGE_WITHIN_HOURS", 12))


def surge_cap() -> Decimal:
    return Decimal(str(getattr(settings, "STAFFING_SURGE_CAP", "1.50")))


def surge_multiplier(*, hours_to_start: float) -> Decimal:
    """Pay rises as an under-filled slot gets close: a third of the way to the cap inside the surge window,
    two thirds inside half of it, the cap inside a quarter."""
    window, cap = surge_within_hours(), surge_cap()
    if hours_to_start > window:
        return Decimal("1.00")
    step = 1 if hours_to_start > window / 2 else 2 if hours_to_start > window / 4 else 3
    return (1 + (cap - 1) * step / 3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class StaffingRun:
    opened: list[int] = field(default_factory=list)
    topped_up: list[int] = field(default_factory=list)
    surged: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"opened": self.opened, "topped_up": self.topped_up, "surged": self.surged}


def _blocks(hours: list[HourForecast], *, now: datetime) -> dict[datetime, tuple[datetime, list[HourForecast]]]:
    """Future hours grouped into blocks aligned to `block_hours` (UTC); the first block starts at the next hour."""
    size = block_hours()
    blocks: dict[datetime, tuple[datetime, list[HourForecast]]] = {}
    for h in hours:
        if h.start < now:
            continue
        aligned = h.start.replace(hour=h.start.hour - h.start.hour % size)
        start, members = blocks.get(aligned, (h.start, []))
        members.append(h)
        blocks[aligned] = (start, members)
    return blocks


def _offered_seats(*, language: str, start: datetime, end: datetime) -> int:
    """Seats offered for a language in [start, end), counted from the table now (not from the forecast)."""
    # Filtered in Python: JSON containment is not available on SQLite (the embedded run).
    slots = ShiftSlot.objects.filter(starts_at__lt=end, ends_at__gt=start).values_list("languages", "seats")
    return sum(seats for languages, seats in slots if language in languages)


def _missing_now(*, language: str, needed_by_hour: list[tuple[datetime, int]]) -> int:
    return max(
        (
            needed - _offered_seats(language=language, start=h, end=h + timedelta(hours=1))
            for h, needed in needed_by_hour
        ),
        default=0,
    )


def _open_or_top_up(
    *,
    block_start: datetime,
    block_end: datetime,
    language: str,
    needed_by_hour: list[tuple[datetime, int]],
    run: StaffingRun,
) -> None:
    with transaction.atomic():
        existing = ForecastSlot.objects.select_for_update().filter(block_start=block_start, language=language).first()
        # Counted again under the lock: a run racing with this one may have opened seats since the forecast.
        missing = _missing_now(language=language, needed_by_hour=needed_by_hour)
        if missing <= 0:
            return
        if existing is not None:
            slot = slot_update(slot=existing.slot, seats=existing.slot.seats + missing)
            existing.seats_needed = slot.seats
            existing.save(update_fields=["seats_needed"])
            run.topped_up.append(slot.pk)
            return
        try:
            with transaction.atomic():
                slot = slot_create(
                    created_by=None,
                    starts_at=block_start,
                    ends_at=block_end,
                    languages=[language],
                    skills=[],
                    seats=missing,
                    pay_multiplier=Decimal("1.00"),
                )
                ForecastSlot.objects.create(slot=slot, block_start=block_start, language=language, seats_needed=missing)
        except IntegrityError:
            return  # another run opened this block a moment ago
        run.opened.append(slot.pk)


def _surge(*, hours: list[HourForecast], now: datetime, run: StaffingRun) -> None:
    by_hour = {h.start: h for h in hours}
    horizon = now + timedelta(hours=surge_within_hours())
    candidates = ShiftSlot.objects.filter(starts_at__gt=now, starts_at__lte=horizon).order_by("starts_at", "pk")
    for slot in candidates:
        if slot.seats_taken >= slot.seats:
            continue
        hour, short = slot.starts_at.replace(minute=0, second=0, microsecond=0), False
        while hour < slot.ends_at and not short:
            h = by_hour.get(hour)
            short = h is not None and bool(under_staffed_languages(h) & set(slot.languages))
            hour += timedelta(hours=1)
        if not short:
            continue
        wanted = surge_multiplier(hours_to_start=(slot.starts_at - now).total_seconds() / 3600)
        if wanted > slot.pay_multiplier:
            slot_update(slot=slot, pay_multiplier=wanted)
            ForecastSlot.objects.filter(slot=slot).update(surged_at=now)
            run.surged.append(slot.pk)


def staffing_plan_run(*, now: datetime | None = None) -> StaffingRun:
    """Open seats where the next hours are short, then surge pay on under-filled slots starting soon."""
    now = now or timezone.now()
    run = StaffingRun()
    hours = forecast(now=now)
    for aligned, (start, members) in sorted(_blocks(hours, now=now).items()):
        end = aligned + timedelta(hours=block_hours())
        languages = {lang for h in members for lang in h.needed_by_language}
        for language in sorted(languages):
            if max(h.missing_seats(language) for h in members) > 0:
                _open_or_top_up(
                    block_start=start,
                    block_end=end,
                    language=language,
                    needed_by_hour=[(h.start, h.needed_by_language.get(language, 0)) for h in members],
                    run=run,
                )
    if run.opened or run.topped_up:
        hours = forecast(now=now)
    _surge(hours=hours, now=now, run=run)
    return run
