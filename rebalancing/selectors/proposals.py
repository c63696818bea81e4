"""Reads of proposals: the pending one, lists, the review page's rows and the API's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portfolios.decimals import exact_text
from portfolios.models import Asset, Portfolio, User
from rebalancing.models import ProposalStatus, ProposedTrade, RebalanceProposal

ZERO = Decimal(0)


def proposal_pending(*, portfolio: Portfolio) -> RebalanceProposal | None:
    return (
        RebalanceProposal.objects.filter(portfolio=portfolio, status=ProposalStatus.PENDING)
        .order_by("-created_at", "-id")
        .first()
    )


def proposal_list(*, portfolio: Portfolio) -> list[RebalanceProposal]:
    return list(RebalanceProposal.objects.filter(portfolio=portfolio).order_by("-created_at", "-id"))


def proposal_for_user(*, user: User, portfolio_id: int, proposal_id: int) -> RebalanceProposal:
    """Raises RebalanceProposal.DoesNotExist for another owner's proposal, exactly as for a missing one."""
    return RebalanceProposal.objects.select_related("portfolio").get(
        pk=proposal_id, portfolio_id=portfolio_id, portfolio__owner=user
    )


def proposal_trades(proposal: RebalanceProposal) -> list[ProposedTrade]:
    return list(proposal.trades.select_related("account", "asset").order_by("position"))


def _symbols(proposal: RebalanceProposal) -> dict[str, str]:
    ids: set[str] = set(proposal.weights_before) | set(proposal.weights_after) | set(proposal.bands)
    rows = Asset.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()]).values_list("pk", "symbol")
    return {str(pk): symbol for pk, symbol in rows}


@dataclass(frozen=True)
class AllocationRow:
    asset_id: int
    symbol: str
    before: str | None
    after: str | None
    target: str | None
    low: str | None
    high: str | None

    @property
    def outside_before(self) -> bool:
        return _outside(self.before, self.low, self.high)

    @property
    def outside_after(self) -> bool:
        return _outside(self.after, self.low, self.high)


def _outside(weight: str | None, low: str | None, high: str | None) -> bool:
    if weight is None or low is None or high is None:
        return False
    return not Decimal(low) <= Decimal(weight) <= Decimal(high)


def allocation_rows(proposal: RebalanceProposal) -> list[AllocationRow]:
    symbols = _symbols(proposal)
    keys = sorted(
        set(proposal.weights_before) | set(proposal.weights_after),
        key=lambda k: (-Decimal(proposal.targets.get(k) or 0), symbols.get(k, k)),
    )
    rows = []
    for key in keys:
        band = proposal.bands.get(key) or [None, None]
        rows.append(
            AllocationRow(
                asset_id=int(key),
                symbol=symbols.get(key, key),
                before=proposal.weights_before.get(key),
                after=proposal.weights_after.get(key),
                target=proposal.targets.get(key),
                low=band[0],
                high=band[1],
            )
        )
    return rows


def proposal_json(proposal: RebalanceProposal, trades: list[ProposedTrade] | None = None) -> dict[str, Any]:
    """The API's and the command's shape; every amount an exact decimal string, assets by symbol."""
    trades = proposal_trades(proposal) if trades is None else trades
    symbols = _symbols(proposal)
    totals = proposal.totals or {}
    return {
        "id": proposal.pk,
        "status": proposal.status,
        "kind": proposal.kind,
        "created": proposal.created_at.isoformat(),
        "reasons": list(proposal.reasons),
        "trades": [
            {
                "account": t.account.name,
                "asset": t.asset.symbol,
                "side": t.side,
                "quantity": exact_text(t.quantity),
                "price": exact_text(t.price),
                "value": exact_text(t.value),
                "fee": exact_text(t.fee),
                "estimated_tax": exact_text(t.estimated_tax),
                "lots": [
                    {
                        "lot": lot["lot"],
                        "quantity": lot["quantity"],
                        "basis": lot["basis"],
                        "gain": lot["gain"],
                        "term": lot["term"],
                        "long_term_from": lot["long_term_from"],
                    }
                    for lot in t.lots
                ],
            }
            for t in trades
        ],
        "weights_before": {symbols.get(k, k): w for k, w in proposal.weights_before.items()},
        "weights_after": {symbols.get(k, k): w for k, w in proposal.weights_after.items()},
        "bands": {symbols.get(k, k): list(b) for k, b in proposal.bands.items()},
        "totals": {
            "turnover": totals.get("turnover", "0"),
            "estimated_tax": totals.get("estimated_tax", "0"),
            "fees": totals.get("fees", "0"),
        },
    }
