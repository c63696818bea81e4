"""Rebalancing by API, owner-only: target, policy, proposals (list, detail, create, accept, dismiss) and
tax-loss harvest proposals. Every query starts from the requesting user's portfolios, so other users' ids
are 404; the same services as the pages do the work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.api.errors import service_errors
from portfolios.api.pagination import PAGE_PARAMETERS, ApiPagination, page_of
from portfolios.api.parsers import JSONParser
from portfolios.api.schema import PORTFOLIO_ID, id_parameter
from portfolios.decimals import exact_text
from portfolios.models import Account, Portfolio
from rebalancing import selectors
from rebalancing.api.serializers import (
    AcceptSerializer,
    HarvestCreateSerializer,
    PolicySerializer,
    PolicyUpdateSerializer,
    ProposalCreateSerializer,
    ProposalSerializer,
    TargetSerializer,
    TargetUpdateSerializer,
)
from rebalancing.harvest import UnknownLot, harvest_proposal_create, rebuy_choices
from rebalancing.models import RebalanceProposal
from rebalancing.services import Execution, proposal_accept, proposal_create, proposal_dismiss
from rebalancing.target_services import POLICY_FIELDS, policy_update, target_set

PROPOSAL_ID = id_parameter("proposal_id", "a proposal of this portfolio")


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


def _given(serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any) -> dict[str, Any]:
    given = serializer_class(data=request.data, **kwargs)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def _target_json(portfolio: Portfolio) -> dict[str, Any]:
    target = selectors.target_of(portfolio)
    if target is None:
        return {"version": 0, "name": None, "model": None, "weights": {}, "asset_ids": {}}
    rows = target.weights.select_related("asset")
    return {
        "version": target.version,
        "name": target.name,
        "model": target.model,
        "weights": {r.asset.symbol: exact_text(r.weight) for r in rows},
        "asset_ids": {r.asset.symbol: r.asset_id for r in rows},
    }


@extend_schema(methods=["GET"], parameters=[PORTFOLIO_ID], responses={200: TargetSerializer})
@extend_schema(
    methods=["PUT"],
    parameters=[PORTFOLIO_ID],
    request=TargetUpdateSerializer,
    responses={200: TargetSerializer},
    description="Replace the weights (a new version of the target).",
)
@api_view(["GET", "PUT"])
@parser_classes([JSONParser])
def target(request: Request, portfolio_id: int) -> Response:
    """The target allocation: weights by asset, fractions summing to exactly 1."""
    portfolio = _portfolio(request, portfolio_id)
    if request.method == "PUT":
        given = _given(TargetUpdateSerializer, request)
        with service_errors():
            target_set(portfolio=portfolio, weights=given["weights"], name=given.get("name") or None)
    return Response(TargetSerializer(_target_json(portfolio)).data)


def _policy_json(portfolio: Portfolio) -> dict[str, Any]:
    policy = selectors.policy_of(portfolio)
    target = selectors.target_of(portfolio)
    out: dict[str, Any] = {}
    for name in POLICY_FIELDS:
        value = getattr(policy, name)
        out[name] = exact_text(value) if isinstance(value, Decimal) else value
    for name in ("band_absolute", "band_relative"):
        width = getattr(target, name) if target is not None else None
        out[name] = exact_text(width) if width is not None else None
    return out


@extend_schema(methods=["GET"], parameters=[PORTFOLIO_ID], responses={200: PolicySerializer})
@extend_schema(
    methods=["PUT"],
    parameters=[PORTFOLIO_ID],
    request=PolicyUpdateSerializer,
    responses={200: PolicySerializer},
    description="Change the fields sent; the others keep their values.",
)
@api_view(["GET", "PUT"])
@parser_classes([JSONParser])
def policy(request: Request, portfolio_id: int) -> Response:
    """How and when the portfolio is rebalanced: bands, checks, costs, tax rates."""
    portfolio = _portfolio(request, portfolio_id)
    if request.method == "PUT":
        accounts = set(Account.objects.filter(portfolio=portfolio).values_list("pk", flat=True))
        changes = _given(PolicyUpdateSerializer, request, account_ids=accounts)
        current = selectors.policy_of(portfolio)
        checks = changes.get("threshold_check", current.threshold_check)
        if not checks and not changes.get("calendar", current.calendar):
            raise serializers.ValidationError(
                {
                    "threshold_check": [
                        "Choose threshold checks, a calendar, or both: else nothing is checked."
                    ]
                }
            )
        with service_errors():
            policy_update(portfolio=portfolio, **changes)
    return Response(PolicySerializer(_policy_json(portfolio)).data)


def _proposal_json(proposal: RebalanceProposal) -> dict[str, Any]:
    return ProposalSerializer(selectors.proposal_json(proposal)).data


@extend_schema(
    methods=["GET"],
    operation_id="portfolios_proposals_list",
    parameters=[PORTFOLIO_ID, *PAGE_PARAMETERS],
    responses={200: page_of(ProposalSerializer(many=True), "Proposal")},
    description="The portfolio's proposals, newest first.",
)
@extend_schema(
    methods=["POST"],
    operation_id="portfolios_proposals_create",
    parameters=[PORTFOLIO_ID],
    request=ProposalCreateSerializer,
    responses={201: ProposalSerializer},
    description="Ask for a rebalancing proposal now, with new cash to invest (or a withdrawal).",
)
@api_view(["GET", "POST"])
@parser_classes([JSONParser])
def proposals(request: Request, portfolio_id: int) -> Response:
    portfolio = _portfolio(request, portfolio_id)
    if request.method == "POST":
        given = _given(ProposalCreateSerializer, request)
        with service_errors():
            proposal = proposal_create(
                portfolio=portfolio, contribution=given.get("contribution") or Decimal(0)
            )
        return Response(_proposal_json(proposal), status=status.HTTP_201_CREATED)
    paginator = ApiPagination()
    found = RebalanceProposal.objects.filter(portfolio=portfolio).order_by("-created_at", "-id")
    page = paginator.paginate_queryset(found, request) or []
    return paginator.get_paginated_response([_proposal_json(p) for p in page])


@extend_schema(
    operation_id="portfolios_proposals_retrieve",
    parameters=[PORTFOLIO_ID, PROPOSAL_ID],
    responses={200: ProposalSerializer},
)
@api_view(["GET"])
def proposal_detail(request: Request, portfolio_id: int, proposal_id: int) -> Response:
    return Response(_proposal_json(_proposal(request, portfolio_id, proposal_id)))


@extend_schema(
    parameters=[PORTFOLIO_ID, PROPOSAL_ID],
    request=AcceptSerializer,
    responses={200: ProposalSerializer},
    description="Record the trades you executed as transactions (sales take the proposed lots); "
    "quantities, prices and fees as executed. A trade left out is taken as proposed.",
)
@api_view(["POST"])
@parser_classes([JSONParser])
def proposal_accept_api(request: Request, portfolio_id: int, proposal_id: int) -> Response:
    proposal = _proposal(request, portfolio_id, proposal_id)
    trades = selectors.proposal_trades(proposal)
    given = _given(AcceptSerializer, request)
    by_index: dict[int, dict[str, Any]] = {}
    for item in given.get("trades") or []:
        if item["index"] >= len(trades):
            top = f"from 0 to {len(trades) - 1}" if trades else "none: this proposal has no trades"
            raise serializers.ValidationError({"trades": [f"Each needs an index {top}."]})
        by_index[item["index"]] = item
    executions = []
    for i, t in enumerate(trades):
        item = by_index.get(i, {})
        executions.append(
            Execution(
                t.pk, item.get("quantity", t.quantity), item.get("price", t.price), item.get("fee", t.fee)
            )
        )
    with service_errors():
        accepted = proposal_accept(proposal=proposal, executions=executions)
    return Response(_proposal_json(accepted))


@extend_schema(
    parameters=[PORTFOLIO_ID, PROPOSAL_ID],
    request=None,
    responses={200: ProposalSerializer},
    description="Dismiss a pending proposal.",
)
@api_view(["POST"])
def proposal_dismiss_api(request: Request, portfolio_id: int, proposal_id: int) -> Response:
    proposal = _proposal(request, portfolio_id, proposal_id)
    with service_errors():
        dismissed = proposal_dismiss(proposal=proposal)
    return Response(_proposal_json(dismissed))


@extend_schema(
    operation_id="portfolios_proposals_harvest_create",
    parameters=[PORTFOLIO_ID],
    request=HarvestCreateSerializer,
    responses={201: ProposalSerializer},
    description="A tax-loss harvest proposal selling these loss lots (from `GET /api/taxes/harvest/`) at "
    "the latest prices, and buying `rebuy_asset` with the proceeds; accept it like any proposal. "
    "Refused when a lot is not at a loss any more, or its wash-sale window is not clean.",
)
@api_view(["POST"])
@parser_classes([JSONParser])
def harvest_create(request: Request, portfolio_id: int) -> Response:
    portfolio = _portfolio(request, portfolio_id)
    given = _given(HarvestCreateSerializer, request)
    rebuy = None
    if given.get("rebuy_asset") is not None:
        rebuy = rebuy_choices(owner=portfolio.owner).filter(pk=given["rebuy_asset"]).first()
        if rebuy is None:
            raise serializers.ValidationError({"rebuy_asset": ["Not one of your assets."]})
    lots = [(item["lot"], item.get("quantity")) for item in given["lots"]]
    try:
        with service_errors():
            proposal = harvest_proposal_create(portfolio=portfolio, lots=lots, rebuy_asset=rebuy)
    except UnknownLot as exc:
        raise NotFound("No such lot among yours.") from exc
    return Response(_proposal_json(proposal), status=status.HTTP_201_CREATED)
