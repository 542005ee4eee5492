"""Calendar months as pay periods, in UTC."""

import re
from datetime import UTC, datetime

from payouts.exceptions import InvalidPeriod

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """ "2025-03" → (2025-03-01T00:00Z, 2025-04-01T00:00Z): start inclusive, end exclusive."""
    match = PERIOD_RE.match(period or "")
    if not match:
        raise InvalidPeriod(f"{period!r} is not a month written YYYY-MM.")
    year, month = int(match.group(1)), int(match.group(2))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def period_of(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def previous_period(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def year_bounds(year: int) -> tuple[datetime, datetime]:
    if not 2000 <= year <= 9998:
        raise InvalidPeriod(f"{year} is not a year we report on.")
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
