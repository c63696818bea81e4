"""Access helpers: every object is looked up through its owner, so another user's ids are a 404."""

from __future__ import annotations

from typing import cast

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from portfolios.models import Portfolio, User
from rebalancing.models import RebalanceProposal


def user_of(request: HttpRequest) -> User:
    return cast(User, request.user)


def _get_portfolio_for_user(request: HttpRequest, portfolio_id: int) -> Portfolio:
    return get_object_or_404(
        Portfolio.objects.select_related("owner"), pk=portfolio_id, owner=user_of(request)
    )


def _get_proposal_for_user(request: HttpRequest, portfolio_id: int, proposal_id: int) -> RebalanceProposal:
    try:
        return RebalanceProposal.objects.select_related("portfolio", "portfolio__owner").get(
            pk=proposal_id, portfolio_id=portfolio_id, portfolio__owner=user_of(request)
        )
    except RebalanceProposal.DoesNotExist as exc:
        raise Http404("No such proposal.") from exc
