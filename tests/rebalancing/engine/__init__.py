"""Tests of the pure rebalancing engine, with small builders shared by the test modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rebalancing.engine import (
    Account,
    Asset,
    Lot,
    Policy,
    Proposal,
    RebalanceRequest,
    Side,
    Target,
    TaxTreatment,
    Trade,
)

D = Decimal
AS_OF = date(2025, 6, 2)
LONG_AGO = date(2020, 1, 15)  # lots acquired then are long-term on AS_OF
TAXABLE, TAXABLE2, ROTH, TRAD, COLD = 1, 2, 3, 4, 5
BTC, ETH, SOL, ADA, VTI, BND = 1, 2, 3, 4, 5, 6

ASSETS = {
    BTC: Asset(BTC, "BTC"),
    ETH: Asset(ETH, "ETH"),
    SOL: Asset(SOL, "SOL"),
    ADA: Asset(ADA, "ADA"),
    VTI: Asset(VTI, "VTI", security=True),
    BND: Asset(BND, "BND", security=True),
}
ACCOUNTS = {
    TAXABLE: Account(TAXABLE, TaxTreatment.TAXABLE, name="Brokerage"),
    TAXABLE2: Account(TAXABLE2, TaxTreatment.TAXABLE, name="Exchange"),
    ROTH: Account(ROTH, TaxTreatment.TAX_FREE, name="Roth IRA"),
    TRAD: Account(TRAD, TaxTreatment.TAX_DEFERRED, name="Traditional IRA"),
    COLD: Account(COLD, TaxTreatment.TAXABLE, tradable=False, name="Cold wallet"),
}


def lot(
    lot_id: str,
    asset: int,
    quantity: str | int,
    basis: str | int,
    *,
    account: int = TAXABLE,
    acquired: date = LONG_AGO,
) -> Lot:
    """A lot; it turns long-term the day after its first anniversary (good enough away from Feb 29)."""
    long_term_from = date(acquired.year + 1, acquired.month, acquired.day) + timedelta(days=1)
    return Lot(lot_id, account, asset, D(quantity), D(basis), acquired, long_term_from)


def request(
    lots: Sequence[Lot],
    prices: Mapping[int, str | int],
    weights: Mapping[int, str],
    *,
    accounts: Sequence[Account] | None = None,
    policy: Policy | None = None,
    **extra: Any,
) -> RebalanceRequest:
    used = {x.asset for x in lots} | set(weights)
    if accounts is None:
        accounts = [ACCOUNTS[k] for k in sorted({x.account for x in lots} | {TAXABLE})]
    return RebalanceRequest(
        as_of=extra.pop("as_of", AS_OF),
        accounts=accounts,
        assets=[ASSETS[a] for a in sorted(used)],
        lots=lots,
        prices={a: D(p) for a, p in prices.items()},
        target=Target(assets={a: D(w) for a, w in weights.items()}),
        policy=policy or Policy(),
        **extra,
    )


def trades_of(proposal: Proposal) -> set[tuple[int, int, Side, Decimal]]:
    """(account, asset, side, value) of every trade, trailing zeros dropped."""
    return {(t.account, t.asset, t.side, t.value.normalize()) for t in proposal.trades}


def sells(proposal: Proposal) -> list[Trade]:
    return [t for t in proposal.trades if t.side is Side.SELL]


def buys(proposal: Proposal) -> list[Trade]:
    return [t for t in proposal.trades if t.side is Side.BUY]
