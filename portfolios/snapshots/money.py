"""Money, weights and times as a snapshot stores them.

Each lot's value is rounded half-even to the 18 places the database keeps and every total is a sum of such
values, so the parts add up to the total to the last digit; the stored text never has an exponent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from portfolios.fields import QUANTITY_PLACES

ZERO = Decimal(0)
MONEY = Decimal(1).scaleb(-QUANTITY_PLACES)
WEIGHT = Decimal("0.000001")  # weights and percentages: fractions to 1e-6 (0.0001 percentage points)
WIDE = Context(prec=80, rounding=ROUND_HALF_EVEN)


def as_text(value: Decimal | None) -> str | None:
    """Exact decimal string without exponent or trailing zeros ("1E+2" never appears)."""
    if value is None:
        return None
    if not value:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def round_money(value: Decimal) -> Decimal:
    return value.quantize(MONEY, context=WIDE)


def ratio(part: Decimal, whole: Decimal) -> Decimal:
    with localcontext(WIDE):
        return (part / whole).quantize(WEIGHT)


def iso_utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()
