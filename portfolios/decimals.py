"""Exact decimals on their way out: text without rounding, cents for forms, and safe spreadsheet cells.

Python's default decimal context keeps 28 significant digits, and `normalize()`, arithmetic and `quantize()`
under it round silently: 12345678901.123456789012345678 has 29. Everything here works in a context wide
enough for the largest value the ledger stores (10^21 with 18 decimals), so nothing is rounded by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

WIDE = Context(prec=80, rounding=ROUND_HALF_EVEN)
CENT = Decimal("0.01")
ZERO = Decimal(0)


def exact_text(value: Decimal | None) -> str:
    """Fixed-point text without trailing zeros, never in exponent form and never rounded:
    1.500 -> "1.5", 1E+2 -> "100", None -> ""."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-0"):
        return "0"
    return text


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum, however many digits it needs."""
    total = ZERO
    for value in values:
        total = WIDE.add(total, value)
    return total


def cents(value: Decimal) -> Decimal:
    """Rounded half-up to the cent, as a form prints it."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=WIDE)


def cents_text(value: Decimal) -> str:
    return format(cents(value), "f")


# OWASP's rule for CSV injection: a cell that a spreadsheet would read as a formula gets a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value safe to write into a CSV cell: numbers pass; text that starts like a formula is neutralised."""
    if isinstance(value, Decimal | int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        try:
            Decimal(text)
        except ArithmeticError:
            return "'" + text
        return text  # a negative number written as text stays a number
    return text


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_cell(v) for v in values]
