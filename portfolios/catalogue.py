"""The bundled asset catalogue: well-known symbols with their asset class, name and price-source id.

The data lives in `data/asset_catalogue.csv` so a new coin or fund is a data change. A symbol is not an
identity: the same ticker can be a coin and a security (T is AT&T and Threshold Network), so a lookup
returns every entry and only a symbol listed under one class is classified; the caller asks the owner
about the rest.

No Django import here: the importer preview, forms and the asset-creation service all read it, and it
must work before the app registry is ready.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "asset_catalogue.csv"
COLUMNS = ("symbol", "asset_class", "name", "price_source", "price_source_id")

# The values of portfolios.models.AssetClass that a catalogue row may carry (never "cash").
DIGITAL_CLASSES = frozenset({"crypto", "stablecoin"})
SECURITY_CLASSES = frozenset({"etf", "stock", "bond"})
ASSET_CLASSES = DIGITAL_CLASSES | SECURITY_CLASSES

COINGECKO = "coingecko"
YAHOO = "yahoo"
# Which price source prices each class: a coin priced by a stock feed (or the reverse) is a data error.
SOURCE_FOR_CLASS = {cls: COINGECKO for cls in DIGITAL_CLASSES} | {cls: YAHOO for cls in SECURITY_CLASSES}

# Brokers write a share class as BRK.B, BRK/B, BRK-B or "BRK B"; the catalogue writes BRK.B.
_SHARE_CLASS_SEPARATORS = str.maketrans({"/": ".", "-": ".", " ": "."})


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the line."""


@dataclass(frozen=True)
class CatalogueEntry:
    symbol: str
    asset_class: str
    name: str
    price_source: str
    price_source_id: str

    @property
    def is_digital(self) -> bool:
        return self.asset_class in DIGITAL_CLASSES


def normalize_symbol(symbol: str) -> str:
    """The catalogue's spelling of a symbol: upper case, share class after a dot."""
    return symbol.strip().upper().translate(_SHARE_CLASS_SEPARATORS)


def _parse_row(row: Mapping[str, str | None], line: int) -> CatalogueEntry:
    values = {column: (row.get(column) or "").strip() for column in COLUMNS}
    symbol = values["symbol"]
    if not symbol:
        raise CatalogueError(f"line {line}: empty symbol")
    if symbol != normalize_symbol(symbol):
        raise CatalogueError(f"line {line}: symbol {symbol!r} is not written as {normalize_symbol(symbol)!r}")
    asset_class = values["asset_class"]
    if asset_class not in ASSET_CLASSES:
        raise CatalogueError(f"line {line}: {symbol}: unknown asset class {asset_class!r}")
    if not values["name"]:
        raise CatalogueError(f"line {line}: {symbol}: empty name")
    expected = SOURCE_FOR_CLASS[asset_class]
    if values["price_source"] != expected:
        raise CatalogueError(
            f"line {line}: {symbol}: {asset_class} rows are priced by {expected!r}, not {values['price_source']!r}"
        )
    if not values["price_source_id"]:
        raise CatalogueError(f"line {line}: {symbol}: empty price_source_id")
    return CatalogueEntry(**values)


def parse_catalogue(text: str) -> tuple[CatalogueEntry, ...]:
    """Every entry of a catalogue file's text, checked; CatalogueError on the first bad line."""
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise CatalogueError(f"line 1: expected the columns {', '.join(COLUMNS)}, got {reader.fieldnames}")
    entries: list[CatalogueEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise CatalogueError(f"line {line}: more cells than columns")
        entry = _parse_row(row, line)
        key = (entry.symbol, entry.asset_class)
        if key in seen:
            raise CatalogueError(
                f"line {line}: {entry.symbol} as {entry.asset_class} repeats line {seen[key]}"
            )
        seen[key] = line
        entries.append(entry)
    return tuple(entries)


@lru_cache(maxsize=1)
def entries() -> tuple[CatalogueEntry, ...]:
    """The bundled catalogue, read once per process."""
    return parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _by_symbol() -> dict[str, tuple[CatalogueEntry, ...]]:
    index: defaultdict[str, list[CatalogueEntry]] = defaultdict(list)
    for entry in entries():
        index[entry.symbol].append(entry)
    return {symbol: tuple(found) for symbol, found in index.items()}


def lookup(symbol: str) -> list[CatalogueEntry]:
    """Every catalogue entry for this symbol (one per class it is listed under), or [] if unknown."""
    return list(_by_symbol().get(normalize_symbol(symbol), ()))


def guess_class(symbol: str) -> CatalogueEntry | None:
    """The entry of a symbol the catalogue lists under exactly one class; None when it is unknown or
    ambiguous (a coin and a security share the ticker), so the caller asks the owner."""
    found = lookup(symbol)
    return found[0] if len(found) == 1 else None


def get(symbol: str, asset_class: str) -> CatalogueEntry | None:
    """The entry for a symbol in a class the owner chose, e.g. to fill in the price-source id."""
    for entry in lookup(symbol):
        if entry.asset_class == asset_class:
            return entry
    return None


_LABEL = re.compile(r"\s*([^\s()]+)\s*\(\s*([A-Za-z]+)\s*\)\s*")


def parse_asset_label(text: str) -> tuple[str, str | None]:
    """'T (stock)' -> ('T', 'stock'); 'BTC' -> ('BTC', None)."""
    match = _LABEL.fullmatch(text)
    if match:
        return match.group(1), match.group(2).lower()
    return text.strip(), None
