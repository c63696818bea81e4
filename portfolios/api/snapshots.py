"""A portfolio's latest snapshot (what the workers computed: values, weights against the target, open lots
with their unrealized gains, income, price freshness) and its daily value history. Read as stored; nothing
here computes. The data's description: portfolios/SNAPSHOT_SCHEMA.md."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.api.fields import decimal_map, decimal_text
from portfolios.api.filters import QueryFilter, day_field
from portfolios.api.pagination import PAGE_PARAMETERS, ApiPagination, page_of
from portfolios.api.schema import PORTFOLIO_ID
from portfolios.decimals import exact_text
from portfolios.models import Portfolio, ValuePoint
from portfolios.selectors import snapshot_latest
from portfolios.sharing import readable_portfolios
from taxes.models import Term


class TotalsByTermSerializer(serializers.Serializer):
    short = decimal_text()
    long = decimal_text()
    total = decimal_text()


class DayChangeSerializer(serializers.Serializer):
    value = decimal_text()
    pct = decimal_text(null=True, help_text="a fraction: 0.0123 is 1.23%")


class SnapshotAssetSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField()
    symbol = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    asset_class = serializers.CharField()
    quantity = decimal_text()
    price = decimal_text(null=True)
    price_at = serializers.CharField(allow_null=True, help_text="ISO 8601 time of the price")
    price_source = serializers.CharField(allow_null=True)
    price_status = serializers.ChoiceField(choices=["ok", "stale", "missing"])
    price_entered = serializers.BooleanField(required=False, help_text="a price you entered")
    value = decimal_text(null=True, help_text="null: no usable price (never counted as zero)")
    cost_basis = decimal_text()
    unrealized = decimal_text(null=True)
    weight = decimal_text(null=True, help_text="fraction of the total value")
    target_weight = decimal_text(null=True)
    drift = decimal_text(null=True, help_text="weight - target_weight")
    band_low = decimal_text(null=True)
    band_high = decimal_text(null=True)
    outside_band = serializers.BooleanField()


class HoldingSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField()
    symbol = serializers.CharField()
    quantity = decimal_text()
    value = decimal_text(null=True)
    cost_basis = decimal_text()


class SnapshotAccountSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()
    name = serializers.CharField()
    tax_treatment = serializers.CharField()
    kind = serializers.CharField()
    value = decimal_text()
    cost_basis = decimal_text()
    unrealized = decimal_text()
    has_missing_prices = serializers.BooleanField()
    holdings = HoldingSerializer(many=True)


class SnapshotLotSerializer(serializers.Serializer):
    lot_id = serializers.CharField()
    account_id = serializers.IntegerField()
    account = serializers.CharField()
    asset_id = serializers.IntegerField()
    symbol = serializers.CharField()
    acquired = serializers.DateField()
    quantity = decimal_text()
    basis = decimal_text()
    value = decimal_text(null=True)
    unrealized = decimal_text(null=True)
    term = serializers.ChoiceField(choices=Term.choices)
    long_term_from = serializers.DateField(allow_null=True)
    days_to_long_term = serializers.IntegerField(allow_null=True)


class IncomeMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    total = decimal_text()
    by_kind = decimal_map()


class IncomeSerializer(serializers.Serializer):
    total = decimal_text()
    by_kind = decimal_map(help_text="staking, interest, …")
    by_month = IncomeMonthSerializer(many=True)


class PricesSerializer(serializers.Serializer):
    oldest_at = serializers.CharField(allow_null=True, help_text="the oldest feed price used (ISO 8601)")
    missing = serializers.ListField(child=serializers.CharField(), help_text="held symbols without a price")
    stale = serializers.ListField(child=serializers.CharField())
    offline = serializers.BooleanField(help_text="valued at the bundled (synthetic) demo prices")
    notice = serializers.CharField(allow_blank=True)
    entered = serializers.ListField(child=serializers.CharField(), required=False)
    entered_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class SnapshotTargetSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    band_absolute = decimal_text(null=True)
    band_relative = decimal_text(null=True)
    band_floor = decimal_text(null=True, required=False)


class LedgerStateSerializer(serializers.Serializer):
    computed_at = serializers.CharField(allow_null=True, help_text="when the lots were computed")
    error = serializers.CharField(allow_blank=True, help_text="why the ledger could not be computed")


class SnapshotDataSerializer(serializers.Serializer):
    as_of = serializers.CharField()
    total_value = decimal_text(help_text="priced holdings only")
    cost_basis = decimal_text()
    unrealized = TotalsByTermSerializer()
    day_change = DayChangeSerializer(allow_null=True)
    assets = SnapshotAssetSerializer(many=True)
    accounts = SnapshotAccountSerializer(many=True)
    lots = SnapshotLotSerializer(many=True)
    income = IncomeSerializer()
    prices = PricesSerializer()
    target = SnapshotTargetSerializer(allow_null=True)
    ledger = LedgerStateSerializer()


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateTimeField()
    computed_at = serializers.DateTimeField()
    total_value = decimal_text()
    cost_basis = decimal_text()
    unrealized_gain = decimal_text()
    oldest_price_at = serializers.DateTimeField(allow_null=True)
    has_missing_prices = serializers.BooleanField()
    has_stale_prices = serializers.BooleanField()
    data = SnapshotDataSerializer()  # type: ignore[assignment]


class ValuePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = decimal_text()
    cost_basis = decimal_text()
    net_deposits = decimal_text(help_text="cash put in less cash taken out, to this day")


class HistoryFilter(QueryFilter):
    date_from = day_field("from this day")
    date_to = day_field("up to and including this day")


def _portfolio(request: Request, portfolio_id: int) -> Portfolio:
    # The owner's, or one shared with the user (these are reads).
    portfolio = readable_portfolios(user=request.user).filter(pk=portfolio_id).first()  # type: ignore[arg-type]
    if portfolio is None:
        raise NotFound("No such portfolio.")
    return portfolio


@extend_schema(
    operation_id="portfolios_snapshot_retrieve",
    parameters=[PORTFOLIO_ID],
    responses={200: SnapshotSerializer},
    description="The latest snapshot; 404 until the workers computed the first one.",
)
@api_view(["GET"])
def snapshot(request: Request, portfolio_id: int) -> Response:
    latest = snapshot_latest(portfolio=_portfolio(request, portfolio_id))
    if latest is None:
        raise NotFound("This portfolio has no snapshot yet: its values are being computed.")
    return Response(
        SnapshotSerializer(
            {
                "id": latest.pk,
                "as_of": latest.as_of,
                "computed_at": latest.computed_at,
                "total_value": exact_text(latest.total_value),
                "cost_basis": exact_text(latest.cost_basis),
                "unrealized_gain": exact_text(latest.unrealized_gain),
                "oldest_price_at": latest.oldest_price_at,
                "has_missing_prices": latest.has_missing_prices,
                "has_stale_prices": latest.has_stale_prices,
                "data": latest.data or {},
            }
        ).data
    )


@extend_schema(
    operation_id="portfolios_history_list",
    parameters=[PORTFOLIO_ID, HistoryFilter, *PAGE_PARAMETERS],
    responses={200: page_of(ValuePointSerializer(many=True), "ValuePoint")},
    description="The portfolio's value, cost basis and net deposits day by day, oldest first.",
)
@api_view(["GET"])
def history(request: Request, portfolio_id: int) -> Response:
    portfolio = _portfolio(request, portfolio_id)
    chosen = HistoryFilter.read(request)
    points = ValuePoint.objects.filter(portfolio=portfolio).order_by("date")
    if "date_from" in chosen:
        points = points.filter(date__gte=chosen["date_from"])
    if "date_to" in chosen:
        points = points.filter(date__lte=chosen["date_to"])
    paginator = ApiPagination()
    page = paginator.paginate_queryset(points, request) or []
    rows = [
        {
            "date": p.date,
            "value": exact_text(p.value),
            "cost_basis": exact_text(p.cost_basis),
            "net_deposits": exact_text(p.net_deposits),
        }
        for p in page
    ]
    return paginator.get_paginated_response(ValuePointSerializer(rows, many=True).data)
