"""Form 8949 boxes by year, term, asset kind and reporting; Schedule D lines; columns (f)-(h).

Source: Instructions for Form 8949 (2025): boxes A-F for 1099-B (and everything before 2025), G-L for
digital assets by Form 1099-DA reporting from tax year 2025; Schedule D (2025) lines 1b/2/3 and 8b/9/10.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from taxes.rules import (
    Adjustment,
    AdjustmentCode,
    Box,
    ReportingStatus,
    TaxRulesError,
    Term,
    column_f_g,
    column_h,
    form_8949_box,
    schedule_d_line,
    wash_sale_adjustment,
)

D = Decimal
REPORTED, NOT_REPORTED, NO_FORM = (
    ReportingStatus.BASIS_REPORTED,
    ReportingStatus.BASIS_NOT_REPORTED,
    ReportingStatus.NO_FORM,
)
SECURITY = {
    (Term.SHORT, REPORTED): "A",
    (Term.SHORT, NOT_REPORTED): "B",
    (Term.SHORT, NO_FORM): "C",
    (Term.LONG, REPORTED): "D",
    (Term.LONG, NOT_REPORTED): "E",
    (Term.LONG, NO_FORM): "F",
}
DIGITAL_FROM_2025 = {
    (Term.SHORT, REPORTED): "G",
    (Term.SHORT, NOT_REPORTED): "H",
    (Term.SHORT, NO_FORM): "I",
    (Term.LONG, REPORTED): "J",
    (Term.LONG, NOT_REPORTED): "K",
    (Term.LONG, NO_FORM): "L",
}


def _expected(year: int, term: Term, digital: bool, reporting: ReportingStatus) -> str:
    table = DIGITAL_FROM_2025 if digital and year >= 2025 else SECURITY
    return table[(term, reporting)]


CASES = list(itertools.product((2023, 2024, 2025, 2026, 2027), Term, (False, True), ReportingStatus))


@pytest.mark.parametrize(("year", "term", "digital", "reporting"), CASES)
def test_every_combination(year: int, term: Term, digital: bool, reporting: ReportingStatus) -> None:
    box = form_8949_box(tax_year=year, term=term, is_digital_asset=digital, reporting=reporting)
    assert box == _expected(year, term, digital, reporting)
    assert box.term is term


def test_the_table_in_full() -> None:
    """The same rules written out as the form shows them, one line per case, so a reader can check them."""
    rows = [
        # year, term, digital, reporting, box
        (2024, "short", False, "basis_reported", "A"),
        (2024, "short", False, "basis_not_reported", "B"),
        (2024, "short", False, "no_form", "C"),
        (2024, "long", False, "basis_reported", "D"),
        (2024, "long", False, "basis_not_reported", "E"),
        (2024, "long", False, "no_form", "F"),
        (2024, "short", True, "basis_reported", "A"),  # before 1099-DA: digital assets use A-F
        (2024, "short", True, "no_form", "C"),
        (2024, "long", True, "no_form", "F"),
        (2025, "short", False, "no_form", "C"),
        (2025, "long", False, "basis_not_reported", "E"),
        (2025, "short", True, "basis_reported", "G"),
        (2025, "short", True, "basis_not_reported", "H"),
        (2025, "short", True, "no_form", "I"),
        (2025, "long", True, "basis_reported", "J"),
        (2025, "long", True, "basis_not_reported", "K"),
        (2025, "long", True, "no_form", "L"),
        (2026, "short", True, "no_form", "I"),
        (2026, "long", True, "basis_reported", "J"),
    ]
    for year, term, digital, reporting, box in rows:
        assert form_8949_box(tax_year=year, term=term, is_digital_asset=digital, reporting=reporting) == box


def test_default_is_no_form_and_never_c_or_f_for_digital_assets_from_2025() -> None:
    assert form_8949_box(tax_year=2025, term=Term.SHORT, is_digital_asset=True) is Box.I
    assert form_8949_box(tax_year=2025, term=Term.LONG, is_digital_asset=True) is Box.L
    assert form_8949_box(tax_year=2024, term=Term.LONG, is_digital_asset=True) is Box.F
    for year, term, reporting in itertools.product((2025, 2026), Term, ReportingStatus):
        box = form_8949_box(tax_year=year, term=term, is_digital_asset=True, reporting=reporting)
        assert box not in (Box.C, Box.F)
        assert box.is_digital_asset


@pytest.mark.parametrize(
    ("box", "line"),
    [("A", "1b"), ("G", "1b"), ("B", "2"), ("H", "2"), ("C", "3"), ("I", "3"),
     ("D", "8b"), ("J", "8b"), ("E", "9"), ("K", "9"), ("F", "10"), ("L", "10")],
)  # fmt: skip
def test_schedule_d_line_per_box(box: str, line: str) -> None:
    assert schedule_d_line(box) == line
    assert schedule_d_line(Box(box)) == line


def test_every_box_has_a_line_on_its_own_part() -> None:
    for box in Box:
        line = schedule_d_line(box)
        assert (line in ("1b", "2", "3")) == (box.term is Term.SHORT)


def test_column_h_with_a_wash_sale() -> None:
    """Sold for 800, cost 1,000: a 200 loss. 150 of it disallowed as a wash sale: code W and +150 in (g),
    so (h) = 800 - 1,000 + 150 = -50."""
    adjustment = wash_sale_adjustment(D(150))
    assert adjustment == Adjustment(code=AdjustmentCode.W, amount=D(150))
    assert column_h(D(800), D(1000), adjustment.amount) == D(-50)
    assert column_h(D("1234.56"), D("1000.01")) == D("234.55")


def test_several_codes_are_listed_alphabetically_once_and_amounts_net() -> None:
    codes, amount = column_f_g(
        [
            wash_sale_adjustment(D(100)),
            Adjustment(code=AdjustmentCode.B, amount=D(-40)),
            wash_sale_adjustment(D(5)),
        ]
    )
    assert (codes, amount) == ("BW", D(65))
    assert column_f_g([]) == ("", D(0))


@pytest.mark.parametrize("amount", [D(0), D(-10)])
def test_wash_sale_amount_is_positive(amount: Decimal) -> None:
    with pytest.raises(TaxRulesError):
        wash_sale_adjustment(amount)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(TaxRulesError, match="unknown term"):
        form_8949_box(tax_year=2025, term="medium", is_digital_asset=False)
    with pytest.raises(TaxRulesError, match="unknown reporting"):
        form_8949_box(tax_year=2025, term="short", is_digital_asset=False, reporting="1099-B")
    with pytest.raises(TaxRulesError, match="unknown Form 8949 box"):
        schedule_d_line("M")
