"""Rebalancing by API, owner-only: target, policy, proposals (list, detail, create, accept, dismiss).
Every query starts from the requesting user's portfolios, so other users' ids are 404; the same services
as the pages do the work."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.api.errors import service_errors
from portfolios.decimals import exact_text
from portfolios.models import Portfolio
from rebalancing import selectors
from rebalancing.models import RebalanceProposal
from rebalancing.services import Execution, proposal_accept, proposal_create, proposal_dismiss
from rebalancing.target_services import POLICY_FIELDS, policy_update, target_set

DECIMAL_POLICY = (
    "band_floor",
    "min_trade",
    "cash_reserve",
    "fee_bps",
    "fee_fixed",
    "slippage_bps",
    "short_rate",
    "long_rate",
)


def _portfolio(request: Request, portfolio_id: int) -> Portfolio:
    return get_object_or_404(
        Portfolio.objects.select_related("owner"), pk=portfolio_id, owner_id=request.user.pk
    )


def _proposal(request: Request, portfolio_id: int, proposal_id: int) -> RebalanceProposal:
    return get_object_or_404(
        RebalanceProposal.objects.select_related("portfolio"),
        pk=proposal_id,
        portfolio_id=portfolio_id,
        portfolio__owner_id=request.user.pk,
    )


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise serializers.ValidationError({name: "Not a decimal number."}) from exc
    if not number.is_finite():
        raise serializers.ValidationError({name: "Not a decimal number."})
    return number


def _target_json(portfolio: Portfolio) -> dict[str, Any]:
    target = selectors.target_of(portfolio)
    if target is None:
        return {"version": 0, "name": None, "model": None, "weights": {}}
    rows = target.weights.select_related("asset")
    return {
        "version": target.version,
        "name": target.name,
        "model": target.model,
        "weights": {r.asset.symbol: exact_text(r.weight) for r in rows},
        "asset_ids": {r.asset.symbol: r.asset_id for r in rows},
    }


@extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
@api_view(["GET", "PUT"])
def target(request: Request, portfolio_id: int) -> Response:
    """GET the target; PUT {"weights": {"<asset id>": "0.25", ...}} (fractions summing to exactly 1)."""
    portfolio = _portfolio(request, portfolio_id)
    if request.method == "PUT":
        raw = request.data.get("weights")
        if not isinstance(raw, dict):
            raise serializers.ValidationError({"weights": "An object of asset id -> weight (a fraction)."})
        weights = {}
        for key, value in raw.items():
            if not str(key).isdigit():
                raise serializers.ValidationError({"weights": f"{key!r} is not an asset id."})
            weights[int(key)] = _decimal(value, "weights")
        with service_errors():
            target_set(portfolio=portfolio, weights=weights, name=request.data.get("name") or None)
    return Response(_target_json(portfolio))


def _policy_json(portfolio: Portfolio) -> dict[str, Any]:
    policy = selectors.policy_of(portfolio)
    target = selectors.target_of(portfolio)
    out: dict[str, Any] = {}
    for name in POLICY_FIELDS:
        value = getattr(policy, name)
        out[name] = exact_text(value) if isinstance(value, Decimal) else value
    out["band_absolute"] = (
        exact_text(target.band_absolute) if target and target.band_absolute is not None else None
    )
    out["band_relative"] = (
        exact_text(target.band_relative) if target and target.band_relative is not None else None
    )
    return out


@extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
@api_view(["GET", "PUT"])
def policy(request: Request, portfolio_id: int) -> Response:
    portfolio = _portfolio(request, portfolio_id)
    if request.method == "PUT":
        changes: dict[str, Any] = {}
        for name, value in request.data.items():
            if name not in (*POLICY_FIELDS, "band_absolute", "band_relative"):
                raise serializers.ValidationError({name: "Unknown field."})
            if name in (*DECIMAL_POLICY, "band_absolute", "band_relative") and value is not None:
                value = _decimal(value, name)
            changes[name] = value
        with service_errors():
            policy_update(portfolio=portfolio, **changes)
    return Response(_policy_json(portfolio))


@extend_schema(
    methods=["GET"], operation_id="portfolios_proposals_list", responses={200: OpenApiTypes.OBJECT}
)
@extend_schema(
    methods=["POST"],
    operation_id="portfolios_proposals_create",
    request=OpenApiTypes.OBJECT,
    responses={201: OpenApiTypes.OBJECT},
)
@api_view(["GET", "POST"])
def proposals(request: Request, portfolio_id: int) -> Response:
    """GET the list; POST {"contribution": "1000"} (optional; negative for a withdrawal) to ask for one."""
    portfolio = _portfolio(request, portfolio_id)
    if request.method == "POST":
        amount = _decimal(request.data.get("contribution") or "0", "contribution")
        with service_errors():
            proposal = proposal_create(portfolio=portfolio, contribution=amount)
        return Response(selectors.proposal_json(proposal), status=status.HTTP_201_CREATED)
    return Response([selectors.proposal_json(p) for p in selectors.proposal_list(portfolio=portfolio)])


@extend_schema(operation_id="portfolios_proposals_retrieve", responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def proposal_detail(request: Request, portfolio_id: int, proposal_id: int) -> Response:
    return Response(selectors.proposal_json(_proposal(request, portfolio_id, proposal_id)))


@extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
def proposal_accept_api(request: Request, portfolio_id: int, proposal_id: int) -> Response:
    """{"trades": [{"index": 0, "quantity": "...", "price": "...", "fee": "..."}]}: `index` is the trade's
    place in the proposal's `trades`; a trade left out is taken as proposed, quantity "0" as not placed."""
    proposal = _proposal(request, portfolio_id, proposal_id)
    trades = selectors.proposal_trades(proposal)
    given = request.data.get("trades")
    if given is None:
        given = []
    if not isinstance(given, list):
        raise serializers.ValidationError({"trades": "A list of executed trades."})
    by_index: dict[int, dict[str, Any]] = {}
    for item in given:
        index = item.get("index") if isinstance(item, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(trades):
            raise serializers.ValidationError({"trades": f"Each needs an index from 0 to {len(trades) - 1}."})
        by_index[index] = item
    executions = []
    for i, t in enumerate(trades):
        item = by_index.get(i, {})
        executions.append(
            Execution(
                t.pk,
                _decimal(item.get("quantity", t.quantity), "quantity"),
                _decimal(item.get("price", t.price), "price"),
                _decimal(item.get("fee", t.fee), "fee"),
            )
        )
    with service_errors():
        accepted = proposal_accept(proposal=proposal, executions=executions)
    return Response(selectors.proposal_json(accepted))


@extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
def proposal_dismiss_api(request: Request, portfolio_id: int, proposal_id: int) -> Response:
    proposal = _proposal(request, portfolio_id, proposal_id)
    with service_errors():
        dismissed = proposal_dismiss(proposal=proposal)
    return Response(selectors.proposal_json(dismissed))
