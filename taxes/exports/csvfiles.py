"""The CSV downloads: Form 8949 rows, the totals per box and Schedule D line, and a TurboTax-style gains file.

Every cell goes through `portfolios.decimals.csv_row`, so text that a spreadsheet would run as a formula
(an account named "=HYPERLINK(...)") arrives as text. Money is rounded to cents per row; every total is the
sum of the printed rows. Files are UTF-8 without a byte-order mark, RFC 4180 (CRLF line ends).

Where the metadata goes: a leading comment line is not part of CSV and breaks importers and spreadsheets'
header detection, so the Form 8949 and TurboTax files are rows only (header + one line per sale) and the
totals file carries the metadata in its trailing lines (`kind` = "metadata": the Lotwise version, tax year,
owner, scope, generated and computed times, one line per account's basis method, one per price source,
the carryover's source, notes and problems).

Layouts
- form_8949 (`csv`): box, part (I/II), term, (a) description, (b) date acquired, (c) date sold, (d) proceeds,
  (e) cost or other basis, (f) code, (g) adjustment, (h) gain or (loss), portfolio, account, asset,
  quantity (exact). Dates are ISO 8601. Rows are grouped by box in form order (Part I, then Part II).
- totals: kind, label, box, part, schedule_d_line, rows, proceeds, cost, adjustment, gain, value.
  `box` lines (one per box) and `part_total` lines fill rows..gain; `schedule_d` lines (6, 7, 14, 15, 16,
  21) and `carryforward` lines (short, long: into next year, positive amounts) put their amount in
  `value`; carryovers into the year (lines 6 and 14) are negative there, as they reduce the net.
- turbotax: Description, Date Acquired, Date Sold, Proceeds, Cost Basis, Wash Sale Loss Disallowed.
  TurboTax publishes no layout for a generic gains file; these five columns are the ones gains importers
  take (TaxAct's "create your own spreadsheet" 1099-B import, taxact.com/support/882, requires the same
  five), with US dates (MM/DD/YYYY). The wash-sale column has the name of Form 1099-B box 1g and is empty
  for a sale without a disallowed loss. The box of each sale is not in this file (importers ask for it);
  use the Form 8949 CSV or the TXF where the box matters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

from portfolios.decimals import csv_cell, csv_row, exact_text
from taxes.exports.common import (
    BOX_TITLES,
    PART_NAMES,
    metadata,
    money,
    part_of,
    printed_money,
    rows_by_box,
    sorted_rows,
    totals_by_box,
    totals_by_part,
    us_date,
)
from taxes.rules import schedule_d_line
from taxes.summary.types import Totals, YearSummary

CONTENT_TYPE = "text/csv; charset=utf-8"

FORM_8949_HEADER = (
    "box",
    "part",
    "term",
    "(a) description",
    "(b) date acquired",
    "(c) date sold",
    "(d) proceeds",
    "(e) cost or other basis",
    "(f) code",
    "(g) adjustment",
    "(h) gain or (loss)",
    "portfolio",
    "account",
    "asset",
    "quantity",
)
TOTALS_HEADER = (
    "kind",
    "label",
    "box",
    "part",
    "schedule_d_line",
    "rows",
    "proceeds",
    "cost",
    "adjustment",
    "gain",
    "value",
)
TURBOTAX_HEADER = (
    "Description",
    "Date Acquired",
    "Date Sold",
    "Proceeds",
    "Cost Basis",
    "Wash Sale Loss Disallowed",
)


def _write(lines: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    return buffer.getvalue().encode("utf-8")


def _safe(values: Iterable[object]) -> list[object]:
    return csv_row(values)


def _text_cells() -> Callable[[str], object]:
    """`csv_cell` for the text columns, remembered: names repeat on every row of a large year."""
    seen: dict[str, object] = {}

    def cell(text: str) -> object:
        safe = seen.get(text)
        if safe is None:
            safe = seen[text] = csv_cell(text)
        return safe

    return cell


def render_form_8949(summary: YearSummary) -> bytes:
    # Only the text columns can start like a formula: box, part, dates, amounts and the exact quantity are
    # letters and numbers Lotwise writes itself, so they skip `csv_cell` (100k rows x 15 cells).
    lines: list[Sequence[object]] = [_safe(FORM_8949_HEADER)]
    append = lines.append
    cell = _text_cells()
    for row in sorted_rows(summary.rows):
        append(
            (
                row.box,
                PART_NAMES[row.part],
                row.part,
                cell(row.description),
                row.acquired.isoformat(),
                row.sold.isoformat(),
                printed_money(row.printed_proceeds),
                printed_money(row.printed_cost),
                row.code,
                printed_money(row.printed_adjustment),
                printed_money(row.printed_gain),
                cell(row.portfolio),
                cell(row.account),
                cell(row.asset),
                exact_text(row.quantity),
            )
        )
    return _write(lines)


def _amounts(t: Totals) -> list[object]:
    return [t.rows, money(t.proceeds), money(t.cost), money(t.adjustment), money(t.gain)]


def _value_line(kind: str, label: str, part: str, line: str, value: str) -> list[object]:
    return [kind, label, "", part, line, "", "", "", "", "", value]


def render_totals(summary: YearSummary) -> bytes:
    by_box = totals_by_box(summary.rows)
    lines = [_safe(TOTALS_HEADER)]
    for box, t in by_box.items():
        part = part_of(box)
        line = schedule_d_line(box)
        label = f"Form 8949 Part {PART_NAMES[part]}, box {box} checked: {BOX_TITLES[box]}"
        lines.append(_safe(["box", label, box, PART_NAMES[part], line, *_amounts(t), ""]))
    for part, t in totals_by_part(by_box).items():
        label = f"Part {PART_NAMES[part]} total ({part}-term), all boxes"
        lines.append(_safe(["part_total", label, "", PART_NAMES[part], "", *_amounts(t), ""]))

    sched = summary.schedule_d
    carry_in = sched.carryover_in
    next_year = summary.year + 1
    for kind, label, part, line, amount in (
        ("schedule_d", "Line 6: short-term capital loss carryover", "I", "6", -carry_in.short_term),
        ("schedule_d", "Line 7: net short-term capital gain or (loss)", "I", "7", sched.line_7),
        ("schedule_d", "Line 14: long-term capital loss carryover", "II", "14", -carry_in.long_term),
        ("schedule_d", "Line 15: net long-term capital gain or (loss)", "II", "15", sched.line_15),
        ("schedule_d", "Line 16: lines 7 and 15 combined", "", "16", sched.line_16),
        ("schedule_d", "Line 21: capital loss allowed this year", "", "21", sched.line_21),
        (
            "carryforward",
            f"Short-term capital loss carried forward to {next_year}",
            "I",
            "",
            sched.carryover_out.short_term,
        ),
        (
            "carryforward",
            f"Long-term capital loss carried forward to {next_year}",
            "II",
            "",
            sched.carryover_out.long_term,
        ),
    ):
        lines.append(_safe(_value_line(kind, label, part, line, money(amount))))
    for key, value in metadata(summary):
        lines.append(_safe(_value_line("metadata", key, "", "", value)))
    return _write(lines)


def render_turbotax(summary: YearSummary) -> bytes:
    lines: list[Sequence[object]] = [_safe(TURBOTAX_HEADER)]
    append = lines.append
    cell = _text_cells()
    for rows in rows_by_box(summary.rows).values():
        for row in rows:
            wash = printed_money(row.printed_adjustment) if "W" in row.code else ""
            append(
                (
                    cell(row.description),
                    us_date(row.acquired),
                    us_date(row.sold),
                    printed_money(row.printed_proceeds),
                    printed_money(row.printed_cost),
                    wash,
                )
            )
    return _write(lines)
