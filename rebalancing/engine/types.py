"""Value types of the rebalancing engine: frozen inputs, frozen outputs, and its error. No Django.

Money, quantities, prices, weights and taxes are `Decimal` everywhere here. Weights are fractions (0.25 =
25%) of the holdings plus the cash above the reserve; cash is held per account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)
_Date = date  # for annotations inside classes that have a field named `date`


class RebalanceError(ValueError):
    """Input the engine cannot turn into a proposal, with the field at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class TaxTreatment(StrEnum):
    TAXABLE = "taxable"
    TAX_DEFERRED = "tax_deferred"  # traditional IRA, 401(k)
    TAX_FREE = "tax_free"  # Roth IRA, Roth 401(k), HSA


class Term(StrEnum):
    SHORT = "short"
    LONG = "long"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class TradeTo(StrEnum):
    TARGET = "target"  # once a band is breached, every weight goes back to its target
    BAND_EDGE = "band_edge"  # only as far as needed: a breaching weight stops at its band's edge


class Method(StrEnum):
    OPTIMISER = "optimiser"
    GREEDY = "greedy"
    NONE = "none"  # nothing to do (inside the bands) or nothing possible


class FlagCode(StrEnum):
    INSIDE_BANDS = "inside_bands"
    BANDS_UNMET = "bands_unmet"
    LONG_TERM_SOON = "long_term_soon"
    WASH_SALE_BUY = "wash_sale_buy"
    WASH_SALE_BLOCKED = "wash_sale_blocked"
    NETTING = "netting"
    CASH_LEFT = "cash_left"


# --- inputs --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """One account (or wallet). `cash` is its uninvested cash before the proposal.

    `tradable=False` marks an account where nothing can be bought or sold (cold storage, a plan the owner
    does not trade); its lots still count in the weights. `buyable` limits what can be bought there
    (None: anything).
    """

    id: int
    treatment: TaxTreatment = TaxTreatment.TAXABLE
    cash: Decimal = ZERO
    tradable: bool = True
    buyable: frozenset[int] | None = None
    name: str = ""

    @property
    def taxable(self) -> bool:
        return self.treatment is TaxTreatment.TAXABLE

    @property
    def label(self) -> str:
        return self.name or f"account {self.id}"


@dataclass(frozen=True, slots=True)
class Asset:
    """An asset with a price. `security` says the wash-sale rule applies (stocks, ETFs; crypto only when
    the owner models the proposed law). `quantity_step` is the smallest tradable unit (1 for whole shares)."""

    id: int
    symbol: str
    security: bool = False
    quantity_step: Decimal = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Lot:
    """An open tax lot. `basis` is the total basis of `quantity`; `long_term_from` is the first date a sale is
    long-term (None: long-term from the start, e.g. inherited property)."""

    lot_id: str
    account: int
    asset: int
    quantity: Decimal
    basis: Decimal
    acquired: date
    long_term_from: date | None


@dataclass(frozen=True, slots=True)
class Target:
    """Target weights over assets, or over asset classes with each asset's exposure to them.

    Exactly one of `assets` and `classes` is given; each sums to exactly 1. With classes, every asset held or
    bought needs `exposures[asset]` (class -> fraction, summing to 1), e.g. a fund that is 90% developed and
    10% emerging markets. An asset held but missing from `assets` has target weight 0.
    """

    assets: Mapping[int, Decimal] = field(default_factory=dict)
    classes: Mapping[str, Decimal] = field(default_factory=dict)
    exposures: Mapping[int, Mapping[str, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Costs:
    """Trading costs in one account: a fee of `fee_bps` of the value plus `fee_fixed` per trade, and an
    estimated slippage of `slippage_bps` of the value."""

    fee_bps: Decimal = ZERO
    fee_fixed: Decimal = ZERO
    slippage_bps: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class TaxRates:
    """The owner's marginal rates on short-term (ordinary) and long-term gains, and how much net capital
    loss may offset ordinary income in a year ($1,500 when married filing separately)."""

    short: Decimal = Decimal("0.24")
    long: Decimal = Decimal("0.15")
    loss_offset_limit: Decimal = Decimal(3000)


@dataclass(frozen=True, slots=True)
class Policy:
    """Bands and trading rules.

    Bands (half-widths as fractions): `band_absolute` (±pp) and/or `band_relative` (± share of the target);
    with both, the narrower holds. `band_floor` makes a hybrid band: the wider of the relative band and the
    floor (it cannot be combined with `band_absolute`). With no band at all every drift is a breach, which is
    what a purely calendar-driven rebalance wants.
    """

    band_absolute: Decimal | None = Decimal("0.05")
    band_relative: Decimal | None = Decimal("0.25")
    band_floor: Decimal | None = None
    trade_to: TradeTo = TradeTo.TARGET
    min_trade: Decimal = ZERO  # smallest trade value worth placing
    cash_reserve: Decimal = (
        ZERO  # cash across the tradable accounts that buys never spend (sells do not refill it)
    )
    costs: Costs = Costs()
    account_costs: Mapping[int, Costs] = field(default_factory=dict)  # per-account overrides of `costs`
    buy_only: bool = False  # cash-flow rebalancing only: never sell
    tax_rates: TaxRates = TaxRates()

    def costs_for(self, account: int) -> Costs:
        return self.account_costs.get(account, self.costs)


@dataclass(frozen=True, slots=True)
class RealizedGains:
    """Net gains already realized this tax year in taxable accounts (negative for a net loss)."""

    short_term: Decimal = ZERO
    long_term: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class RecentTrade:
    """A purchase, or a sale at a loss, of `asset` in any of the owner's accounts (IRAs included) near
    `as_of`; `loss` is the loss realized by a loss sale (a positive number), when known."""

    asset: int
    date: _Date
    account: int | None = None
    loss: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RebalanceRequest:
    """Everything the engine needs; `as_of` is the trade date (the engine never reads the clock).

    `cash_flow` is a contribution (+) or withdrawal (-) through `cash_flow_account` (default: the first
    tradable taxable account, else the first tradable one). `prices` must cover every asset held or targeted.
    Cash-class holdings (USD, a money-market sweep) belong in `Account.cash`, not among the lots.
    `recent_purchases` and `recent_loss_sales` cover all of the owner's accounts; lots acquired within 30
    days count as purchases too.
    """

    as_of: _Date
    accounts: Sequence[Account]
    assets: Sequence[Asset]
    lots: Sequence[Lot]
    prices: Mapping[int, Decimal]
    target: Target
    policy: Policy = Policy()
    cash_flow: Decimal = ZERO
    cash_flow_account: int | None = None
    realized: RealizedGains = RealizedGains()
    recent_purchases: Sequence[RecentTrade] = ()
    recent_loss_sales: Sequence[RecentTrade] = ()
    time_limit: float = 2.0  # seconds each solver run may take (a solver limit, not money)


# --- outputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotSale:
    """The part of one lot a sell takes. `gain` = proceeds - basis; `estimated_tax` = gain x the term's rate
    in a taxable account (negative for a loss), 0 elsewhere."""

    lot_id: str
    quantity: Decimal
    basis: Decimal
    proceeds: Decimal
    gain: Decimal
    term: Term
    acquired: date
    long_term_from: date | None
    estimated_tax: Decimal


@dataclass(frozen=True, slots=True)
class Trade:
    """One proposed order. `value` = quantity x price (to the cent); `fee` and `slippage` are estimates in
    money; `estimated_tax` is the sum over `lots` (sells only)."""

    account: int
    asset: int
    side: Side
    quantity: Decimal
    price: Decimal
    value: Decimal
    fee: Decimal
    slippage: Decimal
    estimated_tax: Decimal
    lots: tuple[LotSale, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Band:
    target: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the owner should read before accepting: a warning or a plain explanation."""

    code: FlagCode
    message: str
    asset: int | None = None
    account: int | None = None
    lot_id: str | None = None
    date: _Date | None = None
    amount: Decimal | None = None
    bucket: str | None = None  # the asset class, for class targets


