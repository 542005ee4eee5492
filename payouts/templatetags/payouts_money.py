"""`{{ amount_minor|money:currency }}` → "€12.50"; formatting happens only here, at the edge."""

from django import template
from django.conf import settings

from payouts.money import format_minor

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str | None = None) -> str:
    return format_minor(int(amount_minor or 0), currency or settings.CURRENCY)
