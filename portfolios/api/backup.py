"""/api/export/ and /api/restore/: the requester's whole account as JSON, and such a document restored
into the requester's empty account. Only ever the requester's own data: there is no user parameter."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios.api.errors import service_errors
from portfolios.backup import FORMAT, VERSION, account_export, account_is_empty, account_restore

RESTORED = inline_serializer(
    "RestoreSummary",
    {
        name: serializers.IntegerField()
        for name in ("portfolios", "accounts", "transactions", "lots", "tax_profiles", "owner_prices")
    },
)

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
        responses={200: OpenApiTypes.OBJECT},
        description="The requester's portfolios, accounts, ledger, targets, policies, tax profiles and "
        'entered prices as one "lotwise-export" document (version 1).',
    )
    def get(self, request: Request) -> Response:
        return Response(account_export(user=request.user))  # type: ignore[arg-type]


class AccountRestoreView(APIView):
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
        request=OpenApiTypes.OBJECT,
        responses={201: RESTORED, 400: OpenApiTypes.OBJECT},
        description="Restore an export into the requester's empty account, all or nothing. A refusal "
        "names the JSON path of the problem.",
    )
    def post(self, request: Request) -> Response:
        with service_errors():
            summary = account_restore(user=request.user, data=request.data)  # type: ignore[arg-type]
        return Response(asdict(summary), status=status.HTTP_201_CREATED)
