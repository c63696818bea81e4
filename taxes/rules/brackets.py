"""Federal income tax: ordinary brackets, the 0/15/20% rates stacked on top, and the 3.8% NIIT.

Sources: IRC §1(j) and the year's Rev. Proc. rate tables (ordinary tax); IRC §1(h) and the Qualified
Dividends and Capital Gain Tax Worksheet in the Form 1040 instructions (long-term gains and qualified
dividends taxed at 0/15/20%, stacked on top of ordinary taxable income); IRC §1411 and Form 8960 (NIIT).

Everything is exact. The tax is figured with the rate schedule on the exact taxable income (the Tax
Computation Worksheet method); the printed Tax Table used below $100,000 taxes the midpoint of a $50 row,
so a return that uses it can differ by a few dollars. Round with `to_whole_dollars` where a form is filled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .losses import NO_CARRYOVER, Carryover, ScheduleD, schedule_d
from .tables import Band, load_tables
from .types import ZERO, FilingStatus, TaxRulesError, exact, money, status_of


def tax_on_bands(amount: Decimal, bands: Sequence[Band]) -> Decimal:
    """Tax on `amount` of taxable income through progressive `bands` (nothing below zero)."""
    return sum((band.rate * band.width_of(ZERO, amount) for band in bands), ZERO)


def band_for(amount: Decimal, bands: Sequence[Band]) -> Band:
    """The band where the next dollar above `amount` is taxed."""
    level = max(ZERO, amount)
    for band in bands:
        if band.holds(level):
            return band
    raise TaxRulesError(f"no band holds {amount}")  # unreachable with checked tables: the top is open


@exact
def ordinary_tax(year: int, status: FilingStatus | str, taxable_income: Decimal) -> Decimal:
    """Tax on ordinary taxable income by the year's rate schedule (IRC §1(j); the Rev. Proc. tables)."""
    bands = load_tables(year).for_status(status).ordinary
    return tax_on_bands(money(taxable_income, "taxable_income"), bands)


@exact
def marginal_ordinary_rate(year: int, status: FilingStatus | str, taxable_income: Decimal) -> Decimal:
    """The ordinary bracket rate of the next dollar of taxable income."""
    bands = load_tables(year).for_status(status).ordinary
    return band_for(money(taxable_income, "taxable_income"), bands).rate


@exact
def long_term_tax(
    year: int, status: FilingStatus | str, *, ordinary_taxable_income: Decimal, preferential_income: Decimal
) -> Decimal:
    """Tax at 0/15/20% on `preferential_income` (net capital gain plus qualified dividends, already limited
    to taxable income) stacked on top of `ordinary_taxable_income`.

    Each slice of the gain is taxed at the rate of the long-term band it lands in once the ordinary income
    sits underneath it; this is the Qualified Dividends and Capital Gain Tax Worksheet, lines 5-22.
    """
    bands = load_tables(year).for_status(status).long_term
    base = money(ordinary_taxable_income, "ordinary_taxable_income", non_negative=True)
    gains = money(preferential_income, "preferential_income", non_negative=True)
    return sum((band.rate * band.width_of(base, base + gains) for band in bands), ZERO)


@exact
def niit(year: int, status: FilingStatus | str, *, magi: Decimal, net_investment_income: Decimal) -> Decimal:
    """Net investment income tax: 3.8% of the smaller of net investment income and MAGI over the threshold
    (IRC §1411(a)(1); thresholds fixed by §1411(b), not indexed)."""
    tables = load_tables(year)
    threshold = tables.for_status(status).niit_threshold
    excess = money(magi, "magi") - threshold
    income = money(net_investment_income, "net_investment_income")
    return tables.niit_rate * max(ZERO, min(income, excess))


@dataclass(frozen=True, slots=True)
class TaxInputs:
    """A year's income for `estimate_inputs`; see `estimate` for each field."""

    ordinary_income: Decimal = ZERO
    short_term_net: Decimal = ZERO
    long_term_net: Decimal = ZERO
    qualified_dividends: Decimal = ZERO
    ordinary_investment_income: Decimal = ZERO
    carryover: Carryover = NO_CARRYOVER
    deductions: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TaxEstimate:
    """The breakdown of a federal estimate. Exact amounts; rates are fractions (0.22)."""

    year: int
    status: FilingStatus
    inputs: TaxInputs
    schedule_d: ScheduleD
    agi: Decimal
    deduction: Decimal
    taxable_income: Decimal
    preferential_income: Decimal  # net capital gain + qualified dividends that sit in taxable income
    ordinary_taxable_income: Decimal  # taxable income under the preferential part
    ordinary_tax: Decimal  # on ordinary_taxable_income
    capital_gains_tax: Decimal  # on preferential_income at 0/15/20%
    magi: Decimal
    net_investment_income: Decimal
    niit: Decimal
    marginal_ordinary_rate: Decimal  # bracket of the next dollar of ordinary income (or short-term gain)
    marginal_long_term_rate: Decimal  # 0/15/20% band of the next dollar of long-term gain
    marginal_niit_rate: Decimal  # 3.8% when MAGI is at or over the threshold, else 0

    @property
    def income_tax(self) -> Decimal:
        return self.ordinary_tax + self.capital_gains_tax

    @property
    def total(self) -> Decimal:
        return self.income_tax + self.niit

    @property
    def short_term_rate(self) -> Decimal:
        """Rate on the next dollar of short-term gain: its ordinary bracket plus NIIT where it applies."""
        return self.marginal_ordinary_rate + self.marginal_niit_rate

    @property
    def long_term_rate(self) -> Decimal:
        """Rate on the next dollar of long-term gain: its 0/15/20% band plus NIIT where it applies."""
        return self.marginal_long_term_rate + self.marginal_niit_rate


