"""Invariants of the tax rules on random incomes (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from taxes.rules import (
    Carryover,
    FilingStatus,
    TaxInputs,
    estimate_inputs,
    load_tables,
    ordinary_tax,
    roth_conversion_room,
    schedule_d,
    tax_change,
    tax_saved_by_waiting,
    zero_rate_room,
)

D = Decimal
YEARS = st.sampled_from((2024, 2025, 2026))
STATUSES = st.sampled_from(list(FilingStatus))


def amounts(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=low, max_value=high, places=2, allow_nan=False, allow_infinity=False)


GAINS = amounts(-300_000, 1_500_000)
CARRY = st.builds(Carryover, short_term=amounts(0, 100_000), long_term=amounts(0, 100_000))
INPUTS = st.builds(
    TaxInputs,
    ordinary_income=amounts(-50_000, 1_500_000),
    short_term_net=GAINS,
    long_term_net=GAINS,
    qualified_dividends=amounts(0, 200_000),
    ordinary_investment_income=amounts(0, 50_000),
    carryover=CARRY,
    deductions=st.none() | amounts(0, 100_000),
)
CHANGE = amounts(0, 500_000)
FIELDS = st.sampled_from(("ordinary_income", "short_term", "long_term", "qualified_dividends"))


@settings(deadline=None)
@given(year=YEARS, status=STATUSES, inputs=INPUTS)
def test_tax_is_never_negative_and_its_parts_add_up(
    year: int, status: FilingStatus, inputs: TaxInputs
) -> None:
    est = estimate_inputs(year, status, inputs)
    assert est.ordinary_tax >= 0
    assert est.capital_gains_tax >= 0
    assert est.niit >= 0
    assert est.total == est.ordinary_tax + est.capital_gains_tax + est.niit
    assert est.ordinary_taxable_income + est.preferential_income == est.taxable_income
    # The preferential rates never exceed 20%, and never raise the tax above the regular tax.
    assert est.capital_gains_tax <= D("0.20") * est.preferential_income
    assert est.income_tax <= ordinary_tax(year, status, est.taxable_income)
    assert est.niit <= D("0.038") * est.net_investment_income


@settings(deadline=None)
@given(year=YEARS, status=STATUSES, inputs=INPUTS, field=FIELDS, more=CHANGE)
def test_tax_is_monotone_in_each_kind_of_income(
    year: int, status: FilingStatus, inputs: TaxInputs, field: str, more: Decimal
) -> None:
    """More income of any kind never lowers the total federal tax."""
    est = estimate_inputs(year, status, inputs)
    assert tax_change(est, **{field: more}) >= 0


@settings(deadline=None)
@given(year=YEARS, status=STATUSES, inputs=INPUTS, gain=CHANGE)
def test_waiting_for_long_term_never_costs_on_a_gain(
    year: int, status: FilingStatus, inputs: TaxInputs, gain: Decimal
) -> None:
    est = estimate_inputs(year, status, inputs)
    assert tax_saved_by_waiting(est, gain) >= 0


@given(
    year=YEARS,
    status=STATUSES,
    short=GAINS,
    long=GAINS,
    carry=CARRY,
    income=st.none() | amounts(-100_000, 500_000),
)
def test_carryforward_and_allowed_loss_conserve_the_net_loss(
    year: int, status: FilingStatus, short: Decimal, long: Decimal, carry: Carryover, income: Decimal | None
) -> None:
    """Capital Loss Carryover Worksheet: what is carried plus what was used equals the net loss, and
    neither term carries more loss than it had."""
    sched = schedule_d(year, status, short_term=short, long_term=long, carryover=carry, taxable_income=income)
    limit = load_tables(year).for_status(status).capital_loss_limit
    net_loss = max(D(0), -sched.line_16)
    assert sched.allowed_loss == min(net_loss, limit)
    used = (
        sched.allowed_loss
        if income is None
        else min(sched.allowed_loss, max(D(0), income + sched.allowed_loss))
    )
    assert sched.carryover_out.total + used == net_loss
    assert sched.carryover_out.short_term <= max(D(0), -sched.line_7)
    assert sched.carryover_out.long_term <= max(D(0), -sched.line_15)


@settings(deadline=None)
@given(year=YEARS, status=STATUSES, inputs=INPUTS)
def test_zero_rate_room_costs_nothing_more(year: int, status: FilingStatus, inputs: TaxInputs) -> None:
    """Once the year's losses are cancelled, the 0% room adds no income tax."""
    # Standard deduction and no other investment income keep MAGI under the NIIT thresholds.
    est = estimate_inputs(year, status, replace(inputs, deductions=None, ordinary_investment_income=D(0)))
    room = zero_rate_room(est)
    before = tax_change(est, long_term=room.losses_first)
    after = tax_change(est, long_term=room.losses_first + room.zero_rate)
    assert after == before


@settings(deadline=None)
@given(year=YEARS, status=STATUSES, inputs=INPUTS)
def test_roth_room_ends_exactly_at_the_bracket_top(
    year: int, status: FilingStatus, inputs: TaxInputs
) -> None:
    est = estimate_inputs(year, status, inputs)
    room = roth_conversion_room(est)
    if room.room is None:
        assert room.rate == D("0.37")
        return
    assert room.room > 0
    filled = estimate_inputs(
        year, status, replace(inputs, ordinary_income=inputs.ordinary_income + room.room)
    )
    assert filled.ordinary_taxable_income == room.bracket_top
    assert room.tax_on_room == filled.total - est.total
