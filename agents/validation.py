"""Validation of the values agents and ops type in: time zones, countries, languages, skills.

Shared by the services (which raise with every error at once) and the forms and serializers.
"""

import zoneinfo
from functools import cache

import pycountry

from agents.models import Language, Skill


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}))


def time_zone_error(name: object) -> str | None:
    if not isinstance(name, str) or name not in set(time_zone_names()):
        return "Choose a time zone from the list, e.g. Europe/Stockholm."
    return None


def country_error(code: object) -> str | None:
    if not isinstance(code, str) or len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
        return "Use a two-letter country code (ISO 3166-1), e.g. SE."
    return None


def choice_list_error(
    values: object, choices: type[Language] | type[Skill], *, what: str, required: bool
) -> str | None:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        return f"Give the {what} as a list."
    unknown = sorted(set(values) - set(choices.values))
    if unknown:
        return f"Unknown {what}: {', '.join(unknown)}. Known: {', '.join(choices.values)}."
    if required and not values:
        return f"Choose at least one of the {what}."
    return None


def unique_in_order(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
