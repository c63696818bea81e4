"""The year-end tax summary as plain data: what every download (JSON, CSV, PDF, TXF) and the page print.

Amounts are exact Decimals. A form prints each row rounded to cents and totals the printed rows, so the
rows carry their printed figures too, and the box totals and Schedule D come from those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from taxes.rules import ScheduleD, TaxEstimate

ZERO = Decimal(0)
CENT = Decimal("0.01")
FILING_STATUS_LABELS = {
    "single": "Single",
    "mfj": "Married filing jointly",
    "mfs": "Married filing separately",
    "hoh": "Head of household",
}


def printed(value: Decimal) -> Decimal:
    """The amount as a form prints it: rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Form8949Row:
    """One line of Form 8949. Columns: (a) description, (b) acquired, (c) sold, (d) proceeds, (e) cost,
    (f) code, (g) adjustment, (h) gain or loss."""

    box: str
    part: str  # short (Part I) or long (Part II)
    description: str
    acquired: date
    sold: date
    proceeds: Decimal
    cost: Decimal
    code: str
    adjustment: Decimal
    gain: Decimal
    portfolio: str
    account: str
    asset: str
    quantity: Decimal
    is_digital_asset: bool
    # As printed: each amount rounded to the cent, and (h) = (d) - (e) + (g) of those, so each line adds up.
    printed_proceeds: Decimal = field(init=False)
    printed_cost: Decimal = field(init=False)
    printed_adjustment: Decimal = field(init=False)
    printed_gain: Decimal = field(init=False)

    def __post_init__(self) -> None:
        proceeds, cost, adjustment = printed(self.proceeds), printed(self.cost), printed(self.adjustment)
        object.__setattr__(self, "printed_proceeds", proceeds)
        object.__setattr__(self, "printed_cost", cost)
        object.__setattr__(self, "printed_adjustment", adjustment)
        object.__setattr__(self, "printed_gain", proceeds - cost + adjustment)


@dataclass
class Totals:
    rows: int = 0
    proceeds: Decimal = ZERO
    cost: Decimal = ZERO
    adjustment: Decimal = ZERO
    gain: Decimal = ZERO

    def add(self, proceeds: Decimal, cost: Decimal, adjustment: Decimal, gain: Decimal) -> None:
        self.rows += 1
        self.proceeds += proceeds
        self.cost += cost
        self.adjustment += adjustment
        self.gain += gain


@dataclass
class BoxTotals:
    """A Form 8949 box and the Schedule D line its totals go to. `printed` sums the printed rows (what the
    forms carry); `exact` sums the exact amounts (JSON keeps them)."""

    box: str
    part: str
    schedule_d_line: str
    printed: Totals = field(default_factory=Totals)
    exact: Totals = field(default_factory=Totals)


@dataclass(frozen=True)
class GivenAway:
    """A donation or a gift sent: no gain realized. A donation's deduction is the fair value when held
    long-term, else the lesser of basis and fair value."""

    kind: str
    date: date
    account: str
    asset: str
    quantity: Decimal
    basis: Decimal
    fair_value: Decimal
    term: str
    deduction: Decimal


@dataclass(frozen=True)
class MovedOut:
    """Assets leaving a tax-advantaged account: a distribution (into a taxable account) or a conversion
    (traditional to Roth: ordinary income at the fair value)."""

    kind: str
    date: date
    account: str
    asset: str
    quantity: Decimal
    value: Decimal


@dataclass(frozen=True)
class ProfileUsed:
    filing_status: str
    other_ordinary_income: Decimal
    state: str
    state_rate: Decimal
    assumed: bool  # no profile was entered for the year: single, no other income, no state tax

    @property
    def filing_status_label(self) -> str:
        return FILING_STATUS_LABELS.get(self.filing_status, self.filing_status)


@dataclass
class YearSummary:
    owner: str
    year: int
    portfolio: str | None  # a view of one portfolio; None for the whole return
    rows: list[Form8949Row]
    boxes: list[BoxTotals]
    schedule_d: ScheduleD
    carryover_source: str
    income_by_kind: dict[str, Decimal]
    income_by_month: dict[str, Decimal]
    income_total: Decimal
    investment_income: Decimal
    given_away: list[GivenAway]
    moved_out: list[MovedOut]
    conversions_total: Decimal
    estimate: TaxEstimate
    state_estimate: Decimal
    profile: ProfileUsed
    basis_methods: dict[str, str]
    price_sources: list[str]
    computed_at: datetime | None
    generated_at: datetime
    version: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def donation_deduction(self) -> Decimal:
        return sum((g.deduction for g in self.given_away if g.kind == "donation"), ZERO)

    @property
    def has_digital_asset_boxes(self) -> bool:
        return any(b.box in "GHIJKL" for b in self.boxes)

    def box(self, letter: str) -> BoxTotals | None:
        return next((b for b in self.boxes if b.box == letter), None)