def estimate(
    year: int,
    status: FilingStatus | str,
    *,
    ordinary_income: Decimal,
    short_term_net: Decimal = ZERO,
    long_term_net: Decimal = ZERO,
    qualified_dividends: Decimal = ZERO,
    ordinary_investment_income: Decimal = ZERO,
    carryover: Carryover = NO_CARRYOVER,
    deductions: Decimal | None = None,
) -> TaxEstimate:
    """Estimate a year's federal income tax and NIIT.

    - `ordinary_income`: income taxed at ordinary rates after above-the-line adjustments (wages, interest,
      non-qualified dividends, staking and other crypto income, Roth conversions), without capital gains
      and without qualified dividends.
    - `short_term_net` / `long_term_net`: the year's own net gains (negative for a net loss) by term,
      before the carryover; `carryover` is the loss carried in from earlier years. Netting, the loss limit
      and the carryover out follow Schedule D (see `schedule_d`): a net short-term gain is ordinary income,
      a net loss offsets at most $3,000 ($1,500 MFS) of other income.
    - `qualified_dividends`: taxed at the 0/15/20% rates.
    - `ordinary_investment_income`: the part of `ordinary_income` that is investment income for NIIT
      (interest, non-qualified dividends, staking); it is not added again to income.
    - `deductions`: the deduction taken (Form 1040 line 14); None for the standard deduction.

    MAGI for NIIT is taken as AGI (no foreign earned income exclusion).
    """
    inputs = TaxInputs(
        ordinary_income=ordinary_income,
        short_term_net=short_term_net,
        long_term_net=long_term_net,
        qualified_dividends=qualified_dividends,
        ordinary_investment_income=ordinary_investment_income,
        carryover=carryover,
        deductions=deductions,
    )
    return estimate_inputs(year, status, inputs)


@exact
def estimate_inputs(year: int, status: FilingStatus | str, inputs: TaxInputs) -> TaxEstimate:
    """`estimate` from a `TaxInputs`; the planner re-runs it with changed inputs."""
    status = status_of(status)
    tables = load_tables(year)
    rules = tables.for_status(status)
    ordinary = money(inputs.ordinary_income, "ordinary_income")
    dividends = money(inputs.qualified_dividends, "qualified_dividends", non_negative=True)
    investment = money(inputs.ordinary_investment_income, "ordinary_investment_income", non_negative=True)
    if inputs.deductions is None:
        deduction = rules.standard_deduction
    else:
        deduction = money(inputs.deductions, "deductions", non_negative=True)

    sched = schedule_d(
        year,
        status,
        short_term=inputs.short_term_net,
        long_term=inputs.long_term_net,
        carryover=inputs.carryover,
    )
    agi = ordinary + dividends + sched.in_income
    if sched.line_16 < 0:
        # The carryover out depends on how much of the allowed loss the income could absorb.
        sched = schedule_d(
            year,
            status,
            short_term=inputs.short_term_net,
            long_term=inputs.long_term_net,
            carryover=inputs.carryover,
            taxable_income=agi - deduction,
        )
    taxable = max(ZERO, agi - deduction)
    preferential = min(taxable, dividends + sched.net_capital_gain)
    ordinary_taxable = taxable - preferential

    tax_ordinary = tax_on_bands(ordinary_taxable, rules.ordinary)
    stacked = tax_ordinary + sum(
        (band.rate * band.width_of(ordinary_taxable, taxable) for band in rules.long_term), ZERO
    )
    # Worksheet lines 23-25: never more than the regular tax on the whole taxable income. It binds where a
    # preferential rate exceeds the bracket it displaces: the sliver where 15% starts below the 12% top.
    income_tax = min(stacked, tax_on_bands(taxable, rules.ordinary))

    # The allowed capital loss (at most $3,000) may reduce other investment income (Treas. Reg.
    # §1.1411-4(d); Form 8960 line 5a); net investment income itself never goes below zero.
    net_investment = max(ZERO, investment + dividends + sched.in_income)
    excess = agi - rules.niit_threshold
    niit_due = tables.niit_rate * max(ZERO, min(net_investment, excess))

    return TaxEstimate(
        year=year,
        status=status,
        inputs=inputs,
        schedule_d=sched,
        agi=agi,
        deduction=deduction,
        taxable_income=taxable,
        preferential_income=preferential,
        ordinary_taxable_income=ordinary_taxable,
        ordinary_tax=tax_ordinary,
        capital_gains_tax=income_tax - tax_ordinary,
        magi=agi,
        net_investment_income=net_investment,
        niit=niit_due,
        marginal_ordinary_rate=band_for(ordinary_taxable, rules.ordinary).rate,
        marginal_long_term_rate=band_for(taxable, rules.long_term).rate,
        marginal_niit_rate=tables.niit_rate if excess >= 0 else ZERO,
    )
