"""What every format shares: reading a CSV with its original line numbers, numbers, dates, and the shape
of a converted ledger row.

A converter turns a foreign file into Lotwise ledger rows (strings, as a Lotwise CSV would give them) and
keeps, for every Lotwise field, the file's own line and column it came from, so the importer's checks can
name the place in the file the user actually has.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Context, Decimal, InvalidOperation
from itertools import pairwise

from portfolios.transaction_checks import EARLIEST, EARLIEST_MOMENT

ZERO = Decimal(0)
PLACES = Decimal("1e-18")  # Lotwise keeps at most 18 decimal places
_WIDE = Context(prec=60)  # room for 15 integer digits and 18 places, whatever the thread's context
# Foreign files name cash by its currency code; only USD can be valued without a price.
FIAT = frozenset(
    {"USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "NZD", "SGD", "HKD", "KRW", "TRY", "BRL", "MXN"}
    | {"INR", "ZAR", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "ILS", "AED", "ARS", "NGN", "UAH", "RUB"}
)
_CURRENCY_SIGNS = str.maketrans("", "", "$€£¥ \u00a0'")
_US_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
_AS_OF = re.compile(r"\bas of\b", re.IGNORECASE)
_UTC_SUFFIX = re.compile(r"\s+(UTC|GMT)$", re.IGNORECASE)
OUT_OF_RANGE = f"dates run from {EARLIEST:%Y-%m-%d} to today"


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass(frozen=True)
class Source:
    """Where in the foreign file a value came from."""

    line: int
    column: str


@dataclass
class Record:
    line: int  # the physical line the record starts on
    cells: dict[str, str]

    def get(self, column: str | None) -> str:
        if not column:
            return ""
        if column not in self.cells:
            wanted = norm(column)
            column = next((k for k in self.cells if norm(k) == wanted), column)
        return (self.cells.get(column) or "").strip()

    def at(self, column: str | None) -> Source:
        return Source(self.line, column or "row")


@dataclass
class Table:
    header: list[str]
    header_line: int
    records: list[Record]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    def column(self, *names: str) -> str | None:
        """The header's own spelling of the first of `names` it has (matched without case or spacing)."""
        have = {norm(h): h for h in self.header}
        for name in names:
            if norm(name) in have:
                return have[norm(name)]
        return None

    def need(self, name: str, *others: str) -> str:
        """A column detection found: the header's spelling of it."""
        return self.column(name, *others) or name


@dataclass
class LedgerRow:
    """One Lotwise ledger row made from one or more rows of a foreign file."""

    type: str
    account: str
    when: datetime
    sources: dict[str, Source]  # Lotwise field -> the file's line and column
    asset: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    fee: Decimal | None = None
    counter_asset: str = ""
    counter_quantity: Decimal | None = None
    to_account: str = ""
    external_id: str = ""
    notes: str = ""
    becomes: str = ""
    hint: str = ""  # added to lot errors on this row: what the user can do about them

    @property
    def lines(self) -> list[int]:
        return sorted({s.line for s in self.sources.values()})

    @property
    def line(self) -> int:
        return self.lines[0]

    def source(self, lotwise_field: str) -> Source:
        return self.sources.get(lotwise_field) or self.sources.get("type") or Source(self.line, "row")

    def values(self) -> dict[str, str]:
        return {
            "timestamp": self.when.isoformat(),
            "account": self.account,
            "type": self.type,
            "asset": self.asset,
            "quantity": text(self.quantity),
            "unit_price": text(self.unit_price),
            "fee": text(self.fee),
            "counter_asset": self.counter_asset,
            "counter_quantity": text(self.counter_quantity),
            "to_account": self.to_account,
            "external_id": self.external_id,
            "notes": self.notes,
        }


@dataclass
class Conversion:
    format: str
    label: str
    rows: list[LedgerRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    source_rows: int = 0
    mapping: dict[str, str] = field(default_factory=dict)


def norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


def text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize(_WIDE):f}" if value else "0"


def read_rows(
    content: str, *, limit: int | None = None
) -> tuple[list[tuple[int, list[str]]], LineError | None]:
    """Every CSV record with the line it starts on; a malformed file stops with the line it broke on."""
    reader = csv.reader(io.StringIO(content, newline=""))
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            out.append((start, cells))
            start = reader.line_num + 1
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as exc:
        return out, LineError(start, "row", f"not readable as CSV: {exc}.")
    return out, None


def table(content: str, header_index: int) -> Table:
    """The records after the header row (the rows before it are an export's preamble)."""
    rows, broken = read_rows(content)
    line, header = rows[header_index]
    names = [h.replace("\ufeff", "").strip() for h in header]
    out = Table(header=names, header_line=line, records=[])
    if broken:
        out.errors.append(broken)
    width = len(names)
    for line, cells in rows[header_index + 1 :]:
        filled = [c for c in cells if c.strip()]
        if not filled:
            continue
        if len(filled) == 1 and width > 2:
            out.skipped.append((line, f"a note, not a transaction: {filled[0].strip()[:60]!r}"))
            continue
        extra = sum(1 for c in cells[width:] if c.strip())
        if extra:
            out.errors.append(LineError(line, "row", f"{extra} more value(s) than the header has columns."))
            continue
        out.records.append(Record(line, dict(zip(names, cells, strict=False))))
    return out


