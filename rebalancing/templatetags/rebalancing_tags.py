"""The dashboard's link to the pending proposal, read through this app's selectors."""

from __future__ import annotations

from django import template

from portfolios.models import Portfolio
from rebalancing.models import RebalanceProposal
from rebalancing.selectors import proposal_pending

register = template.Library()


@register.simple_tag
def pending_proposal(portfolio: Portfolio) -> RebalanceProposal | None:
    return proposal_pending(portfolio=portfolio)
