"""Which file is this? Its header decides, wherever it sits in the first lines (exports put a preamble before
it). A Lotwise CSV, or a file no format recognises, is left to the Lotwise importer, which reports its header.
"""

from __future__ import annotations

from portfolios.models.ledger import LEDGER_FIELDS

from . import binance, brokerage, coinbase, cointracker, koinly, kraken
from .common import Conversion, Format, LineError, Options, norm, read_rows, table

# Specific layouts first: the brokerage CSV is recognised by its column names' meaning, which a
# specific export's header might also satisfy.
FORMATS: tuple[Format, ...] = (
    coinbase.FORMAT,
    kraken.FORMAT,
    binance.FORMAT,
    koinly.EXPORT,
    koinly.UNIVERSAL,
    cointracker.EXPORT,
    cointracker.TEMPLATE,
    brokerage.FORMAT,
)
BY_KEY = {f.key: f for f in FORMATS}
FORMAT_KEYS = ("lotwise", *BY_KEY)
SCAN = 40  # header lines are searched for this far down


def detect(content: str, *, force: str | None = None) -> tuple[Format, int] | None:
    """The format and the index of its header row among the file's records, or None for a Lotwise CSV."""
    rows, _broken = read_rows(content, limit=SCAN)
    candidates = [BY_KEY[force]] if force else list(FORMATS)
    first = True
    for index, (_line, cells) in enumerate(rows):
        if not any(c.strip() for c in cells):
            continue
        fmt = next((f for f in candidates if f.matches(cells)), None)
        if fmt is not None:
            return fmt, index
        # A first line that names Lotwise columns is a Lotwise CSV, perhaps with a bad header.
        if first and force is None and _lotwise(cells):
            return None
        first = False
    return None


def convert(
    content: str,
    *,
    account: str | None = None,
    mapping: dict[str, str] | None = None,
    format: str | None = None,
) -> Conversion | None:
    """The file as Lotwise rows, or None when it is (or can only be read as) a Lotwise CSV.

    `format` forces one (a key of FORMAT_KEYS); a `mapping` means the brokerage CSV with these columns.
    """
    if format == "lotwise":
        return None
    if format is not None and format not in BY_KEY:
        problem = f"unknown format {format!r}; expected one of {', '.join(FORMAT_KEYS)}."
        return Conversion(format=format, label=format, errors=[LineError(0, "format", problem)])
    options = Options(account=account or None, mapping=mapping or None)
    if mapping:
        return _mapped(content, options)
    found = detect(content, force=format)
    if found is None:
        if format is None:
            return None
        fmt = BY_KEY[format]
        problem = f"no {fmt.label} header in the first {SCAN} lines."
        return Conversion(format=fmt.key, label=fmt.label, errors=[LineError(1, "header", problem)])
    fmt, index = found
    return fmt.convert(table(content, index), options)


def mapping_columns(content: str) -> tuple[list[str], dict[str, str]] | None:
    """The columns a brokerage CSV's mapping step offers, and the mapping their names suggest: for a file
    detected as a brokerage CSV, or for one no format recognises whose first line names at least two of
    a brokerage CSV's usual columns. None for any other file (a Lotwise CSV or a known export)."""
    rows, _broken = read_rows(content, limit=SCAN)
    found = detect(content)
    if found is not None:
        fmt, index = found
        if fmt.key != brokerage.FORMAT.key:
            return None
        header = rows[index][1]
    else:
        first = next((cells for _line, cells in rows if any(c.strip() for c in cells)), None)
        if first is None or _lotwise(first):
            return None
        header = first
    columns = [name for name in (h.replace("\ufeff", "").strip() for h in header) if name]
    suggested = brokerage.proposal(columns)
    if found is None and len(suggested) < 2:
        return None
    return columns, suggested


def _lotwise(cells: list[str]) -> bool:
    names = {c.strip() for c in cells}
    return "timestamp" in names or len(names & set(LEDGER_FIELDS)) >= 3


def _mapped(content: str, options: Options) -> Conversion:
    """A brokerage CSV read with the owner's column mapping: its header is the row that has those columns."""
    assert options.mapping is not None
    fmt = brokerage.FORMAT
    wanted = {norm(c) for c in options.mapping.values() if c}
    rows, _broken = read_rows(content, limit=SCAN)
    for index, (_line, cells) in enumerate(rows):
        if wanted <= {norm(c) for c in cells}:
            return fmt.convert(table(content, index), options)
    missing = ", ".join(sorted(options.mapping.values()))
    problem = f"no header with the mapped columns ({missing}) in the first {SCAN} lines."
    return Conversion(format=fmt.key, label=fmt.label, errors=[LineError(1, "header", problem)])
