"""JSON API. Every query starts from the requesting user's portfolios, so other users' ids are 404."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction as db_transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios import account_services
from portfolios.api.errors import service_errors
from portfolios.api.filters import (
    DisposalFilter,
    LotFilter,
    TransactionFilter,
    disposals_filtered,
    lots_filtered,
    transactions_filtered,
)
from portfolios.api.parsers import PARSERS
from portfolios.api.schema import ID_PATTERN, PORTFOLIO_ID, with_object_id
from portfolios.api.serializers import (
    AccountSerializer,
    DisposalSerializer,
    PortfolioSerializer,
    TaxLotSerializer,
    TransactionSerializer,
)
from portfolios.assets import asset_save
from portfolios.models import Account, Portfolio, Transaction
from portfolios.services import TransactionData, transaction_delete, transaction_record, transaction_update
from portfolios.sharing import READ_METHODS, portfolio_readable, readable_portfolios
from taxes.models import Disposal, TaxLot


def _portfolio_for_user(request: Request, portfolio_id: int) -> Portfolio:
    """The user's own portfolio, or one shared with them for reading (a write to it is a 403)."""
    try:
        return portfolio_readable(
            user=request.user,  # type: ignore[arg-type]
            pk=portfolio_id,
            method=request.method or "GET",
            queryset=Portfolio.objects.select_related("owner"),
        )
    except Portfolio.DoesNotExist as exc:
        raise NotFound("No such portfolio.") from exc


@with_object_id("retrieve", "update", "partial_update", "destroy")
class PortfolioViewSet(viewsets.ModelViewSet):
    """The user's portfolios: create, rename or switch crypto wash sales, delete (with everything in it)."""

    serializer_class = PortfolioSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):  # type: ignore[no-untyped-def]
        # Portfolios shared with the user are listed and read; only the owner changes or deletes one.
        if self.request.method in READ_METHODS:
            return readable_portfolios(user=self.request.user).select_related("owner")  # type: ignore[arg-type]
        return Portfolio.objects.filter(owner_id=self.request.user.pk)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with service_errors():
            serializer.instance = account_services.portfolio_create(
                owner=self.request.user,  # type: ignore[arg-type]
                name=serializer.validated_data["name"],
            )
            if serializer.validated_data.get("wash_sale_crypto"):
                account_services.portfolio_update(
                    portfolio=serializer.instance, name=serializer.instance.name, wash_sale_crypto=True
                )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        portfolio: Portfolio = serializer.instance  # type: ignore[assignment]
        data = serializer.validated_data
        with service_errors():
            account_services.portfolio_update(
                portfolio=portfolio,
                name=data.get("name", portfolio.name),
                wash_sale_crypto=data.get("wash_sale_crypto", portfolio.wash_sale_crypto),
            )

    def perform_destroy(self, instance: Portfolio) -> None:
        account_services.portfolio_delete(portfolio=instance)


class _PortfolioScoped(viewsets.GenericViewSet):
    """Everything below /api/portfolios/<id>/: the portfolio must be the requesting user's."""

    lookup_value_regex = ID_PATTERN

    @property
    def portfolio(self) -> Portfolio:
        if not hasattr(self, "_portfolio"):
            if getattr(self, "swagger_fake_view", False):
                # The schema generator builds the view without a request: a stand-in that matches nothing.
                self._portfolio = Portfolio(pk=0)
            else:
                self._portfolio = _portfolio_for_user(self.request, int(self.kwargs["portfolio_id"]))
        return self._portfolio


