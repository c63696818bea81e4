"""Ordinary tax, the 0/15/20% stacking, NIIT and the whole estimate: hand-worked examples."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from taxes.rules import (
    Carryover,
    FilingStatus,
    TaxRulesError,
    estimate,
    long_term_tax,
    marginal_ordinary_rate,
    niit,
    ordinary_tax,
    to_whole_dollars,
)

D = Decimal


@pytest.mark.parametrize(
    ("year", "status", "taxable", "tax"),
    [
        # Single 2024, $50,000: $5,426 + 22% x (50,000 - 47,150) = 5,426 + 627 = $6,053 (Rev. Proc. 2023-34).
        (2024, "single", "50000", "6053"),
        # MFJ 2024, $100,000: $10,852 + 22% x (100,000 - 94,300) = 10,852 + 1,254 = $12,106.
        (2024, "mfj", "100000", "12106"),
        # Single 2025, $60,000: $5,578.50 + 22% x 11,525 = 5,578.50 + 2,535.50 = $8,114 (Rev. Proc. 2024-40).
        (2025, "single", "60000", "8114"),
        # MFJ 2025, $150,000: $11,157 + 22% x 53,050 = 11,157 + 11,671 = $22,828.
        (2025, "mfj", "150000", "22828"),
        # Single 2026, $60,000: $5,800 + 22% x 9,600 = 5,800 + 2,112 = $7,912 (Rev. Proc. 2025-32).
        (2026, "single", "60000", "7912"),
        # MFJ 2026, $150,000: $11,600 + 22% x 49,200 = 11,600 + 10,824 = $22,424.
        (2026, "mfj", "150000", "22424"),
        # HoH 2026, $1,000,000: $191,171 + 37% x 359,400 = 191,171 + 132,978 = $324,149.
        (2026, "hoh", "1000000", "324149"),
        # Cents stay exact: single 2025, $12,000.55: 1,192.50 + 12% x 75.55 = $1,201.566.
        (2025, "single", "12000.55", "1201.566"),
        (2025, "single", "0", "0"),
        (2025, "single", "-5000", "0"),
    ],
)
def test_ordinary_tax_known_figures(year: int, status: str, taxable: str, tax: str) -> None:
    assert ordinary_tax(year, status, D(taxable)) == D(tax)


def test_marginal_ordinary_rate_at_a_bracket_top_is_the_next_bracket() -> None:
    """ "Not over $11,925" is 10%, so at exactly $11,925 the next dollar is taxed at 12%."""
    assert marginal_ordinary_rate(2025, "single", D("11924.99")) == D("0.10")
    assert marginal_ordinary_rate(2025, "single", D(11925)) == D("0.12")
    assert marginal_ordinary_rate(2025, "mfs", D(400000)) == D("0.37")
    assert marginal_ordinary_rate(2025, "single", D(400000)) == D("0.35")


def test_zero_percent_band_stacked_under_ordinary_income() -> None:
    """Qualified Dividends and Capital Gain Tax Worksheet (Form 1040 instructions), single 2025.

    Wages $50,000, long-term gain $20,000. AGI 70,000; standard deduction 15,750; taxable income 54,250.
    Ordinary taxable income 54,250 - 20,000 = 34,250 sits underneath the gain.
    0% band tops at 48,350 (Rev. Proc. 2024-40 §3.03): 48,350 - 34,250 = 14,100 of the gain at 0%,
    the other 54,250 - 48,350 = 5,900 at 15% = 885.
    Ordinary tax on 34,250: 1,192.50 + 12% x (34,250 - 11,925) = 1,192.50 + 2,679 = 3,871.50.
    """
    est = estimate(2025, "single", ordinary_income=D(50000), long_term_net=D(20000))
    assert est.agi == D(70000)
    assert est.taxable_income == D(54250)
    assert est.ordinary_taxable_income == D(34250)
    assert est.preferential_income == D(20000)
    assert est.ordinary_tax == D("3871.50")
    assert est.capital_gains_tax == D(885)
    assert est.niit == 0
    assert est.total == D("4756.50")
    assert est.marginal_ordinary_rate == D("0.12")
    assert est.marginal_long_term_rate == D("0.15")
    assert (
        long_term_tax(2025, "single", ordinary_taxable_income=D(34250), preferential_income=D(20000)) == 885
    )


def test_gains_all_inside_the_zero_band() -> None:
    """MFJ 2026: wages 60,000, LT 30,000, deduction 32,200 → taxable 57,800 < 98,900: no tax on the gain.
    Ordinary taxable 27,800: 2,480 + 12% x 3,000 = 2,840."""
    est = estimate(2026, "mfj", ordinary_income=D(60000), long_term_net=D(30000))
    assert est.capital_gains_tax == 0
    assert est.ordinary_tax == D(2840)
    assert est.marginal_long_term_rate == 0


def test_twenty_percent_band() -> None:
    """Single 2024: ordinary taxable 500,000 and 100,000 LT on top. 15% band tops at 518,900:
    18,900 at 15% = 2,835; 81,100 at 20% = 16,220; together 19,055."""
    assert long_term_tax(
        2024, "single", ordinary_taxable_income=D(500000), preferential_income=D(100000)
    ) == D(19055)


def test_regular_tax_caps_the_worksheet_in_the_15_percent_sliver() -> None:
    """Worksheet lines 23-25: the tax is the smaller of the stacked figure and the regular tax.

    Single 2024: the 0% band ends at 47,025 but the 12% bracket at 47,150. Ordinary taxable 47,050
    (wages 61,650 less 14,600) and LT 100: stacked = tax(47,050) + 15% x 100 = 5,414 + 15 = 5,429;
    regular tax on 47,150 = 5,426. The smaller, 5,426, applies, so the gain costs 12 rather than 15.
    """
    est = estimate(2024, "single", ordinary_income=D(61650), long_term_net=D(100))
    assert est.ordinary_tax == D(5414)
    assert est.capital_gains_tax == D(12)
    assert est.income_tax == D(5426)


def test_niit_crossing_its_threshold_mfj() -> None:
    """IRC §1411: 3.8% of the smaller of net investment income and MAGI over $250,000 (MFJ).

    MAGI 400,000, net investment income 125,000: excess 150,000; the smaller is 125,000; 3.8% = 4,750.
    """
    assert niit(2025, "mfj", magi=D(400000), net_investment_income=D(125000)) == D(4750)
    # Same income in the estimate: wages 275,000 and a 125,000 long-term gain.
    est = estimate(2025, "mfj", ordinary_income=D(275000), long_term_net=D(125000))
    assert est.magi == D(400000)
    assert est.net_investment_income == D(125000)
    assert est.niit == D(4750)
    assert est.marginal_niit_rate == D("0.038")
    assert est.long_term_rate == D("0.15") + D("0.038")


def test_niit_limited_by_the_excess_and_zero_below_the_threshold() -> None:
    """MAGI 300,000, NII 125,000 (MFJ): excess 50,000 is smaller; 3.8% = 1,900. Under 250,000: nothing."""
    assert niit(2024, "mfj", magi=D(300000), net_investment_income=D(125000)) == D(1900)
    assert niit(2024, "mfj", magi=D(249999), net_investment_income=D(125000)) == 0
    # Thresholds are not indexed: MFS 125,000 in every year.
    assert niit(2026, "mfs", magi=D(135000), net_investment_income=D(50000)) == D(380)


def test_niit_counts_interest_and_staking_inside_ordinary_income_once() -> None:
    """Single 2025: wages 210,000 of which nothing is investment income, plus 20,000 staking income
    (ordinary, investment income for NIIT). MAGI 230,000; excess 30,000; NII 20,000 → 3.8% x 20,000 = 760."""
    est = estimate(2025, "single", ordinary_income=D(230000), ordinary_investment_income=D(20000))
    assert est.agi == D(230000)
    assert est.niit == D(760)


def test_net_short_term_gain_is_ordinary_income() -> None:
    """Single 2025: wages 100,000 plus a 10,000 short-term gain; taxable 94,250, all ordinary:
    5,578.50 + 22% x (94,250 - 48,475) = 5,578.50 + 10,070.50 = 15,649."""
    est = estimate(2025, "single", ordinary_income=D(100000), short_term_net=D(10000))
    assert est.preferential_income == 0
    assert est.ordinary_tax == D(15649)
    assert est.capital_gains_tax == 0


def test_short_term_loss_first_reduces_the_long_term_gain_taxed_at_preferential_rates() -> None:
    """Net capital gain is the LT gain over the ST loss: LT 20,000 and ST -5,000 leave 15,000 at 0/15%."""
    est = estimate(2025, "single", ordinary_income=D(50000), short_term_net=D(-5000), long_term_net=D(20000))
    assert est.schedule_d.net_capital_gain == D(15000)
    assert est.preferential_income == D(15000)


def test_net_capital_loss_limited_to_3000_against_ordinary_income() -> None:
    """Schedule D line 21: a 10,000 net loss deducts 3,000 (single 2025). AGI 80,000 - 3,000 = 77,000;
    taxable 61,250; tax 5,578.50 + 22% x 12,775 = 8,389. The other 7,000 carries forward short-term."""
    est = estimate(2025, "single", ordinary_income=D(80000), short_term_net=D(-10000))
    assert est.agi == D(77000)
    assert est.ordinary_tax == D(8389)
    assert est.schedule_d.carryover_out == Carryover(short_term=D(7000))


def test_mfs_loss_limit_is_1500() -> None:
    """IRC §1211(b)(1): $1,500 for married filing separately. MFS 2025, wages 60,000, ST loss 10,000:
    AGI 58,500; taxable 58,500 - 15,750 = 42,750; tax 1,192.50 + 12% x 30,825 = 4,891.50;
    carryforward 10,000 - 1,500 = 8,500, short-term."""
    est = estimate(2025, FilingStatus.MFS, ordinary_income=D(60000), short_term_net=D(-10000))
    assert est.schedule_d.line_21 == D(-1500)
    assert est.agi == D(58500)
    assert est.ordinary_tax == D("4891.50")
    assert est.schedule_d.carryover_out == Carryover(short_term=D(8500))


def test_itemized_deductions_replace_the_standard_deduction() -> None:
    est = estimate(2024, "hoh", ordinary_income=D(100000), deductions=D(30000))
    assert est.deduction == D(30000)
    assert est.taxable_income == D(70000)
    # HoH 2024: 7,241 + 22% x (70,000 - 63,100) = 7,241 + 1,518 = 8,759.
    assert est.total == D(8759)


def test_qualified_dividends_are_preferential_and_investment_income() -> None:
    """Single 2026, wages 40,000 and qualified dividends 10,000: taxable 33,900, ordinary part 23,900,
    all the dividends under the 49,450 top of the 0% band."""
    est = estimate(2026, "single", ordinary_income=D(40000), qualified_dividends=D(10000))
    assert est.taxable_income == D(33900)
    assert est.preferential_income == D(10000)
    assert est.capital_gains_tax == 0
    assert est.net_investment_income == D(10000)


def test_deductions_larger_than_income_leave_no_tax() -> None:
    est = estimate(2025, "mfj", ordinary_income=D(20000), long_term_net=D(5000))
    assert est.taxable_income == 0
    assert est.total == 0


def test_results_do_not_depend_on_the_callers_decimal_precision() -> None:
    with localcontext() as ctx:
        ctx.prec = 6
        est = estimate(2025, "single", ordinary_income=D("1234567.891234567891"))
    assert est.ordinary_tax == D("188769.75") + D("0.37") * (D("1234567.891234567891") - 15750 - 626350)


def test_to_whole_dollars_rounds_half_up() -> None:
    assert to_whole_dollars(D("4891.50")) == D(4892)
    assert to_whole_dollars(D("4891.49")) == D(4891)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ordinary_income": 50000.0},
        {"ordinary_income": D("NaN")},
        {"ordinary_income": D(1), "qualified_dividends": D(-1)},
        {"ordinary_income": D(1), "deductions": D(-1)},
    ],
)
def test_bad_amounts_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(TaxRulesError):
        estimate(2025, "single", **kwargs)  # type: ignore[arg-type]


def test_unknown_status_and_year_are_refused() -> None:
    with pytest.raises(TaxRulesError, match="unknown filing status"):
        estimate(2025, "qss", ordinary_income=D(1))
    with pytest.raises(TaxRulesError, match="no federal tables"):
        estimate(2030, "single", ordinary_income=D(1))
