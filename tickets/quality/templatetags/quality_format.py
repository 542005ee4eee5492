"""Display-only formatting for the quality pages: durations, rates, stars."""

from django import template

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """123 → "2m 03s"; 4000 → "1h 06m"; None → "—"."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


@register.filter
def percent(rate: float | None, digits: int = 0) -> str:
    """0.8123 → "81 %"; None → "—"."""
    if rate is None:
        return "—"
    return f"{100 * rate:.{int(digits)}f} %"


@register.filter
def stars(score: int | None) -> str:
    if score is None:
        return "—"
    return "★" * int(score) + "☆" * (5 - int(score))


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key) if isinstance(mapping, dict) else None
