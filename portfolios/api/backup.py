"""/api/export/ and /api/restore/: the requester's whole account as JSON, and such a document restored
into the requester's empty account. Only ever the requester's own data: there is no user parameter."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios.api.errors import service_errors
from portfolios.api.parsers import JSONParser
from portfolios.backup import FORMAT, VERSION, account_export, account_is_empty, account_restore

RESTORED = inline_serializer(
    "RestoreSummary",
    {
        name: serializers.IntegerField()
        for name in ("portfolios", "accounts", "transactions", "lots", "tax_profiles", "owner_prices")
    },
)


class ExportUserSerializer(serializers.Serializer):
    timezone = serializers.CharField()


class ExportPortfolioSerializer(serializers.Serializer):
    name = serializers.CharField()
    wash_sale_crypto = serializers.BooleanField()
    accounts = serializers.ListField(child=serializers.DictField(), help_text="name, kind, basis method…")
    transactions = serializers.ListField(
        child=serializers.DictField(), help_text="the ledger, each with its `ref` for lot picks"
    )
    target = serializers.DictField(allow_null=True, help_text="weights and their versions")
    policy = serializers.DictField(allow_null=True)


class ExportSerializer(serializers.Serializer):
    """A "lotwise-export" document: what you entered, nothing computed (lots are recomputed on restore)."""

    format = serializers.CharField(help_text='"lotwise-export"')
    version = serializers.IntegerField()
    exported_at = serializers.DateTimeField()
    user = ExportUserSerializer()
    portfolios = ExportPortfolioSerializer(many=True)
    tax_profiles = serializers.ListField(child=serializers.DictField())
    owner_prices = serializers.ListField(child=serializers.DictField(), help_text="prices you entered")


READY = inline_serializer(
    "RestoreStatus",
    {
        "format": serializers.CharField(),
        "version": serializers.IntegerField(),
        "account_empty": serializers.BooleanField(),
    },
)


class AccountExportView(APIView):
    @extend_schema(
        operation_id="account_export",
        responses={200: ExportSerializer},
        description="The requester's portfolios, accounts, ledger, targets, policies, tax profiles and "
        'entered prices as one "lotwise-export" document (version 1).',
    )
    def get(self, request: Request) -> Response:
        return Response(account_export(user=request.user))  # type: ignore[arg-type]


class AccountRestoreView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="account_restore_status",
        responses={200: READY},
        description="Whether the requester's account is empty, and so can take a restore, and which "
        "format and version a restore reads.",
    )
    def get(self, request: Request) -> Response:
        empty = account_is_empty(user=request.user)  # type: ignore[arg-type]
        return Response({"format": FORMAT, "version": VERSION, "account_empty": empty})

    @extend_schema(
        operation_id="account_restore",
        request=ExportSerializer,
        responses={201: RESTORED},
        description="Restore an export into the requester's empty account, all or nothing. A refusal "
        "names the JSON path of the problem.",
    )
    def post(self, request: Request) -> Response:
        with service_errors():
            summary = account_restore(user=request.user, data=request.data)  # type: ignore[arg-type]
        return Response(asdict(summary), status=status.HTTP_201_CREATED)
