"""Schedule D netting and the Capital Loss Carryover Worksheet (Schedule D instructions): hand-worked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from taxes.rules import CapitalYear, Carryover, TaxRulesError, carry_forward, estimate, schedule_d

D = Decimal


def test_gains_net_without_carryover() -> None:
    sched = schedule_d(2025, "single", short_term=D(1500), long_term=D(-500))
    assert (sched.line_7, sched.line_15, sched.line_16, sched.line_21) == (D(1500), D(-500), D(1000), 0)
    assert sched.carryover_out == Carryover()
    assert sched.in_income == D(1000)
    assert sched.net_capital_gain == 0  # line 15 is a loss: nothing at the 0/15/20% rates


def test_three_year_carryforward_keeps_its_character() -> None:
    """Single, $3,000 limit (IRC §1211(b)), carryover by the worksheet (IRC §1212(b)).

    2024: ST -10,000, LT -8,000. Line 16 -18,000; line 21 -3,000.
      Worksheet: line 4 = 3,000. ST: 10,000 - (3,000 + 0) = 7,000. LT: line 11 = max(0, 3,000 - 10,000) = 0,
      so LT 8,000 - 0 = 8,000. Carry 7,000 ST + 8,000 LT = 15,000 = 18,000 - 3,000.
    2025: ST +2,000, LT -1,000. Line 7 = 2,000 - 7,000 = -5,000; line 15 = -1,000 - 8,000 = -9,000;
      line 16 -14,000; line 21 -3,000. ST: 5,000 - 3,000 = 2,000. LT: 9,000 - max(0, 3,000 - 5,000) = 9,000.
    2026: ST 0, LT +4,000. Line 7 = -2,000; line 15 = 4,000 - 9,000 = -5,000; line 16 -7,000; line 21 -3,000.
      ST: 2,000 - 3,000 → 0. LT: line 11 = 3,000 - 2,000 = 1,000, so 5,000 - 1,000 = 4,000.
      The short-term loss was used first; what it left of the $3,000 came out of the long-term carryover.
    """
    y24, y25, y26 = carry_forward(
        "single",
        [
            CapitalYear(2024, short_term=D(-10000), long_term=D(-8000)),
            CapitalYear(2025, short_term=D(2000), long_term=D(-1000)),
            CapitalYear(2026, short_term=D(0), long_term=D(4000)),
        ],
    )
    assert (y24.line_7, y24.line_15, y24.line_16, y24.line_21) == (D(-10000), D(-8000), D(-18000), D(-3000))
    assert y24.carryover_out == Carryover(short_term=D(7000), long_term=D(8000))
    assert y25.carryover_in == y24.carryover_out
    assert (y25.line_7, y25.line_15, y25.line_16, y25.line_21) == (D(-5000), D(-9000), D(-14000), D(-3000))
    assert y25.carryover_out == Carryover(short_term=D(2000), long_term=D(9000))
    assert (y26.line_7, y26.line_15, y26.line_16, y26.line_21) == (D(-2000), D(-5000), D(-7000), D(-3000))
    assert y26.carryover_out == Carryover(short_term=D(0), long_term=D(4000))


def test_carryforward_chain_through_estimates_gives_the_same_figures() -> None:
    """The estimate carries the same worksheet: wages high enough to use the whole $3,000 each year."""
    carry = Carryover()
    for year, st, lt in ((2024, -10000, -8000), (2025, 2000, -1000), (2026, 0, 4000)):
        est = estimate(
            year,
            "single",
            ordinary_income=D(90000),
            short_term_net=D(st),
            long_term_net=D(lt),
            carryover=carry,
        )
        assert est.schedule_d.allowed_loss == D(3000)
        carry = est.schedule_d.carryover_out
    assert carry == Carryover(long_term=D(4000))


def test_long_term_gain_absorbs_a_short_term_loss_first() -> None:
    """Worksheet lines 5-8: ST -9,000 and LT +2,000 → line 16 -7,000, line 21 -3,000.
    ST carryover = 9,000 - (3,000 + 2,000) = 4,000; no long-term carryover."""
    sched = schedule_d(2024, "mfj", short_term=D(-9000), long_term=D(2000))
    assert sched.carryover_out == Carryover(short_term=D(4000))


def test_short_term_gain_absorbs_a_long_term_carryover() -> None:
    """Worksheet lines 9-13: ST +4,000 this year, LT carryover 10,000 in. Line 7 4,000; line 15 -10,000;
    line 16 -6,000; line 21 -3,000. LT carryover = 10,000 - (4,000 + max(0, 3,000 - 0)) = 3,000."""
    sched = schedule_d(
        2025, "hoh", short_term=D(4000), long_term=D(0), carryover=Carryover(long_term=D(10000))
    )
    assert (sched.line_7, sched.line_15, sched.line_16) == (D(4000), D(-10000), D(-6000))
    assert sched.carryover_out == Carryover(long_term=D(3000))


def test_carryover_in_is_offset_by_this_years_gains() -> None:
    """A 5,000 ST carryover against a 12,000 ST gain: line 7 7,000, all of it taxed, nothing carried on."""
    sched = schedule_d(
        2025, "single", short_term=D(12000), long_term=D(0), carryover=Carryover(short_term=D(5000))
    )
    assert sched.line_7 == D(7000)
    assert sched.in_income == D(7000)
    assert sched.carryover_out == Carryover()


def test_negative_taxable_income_keeps_the_unused_allowance() -> None:
    """Worksheet lines 1-4: the allowed loss counts as used only up to taxable income plus the loss.

    Single 2025, wages 10,000, ST loss 5,000: line 21 -3,000; AGI 7,000; taxable income before the floor
    7,000 - 15,750 = -8,750; line 3 = max(0, -8,750 + 3,000) = 0, so line 4 = 0 and all 5,000 carries.
    With wages 17,000: AGI 14,000; taxable -1,750; line 3 = 1,250 = line 4; carry 5,000 - 1,250 = 3,750.
    """
    low = estimate(2025, "single", ordinary_income=D(10000), short_term_net=D(-5000))
    assert low.schedule_d.carryover_out == Carryover(short_term=D(5000))
    mid = estimate(2025, "single", ordinary_income=D(17000), short_term_net=D(-5000))
    assert mid.schedule_d.carryover_out == Carryover(short_term=D(3750))
    direct = schedule_d(2025, "single", short_term=D(-5000), long_term=D(0), taxable_income=D(-1750))
    assert direct.carryover_out == Carryover(short_term=D(3750))


def test_mfs_limit_in_schedule_d() -> None:
    sched = schedule_d(2026, "mfs", short_term=D(-500), long_term=D(-4000))
    assert sched.line_21 == D(-1500)
    # ST 500 used first, the other 1,000 of the allowance from LT: carry LT 4,000 - 1,000 = 3,000.
    assert sched.carryover_out == Carryover(short_term=D(0), long_term=D(3000))


def test_small_loss_is_deducted_whole() -> None:
    sched = schedule_d(2024, "single", short_term=D("-1234.56"), long_term=D(0))
    assert sched.line_21 == D("-1234.56")
    assert sched.carryover_out == Carryover()


def test_chain_needs_consecutive_years() -> None:
    with pytest.raises(TaxRulesError, match="consecutive"):
        carry_forward(
            "single", [CapitalYear(2024, short_term=D(-9000), long_term=D(0)), CapitalYear(2026, D(0), D(0))]
        )


def test_carryover_amounts_are_positive() -> None:
    with pytest.raises(TaxRulesError, match="must not be negative"):
        Carryover(short_term=D(-1))
    assert Carryover(short_term=5).short_term == D(5)  # type: ignore[arg-type]
