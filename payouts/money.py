"""Money at the edges: parsing what people type and formatting what they read.

Inside the app money is always `(amount_minor: int, currency: str)`; py-moneyed is
used only here, to know each currency's minor unit and to format for display.
"""

from decimal import Decimal, InvalidOperation

from moneyed import Money, get_currency
from moneyed.l10n import format_money

from payouts.exceptions import InvalidAmount

MAX_AMOUNT_MINOR = 10**12  # one could not earn more than ten billion of anything per entry


def minor_unit_factor(currency: str) -> int:
    return get_currency(currency.upper()).sub_unit


def to_money(amount_minor: int, currency: str) -> Money:
    return Money(Decimal(amount_minor) / minor_unit_factor(currency), currency.upper())


def minor_to_major(amount_minor: int, currency: str) -> Decimal:
    return to_money(amount_minor, currency).amount


def format_minor(amount_minor: int | None, currency: str) -> str:
    """E.g. 123456, "EUR" → "€1,234.56"."""
    return format_money(to_money(amount_minor or 0, currency), locale="en_US")


def parse_major(text: str | int | Decimal, currency: str, *, allow_negative: bool = False) -> int:
    """Parse a typed amount in major units ("12.50") into minor units (1250); refuses what isn't exact."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidAmount(f"{text!r} is not an amount.") from exc
    if not value.is_finite():
        raise InvalidAmount(f"{text!r} is not an amount.")
    minor = value * minor_unit_factor(currency)
    if minor != minor.to_integral_value():
        raise InvalidAmount(f"{text} has more decimals than {currency} allows.")
    return validate_minor(int(minor), allow_negative=allow_negative)


def validate_minor(value: object, *, allow_negative: bool = False, allow_zero: bool = True) -> int:
    """Accept only a true integer of minor units in range; booleans and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"{value!r} is not a whole number of minor units.")
    if value < 0 and not allow_negative:
        raise InvalidAmount("Amounts cannot be negative here.")
    if value == 0 and not allow_zero:
        raise InvalidAmount("The amount cannot be zero.")
    if abs(value) > MAX_AMOUNT_MINOR:
        raise InvalidAmount("The amount is out of range.")
    return value
