"""The checked, pre-computed form of a request (`Problem`) that the greedy baseline and the optimiser both
work from; `build.build_problem` makes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from enum import Enum
from typing import NamedTuple

from .types import (
    ZERO,
    Account,
    Asset,
    Costs,
    Lot,
    Policy,
    RecentTrade,
    Term,
    TradeTo,
)

WIDE = Context(prec=80, rounding=ROUND_HALF_EVEN)
ORDER = Context(prec=28)  # basis per unit only orders lots (ties beyond 28 digits do not matter)
MONEY = Decimal("0.01")
WEIGHT = Decimal("0.000001")
BPS = Decimal(10000)
WASH_WINDOW = timedelta(days=30)
LONG_TERM_SOON = timedelta(days=30)


class Stage(Enum):
    BUY_ONLY = "buy_only"  # cash-flow rebalancing with a contribution or spare cash: no sells
    SELL_ONLY = "sell_only"  # raising a withdrawal: no buys
    FULL = "full"


class LotView(NamedTuple):
    """A lot as of the trade date. `rank` is the greedy order: losses first, then long-term gains, short-term
    gains last, highest basis first within each."""

    lot: Lot
    quantity: Decimal
    term: Term
    unit_basis: Decimal
    gain: Decimal  # unrealized, at the price used
    blocked: bool  # a loss that would be a wash sale (security bought in the window, taxable account)
    rank: tuple[int, Decimal, date, str]


@dataclass(slots=True)
class Holding:
    """One asset in one account: its lots in acquisition order."""

    account: Account
    asset: Asset
    lots: list[LotView] = field(default_factory=list)
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    open_lots: list[LotView] = field(default_factory=list)  # what may be sold, in acquisition order
    open_quantity: Decimal = ZERO

    @property
    def key(self) -> tuple[int, int]:
        return (self.account.id, self.asset.id)

    def sellable(self) -> list[LotView]:
        return self.open_lots


@dataclass(frozen=True, slots=True)
class Bucket:
    """What a target weight is set on: one asset, or one asset class (exposure: asset -> share of its value)."""

    key: str
    asset: int | None
    label: str
    target: Decimal
    low: Decimal
    high: Decimal
    exposure: Mapping[int, Decimal]


@dataclass(slots=True)
class Problem:
    as_of: date
    policy: Policy
    accounts: dict[int, Account]
    assets: dict[int, Asset]
    asset_ids: list[int]
    prices: dict[int, Decimal]
    holdings: dict[tuple[int, int], Holding]
    values: dict[int, Decimal]
    invested: Decimal
    buckets: list[Bucket]
    class_mode: bool
    cash_before: dict[int, Decimal]
    cash: dict[int, Decimal]  # after the cash flow
    flow_account: int | None
    cash_flow: Decimal
    reserve: Decimal  # what buys must leave in cash across the tradable accounts
    spare_before: Decimal  # tradable cash above the reserve before the cash flow
    costs: dict[int, Costs]
    buy_blocked: dict[int, RecentTrade]
    bought_recently: dict[int, date]
    realized_short: Decimal
    realized_long: Decimal
    tolerance: Decimal  # value: what the finest trades and cent rounding cannot resolve
    time_limit: float

    @property
    def to_target(self) -> bool:
        return self.policy.trade_to is TradeTo.TARGET

    def tradable_cash(self) -> Decimal:
        return sum((c for k, c in self.cash.items() if self.accounts[k].tradable), ZERO)

    def investable(self) -> Decimal:
        """Cash the proposal may spend (negative: cash it has to raise)."""
        return self.tradable_cash() - self.reserve

    def raise_slack(self) -> Decimal:
        """How much more cash than needed trading may leave: the minimum trade and a step of every asset
        make exact amounts impossible."""
        return self.policy.min_trade + self.tolerance

    def scale(self) -> Decimal:
        return max(self.invested + abs(self.tradable_cash()), Decimal(1))

    def can_buy(self, account: int, asset: int) -> bool:
        acc = self.accounts[account]
        return acc.tradable and (acc.buyable is None or asset in acc.buyable)

    def cost_rate(self, account: int) -> Decimal:
        costs = self.costs[account]
        return (costs.fee_bps + costs.slippage_bps) / BPS

    def asset_holdings(self, asset: int) -> list[Holding]:
        return [h for h in self.holdings.values() if h.asset.id == asset]

    def bucket_value(self, bucket: Bucket, values: Mapping[int, Decimal]) -> Decimal:
        with localcontext(WIDE):
            return sum((share * values.get(a, ZERO) for a, share in bucket.exposure.items()), ZERO)

    def shortfall(self, bucket: Bucket, values: Mapping[int, Decimal], spare: Decimal) -> Decimal:
        """Value by which the bucket lies outside its band (0 inside; the edges are inside).

        Weights are shares of the holdings plus `spare`, the tradable cash above the reserve: cash waiting
        to be invested is part of the portfolio (with target 0), so selling into cash is never a way back
        to target."""
        with localcontext(WIDE):
            total = sum(values.values(), ZERO) + spare
            held = self.bucket_value(bucket, values)
            return max(ZERO, bucket.low * total - held, held - bucket.high * total)

    def outside(self, bucket: Bucket, values: Mapping[int, Decimal], spare: Decimal) -> bool:
        return self.shortfall(bucket, values, spare) > self.tolerance

    def raise_cap(self) -> Decimal:
        """Raising a withdrawal with sales alone: the most cash the tradable accounts may hold above the
        reserve afterwards (what they hold now where it is not short, and what rounding forces)."""
        held = sum((max(ZERO, c) for k, c in self.cash.items() if self.accounts[k].tradable), ZERO)
        return held - self.reserve + self.raise_slack()


def to_steps(quantity: Decimal, step: Decimal, rounding: str) -> Decimal:
    """`quantity` rounded to a whole number of `step`s."""
    with localcontext(WIDE):
        return (quantity / step).to_integral_value(rounding=rounding) * step