@extend_schema(parameters=[PORTFOLIO_ID])
@with_object_id("retrieve", "update", "partial_update", "destroy")
class AccountViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _PortfolioScoped,
):
    """Accounts of a portfolio, through the same services as the pages: the kind fixes the treatment, an
    account with transactions cannot be deleted, the opening basis method is fixed once lots have left."""

    serializer_class = AccountSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Account.objects.filter(portfolio=self.portfolio).select_related("portfolio__owner")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        with service_errors():
            serializer.instance = account_services.account_create(
                portfolio=self.portfolio,
                name=data["name"],
                kind=data.get("kind", "exchange"),
                basis_method=data.get("basis_method", "fifo"),
                reporting=data.get("reporting", "no_form"),
                custodian=data.get("custodian", ""),
            )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        account: Account = serializer.instance  # type: ignore[assignment]
        data = serializer.validated_data
        with service_errors():
            account_services.account_edit(
                account=account,
                name=data.get("name", account.name),
                kind=data.get("kind", account.kind),
                reporting=data.get("reporting", account.reporting),
                custodian=data.get("custodian", account.custodian),
                basis_method=data.get("basis_method", account.basis_method),
            )

    def perform_destroy(self, instance: Account) -> None:
        with service_errors():
            account_services.account_delete(account=instance)


@extend_schema(parameters=[PORTFOLIO_ID])
@extend_schema_view(list=extend_schema(parameters=[TransactionFilter]))
@with_object_id("retrieve", "update", "partial_update", "destroy")
class TransactionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _PortfolioScoped,
):
    serializer_class = TransactionSerializer
    parser_classes = PARSERS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            Transaction.objects.filter(portfolio=self.portfolio)
            .select_related("asset", "counter_asset")
            .prefetch_related("lot_picks")
            .order_by("timestamp", "id")
        )

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return queryset
        return transactions_filtered(queryset, request=self.request, portfolio=self.portfolio)

    def get_serializer(self, *args: Any, **kwargs: Any) -> TransactionSerializer:
        kwargs.setdefault("context", self.get_serializer_context())
        return TransactionSerializer(*args, portfolio=self.portfolio, **kwargs)

    @staticmethod
    def _data(validated: dict[str, Any]) -> TransactionData:
        """Called inside the write's transaction: an asset first named here is stored with it."""
        picks = tuple((p["origin_id"], p["quantity"]) for p in validated.pop("lot_picks", []))
        for name in ("asset", "counter_asset"):
            if validated.get(name) is not None:
                validated[name] = asset_save(validated[name])
        return TransactionData(**validated, lot_picks=picks)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The answer is built inside the write's transaction: if it cannot be, nothing was saved, so a
        # client that retries after an error never duplicates the transaction.
        with service_errors(), db_transaction.atomic():
            tx = transaction_record(
                portfolio=self.portfolio, data=self._data(dict(serializer.validated_data))
            )
            body = self.get_serializer(tx).data
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tx = self.get_object()
        # PATCH: the stored transaction filled in with what was sent, then validated as a whole.
        payload = request.data
        if kwargs.get("partial"):
            if not isinstance(payload, Mapping):
                raise serializers.ValidationError(
                    {"non_field_errors": [f"Expected an object of fields, not {type(payload).__name__}."]}
                )
            payload = {**self.get_serializer(tx).data, **payload}
        serializer = self.get_serializer(tx, data=payload)
        serializer.is_valid(raise_exception=True)
        merged = dict(serializer.validated_data)
        with service_errors(), db_transaction.atomic():
            tx = transaction_update(tx=tx, data=self._data(merged))
            body = self.get_serializer(tx).data
        return Response(body)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tx = self.get_object()
        with service_errors():
            transaction_delete(tx=tx)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[PORTFOLIO_ID])
@extend_schema_view(list=extend_schema(parameters=[LotFilter]))
@with_object_id("retrieve")
class TaxLotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _PortfolioScoped):
    serializer_class = TaxLotSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            TaxLot.objects.filter(portfolio=self.portfolio).select_related("account", "asset").order_by("id")
        )

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return queryset
        today = timezone.now().astimezone(self.portfolio.owner.tzinfo).date()
        return lots_filtered(queryset, request=self.request, today=today)


@extend_schema(parameters=[PORTFOLIO_ID])
@extend_schema_view(list=extend_schema(parameters=[DisposalFilter]))
@with_object_id("retrieve")
class DisposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _PortfolioScoped):
    serializer_class = DisposalSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = Disposal.objects.filter(portfolio=self.portfolio).select_related("account", "asset")
        return qs.order_by("disposed", "event_timestamp", "transaction_id", "id")

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return queryset
        return disposals_filtered(queryset, request=self.request)
