"""Forms of the rebalancing pages. They parse and check input; the services decide."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from portfolios.decimals import exact_text
from portfolios.models import Asset
from rebalancing.models import BandMode, Calendar, Policy, ProposedTrade, TargetModel, TradeTo

HUNDRED = Decimal(100)


def _decimal(**kw: Any) -> forms.DecimalField:
    return forms.DecimalField(max_digits=40, decimal_places=18, **kw)


class ContributionForm(forms.Form):
    contribution = _decimal(
        required=False,
        label="Contribution (+) or withdrawal (-), USD",
        help_text="New cash goes to underweight assets first; a withdrawal comes from overweight ones.",
    )

    def amount(self) -> Decimal:
        return self.cleaned_data.get("contribution") or Decimal(0)


class AcceptForm(forms.Form):
    """Executed quantity, price and fee per proposed trade, prefilled from the proposal."""

    def __init__(self, *args: Any, trades: Iterable[ProposedTrade], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trades = list(trades)
        for t in self.trades:
            self.fields[f"q-{t.pk}"] = _decimal(
                min_value=Decimal(0), initial=exact_text(t.quantity), label="Quantity"
            )
            self.fields[f"p-{t.pk}"] = _decimal(
                min_value=Decimal(0), initial=exact_text(t.price), label="Price"
            )
            self.fields[f"f-{t.pk}"] = _decimal(min_value=Decimal(0), initial=exact_text(t.fee), label="Fee")

    def rows(self) -> list[tuple[ProposedTrade, Any, Any, Any]]:
        return [(t, self[f"q-{t.pk}"], self[f"p-{t.pk}"], self[f"f-{t.pk}"]) for t in self.trades]

    def executions(self) -> list[tuple[int, Decimal, Decimal, Decimal]]:
        data = self.cleaned_data
        return [(t.pk, data[f"q-{t.pk}"], data[f"p-{t.pk}"], data[f"f-{t.pk}"]) for t in self.trades]


class TargetForm(forms.Form):
    """A row per asset with its weight in percent; the sum must be exactly 100."""

    name = forms.CharField(max_length=100, initial="Target allocation")

    def __init__(self, *args: Any, assets: Iterable[Any], weights: dict[int, Decimal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assets = list(assets)
        for a in self.assets:
            initial = weights.get(a.pk)
            self.fields[f"w-{a.pk}"] = _decimal(
                required=False,
                min_value=Decimal(0),
                max_value=HUNDRED,
                label=a.symbol,
                initial=None if initial is None else exact_text(initial * HUNDRED),
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [(a, self[f"w-{a.pk}"]) for a in self.assets]

    def weights(self) -> dict[int, Decimal]:
        out = {}
        for a in self.assets:
            value = self.cleaned_data.get(f"w-{a.pk}")
            if value:
                out[a.pk] = value / HUNDRED
        return out


class ModelForm(forms.Form):
    model = forms.ChoiceField(choices=[c for c in TargetModel.choices if c[0] != TargetModel.CUSTOM])
    top = forms.IntegerField(required=False, min_value=1, label="Top N by market cap")
    cap = _decimal(required=False, min_value=Decimal(0), max_value=HUNDRED, label="Cap per asset (%)")


class PolicyForm(forms.ModelForm):
    band_absolute = _decimal(required=False, min_value=Decimal(0), label="Absolute band (± points, %)")
    band_relative = _decimal(required=False, min_value=Decimal(0), label="Relative band (± % of target)")
    band_floor_pct = _decimal(required=False, min_value=Decimal(0), label="Hybrid floor (± points, %)")
    short_pct = _decimal(min_value=Decimal(0), max_value=HUNDRED, label="Short-term tax rate (%)")
    long_pct = _decimal(min_value=Decimal(0), max_value=HUNDRED, label="Long-term tax rate (%)")

    class Meta:
        model = Policy
        fields = [
            "band_mode",
            "threshold_check",
            "calendar",
            "trade_to",
            "min_trade",
            "cash_reserve",
            "fee_bps",
            "fee_fixed",
            "slippage_bps",
            "buy_only",
        ]
        widgets = {
            "band_mode": forms.Select(choices=BandMode.choices),
            "calendar": forms.Select(choices=Calendar.choices),
            "trade_to": forms.Select(choices=TradeTo.choices),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("threshold_check") and not data.get("calendar"):
            raise forms.ValidationError(
                "Choose threshold checks, a calendar, or both: else nothing is checked."
            )
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        out = {name: data[name] for name in self.Meta.fields}

        def frac(name: str) -> Decimal | None:
            value = data.get(name)
            return None if value is None else value / HUNDRED

        out["band_absolute"] = frac("band_absolute")
        out["band_relative"] = frac("band_relative")
        out["band_floor"] = frac("band_floor_pct")
        out["short_rate"] = frac("short_pct")
        out["long_rate"] = frac("long_pct")
        return out


class _AssetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # The bare symbol could name two assets (a stock and a coin).
        return str(obj.label)


class HarvestForm(forms.Form):
    """The harvesting page's choice: the ticked lots ("lot" values) and an optional replacement asset."""

    rebuy = _AssetChoice(queryset=Asset.objects.none(), required=False, label="Buy with the proceeds")

    def __init__(self, *args: Any, assets: QuerySet[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rebuy"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = assets

    def lots(self) -> list[tuple[str, Decimal | None]]:
        # The page sells a ticked lot whole; only a direct call to the service sells part of one.
        data = self.data
        keys = data.getlist("lot") if isinstance(data, QueryDict) else data.get("lot") or []
        return [(str(key), None) for key in keys if key]
