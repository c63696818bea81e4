"""JSON API. Every query starts from the requesting user's portfolios, so other users' ids are 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction as db_transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.api.serializers import (
    AccountSerializer,
    DisposalSerializer,
    PortfolioSerializer,
    TaxLotSerializer,
    TransactionSerializer,
)
from portfolios.models import Account, Portfolio, Transaction
from portfolios.services import TransactionData, transaction_delete, transaction_record, transaction_update
from taxes.models import Disposal, TaxLot


def _portfolio_for_user(request: Request, portfolio_id: int) -> Portfolio:
    return get_object_or_404(Portfolio, pk=portfolio_id, owner_id=request.user.pk)


def _as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class PortfolioViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PortfolioSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Portfolio.objects.filter(owner_id=self.request.user.pk)


class _PortfolioScoped(viewsets.GenericViewSet):
    """Everything below /api/portfolios/<id>/: the portfolio must be the requesting user's."""

    @property
    def portfolio(self) -> Portfolio:
        if not hasattr(self, "_portfolio"):
            self._portfolio = _portfolio_for_user(self.request, int(self.kwargs["portfolio_id"]))
        return self._portfolio


class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _PortfolioScoped):
    serializer_class = AccountSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Account.objects.filter(portfolio=self.portfolio)


@extend_schema(parameters=[OpenApiParameter("portfolio_id", int, OpenApiParameter.PATH)])
class TransactionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _PortfolioScoped,
):
    serializer_class = TransactionSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            Transaction.objects.filter(portfolio=self.portfolio)
            .select_related("asset", "counter_asset")
            .prefetch_related("lot_picks")
            .order_by("timestamp", "id")
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> TransactionSerializer:
        return TransactionSerializer(
            *args, portfolio=self.portfolio, context=self.get_serializer_context(), **kwargs
        )

    @staticmethod
    def _data(validated: dict[str, Any]) -> TransactionData:
        picks = tuple((p["origin_id"], p["quantity"]) for p in validated.pop("lot_picks", []))
        return TransactionData(**validated, lot_picks=picks)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The answer is built inside the write's transaction: if it cannot be, nothing was saved, so a
        # client that retries after an error never duplicates the transaction.
        try:
            with db_transaction.atomic():
                tx = transaction_record(
                    portfolio=self.portfolio, data=self._data(dict(serializer.validated_data))
                )
                body = self.get_serializer(tx).data
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tx = self.get_object()
        # PATCH: the stored transaction filled in with what was sent, then validated as a whole.
        payload = {**self.get_serializer(tx).data, **request.data} if kwargs.get("partial") else request.data
        serializer = self.get_serializer(tx, data=payload)
        serializer.is_valid(raise_exception=True)
        merged = dict(serializer.validated_data)
        try:
            with db_transaction.atomic():
                tx = transaction_update(tx=tx, data=self._data(merged))
                body = self.get_serializer(tx).data
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return Response(body)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tx = self.get_object()
        try:
            transaction_delete(tx=tx)
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaxLotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _PortfolioScoped):
    serializer_class = TaxLotSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            TaxLot.objects.filter(portfolio=self.portfolio).select_related("account", "asset").order_by("id")
        )


class DisposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _PortfolioScoped):
    serializer_class = DisposalSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = Disposal.objects.filter(portfolio=self.portfolio).select_related("account", "asset")
        year = self.request.query_params.get("year")
        if year and year.isdigit():
            qs = qs.filter(disposed__year=int(year))
        return qs.order_by("disposed", "event_timestamp", "transaction_id", "id")
