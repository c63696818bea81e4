"""What every export shares: the printed totals, the order of boxes, labels, dates, metadata and file names.

Each file computes its totals from the rows it prints (`printed_totals`), never from a rounded exact total,
so a file always adds up on its own; the summary's `boxes[].printed` come from the same rows and agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from portfolios.decimals import cents, exact_sum, exact_text
from taxes.summary.types import Form8949Row, Totals, YearSummary

SHORT_BOXES = ("A", "B", "C", "G", "H", "I")

PART_NAMES = {"short": "I", "long": "II"}
PART_TITLES = {
    "short": "Part I - Short-term (assets held one year or less)",
    "long": "Part II - Long-term (assets held more than one year)",
}
BOX_TITLES = {
    "A": "Short-term transactions reported on Form(s) 1099-B showing basis was reported to the IRS",
    "B": "Short-term transactions reported on Form(s) 1099-B showing basis wasn't reported to the IRS",
    "C": "Short-term transactions not reported to you on Form 1099-B",
    "D": "Long-term transactions reported on Form(s) 1099-B showing basis was reported to the IRS",
    "E": "Long-term transactions reported on Form(s) 1099-B showing basis wasn't reported to the IRS",
    "F": "Long-term transactions not reported to you on Form 1099-B",
    "G": "Short-term transactions reported on Form(s) 1099-DA showing basis was reported to the IRS",
    "H": "Short-term transactions reported on Form(s) 1099-DA showing basis wasn't reported to the IRS",
    "I": "Short-term transactions not reported to you on Form 1099-DA",
    "J": "Long-term transactions reported on Form(s) 1099-DA showing basis was reported to the IRS",
    "K": "Long-term transactions reported on Form(s) 1099-DA showing basis wasn't reported to the IRS",
    "L": "Long-term transactions not reported to you on Form 1099-DA",
}
BOX_BRIEF = {
    "A": "1099-B, basis reported",
    "B": "1099-B, basis not reported",
    "C": "no 1099-B",
    "D": "1099-B, basis reported",
    "E": "1099-B, basis not reported",
    "F": "no 1099-B",
    "G": "1099-DA, basis reported",
    "H": "1099-DA, basis not reported",
    "I": "no 1099-DA",
    "J": "1099-DA, basis reported",
    "K": "1099-DA, basis not reported",
    "L": "no 1099-DA",
}
ESTIMATE_LABEL = "Estimate - not tax advice"

# Typographic characters that appear in notes and names, spelled in ASCII for latin-1 fonts and TXF.
_ASCII_SPELLING = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00d7": "x",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "*",
        "\u2264": "<=",
        "\u2265": ">=",
        "\u2192": "->",
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def plain(text: object, *, charset: str = "latin-1") -> str:
    """`text` on one line in `charset`: typographic marks spelled out, control characters (a newline in a
    name) as spaces, anything else outside the charset as "?"."""
    # Most text (every row's description) is printable ASCII already, which all of this leaves as it is.
    if type(text) is str and text.isascii() and text.isprintable():
        return text
    line = _CONTROL.sub(" ", str(text).translate(_ASCII_SPELLING))
    return line.encode(charset, errors="replace").decode(charset)


def box_order(box: str) -> tuple[int, str]:
    """Part I boxes before Part II, each by letter (A, B, C, G, H, I then D, E, F, J, K, L)."""
    return (0 if box in SHORT_BOXES else 1, box)


def part_of(box: str) -> str:
    return "short" if box in SHORT_BOXES else "long"


def money(value: Decimal) -> str:
    """An amount as printed in CSV and TXF: cents, plain digits, a minus sign for a loss."""
    rounded = cents(value)
    return format(rounded if rounded else abs(rounded), "f")  # never "-0.00"


def printed_money(value: Decimal) -> str:
    """`money` of an amount already in cents (a row's printed columns): the same text without rounding
    again, which a file of 100k rows would do 400k times."""
    text = format(value, "f")
    if text[-3:-2] != ".":
        return money(value)  # not two places after all: the general path
    return "0.00" if text == "-0.00" else text


def percent(rate: Decimal) -> str:
    return exact_text(rate * 100) + "%"


@functools.lru_cache(maxsize=4096)
def us_date(day: date) -> str:
    """MM/DD/YYYY, as Form 8949 and TXF want it. Cached: a year's sales share few dates."""
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"


def utc_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(UTC).date()


def timestamp(moment: datetime | None) -> str:
    """ISO 8601 in UTC, to the second; "never" for a ledger not computed yet."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def printed_amounts(row: Form8949Row) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Columns (d), (e), (g) and (h) as printed, read once per row (a year can have 100k rows)."""
    return row.printed_proceeds, row.printed_cost, row.printed_adjustment, row.printed_gain


def printed_totals(rows: Iterable[Form8949Row]) -> Totals:
    totals = Totals()
    for row in rows:
        totals.add(*printed_amounts(row))
    return totals


def rows_by_box(rows: Iterable[Form8949Row]) -> dict[str, list[Form8949Row]]:
    """The rows of each box, boxes in form order, rows in the summary's order."""
    grouped: dict[str, list[Form8949Row]] = {}
    for row in rows:
        grouped.setdefault(row.box, []).append(row)
    return {box: grouped[box] for box in sorted(grouped, key=box_order)}


def totals_by_box(rows: Iterable[Form8949Row]) -> dict[str, Totals]:
    return {box: printed_totals(items) for box, items in rows_by_box(rows).items()}


def totals_by_part(by_box: dict[str, Totals]) -> dict[str, Totals]:
    """Part I and Part II: the sums of their boxes' printed totals (both parts, even when empty)."""
    parts = {"short": Totals(), "long": Totals()}
    for box, t in by_box.items():
        part = parts[part_of(box)]
        part.rows += t.rows
        part.proceeds += t.proceeds
        part.cost += t.cost
        part.adjustment += t.adjustment
        part.gain += t.gain
    return parts


def printed_sum(values: Iterable[Decimal]) -> Decimal:
    """A total as the forms take it: the sum of the amounts each rounded to cents first."""
    return exact_sum(cents(v) for v in values)


def scope(summary: YearSummary) -> str:
    if summary.portfolio is None:
        return "the whole return (all portfolios)"
    return (
        f'a view of the portfolio "{summary.portfolio}": its rows, income and gifts; Schedule D, the '
        "carryforward and the estimate are the whole return's"
    )


def basis_method_lines(summary: YearSummary) -> list[str]:
    return [f"{account}: {method}" for account, method in summary.basis_methods.items()]


def metadata(summary: YearSummary) -> list[tuple[str, str]]:
    """What a reader needs to reproduce the report, as (key, value) pairs in a fixed order; keys repeat
    for lists (one basis method per account, one price source per source)."""
    items = [
        ("lotwise_version", summary.version),
        ("tax_year", str(summary.year)),
        ("owner", summary.owner),
        ("scope", scope(summary)),
        ("generated_at", timestamp(summary.generated_at)),
        ("computed_at", timestamp(summary.computed_at)),
    ]
    items += [("basis_method", line) for line in basis_method_lines(summary)]
    items += [("price_source", source) for source in summary.price_sources]
    items.append(("carryover_source", summary.carryover_source))
    items += [("note", note) for note in summary.notes]
    items += [("problem", problem) for problem in summary.problems]
    return items


def filename(summary: YearSummary, stem: str, extension: str) -> str:
    """lotwise-2025-form-8949.csv; a portfolio view adds the portfolio's name so it never passes for the
    whole return."""
    parts = ["lotwise", str(summary.year)]
    if summary.portfolio is not None:
        slug = re.sub(r"[^a-z0-9]+", "-", plain(summary.portfolio, charset="ascii").lower()).strip("-")
        parts.append(slug or "portfolio")
    parts.append(stem)
    return "-".join(parts) + "." + extension


def sorted_rows(rows: Sequence[Form8949Row]) -> list[Form8949Row]:
    """Rows grouped by box in form order, keeping the summary's order inside a box."""
    return [row for items in rows_by_box(rows).values() for row in items]
