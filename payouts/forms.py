"""Forms for the finance, ops and agent pages. Amounts are typed in major units and stored in minor units."""

from datetime import UTC

from django import forms
from django.conf import settings
from django.utils import timezone

from agents.models import Language
from payouts.exceptions import PayoutError
from payouts.money import parse_major
from payouts.periods import PERIOD_RE
from tickets.models import Category


class PeriodForm(forms.Form):
    period = forms.RegexField(
        regex=PERIOD_RE, max_length=7, help_text="YYYY-MM", error_messages={"invalid": "Use YYYY-MM."}
    )


class MoneyField(forms.CharField):
    """A typed amount like 12.50, cleaned to integer minor units of the configured currency."""

    def __init__(self, *, allow_negative: bool = False, **kwargs) -> None:
        self.allow_negative = allow_negative
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            return parse_major(value, settings.CURRENCY, allow_negative=self.allow_negative)
        except PayoutError as exc:
            raise forms.ValidationError(str(exc)) from exc


class RateCardForm(forms.Form):
    effective_from = forms.DateTimeField(help_text="UTC, e.g. 2026-01-01 00:00")
    default_base = MoneyField(label="Default base per case")
    quality_bonus = MoneyField(label="Quality bonus", initial="0")
    quality_bonus_min_score = forms.IntegerField(min_value=1, max_value=5, initial=5, label="Bonus from CSAT score")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Category.choices:
            self.fields[f"base_{code}"] = MoneyField(label=f"Base: {label}", required=False)
        for code, label in Language.choices:
            self.fields[f"premium_{code}"] = MoneyField(label=f"Premium: {label}", required=False)

    def clean_effective_from(self):
        value = self.cleaned_data["effective_from"]
        return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value

    def category_bases(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[f"base_{code}"]
            for code, _ in Category.choices
            if self.cleaned_data.get(f"base_{code}") is not None
        }

    def language_premiums(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[f"premium_{code}"]
            for code, _ in Language.choices
            if self.cleaned_data.get(f"premium_{code}") is not None
        }

    def base_fields(self):
        return [self[f"base_{code}"] for code, _ in Category.choices]

    def premium_fields(self):
        return [self[f"premium_{code}"] for code, _ in Language.choices]


class DisputeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("uphold", "Uphold"), ("reject", "Reject")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    adjustment = MoneyField(
        allow_negative=True, required=False, help_text="Amount to credit when upholding; blank = the suggested amount."
    )
