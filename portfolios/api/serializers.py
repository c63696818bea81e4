from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolios.assets import AssetError, asset_lookup, assets_visible, parse_asset_label
from portfolios.fields import MAX_DIGITS, QUANTITY_PLACES
from portfolios.models import Account, Asset, Portfolio, Transaction, TransactionType
from portfolios.models.ledger import LEDGER_FIELDS
from portfolios.transaction_checks import MAX_ID
from taxes.models import Disposal, TaxLot

# Lone UTF-16 surrogates: JSON can carry them ("\ud800"), but no database or response can hold them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
NOT_TEXT = "Holds a character that is not valid text (an unpaired surrogate such as \\ud800)."


def amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=QUANTITY_PLACES, **kwargs)


def _has_surrogate(value: Any) -> bool:
    """Whether a JSON value holds a lone surrogate anywhere (looked through without recursion: JSON
    nests as deep as the parser allows)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


class TextOnly(serializers.Serializer):
    """Refuses a value holding a lone surrogate, naming its field, before any field reads it: a field's
    own message would repeat the value, and no response could encode it."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            bad = {str(k): [NOT_TEXT] for k, v in data.items() if k in self.fields and _has_surrogate(v)}
            if bad:
                raise serializers.ValidationError(bad)
        return super().to_internal_value(data)


class PortfolioSerializer(TextOnly, serializers.ModelSerializer):
    shared_by = serializers.SerializerMethodField(
        help_text="The owner's username when the portfolio is shared with you read-only; empty for your own."
    )

    class Meta:
        model = Portfolio
        fields = ["id", "name", "wash_sale_crypto", "created_at", "shared_by"]
        read_only_fields = ["id", "created_at", "shared_by"]
        # Uniqueness per owner is the service's check, with its own message.
        validators: list[Any] = []

    def get_shared_by(self, portfolio: Portfolio) -> str:
        request = self.context.get("request")
        user_id = getattr(getattr(request, "user", None), "pk", None)
        return "" if portfolio.owner_id == user_id else portfolio.owner.username


class AccountSerializer(TextOnly, serializers.ModelSerializer):
    """The kind fixes the tax treatment (read-only here); the basis method is the opening standing order."""

    class Meta:
        model = Account
        fields = ["id", "name", "custodian", "tax_treatment", "kind", "basis_method", "reporting"]
        read_only_fields = ["id", "tax_treatment"]
        validators: list[Any] = []


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "description": 'The symbol ("BTC"); the symbol and its class where the symbol names more than one '
        'asset ("T (stock)"), or for a symbol outside the catalogue ("XYZ (crypto)"); or the asset\'s id.',
        "example": "BTC",
    }
)
class AssetField(serializers.Field):
    """An asset the portfolio's owner sees, written as its symbol when that names one asset, else with its
    class; an id is accepted too. A catalogue symbol not stored yet is looked up here and stored by the
    view with the transaction."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portfolio: Portfolio | None = None

    def _owner_id(self) -> int | None:
        return self.portfolio.owner_id if self.portfolio is not None else None

    def _ambiguous(self) -> set[str]:
        # Once per response, whatever the number of rows.
        root = self.root
        found: set[str] | None = getattr(root, "_ambiguous_symbols", None)
        if found is None:
            found = set(
                assets_visible(user=self._owner_id())
                .order_by()
                .values("symbol")
                .annotate(classes=Count("asset_class", distinct=True))
                .filter(classes__gt=1)
                .values_list("symbol", flat=True)
            )
            root._ambiguous_symbols = found  # type: ignore[attr-defined]
        return found

    def to_representation(self, value: Asset) -> str:
        return value.label if value.symbol in self._ambiguous() else value.symbol

    def to_internal_value(self, data: Any) -> Asset:
        if self.portfolio is None:
            raise serializers.ValidationError("No portfolio to find assets for.")
        if isinstance(data, bool) or not isinstance(data, int | str):
            raise serializers.ValidationError('Expected a symbol ("BTC", "T (stock)") or an asset id.')
        visible = assets_visible(user=self._owner_id())
        text = str(data).strip()
        if isinstance(data, int) or (text.isdigit() and not visible.filter(symbol=text).exists()):
            found = visible.filter(pk=int(text)).first() if len(text) < 19 else None
            if found is None:
                raise serializers.ValidationError(f"No asset with id {text}.")
            return found
        symbol, asset_class = parse_asset_label(text)
        try:
            return asset_lookup(user=self.portfolio.owner, symbol=symbol, asset_class=asset_class)
        except AssetError as exc:
            hint = ""
            if exc.kind == "ambiguous":
                hint = f" Send {' or '.join(repr(label) for label in exc.choices)}, or the asset's id."
            elif exc.kind == "unknown":
                hint = (
                    f" Send it with its class, e.g. '{symbol.upper()} (crypto)'; the new asset is visible "
                    "to you only."
                )
            raise serializers.ValidationError(exc.message + hint) from exc


class LotPickSerializer(serializers.Serializer):
    # The LotPick row's foreign key, read and written as the plain id.
    origin = serializers.IntegerField(
        source="origin_id",
        min_value=1,
        max_value=MAX_ID,
        help_text="id of the transaction that created the lot",
    )
    quantity = amount()


class TransactionSerializer(TextOnly, serializers.ModelSerializer):
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
        for name in ("asset", "counter_asset"):
            field = self.fields[name]
            if isinstance(field, AssetField):
                field.portfolio = portfolio


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
