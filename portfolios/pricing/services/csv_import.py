"""Importing daily prices from a CSV file, all or nothing."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from typing import TextIO

from django.db import transaction

from portfolios.catalogue import parse_asset_label
from portfolios.models import Asset
from portfolios.models.prices import PriceSource
from portfolios.pricing.client import utc_midnight
from portfolios.pricing.validation import InvalidPrice, clean_price, log_refused

from .storing import QuoteCandidate, UpsertResult, quotes_validate, quotes_write


class PriceImportError(Exception):
    """A CSV of prices had bad lines; nothing was saved. `errors` are (line number, field, message)."""

    def __init__(self, errors: list[tuple[int, str, str]]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the price file; nothing was imported")


CSV_COLUMNS = ("date", "asset", "price")


def _find_assets(written: set[str]) -> dict[str, Asset | str]:
    """Asset as written -> the shared Asset it names, or why it names none. A symbol names the one shared
    asset with it (case aside); where a coin and a security share it, the file says which: "T (stock)".
    Owners' own assets take no prices from a file: prices here are every portfolio's."""
    parsed = {text: parse_asset_label(text) for text in written}
    wanted = {symbol.upper() for symbol, _ in parsed.values()}
    by_symbol: dict[str, list[Asset]] = defaultdict(list)
    for asset in Asset.objects.filter(
        owner__isnull=True, symbol__in=wanted | {s for s, _ in parsed.values()}
    ):
        by_symbol[asset.symbol.upper()].append(asset)
    found: dict[str, Asset | str] = {}
    for text, (symbol, asset_class) in parsed.items():
        candidates = by_symbol.get(symbol.upper(), [])
        if asset_class is not None:
            candidates = [a for a in candidates if a.asset_class == asset_class]
        exact = [a for a in candidates if a.symbol == symbol]
        if len(candidates) > 1 and len(exact) == 1:
            candidates = exact
        if len(candidates) == 1:
            found[text] = candidates[0]
        elif candidates:
            labels = " or ".join(f"'{a.label}'" for a in sorted(candidates, key=lambda a: a.asset_class))
            found[text] = f"{text!r} is more than one asset: write {labels}"
        else:
            found[text] = f"unknown asset symbol {text!r}"
    return found


def prices_load_csv(*, file: TextIO) -> UpsertResult:
    """Import daily USD prices from a CSV with header `date,asset,price` (ISO date, asset symbol, or
    "SYMBOL (class)" where a coin and a security share the symbol), stored at 00:00 UTC as source "csv". All or nothing: any bad line raises PriceImportError listing every one."""
    reader = csv.reader(file)
    header = next(reader, None)
    if header is None:
        raise PriceImportError([(1, "file", "the file is empty; expected a header date,asset,price")])
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    missing = [column for column in CSV_COLUMNS if column not in names]
    if missing:
        raise PriceImportError(
            [(1, "header", f"expected columns date,asset,price; missing {', '.join(missing)}")]
        )
    position = {column: names.index(column) for column in CSV_COLUMNS}
    records: list[tuple[int, list[str]]] = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        records.append((reader.line_num, record))

    errors: list[tuple[int, str, str]] = []
    assets = _find_assets({r[position["asset"]].strip() for _, r in records if len(r) == len(names)})
    candidates: list[QuoteCandidate] = []
    seen: dict[tuple[int, date], int] = {}
    for line, record in records:
        if len(record) != len(names):
            errors.append((line, "row", f"expected {len(names)} columns, found {len(record)}"))
            continue
        raw_date, raw_symbol, raw_price = (record[position[c]].strip() for c in CSV_COLUMNS)
        bad = False
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append((line, "date", f"{raw_date!r} is not a date (YYYY-MM-DD)"))
            bad = True
        named = assets.get(raw_symbol, f"unknown asset symbol {raw_symbol!r}")
        asset = named if isinstance(named, Asset) else None
        if isinstance(named, str):
            errors.append((line, "asset", named))
            bad = True
        try:
            clean_price(raw_price)
        except InvalidPrice as exc:
            log_refused(asset=raw_symbol, at=raw_date, value=raw_price, reason=exc.reason)
            errors.append((line, "price", f"{raw_price!r}: {exc.reason}"))
            bad = True
        if bad or asset is None:
            continue
        assert asset.pk is not None
        if (asset.pk, day) in seen:
            errors.append(
                (line, "date", f"{asset.symbol} on {day} already given on line {seen[(asset.pk, day)]}")
            )
            continue
        seen[(asset.pk, day)] = line
        candidates.append(QuoteCandidate(key=line, asset=asset, at=utc_midnight(day), value=raw_price))

    with transaction.atomic():
        plan = quotes_validate(candidates, source=PriceSource.CSV)
        for candidate, reason in plan.refused:
            log_refused(asset=candidate.asset.symbol, at=candidate.at, value=candidate.value, reason=reason)
            errors.append((candidate.key, "price", f"{candidate.value!s}: {reason}"))
        if errors:
            raise PriceImportError(sorted(errors))
        result = UpsertResult()
        for candidate, _ in plan.accepted:
            if (candidate.asset.pk, candidate.at) in plan.existing:
                result.updated += 1
            else:
                result.created += 1
        quotes_write(((c.asset.pk, c.at, price) for c, price in plan.accepted), source=PriceSource.CSV)
    return result
