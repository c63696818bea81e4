"""Form 8949 boxes, their Schedule D lines, and the arithmetic of columns (f)-(h).

Sources: Instructions for Form 8949 (2025 revision: boxes G-L for digital assets reported, or not, on
Form 1099-DA) and the 2025 Schedule D layout. Boxes and lines do not change with the amounts, so nothing
here reads the tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from taxes.engine.types import Term

from .types import ZERO, TaxRulesError, money

# Form 1099-DA starts with sales in 2025, and with it the digital-asset boxes G-L.
DIGITAL_ASSET_BOXES_FROM = 2025


class ReportingStatus(StrEnum):
    """What the broker's form (1099-B, or 1099-DA for digital assets) says about a sale."""

    BASIS_REPORTED = "basis_reported"  # the form shows basis reported to the IRS
    BASIS_NOT_REPORTED = "basis_not_reported"  # a form, but basis not reported to the IRS
    NO_FORM = "no_form"  # no 1099-B / 1099-DA at all


class Box(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the form's own letter
    J = "J"
    K = "K"
    L = "L"

    @property
    def term(self) -> Term:
        """Part I (short-term) or Part II (long-term) of Form 8949."""
        return Term.SHORT if self in _SHORT_BOXES else Term.LONG

    @property
    def is_digital_asset(self) -> bool:
        return self in _DIGITAL_BOXES


class AdjustmentCode(StrEnum):
    """Column (f) codes used here (Instructions for Form 8949, "How To Complete Form 8949, Columns (f) and
    (g)")."""

    B = "B"  # the basis shown on the 1099 is wrong
    E = "E"  # selling expenses or option premiums not reflected on the 1099
    O = "O"  # noqa: E741 - the form's own letter; any other adjustment
    W = "W"  # nondeductible loss from a wash sale


_SHORT_BOXES = frozenset({Box.A, Box.B, Box.C, Box.G, Box.H, Box.I})
_DIGITAL_BOXES = frozenset({Box.G, Box.H, Box.I, Box.J, Box.K, Box.L})
_BOXES: dict[tuple[bool, Term], tuple[Box, Box, Box]] = {
    # (digital-asset boxes?, term) -> boxes for basis reported, basis not reported, no form
    (False, Term.SHORT): (Box.A, Box.B, Box.C),
    (False, Term.LONG): (Box.D, Box.E, Box.F),
    (True, Term.SHORT): (Box.G, Box.H, Box.I),
    (True, Term.LONG): (Box.J, Box.K, Box.L),
}
_ORDER = (ReportingStatus.BASIS_REPORTED, ReportingStatus.BASIS_NOT_REPORTED, ReportingStatus.NO_FORM)
_SCHEDULE_D_LINE = {
    Box.A: "1b",
    Box.G: "1b",
    Box.B: "2",
    Box.H: "2",
    Box.C: "3",
    Box.I: "3",
    Box.D: "8b",
    Box.J: "8b",
    Box.E: "9",
    Box.K: "9",
    Box.F: "10",
    Box.L: "10",
}


def form_8949_box(
    *,
    tax_year: int,
    term: Term | str,
    is_digital_asset: bool,
    reporting: ReportingStatus | str = ReportingStatus.NO_FORM,
) -> Box:
    """The Form 8949 box of a sale.

    Securities: A/D basis reported on a 1099-B, B/E reported without basis, C/F no 1099-B. Digital assets
    from tax year 2025: G/J basis reported on a 1099-DA, H/K without basis, I/L no 1099-DA; never C/F.
    Digital assets sold in 2024 or earlier use A-F like securities (there was no 1099-DA).
    The default reporting is "no form", the box that claims nothing about a broker statement.
    """
    if isinstance(tax_year, bool) or not isinstance(tax_year, int):
        raise TaxRulesError(f"expected an integer year, got {tax_year!r}", field="tax_year")
    try:
        term = Term(term)
    except ValueError:
        raise TaxRulesError(f"unknown term {term!r}", field="term") from None
    try:
        reporting = ReportingStatus(reporting)
    except ValueError:
        raise TaxRulesError(f"unknown reporting status {reporting!r}", field="reporting") from None
    digital = bool(is_digital_asset) and tax_year >= DIGITAL_ASSET_BOXES_FROM
    return _BOXES[(digital, term)][_ORDER.index(reporting)]


def schedule_d_line(box: Box | str) -> str:
    """The Schedule D line that takes a box's totals (2025 layout): 1b = A or G, 2 = B or H, 3 = C or I,
    8b = D or J, 9 = E or K, 10 = F or L. Lines 1a and 8a (totals reported without Form 8949) are not
    used: every sale here is listed on Form 8949."""
    try:
        return _SCHEDULE_D_LINE[Box(box)]
    except ValueError:
        raise TaxRulesError(f"unknown Form 8949 box {box!r}", field="box") from None


@dataclass(frozen=True, slots=True)
class Adjustment:
    code: AdjustmentCode
    amount: Decimal  # column (g): positive raises the gain (a disallowed loss), negative lowers it


def wash_sale_adjustment(disallowed_loss: Decimal) -> Adjustment:
    """Code W with the disallowed loss entered in column (g) as a positive number."""
    amount = money(disallowed_loss, "disallowed_loss")
    if amount <= 0:
        raise TaxRulesError("a disallowed wash-sale loss is a positive amount", field="disallowed_loss")
    return Adjustment(code=AdjustmentCode.W, amount=amount)


def column_f_g(adjustments: Iterable[Adjustment]) -> tuple[str, Decimal]:
    """Columns (f) and (g) for a row with several adjustments: every code, in alphabetical order and each
    once, and the net of the amounts."""
    items = list(adjustments)
    codes = "".join(sorted({item.code.value for item in items}))
    return codes, sum((item.amount for item in items), ZERO)


def column_h(proceeds: Decimal, cost: Decimal, adjustment: Decimal = ZERO) -> Decimal:
    """Gain or loss, column (h) = (d) - (e) + (g). Exact: round the row's columns first where the form is
    printed rounded, so the printed row adds up."""
    return money(proceeds, "proceeds") - money(cost, "cost") + money(adjustment, "adjustment")
