"""Display filters for exact decimals: money, quantities, percentages, and the sign class that colours them.

Values arrive as Decimal or as the exact decimal strings snapshots store; nothing here goes through float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

MISSING = "—"
CENT = Decimal("0.01")
Q8 = Decimal("0.00000001")


def to_decimal(value: Any) -> Decimal | None:
    """Decimal from a Decimal, int or exact decimal string; None for None, "", floats' enemies and junk."""
    if type(value) is Decimal:  # the common case first: the dashboard formats thousands of these
        return value if value.is_finite() else None
    if value is None or value == "" or isinstance(value, bool | float):
        return None
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _group(number: Decimal, places: int) -> str:
    """`number` already quantized: thousands separators, ASCII minus (so it pastes into a spreadsheet)."""
    text = f"{abs(number):,.{places}f}"
    return f"-{text}" if number < 0 and text.strip("0.,") else text


@register.filter
def money(value: Any) -> str:
    """1234.5 -> "1,234.50"; -3 -> "-3.00"; None -> "—". Rounded half-up to the cent."""
    number = to_decimal(value)
    if number is None:
        return MISSING
    return _group(number.quantize(CENT, rounding=ROUND_HALF_UP), 2)


@register.filter
def qty(value: Any) -> str:
    """Up to 8 decimals, trailing zeros trimmed: "0.50000000" -> "0.5", "1200" -> "1,200"."""
    number = to_decimal(value)
    if number is None:
        return MISSING
    if number and abs(number) < Q8 / 2:
        return "<0.00000001" if number > 0 else "-<0.00000001"
    rounded = number.quantize(Q8, rounding=ROUND_HALF_UP)
    text = _group(rounded, 8)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def pct(value: Any, places: Any = 2) -> str:
    """A fraction as a percentage: "0.2531" -> "25.31%"; `places` decimals (default 2)."""
    number = to_decimal(value)
    if number is None:
        return MISSING
    digits = int(places)
    quantum = Decimal(1).scaleb(-digits)
    return _group((number * 100).quantize(quantum, rounding=ROUND_HALF_UP), digits) + "%"


@register.filter
def pp(value: Any, places: Any = 1) -> str:
    """A difference of two fractions in signed percentage points: "0.072" -> "+7.2 pp"."""
    number = to_decimal(value)
    if number is None:
        return MISSING
    digits = int(places)
    points = (number * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = _group(points, digits)
    return f"+{text} pp" if points > 0 else f"{text} pp"


@register.filter
def signclass(value: Any) -> str:
    """The CSS class for a signed amount: "neg" below zero, "pos" above, "" at zero or unknown."""
    number = to_decimal(value)
    if number is None or number == 0:
        return ""
    return "neg" if number < 0 else "pos"


@register.filter
def treatment(value: Any) -> str:
    """ "tax_free" -> "Tax-free" (the account's tax treatment label)."""
    from portfolios.models import TaxTreatment

    try:
        return str(TaxTreatment(value).label)
    except ValueError:
        return str(value)


@register.simple_tag
def optional_url(name: str, *args: Any) -> str:
    """`{% url %}` for a page that may not exist (yet): "" instead of NoReverseMatch. A page that takes no
    portfolio id is linked without one."""
    for attempt in (args, ()) if args else ((),):
        try:
            return reverse(name, args=attempt)
        except NoReverseMatch:
            continue
    return ""


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, key: str) -> str:
    """The query string that sorts by `key`, flipping direction when the table is already sorted by it."""
    current = context.get("sort", "")
    wanted = f"-{key}" if current == key else key
    params = context["request"].GET.copy()
    params["sort"] = wanted
    params.pop("page", None)
    return "?" + str(params.urlencode())
