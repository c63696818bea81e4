"""Form 8949 rows as TXF (Tax Exchange Format) version 042, for desktop tax software's "import TXF".

Sources: Intuit's TXF specification v042 (change date 11/30/2011; the copy kept in the hledger repository,
examples/TXF-spec-v042.org) and taxdataexchange.org's TXF v042 pages ("Form 1099-B TXF Reference Numbers").

- A file is a header record (V042, A<program name and version>, D<export date MM/DD/YYYY>, ^) followed by
  records; every field is one line starting with its letter, every record ends with a line "^". Lines end
  in CR LF (the spec's preference); the file is ASCII.
- One detail record (TD) per Form 8949 row, C1 and L1 (one copy, one line, as the spec's examples). Record
  format 4: P description, D date acquired, D date sold, $ cost basis, $ sales net (cost first, then
  proceeds, as the spec fixed in version 013). A row with a wash-sale adjustment (code W) uses record
  format 5, which adds a third $ line: the disallowed wash-sale loss, a positive amount (spec examples
  2D and 2G). Amounts are printed to cents with no thousands separators.
- Reference numbers by Form 8949 box (spec section IV, 11/30/2011, and taxdataexchange.org's table):
  321 box A, 711 box B, 712 box C (Part I, short-term); 323 box D, 713 box E, 714 box F (Part II,
  long-term). So a 2024 crypto sale with no 1099-B (box C or F) is 712 or 714.
- TXF has no reference numbers for the digital-asset boxes G-L (tax year 2025 on). Their rows are left
  out, and the header says so: the spec defines no comment line (an unknown line could break an import),
  so the notice goes in the A line, the one free-text header field; `Export.warning` repeats it for the
  page. The A line also carries the metadata (tax year, generated and computed times, basis methods,
  price sources), since the header has no other place for it.
- A row whose adjustment is not a wash sale (another column (f) code) cannot be carried either: TXF has no
  field for it. It is written with its cost and proceeds, and the warning says to add the adjustment in
  the tax software.
"""

from __future__ import annotations

from taxes.exports.common import basis_method_lines, money, plain, sorted_rows, timestamp, us_date, utc_day
from taxes.summary.types import Form8949Row, YearSummary

CONTENT_TYPE = "application/x-txf"
VERSION = "V042"
CODES = {"A": 321, "B": 711, "C": 712, "D": 323, "E": 713, "F": 714}
DIGITAL_ASSET_NOTICE = (
    "Digital-asset sales (Form 8949 boxes G-L) cannot be carried by TXF: use the CSV or PDF"
)


def _text(value: object) -> str:
    return plain(value, charset="ascii")


def _record(row: Form8949Row) -> list[str]:
    lines = [
        "TD",
        f"N{CODES[row.box]}",
        "C1",
        "L1",
        f"P{_text(row.description)}",
        f"D{us_date(row.acquired)}",
        f"D{us_date(row.sold)}",
        f"${money(row.printed_cost)}",
        f"${money(row.printed_proceeds)}",
    ]
    if "W" in row.code and row.printed_adjustment:
        lines.append(f"${money(row.printed_adjustment)}")
    lines.append("^")
    return lines


def _warning(left_out: int, other_adjustments: int) -> str:
    parts = []
    if left_out:
        sales = "sale is" if left_out == 1 else "sales are"
        parts.append(f"{DIGITAL_ASSET_NOTICE} ({left_out} {sales} not in this file).")
    if other_adjustments:
        rows = "sale has" if other_adjustments == 1 else "sales have"
        parts.append(
            f"{other_adjustments} {rows} a column (g) adjustment other than a wash sale, which TXF cannot "
            "carry: enter it in the tax software."
        )
    return " ".join(parts)


def _program_line(summary: YearSummary, warning: str) -> str:
    fields = [f"Lotwise {summary.version}"]
    if warning:
        fields.append(f"NOTE: {warning}")
    fields += [
        f"tax year {summary.year}",
        f"owner {summary.owner}",
        f"generated {timestamp(summary.generated_at)}",
        f"computed {timestamp(summary.computed_at)}",
        "basis " + "; ".join(basis_method_lines(summary)),
        "prices " + "; ".join(summary.price_sources),
    ]
    if summary.portfolio is not None:
        fields.append(f"view of portfolio {summary.portfolio}")
    return "A" + _text(" | ".join(fields))


def render_txf(summary: YearSummary) -> tuple[bytes, str]:
    """The TXF file and the warning for the page ("" when every row is in the file)."""
    records: list[str] = []
    left_out = other_adjustments = 0
    for row in sorted_rows(summary.rows):
        if row.box not in CODES:
            left_out += 1
            continue
        if row.printed_adjustment and "W" not in row.code:
            other_adjustments += 1
        records += _record(row)
    warning = _warning(left_out, other_adjustments)
    header = [VERSION, _program_line(summary, warning), f"D{us_date(utc_day(summary.generated_at))}", "^"]
    return ("\r\n".join(header + records) + "\r\n").encode("ascii"), warning
