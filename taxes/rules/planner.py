"""Year-planner helpers on top of an estimate: 0% band room, Roth conversion room, what a sale would cost.

Where a figure depends on how income stacks, it is found by re-running the estimate with and without the
change rather than by multiplying a rate, so the loss limit, stacking and NIIT all count. Exact amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from .brackets import TaxEstimate, band_for, estimate_inputs
from .tables import load_tables
from .types import ZERO, FilingStatus, exact, money


@dataclass(frozen=True, slots=True)
class BracketRoom:
    """How much more ordinary income fits before the next ordinary bracket."""

    rate: Decimal  # the bracket the next dollar of ordinary income falls in
    room: Decimal | None  # ordinary income that still fits in it; None in the top bracket
    bracket_top: Decimal | None  # the taxable income where that bracket ends
    tax_on_room: Decimal | None  # the whole federal tax the room would add (stacking and NIIT included)


@dataclass(frozen=True, slots=True)
class GainRoom:
    """Long-term gain that could still be realized at 0% this year."""

    losses_first: Decimal  # gain that would first cancel this year's net capital losses (Schedule D)
    zero_rate: Decimal  # further net long-term gain taxed at 0% (unused deduction counts as room)


@exact
def zero_rate_band_room(year: int, status: FilingStatus | str, *, taxable_income: Decimal) -> Decimal:
    """Room left in the 0% long-term band when `taxable_income` (ordinary taxable income plus the
    preferential income stacked on it so far) is already used."""
    top = load_tables(year).for_status(status).zero_rate_top
    return max(ZERO, top - max(ZERO, money(taxable_income, "taxable_income")))


@exact
def zero_rate_room(est: TaxEstimate) -> GainRoom:
    """More long-term gain the estimate's year could take at 0%.

    A gain first cancels any net capital loss on Schedule D lines 15 and 16 (that part is `losses_first`:
    it raises no tax at 0% but uses up loss that would otherwise reduce ordinary income or carry forward).
    After that, each dollar stacks on top of taxable income; the part up to the 0% band's top, plus any
    deduction not yet used, is taxed at 0%. This is income tax only; NIIT can still apply above its
    threshold.
    """
    sched = est.schedule_d
    losses_first = max(ZERO, -sched.line_15, -sched.line_16)
    # Once those losses are cancelled, line 16 is `line_16 + losses_first` and all of it reaches income.
    agi_after = est.agi - sched.in_income + sched.line_16 + losses_first
    top = load_tables(est.year).for_status(est.status).zero_rate_top
    return GainRoom(losses_first=losses_first, zero_rate=max(ZERO, top - (agi_after - est.deduction)))


@exact
def roth_conversion_room(est: TaxEstimate) -> BracketRoom:
    """How much ordinary income (a Roth conversion, say) fits before the next ordinary bracket.

    Ordinary taxable income is what remains of taxable income under the net capital gain and qualified
    dividends, so a conversion first uses any deduction left over and then fills the current bracket.
    """
    bands = load_tables(est.year).for_status(est.status).ordinary
    preferential = est.inputs.qualified_dividends + est.schedule_d.net_capital_gain
    # Ordinary taxable income after adding x of ordinary income is max(0, position + x).
    position = est.agi - est.deduction - preferential
    band = band_for(position, bands)
    if band.upper is None:
        return BracketRoom(rate=band.rate, room=None, bracket_top=None, tax_on_room=None)
    room = band.upper - position
    return BracketRoom(
        rate=band.rate,
        room=room,
        bracket_top=band.upper,
        tax_on_room=tax_change(est, ordinary_income=room),
    )


@exact
def tax_change(
    est: TaxEstimate,
    *,
    ordinary_income: Decimal = ZERO,
    short_term: Decimal = ZERO,
    long_term: Decimal = ZERO,
    qualified_dividends: Decimal = ZERO,
    ordinary_investment_income: Decimal = ZERO,
) -> Decimal:
    """The change in total federal tax (income tax plus NIIT) if the estimate's year had these additions.

    A harvested loss is a negative `short_term` or `long_term`; its saving is minus the result.
    `ordinary_investment_income` is part of `ordinary_income`, as in `estimate`.
    """
    inputs = est.inputs
    changed = replace(
        inputs,
        ordinary_income=inputs.ordinary_income + money(ordinary_income, "ordinary_income"),
        short_term_net=inputs.short_term_net + money(short_term, "short_term"),
        long_term_net=inputs.long_term_net + money(long_term, "long_term"),
        qualified_dividends=inputs.qualified_dividends + money(qualified_dividends, "qualified_dividends"),
        ordinary_investment_income=inputs.ordinary_investment_income
        + money(ordinary_investment_income, "ordinary_investment_income"),
    )
    return estimate_inputs(est.year, est.status, changed).total - est.total


@exact
def tax_saved_by_waiting(est: TaxEstimate, gain: Decimal) -> Decimal:
    """Tax saved by selling a lot once it is long-term instead of now, in the same tax year.

    The estimate is re-run with `gain` as a short-term and as a long-term result; the difference is the
    saving (negative when waiting costs, as with a loss that is worth more short-term).
    """
    amount = money(gain, "gain")
    return tax_change(est, short_term=amount) - tax_change(est, long_term=amount)
