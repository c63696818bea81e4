"""The rebalancing API's bodies: what a client sends (checked here, then by the services) and what it gets
back (the services' JSON, every amount an exact decimal string, assets by symbol)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from portfolios.api.fields import DecimalText, decimal_map, decimal_text
from portfolios.api.schema import ID_SCHEMA
from portfolios.api.serializers import TextOnly
from portfolios.decimals import exact_text
from rebalancing.models import BandMode, Calendar, ProposalKind, ProposalStatus, TargetModel, TradeTo
from taxes.models import Term

ZERO, ONE = Decimal(0), Decimal(1)
MAX_USD = Decimal(10) ** 15


def number(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=40, decimal_places=18, **kwargs)


# --- target ----------------------------------------------------------------------------------------------


class TargetSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="0: no target yet; each change is a new version")
    name = serializers.CharField(allow_null=True)
    model = serializers.ChoiceField(choices=TargetModel.choices, allow_null=True)
    weights = decimal_map(help_text="symbol -> weight (a fraction; they sum to exactly 1)")
    asset_ids = serializers.DictField(child=serializers.IntegerField(), help_text="symbol -> asset id")


class TargetUpdateSerializer(TextOnly, serializers.Serializer):
    weights = serializers.DictField(
        child=number(min_value=ZERO, max_value=ONE),
        help_text='asset id -> weight, a fraction: {"12": "0.6", "15": "0.4"}; they sum to exactly 1',
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_weights(self, value: dict[str, Decimal]) -> dict[int, Decimal]:
        weights = {}
        for key, weight in value.items():
            if not key.isdigit() or len(key) > 18:
                raise serializers.ValidationError(f"{key[:40]!r} is not an asset id.")
            weights[int(key)] = weight
        return weights


# --- policy ----------------------------------------------------------------------------------------------


class AccountCostsSerializer(serializers.Serializer):
    fee_bps = number(required=False, min_value=ZERO, max_value=Decimal(10_000))
    fee_fixed = number(required=False, min_value=ZERO, max_value=MAX_USD)
    slippage_bps = number(required=False, min_value=ZERO, max_value=Decimal(10_000))


class AccountCostsTextSerializer(serializers.Serializer):
    fee_bps = decimal_text(required=False)
    fee_fixed = decimal_text(required=False)
    slippage_bps = decimal_text(required=False)


class PolicySerializer(serializers.Serializer):
    band_mode = serializers.ChoiceField(choices=BandMode.choices)
    band_floor = decimal_text(null=True, help_text="hybrid bands: the narrowest half-width (0.02 = ±2 pp)")
    threshold_check = serializers.BooleanField()
    calendar = serializers.ChoiceField(choices=Calendar.choices, allow_blank=True)
    trade_to = serializers.ChoiceField(choices=TradeTo.choices)
    min_trade = decimal_text(help_text="USD")
    cash_reserve = decimal_text(help_text="USD")
    fee_bps = decimal_text()
    fee_fixed = decimal_text(help_text="USD per trade")
    slippage_bps = decimal_text()
    account_costs = serializers.DictField(
        child=AccountCostsTextSerializer(), help_text="account id -> its own costs"
    )
    buy_only = serializers.BooleanField()
    short_rate = decimal_text(help_text="used when you have no tax profile for the year")
    long_rate = decimal_text()
    band_absolute = decimal_text(null=True, help_text="± points as a fraction (0.05 = 5 pp)")
    band_relative = decimal_text(null=True, help_text="± share of the target (0.25 = 25%)")


class PolicyUpdateSerializer(TextOnly, serializers.Serializer):
    """Only the fields sent change."""

    band_mode = serializers.ChoiceField(choices=BandMode.choices, required=False)
    band_floor = number(required=False, allow_null=True, min_value=ZERO, max_value=ONE)
    threshold_check = serializers.BooleanField(required=False)
    calendar = serializers.ChoiceField(choices=Calendar.choices, allow_blank=True, required=False)
    trade_to = serializers.ChoiceField(choices=TradeTo.choices, required=False)
    min_trade = number(required=False, min_value=ZERO, max_value=MAX_USD)
    cash_reserve = number(required=False, min_value=ZERO, max_value=MAX_USD)
    fee_bps = number(required=False, min_value=ZERO, max_value=Decimal(10_000))
    fee_fixed = number(required=False, min_value=ZERO, max_value=MAX_USD)
    slippage_bps = number(required=False, min_value=ZERO, max_value=Decimal(10_000))
    account_costs = serializers.DictField(child=AccountCostsSerializer(), required=False)
    buy_only = serializers.BooleanField(required=False)
    short_rate = number(required=False, min_value=ZERO, max_value=ONE)
    long_rate = number(required=False, min_value=ZERO, max_value=ONE)
    band_absolute = number(required=False, allow_null=True, min_value=ZERO, max_value=ONE)
    band_relative = number(required=False, allow_null=True, min_value=ZERO, max_value=ONE)

    def __init__(self, *args: Any, account_ids: set[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_ids = account_ids or set()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(k)[:40] for k in data if k not in self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate_account_costs(self, value: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, str]]:
        for key in value:
            if not (key.isdigit() and len(key) <= 18 and int(key) in self.account_ids):
                raise serializers.ValidationError(
                    f"{key[:40]!r} is not the id of one of this portfolio's accounts."
                )
        return {
            key: {name: exact_text(amount) for name, amount in costs.items()} for key, costs in value.items()
        }


# --- proposals -------------------------------------------------------------------------------------------


class ProposalLotSerializer(serializers.Serializer):
    lot = serializers.CharField()
    quantity = decimal_text()
    basis = decimal_text()
    gain = decimal_text()
    term = serializers.ChoiceField(choices=Term.choices)
    long_term_from = serializers.DateField(allow_null=True)


class ProposedTradeSerializer(serializers.Serializer):
    account = serializers.CharField()
    asset = serializers.CharField()
    side = serializers.ChoiceField(choices=["buy", "sell"])
    quantity = decimal_text()
    price = decimal_text()
    value = decimal_text()
    fee = decimal_text()
    estimated_tax = decimal_text()
    lots = ProposalLotSerializer(many=True, help_text="the lots a sale takes, in order")


class ProposalTotalsSerializer(serializers.Serializer):
    turnover = decimal_text()
    estimated_tax = decimal_text()
    fees = decimal_text()


class ProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProposalStatus.choices)
    kind = serializers.ChoiceField(choices=ProposalKind.choices)
    created = serializers.DateTimeField()
    reasons = serializers.ListField(child=serializers.CharField())
    trades = ProposedTradeSerializer(many=True)
    weights_before = decimal_map(help_text="symbol -> weight")
    weights_after = decimal_map()
    bands = serializers.DictField(
        child=serializers.ListField(child=DecimalText(allow_null=True), min_length=2, max_length=2),
        help_text="symbol -> [low, high]",
    )
    totals = ProposalTotalsSerializer()


class ProposalCreateSerializer(TextOnly, serializers.Serializer):
    contribution = number(
        required=False,
        allow_null=True,
        min_value=-MAX_USD,
        max_value=MAX_USD,
        help_text="USD of new cash to invest; negative for a withdrawal",
    )


class ExecutionSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=0, help_text="the trade's place in the proposal's `trades`")
    quantity = number(required=False, min_value=ZERO, max_value=MAX_USD, help_text='"0": not placed')
    price = number(required=False, min_value=ZERO, max_value=MAX_USD)
    fee = number(required=False, min_value=ZERO, max_value=MAX_USD)


class AcceptSerializer(TextOnly, serializers.Serializer):
    trades = ExecutionSerializer(
        many=True, required=False, help_text="what was executed; a trade left out is taken as proposed"
    )


class HarvestLotSerializer(serializers.Serializer):
    lot = serializers.CharField(
        max_length=250, help_text='a lot id from the harvest list, or "lot id@account id"'
    )
    quantity = number(
        required=False,
        allow_null=True,
        min_value=ZERO,
        max_value=MAX_USD,
        help_text="part of the lot; the whole lot when left out",
    )


class HarvestCreateSerializer(TextOnly, serializers.Serializer):
    lots = HarvestLotSerializer(many=True)
    rebuy_asset = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=ID_SCHEMA["maximum"],
        help_text="id of one of your assets to buy with the proceeds",
    )

    def validate_lots(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value:
            raise serializers.ValidationError("Name at least one loss lot to harvest.")
        return value
