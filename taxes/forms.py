"""Forms of the tax pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from portfolios.forms import ExactDecimalFormField
from taxes.models import FilingStatus, TaxProfile


class TaxProfileForm(forms.ModelForm):
    other_ordinary_income = ExactDecimalFormField(
        label="Other ordinary income (USD)",
        help_text="Wages, pensions and other ordinary income outside Lotwise, after above-the-line adjustments.",
    )
    state_rate = ExactDecimalFormField(
        label="State income tax rate (%)", help_text="A flat rate for the state estimate, e.g. 5 for 5%."
    )
    carryforward_short = ExactDecimalFormField(
        label="Short-term capital loss carried in (USD)",
        help_text="Only for the first year Lotwise knows; later years carry forward from Lotwise's figures.",
    )
    carryforward_long = ExactDecimalFormField(label="Long-term capital loss carried in (USD)")

    class Meta:
        model = TaxProfile
        fields = [
            "filing_status",
            "other_ordinary_income",
            "state",
            "state_rate",
            "carryforward_short",
            "carryforward_long",
        ]
        widgets = {"filing_status": forms.Select(choices=FilingStatus.choices)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("other_ordinary_income", "state_rate", "carryforward_short", "carryforward_long"):
            self.fields[name].required = False
        # The rate is stored as a fraction and entered as a percentage.
        if self.instance.pk:
            self.initial["state_rate"] = self.instance.state_rate * 100

    def clean_state(self) -> str:
        state: str = (self.cleaned_data.get("state") or "").strip().upper()
        if state and (len(state) != 2 or not state.isalpha()):
            raise forms.ValidationError("A two-letter state code, e.g. CA.")
        return state

    def clean_state_rate(self) -> Decimal:
        rate: Decimal | None = self.cleaned_data.get("state_rate")
        if rate is None:
            return Decimal(0)
        if rate < 0 or rate > 20:
            raise forms.ValidationError("Between 0 and 20 (percent).")
        return rate / 100

    def _amount(self, name: str) -> Decimal:
        value: Decimal | None = self.cleaned_data.get(name)
        if value is None:
            return Decimal(0)
        if value < 0:
            raise forms.ValidationError("Must not be negative.")
        if value >= Decimal(10) ** 15:
            raise forms.ValidationError("Must be less than 10^15.")
        return value

    def clean_other_ordinary_income(self) -> Decimal:
        return self._amount("other_ordinary_income")

    def clean_carryforward_short(self) -> Decimal:
        return self._amount("carryforward_short")

    def clean_carryforward_long(self) -> Decimal:
        return self._amount("carryforward_long")
