"""Query-string filters of the ledger lists. Each is a serializer: it types the parameters in the schema
(`extend_schema(parameters=[...])`) and turns a bad value into a 400 naming the parameter."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.request import Request

from portfolios.api.schema import ID_SCHEMA
from portfolios.forms import TransactionFilterForm
from portfolios.models import Portfolio, Transaction, TransactionType
from taxes.models import Term

MAX_ID = ID_SCHEMA["maximum"]
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
TERMS = Term.choices


def _id(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


class QueryFilter(serializers.Serializer):
    """Query parameters, read and checked: a bad value is a 400 naming the parameter."""

    @classmethod
    def read(cls, request: Request) -> dict[str, Any]:
        given = {k: v for k, v in request.query_params.items() if k in cls._declared_fields}
        found = cls(data=given)
        found.is_valid(raise_exception=True)
        return dict(found.validated_data)


def _day(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise serializers.ValidationError(f"A day from {FIRST_DAY} to {LAST_DAY}.")


def day_field(help_text: str) -> serializers.DateField:
    return serializers.DateField(required=False, validators=[_day], help_text=f"{help_text} (YYYY-MM-DD)")


class TransactionFilter(QueryFilter):
    """The Transactions page's filters; dates are days in your time zone, both ends included."""

    account = _id("an account id: its transactions, transfers into it included")
    asset = _id("an asset id: transactions of it, as the asset or the counter-asset")
    type = serializers.ChoiceField(choices=TransactionType.choices, required=False)
    date_from = day_field("from this day (in your time zone)")
    date_to = day_field("up to and including this day")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError({"date_to": "The end date is before the start date."})
        return attrs


def transactions_filtered(
    qs: QuerySet[Transaction], *, request: Request, portfolio: Portfolio
) -> QuerySet[Transaction]:
    """The Transactions page's filters; the days are bounded by the page's own form."""
    chosen = TransactionFilter.read(request)
    if "account" in chosen:
        qs = qs.filter(Q(account_id=chosen["account"]) | Q(to_account_id=chosen["account"]))
    if "asset" in chosen:
        qs = qs.filter(Q(asset_id=chosen["asset"]) | Q(counter_asset_id=chosen["asset"]))
    if "type" in chosen:
        qs = qs.filter(type=chosen["type"])
    days = {k: chosen[k].isoformat() for k in ("date_from", "date_to") if k in chosen}
    if days:
        form = TransactionFilterForm(days, portfolio=portfolio, tz=portfolio.owner.tzinfo)
        form.is_valid()
        start, end = form.utc_range()
        if start:
            qs = qs.filter(timestamp__gte=start)
        if end:
            qs = qs.filter(timestamp__lt=end)
    return qs


class LotFilter(QueryFilter):
    account = _id("an account id")
    asset = _id("an asset id")
    term = serializers.ChoiceField(
        choices=TERMS, required=False, help_text="long: held past a year today (in your time zone)"
    )


def lots_filtered(qs: QuerySet, *, request: Request, today: date) -> QuerySet:
    chosen = LotFilter.read(request)
    if "account" in chosen:
        qs = qs.filter(account_id=chosen["account"])
    if "asset" in chosen:
        qs = qs.filter(asset_id=chosen["asset"])
    if chosen.get("term") == "long":
        qs = qs.filter(Q(long_term_from__isnull=True) | Q(long_term_from__lte=today))
    elif chosen.get("term") == "short":
        qs = qs.filter(long_term_from__gt=today)
    return qs


class DisposalFilter(QueryFilter):
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=9999, help_text="tax year of the sale"
    )
    account = _id("an account id")
    asset = _id("an asset id")
    term = serializers.ChoiceField(choices=TERMS, required=False)


def disposals_filtered(qs: QuerySet, *, request: Request) -> QuerySet:
    chosen = DisposalFilter.read(request)
    if "year" in chosen:
        qs = qs.filter(disposed__year=chosen["year"])
    if "account" in chosen:
        qs = qs.filter(account_id=chosen["account"])
    if "asset" in chosen:
        qs = qs.filter(asset_id=chosen["asset"])
    if "term" in chosen:
        qs = qs.filter(term=chosen["term"])
    return qs
