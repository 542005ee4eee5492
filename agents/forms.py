"""HTML forms of the agent pages. They only shape the input; the services check the rules."""

import zoneinfo
from datetime import datetime
from functools import cache

import pycountry
from django import forms
from django.utils import timezone

from agents.exceptions import InputInvalid
from agents.models import Language, Skill
from agents.validation import time_zone_names


@cache
def _country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


class SignupForm(forms.Form):
    name = forms.CharField(max_length=80, label="Your name")
    email = forms.EmailField(label="E-mail")
    username = forms.CharField(max_length=150)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    country = forms.ChoiceField(choices=_country_choices, initial="SE")
    time_zone = forms.ChoiceField(choices=_time_zone_choices, initial="Europe/Stockholm", label="Time zone")
    languages = forms.MultipleChoiceField(
        choices=Language.choices, widget=forms.CheckboxSelectMultiple, label="Languages you can chat in"
    )
    skills = forms.MultipleChoiceField(
        choices=Skill.choices, widget=forms.CheckboxSelectMultiple, label="Topics you can handle"
    )
    address = forms.CharField(max_length=255, required=False, help_text="For the yearly income statement.")
    tax_id = forms.CharField(max_length=40, required=False, label="Tax id")


class SlotForm(forms.Form):
    """Times are typed in `time_zone` and stored in UTC."""

    time_zone = forms.ChoiceField(choices=_time_zone_choices, initial="UTC", label="Times are in")
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Starts")
    ends_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Ends")
    languages = forms.MultipleChoiceField(choices=Language.choices, widget=forms.CheckboxSelectMultiple)
    skills = forms.MultipleChoiceField(
        choices=Skill.choices, widget=forms.CheckboxSelectMultiple, required=False, help_text="None = any agent."
    )
    seats = forms.IntegerField(min_value=1)
    pay_multiplier = forms.DecimalField(max_digits=4, decimal_places=2, initial="1.00", label="Pay multiplier")

    def clean(self) -> dict:
        data = super().clean()
        zone = zoneinfo.ZoneInfo(data.get("time_zone") or "UTC")
        for field in ("starts_at", "ends_at"):
            value: datetime | None = data.get(field)
            if value is not None:
                # The browser sends wall-clock time; read it in the chosen zone, whatever Django assumed.
                wall_clock = timezone.make_naive(value) if timezone.is_aware(value) else value
                data[field] = timezone.make_aware(wall_clock, zone)
        return data

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("time_zone")
        return data


def add_service_errors(form: forms.Form, error: InputInvalid) -> None:
    """Show a service's field errors on the form (fields it does not know go on top)."""
    for field, messages in error.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