def number(
    rec: Record, column: str | None, errors: list[LineError], *, required: bool = True
) -> Decimal | None:
    """A decimal from an export cell: `$1,234.50`, `-€3.20`, `(12.00)`; never a float."""
    raw = rec.get(column)
    if not raw:
        if required and column:
            errors.append(LineError(rec.line, column, "required."))
        return None
    return decimal_in(raw, Source(rec.line, column or "row"), errors)


def decimal_in(raw: str, at: Source, errors: list[LineError]) -> Decimal | None:
    value = raw.strip().translate(_CURRENCY_SIGNS).replace(",", "").replace("\u2212", "-")
    negative = value.startswith("(") and value.endswith(")")
    value = value.strip("()")
    problem = None
    try:
        result = Decimal(value)
    except InvalidOperation:
        problem = f"{raw!r} is not a number."
    else:
        if not result.is_finite():
            problem = f"{raw!r} is not a finite number."
        elif result and result.adjusted() >= 15:
            problem = f"{raw!r} must be less than 10^15."
        elif result and result.adjusted() < -18:
            problem = f"{raw!r} has more than 18 decimal places."
    if problem:
        errors.append(LineError(at.line, at.column, problem))
        return None
    return -result if negative else result


def divide(amount: Decimal, quantity: Decimal) -> Decimal:
    """A unit price from a total: rounded to Lotwise's 18 places, which no cent of the total notices."""
    return _WIDE.divide(amount, quantity).quantize(PLACES, context=_WIDE).normalize(_WIDE)


def when(rec: Record, column: str | None, errors: list[LineError]) -> datetime | None:
    """An export's timestamp in UTC. A date without a time is taken at noon UTC, which is the same
    calendar day in every US time zone (midnight UTC would be the day before there)."""
    raw = rec.get(column)
    try:
        parsed = _parsed(raw)
    except OverflowError:
        if column:
            errors.append(LineError(rec.line, column, f"{raw!r} is out of range: {OUT_OF_RANGE}."))
        return None
    if parsed is None and column:
        what = f"{raw!r} is not a date" if raw else "required"
        errors.append(LineError(rec.line, column, f"{what} (e.g. 2024-03-01 14:00:00 or 03/01/2024)."))
    return parsed


def parse_when(raw: str) -> datetime | None:
    """An export's timestamp in UTC, or None when it is not one (or is before 1900, see EARLIEST)."""
    try:
        return _parsed(raw)
    except OverflowError:
        return None


def _parsed(raw: str) -> datetime | None:
    """parse_when, except that a time before EARLIEST, or one whose UTC equivalent is outside the years
    1-9999, raises OverflowError."""
    parsed = _read_when(raw)
    if parsed is not None and parsed < EARLIEST_MOMENT:
        raise OverflowError(f"{raw!r} is before {EARLIEST}")
    return parsed


def _read_when(raw: str) -> datetime | None:
    value = raw.strip()
    if _AS_OF.search(value):
        value = _AS_OF.split(value)[-1].strip()
    value = _UTC_SUFFIX.sub("", value).strip()
    if not value:
        return None
    us = _US_DATE.match(value)
    try:
        if us:
            month, day, year, hour, minute, second = us.groups()
            full_year = int(year) + (2000 if len(year) == 2 else 0)
            day_value = date(full_year, int(month), int(day))
            if hour is None:
                return datetime.combine(day_value, time(12), UTC)
            clock = time(int(hour), int(minute), int(second or 0))
            return datetime.combine(day_value, clock, UTC)
        if re.match(r"^\d{2}-\d{2}-\d{2} ", value):  # two-digit years in older statements
            value = "20" + value
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(12), UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def content_id(prefix: str, *parts: str) -> str:
    return f"{prefix}:h:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def record_id(prefix: str, records: list[Record]) -> str:
    """An id for rows the file gives no id: a hash of their cells, stable across re-exports."""
    parts = [f"{k}={v.strip()}" for rec in records for k, v in sorted(rec.cells.items())]
    return content_id(prefix, *parts)


def unique_ids(rows: list[LedgerRow]) -> None:
    """Rows whose content is the same (two identical buys) are two facts: number the repeats."""
    seen: Counter[str] = Counter()
    for row in rows:
        if not row.external_id:
            continue
        seen[row.external_id] += 1
        if seen[row.external_id] > 1:
            row.external_id = f"{row.external_id}#{seen[row.external_id]}"


def chronological(rows: list[LedgerRow]) -> list[LedgerRow]:
    """Rows in time order. Exports that list the newest first are read bottom-up, so events at the same
    time (a buy and a sale on one day) keep the order in which they happened."""
    by_line = sorted(rows, key=lambda r: r.line)
    later = sum(1 for a, b in pairwise(by_line) if b.when > a.when)
    earlier = sum(1 for a, b in pairwise(by_line) if b.when < a.when)
    if earlier > later:
        by_line.reverse()
    return sorted(by_line, key=lambda r: r.when)


@dataclass(frozen=True)
class Options:
    account: str | None = None  # the account a single-account export goes to (default: the source's name)
    mapping: dict[str, str] | None = None  # brokerage CSV: Lotwise meaning -> the file's column


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    matches: Callable[[list[str]], bool]  # given a candidate header row
    convert: Callable[[Table, Options], Conversion]


def has_columns(*names: str) -> Callable[[list[str]], bool]:
    wanted = {norm(n) for n in names}
    return lambda header: wanted <= {norm(h) for h in header}