@dataclass(frozen=True, slots=True)
class Totals:
    """`estimated_tax` is the change in this year's tax after netting the proposal's gains and losses with
    `RebalanceRequest.realized` (it can be negative); `tax_and_cost` is what the optimiser minimises:
    max(0, estimated_tax) + fees + slippage. `band_shortfall` is the value still outside the bands and
    `target_gap` the value still away from the target (each summed over the assets or classes)."""

    turnover: Decimal = ZERO
    bought: Decimal = ZERO
    sold: Decimal = ZERO
    estimated_tax: Decimal = ZERO
    fees: Decimal = ZERO
    slippage: Decimal = ZERO
    tax_and_cost: Decimal = ZERO
    band_shortfall: Decimal = ZERO
    target_gap: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Comparison:
    """How the proposal was chosen: the greedy baseline's totals, the optimiser's (None when it found no
    usable solution) and the solver's status text."""

    chosen: Method
    greedy: Totals
    optimiser: Totals | None
    optimiser_status: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """Suggested trades and what they would do. Weights (to 6 places) are fractions of the holdings plus the
    cash above the reserve in tradable accounts, so cash waiting to be invested shows as drift; `bands` is
    keyed by asset for asset targets, `class_bands` by class for class targets. `cash_before` is each
    account's cash before the cash flow, `cash_after` after it and the trades."""

    as_of: date
    trades: tuple[Trade, ...]
    reasons: tuple[str, ...]
    flags: tuple[Flag, ...]
    weights_before: dict[int, Decimal]
    weights_after: dict[int, Decimal]
    bands: dict[int, Band]
    class_weights_before: dict[str, Decimal]
    class_weights_after: dict[str, Decimal]
    class_bands: dict[str, Band]
    cash_before: dict[int, Decimal]
    cash_after: dict[int, Decimal]
    totals: Totals
    bands_met: bool
    method: Method
    comparison: Comparison | None = None

    @property
    def empty(self) -> bool:
        return not self.trades
