"""Writes of PriceQuote rows: upsert with validation, refresh from the APIs (falling back to the bundled
offline history), load the offline history, import a CSV all-or-nothing."""

from __future__ import annotations

import csv
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from portfolios.models import Asset, PriceQuote, Transaction
from portfolios.models.prices import PriceSource
from rebalancing.models import TargetWeight

from .client import (
    CoinbaseClient,
    CoinGeckoClient,
    PriceSourceRejected,
    PriceSourceUnavailable,
    Quote,
    utc_midnight,
)
from .offline import DEMO_ASSETS, OFFLINE_NOTICE, offline_history
from .selectors import source_rank
from .validation import DEFAULT_MAX_JUMP, InvalidPrice, clean_price, log_refused

logger = logging.getLogger("lotwise.prices")

WRITE_BATCH = 500


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    refused: list[str] = field(default_factory=list)
    used_offline: bool = False
    # Why the offline history was used, or problems that skipped an asset without stopping the run.
    notice: str = ""
    errors: list[str] = field(default_factory=list)

    def merge(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            refused=self.refused + other.refused,
            used_offline=self.used_offline or other.used_offline,
            notice=other.notice or self.notice,
            errors=self.errors + other.errors,
        )

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {len(self.refused)} refused"


class PriceImportError(Exception):
    """A CSV of prices had bad lines; nothing was saved. `errors` are (line number, field, message)."""

    def __init__(self, errors: list[tuple[int, str, str]]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the price file; nothing was imported")


# --- validation against stored history ------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    key: int  # caller's tag: an index or a line number
    asset: Asset
    at: datetime
    value: object


@dataclass
class _Plan:
    accepted: list[tuple[_Candidate, Decimal]]
    refused: list[tuple[_Candidate, str]]
    existing: set[tuple[int, datetime]]  # (asset_id, at) already stored for this source


def _stored_around(
    asset_ids: list[int], lo: datetime, hi: datetime
) -> dict[int, list[tuple[datetime, Decimal, str]]]:
    """Stored quotes (any source) of these assets between lo and hi, plus each one's last quote before lo.
    Two queries; prices are compared in Python."""
    before = dict(
        PriceQuote.objects.filter(asset_id__in=asset_ids, at__lt=lo)
        .order_by()
        .values("asset_id")
        .annotate(last=Max("at"))
        .values_list("asset_id", "last")
    )
    window = Q(at__gte=lo, at__lte=hi)
    if before:
        window |= Q(at__in=set(before.values()))
    stored: dict[int, list[tuple[datetime, Decimal, str]]] = defaultdict(list)
    rows = (
        PriceQuote.objects.filter(window, asset_id__in=asset_ids)
        .order_by("asset_id", "at")
        .values_list("asset_id", "at", "price", "source")
    )
    for asset_id, at, price, source in rows:
        if at < lo and at != before.get(asset_id):
            continue
        stored[asset_id].append((at, price, source))
    return stored


def _plan(candidates: Sequence[_Candidate], *, source: str, max_jump: Decimal = DEFAULT_MAX_JUMP) -> _Plan:
    """Validate candidates in time order per asset; the jump check compares with the asset's previous
    price before that moment: stored (any source) or accepted earlier in this batch."""
    plan = _Plan(accepted=[], refused=[], existing=set())
    if not candidates:
        return plan
    lo = min(c.at for c in candidates)
    hi = max(c.at for c in candidates)
    by_asset: dict[int, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        assert candidate.asset.pk is not None
        by_asset[candidate.asset.pk].append(candidate)
    stored = _stored_around(list(by_asset), lo, hi)
    for asset_id, asset_candidates in by_asset.items():
        # Stored quotes (any source) by moment; same-source ones are the rows this batch updates.
        stored_at: dict[datetime, list[tuple[Decimal, str]]] = defaultdict(list)
        for at, price, quote_source in stored.get(asset_id, []):
            if quote_source == source:
                plan.existing.add((asset_id, at))
            stored_at[at].append((price, quote_source))
        incoming_at: dict[datetime, list[_Candidate]] = defaultdict(list)
        for candidate in asset_candidates:
            incoming_at[candidate.at].append(candidate)
        previous: Decimal | None = None
        for moment in sorted(set(stored_at) | set(incoming_at)):
            accepted_here: Decimal | None = None
            for candidate in incoming_at.get(moment, []):
                try:
                    price = clean_price(candidate.value, previous=previous, max_jump=max_jump)
                except InvalidPrice as exc:
                    plan.refused.append((candidate, exc.reason))
                else:
                    plan.accepted.append((candidate, price))
                    accepted_here = price
            if accepted_here is not None:
                previous = accepted_here
                continue
            # Nothing new accepted at this moment: what is stored stays, the preferred source counts.
            here = stored_at.get(moment)
            if here:
                previous = min(here, key=lambda item: source_rank(item[1]))[0]
    return plan


def _write(rows: Iterable[tuple[int, datetime, Decimal]], *, source: str) -> None:
    now = timezone.now()
    objects = [
        PriceQuote(asset_id=asset_id, at=at, price=price, source=source, fetched_at=now)
        for asset_id, at, price in rows
    ]
    PriceQuote.objects.bulk_create(
        objects,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["asset", "at", "source"],
        update_fields=["price", "fetched_at"],
    )


def _as_utc(value: datetime) -> datetime:
    if timezone.is_naive(value):
        raise ValueError(f"price time {value!r} must be timezone-aware")
    return value.astimezone(UTC)


# --- services ---------------------------------------------------------------------------------------------


@transaction.atomic
def prices_upsert(*, quotes: Iterable[tuple[Asset, datetime, Decimal]], source: str) -> UpsertResult:
    """Validate and store quotes, keyed by (asset, at, source): a second run updates instead of duplicating.
    Refused numbers are logged and listed in the result, never stored. A repeated (asset, at) in the
    batch keeps its last value."""
    if source not in PriceSource.values:
        raise ValueError(f"unknown price source {source!r}")
    latest: dict[tuple[int, datetime], _Candidate] = {}
    for index, (asset, at, price) in enumerate(quotes):
        moment = _as_utc(at)
        assert asset.pk is not None, "assets must be saved before their prices"
        latest[(asset.pk, moment)] = _Candidate(key=index, asset=asset, at=moment, value=price)
    plan = _plan(list(latest.values()), source=source)
    result = UpsertResult()
    for candidate, reason in sorted(plan.refused, key=lambda item: item[0].key):
        result.refused.append(
            log_refused(asset=candidate.asset.symbol, at=candidate.at, value=candidate.value, reason=reason)
        )
    for candidate, _ in plan.accepted:
        if (candidate.asset.pk, candidate.at) in plan.existing:
            result.updated += 1
        else:
            result.created += 1
    _write(((c.asset.pk, c.at, price) for c, price in plan.accepted), source=source)
    return result


def _priced_assets() -> list[Asset]:
    """Assets with a price-source id that appear in some transaction or target weight."""
    used = (
        Q(id__in=Transaction.objects.filter(asset__isnull=False).values("asset_id"))
        | Q(id__in=Transaction.objects.filter(counter_asset__isnull=False).values("counter_asset_id"))
        | Q(id__in=TargetWeight.objects.values("asset_id"))
    )
    return list(Asset.objects.exclude(price_source_id="").filter(used).order_by("symbol"))


_DEMO_BY_SYMBOL = {symbol: coingecko_id for symbol, _, _, coingecko_id in DEMO_ASSETS}
_DEMO_BY_COINGECKO = {coingecko_id: symbol for symbol, _, _, coingecko_id in DEMO_ASSETS}


def _offline_symbol(asset: Asset) -> str | None:
    if asset.symbol.upper() in _DEMO_BY_SYMBOL:
        return asset.symbol.upper()
    return _DEMO_BY_COINGECKO.get(asset.price_source_id)


def _offline_upsert(
    *, assets: Sequence[Asset], until: date, since: dict[int, date] | None = None
) -> UpsertResult:
    """Store the bundled synthetic history of these assets (from each one's `since` day, if given)."""
    history = offline_history(until)
    since = since or {}
    rows: list[tuple[Asset, datetime, Decimal]] = []
    missing = []
    for asset in assets:
        symbol = _offline_symbol(asset)
        if symbol is None or symbol not in history:
            missing.append(asset.symbol)
            continue
        first = since.get(asset.pk) if asset.pk is not None else None
        rows.extend(
            (asset, utc_midnight(day), price)
            for day, price in history[symbol]
            if day <= until and (first is None or day >= first)
        )
    result = prices_upsert(quotes=rows, source=PriceSource.OFFLINE)
    result.used_offline = True
    if missing:
        result.errors.append(f"No offline history for {', '.join(missing)}.")
    return result


def _offline_fallback(
    *, assets: Sequence[Asset], reason: str, full: bool, unreachable: bool = False
) -> UpsertResult:
    """Synthetic prices in place of the API. When the API is merely unreachable, only for assets that never
    had a real quote: a real price that goes old is flagged stale by the snapshot, never replaced by a
    made-up one."""
    kept: list[str] = []
    if unreachable:
        live = set(
            PriceQuote.objects.filter(asset__in=assets)
            .exclude(source=PriceSource.OFFLINE)
            .order_by()
            .values_list("asset_id", flat=True)
            .distinct()
        )
        kept = [asset.symbol for asset in assets if asset.pk in live]
        assets = [asset for asset in assets if asset.pk not in live]
    result = _offline_prices(assets=assets, reason=reason, full=full)
    if kept:
        result.errors.append(
            f"Kept the last real prices of {', '.join(kept)}; they show as stale once older than "
            f"{settings.PRICE_MAX_AGE_MINUTES} minutes."
        )
    return result


def _offline_prices(*, assets: Sequence[Asset], reason: str, full: bool) -> UpsertResult:
    today = timezone.now().astimezone(UTC).date()
    since: dict[int, date] = {}
    if not full:
        # Only the days after what an earlier fallback already stored.
        last = (
            PriceQuote.objects.filter(asset__in=assets, source=PriceSource.OFFLINE)
            .order_by()
            .values("asset_id")
            .annotate(last=Max("at"))
            .values_list("asset_id", "last")
        )
        since = {asset_id: at.date() for asset_id, at in last}
    result = _offline_upsert(assets=assets, until=today, since=since)
    result.notice = f"{reason} {OFFLINE_NOTICE}"
    logger.warning("prices: using the bundled offline history: %s", reason)
    return result


def _offline_wanted(offline: bool | None) -> bool:
    return bool(settings.PRICES_OFFLINE) if offline is None else offline


def _offline_reason(offline: bool | None) -> str:
    return "Offline prices were asked for." if offline else "Offline mode is on (PRICES_OFFLINE)."


# After the API proved unreachable (retries and backoff spent), the periodic refresh leaves it alone for a
# while instead of spending the worker's time on the same backoff every few minutes.
API_DOWN_KEY = "lotwise:prices:api-down"
API_DOWN_SECONDS = 15 * 60


def prices_refresh_latest(
    *, client: CoinGeckoClient | None = None, offline: bool | None = None
) -> UpsertResult:
    """Fetch the latest price of every asset in use (in a transaction or a target). Uses the bundled
    offline history instead when PRICES_OFFLINE (or `offline`) is set, or when the API is unreachable;
    the result then says so (used_offline, notice)."""
    assets = _priced_assets()
    if _offline_wanted(offline):
        return _offline_fallback(assets=assets, reason=_offline_reason(offline), full=False)
    if not assets:
        return UpsertResult()
    down_since = cache.get(API_DOWN_KEY)
    if down_since and client is None:
        return _offline_fallback(
            assets=assets,
            reason=f"The price API was unreachable at {down_since}; it is tried again every "
            f"{API_DOWN_SECONDS // 60} minutes.",
            full=False,
            unreachable=True,
        )
    owned = client is None
    api = client or CoinGeckoClient.from_settings()
    try:
        quotes = api.latest([asset.price_source_id for asset in assets])
        if owned:
            cache.delete(API_DOWN_KEY)
    except PriceSourceUnavailable as exc:
        if owned:
            cache.set(API_DOWN_KEY, timezone.now().strftime("%Y-%m-%d %H:%M UTC"), timeout=API_DOWN_SECONDS)
        return _offline_fallback(
            assets=assets, reason=f"The price API is unreachable ({exc}).", full=False, unreachable=True
        )
    finally:
        if owned:
            api.close()
    rows = [
        (asset, quotes[asset.price_source_id].at, quotes[asset.price_source_id].price)
        for asset in assets
        if asset.price_source_id in quotes
    ]
    result = prices_upsert(quotes=rows, source=PriceSource.COINGECKO)
    unknown = [asset.symbol for asset in assets if asset.price_source_id not in quotes]
    if unknown:
        result.errors.append(f"CoinGecko had no price for {', '.join(unknown)}.")
    logger.info("prices: latest refreshed: %s", result.summary())
    return result


def _first_use_dates() -> dict[int, date]:
    """Per asset, the UTC date of its earliest transaction (as asset or counter asset)."""
    first: dict[int, date] = {}
    for column in ("asset_id", "counter_asset_id"):
        rows = (
            Transaction.objects.filter(**{f"{column}__isnull": False})
            .order_by()
            .values(column)
            .annotate(first=Min("timestamp"))
            .values_list(column, "first")
        )
        for asset_id, when in rows:
            day = when.astimezone(UTC).date()
            if asset_id not in first or day < first[asset_id]:
                first[asset_id] = day
    return first


def _to_rows(asset: Asset, quotes: Iterable[Quote]) -> list[tuple[Asset, datetime, Decimal]]:
    return [(asset, quote.at, quote.price) for quote in quotes]


def _missing_spans(start: date, stop: date, stored: tuple[date, date] | None) -> list[tuple[date, date]]:
    """The parts of the days start..stop (inclusive) outside the stored span first..last."""
    if start > stop:
        return []
    if stored is None:
        return [(start, stop)]
    first, last = stored
    one_day = timedelta(days=1)
    spans = []
    if start < first:
        spans.append((start, min(stop, first - one_day)))
    if last < stop:
        spans.append((max(start, last + one_day), stop))
    return spans


def prices_refresh_history(
    *,
    client: CoinGeckoClient | None = None,
    coinbase: CoinbaseClient | None = None,
    since: date | None = None,
    offline: bool | None = None,
) -> UpsertResult:
    """Daily history of every asset in use from its first transaction (or `since`) to today: CoinGecko
    for the last 365 days, Coinbase candles before that. An asset the source rejects is skipped and
    named in `errors`; an unreachable API switches the whole run to the offline history."""
    assets = _priced_assets()
    if _offline_wanted(offline):
        return _offline_fallback(assets=assets, reason=_offline_reason(offline), full=True)
    now = timezone.now().astimezone(UTC)
    today = now.date()
    coingecko_from = today - timedelta(days=CoinGeckoClient.HISTORY_DAYS - 1)
    first_use = _first_use_dates()
    # Candles older than CoinGecko's window do not change: only days not stored yet are fetched,
    # unless `since` asks for a full refetch.
    stored_candles: dict[int, tuple[date, date]] = {}
    if since is None:
        spans = (
            PriceQuote.objects.filter(asset__in=assets, source=PriceSource.COINBASE)
            .order_by()
            .values("asset_id")
            .annotate(first=Min("at"), last=Max("at"))
            .values_list("asset_id", "first", "last")
        )
        stored_candles = {asset_id: (first.date(), last.date()) for asset_id, first, last in spans}
    owned = [c is None for c in (client, coinbase)]
    gecko = client or CoinGeckoClient.from_settings()
    candles = coinbase or CoinbaseClient.from_settings()
    result = UpsertResult()
    try:
        for asset in assets:
            start = since or first_use.get(asset.pk) or coingecko_from
            try:
                older: list[Quote] = []
                for first, last in _missing_spans(
                    start, coingecko_from - timedelta(days=1), stored_candles.get(asset.pk)
                ):
                    older += candles.history(asset.symbol, utc_midnight(first), utc_midnight(last))
                if older:
                    result = result.merge(
                        prices_upsert(quotes=_to_rows(asset, older), source=PriceSource.COINBASE)
                    )
                recent = gecko.history(asset.price_source_id, utc_midnight(max(start, coingecko_from)), now)
                result = result.merge(
                    prices_upsert(quotes=_to_rows(asset, recent), source=PriceSource.COINGECKO)
                )
            except PriceSourceRejected as exc:
                result.errors.append(f"{asset.symbol}: {exc}")
                logger.warning("prices: history of %s skipped: %s", asset.symbol, exc)
    except PriceSourceUnavailable as exc:
        fallback = _offline_fallback(
            assets=assets, reason=f"The price API is unreachable ({exc}).", full=True, unreachable=True
        )
        result = result.merge(fallback)
        result.notice = fallback.notice
    finally:
        for is_owned, api in zip(owned, (gecko, candles), strict=True):
            if is_owned:
                api.close()
    logger.info("prices: history refreshed: %s", result.summary())
    return result


@transaction.atomic
def offline_prices_load(*, until: date) -> UpsertResult:
    """Load the bundled synthetic history through `until` for the demo assets, creating missing Assets."""
    existing = set(
        Asset.objects.filter(symbol__in=[s for s, _, _, _ in DEMO_ASSETS]).values_list("symbol", flat=True)
    )
    Asset.objects.bulk_create(
        [
            Asset(symbol=symbol, name=name, asset_class=asset_class, price_source_id=coingecko_id)
            for symbol, name, asset_class, coingecko_id in DEMO_ASSETS
            if symbol not in existing
        ]
    )
    assets = list(Asset.objects.filter(symbol__in=[s for s, _, _, _ in DEMO_ASSETS]).order_by("symbol"))
    result = _offline_upsert(assets=assets, until=until)
    result.notice = OFFLINE_NOTICE
    return result


CSV_COLUMNS = ("date", "asset", "price")


def _find_assets(symbols: set[str]) -> dict[str, Asset]:
    """Symbol as written -> Asset: exact match first, else a case-insensitive one."""
    wanted = symbols | {s.upper() for s in symbols}
    found = {asset.symbol: asset for asset in Asset.objects.filter(symbol__in=wanted)}
    by_upper: dict[str, Asset] = {}
    for asset in found.values():
        by_upper.setdefault(asset.symbol.upper(), asset)
    return {
        symbol: found.get(symbol) or by_upper[symbol.upper()]
        for symbol in symbols
        if symbol in found or symbol.upper() in by_upper
    }


def prices_load_csv(*, file: TextIO) -> UpsertResult:
    """Import daily USD prices from a CSV with header `date,asset,price` (ISO date, asset symbol), stored at
    00:00 UTC as source "csv". All or nothing: any bad line raises PriceImportError listing every one."""
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
    candidates: list[_Candidate] = []
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
        asset = assets.get(raw_symbol)
        if asset is None:
            errors.append((line, "asset", f"unknown asset symbol {raw_symbol!r}"))
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
        candidates.append(_Candidate(key=line, asset=asset, at=utc_midnight(day), value=raw_price))

    with transaction.atomic():
        plan = _plan(candidates, source=PriceSource.CSV)
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
        _write(((c.asset.pk, c.at, price) for c, price in plan.accepted), source=PriceSource.CSV)
    return result
