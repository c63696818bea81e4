from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from portfolios.fields import MAX_DIGITS, QUANTITY_PLACES
from portfolios.models import Account, Asset, Portfolio, Transaction, TransactionType
from portfolios.models.ledger import LEDGER_FIELDS
from taxes.models import Disposal, TaxLot


def amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=QUANTITY_PLACES, **kwargs)


class PortfolioSerializer(serializers.ModelSerializer):
    class Meta:
        model = Portfolio
        fields = ["id", "name", "wash_sale_crypto", "created_at"]


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "name", "custodian", "tax_treatment", "kind", "basis_method"]


class AssetField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="symbol", queryset=Asset.objects.all(), **kwargs)


class LotPickSerializer(serializers.Serializer):
    # The LotPick row's foreign key, read and written as the plain id.
    origin = serializers.IntegerField(
        source="origin_id", help_text="id of the transaction that created the lot"
    )
    quantity = amount()


class TransactionSerializer(serializers.ModelSerializer):
    """Amounts are exact decimal strings. Writes go through the ledger services (which recompute lots)."""

    asset = AssetField(required=False, allow_null=True)
    counter_asset = AssetField(required=False, allow_null=True)
    quantity = amount()
    unit_price = amount(required=False, allow_null=True)
    fee = amount(required=False, default=Decimal(0))
    counter_quantity = amount(required=False, allow_null=True)
    cost_basis = amount(required=False, allow_null=True)
    type = serializers.ChoiceField(choices=TransactionType.choices)
    lot_picks = LotPickSerializer(many=True, required=False)

    class Meta:
        model = Transaction
        fields = ["id", *LEDGER_FIELDS]
        read_only_fields = ["id"]

    def __init__(self, *args: Any, portfolio: Portfolio | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = Account.objects.filter(portfolio=portfolio) if portfolio else Account.objects.none()
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["to_account"].queryset = accounts  # type: ignore[attr-defined]


class TaxLotSerializer(serializers.ModelSerializer):
    asset = serializers.CharField(source="asset.symbol")
    account = serializers.CharField(source="account.name")
    account_id = serializers.IntegerField()
    origin = serializers.IntegerField(source="origin_id")
    quantity = amount()
    basis = amount()
    wash_adjustment = amount()

    class Meta:
        model = TaxLot
        fields = [
            "lot_id",
            "origin",
            "account_id",
            "account",
            "asset",
            "quantity",
            "basis",
            "acquired",
            "received",
            "long_term_from",
            "wash_adjustment",
        ]


class DisposalSerializer(serializers.ModelSerializer):
    asset = serializers.CharField(source="asset.symbol")
    account = serializers.CharField(source="account.name")
    quantity = amount()
    proceeds = amount()
    basis = amount()
    gain = amount()
    wash_disallowed = amount()

    class Meta:
        model = Disposal
        fields = [
            "transaction",
            "kind",
            "account",
            "asset",
            "lot_id",
            "quantity",
            "acquired",
            "disposed",
            "proceeds",
            "basis",
            "wash_disallowed",
            "gain",
            "term",
            "taxable",
        ]
