"""Backfilling the daily price history of every asset in use, from its first transaction to today."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone

from portfolios.models import Asset, PriceQuote, Transaction
from portfolios.models.prices import PriceSource
from portfolios.pricing.client import (
    CoinbaseClient,
    CoinGeckoClient,
    PriceSourceError,
    PriceSourceRejected,
    PriceSourceUnavailable,
    Quote,
    utc_midnight,
)
from portfolios.pricing.securities import YahooFinanceClient

from .latest import by_feed, priced_assets, securities_unreachable, ticker
from .offline_fallback import offline_fallback, offline_reason, offline_wanted
from .storing import UpsertResult, prices_upsert

logger = logging.getLogger("lotwise.prices")


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


def missing_spans(start: date, stop: date, stored: tuple[date, date] | None) -> list[tuple[date, date]]:
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
    yahoo: YahooFinanceClient | None = None,
) -> UpsertResult:
    """Daily history of every asset in use from its first transaction (or `since`) to today: for coins,
    CoinGecko for the last 365 days and Coinbase candles before that; for ETFs, stocks and bonds, Yahoo
    Finance's daily closes. An asset the source rejects is skipped and named in `errors`; an unreachable
    CoinGecko switches the coins to the offline history, an unreachable Yahoo Finance leaves the
    securities as they are (there is no offline history of them) and says so in `errors`."""
    assets = priced_assets()
    if offline_wanted(offline):
        return offline_fallback(assets=assets, reason=offline_reason(offline), full=True)
    first_use = _first_use_dates()
    coins, securities = by_feed(assets)
    result = UpsertResult()
    if coins:
        result = _coin_history(coins, client=client, coinbase=coinbase, since=since, first_use=first_use)
    if securities:
        result = result.merge(_security_history(securities, client=yahoo, since=since, first_use=first_use))
    logger.info("prices: history refreshed: %s", result.summary())
    return result


def _coin_history(
    assets: list[Asset],
    *,
    client: CoinGeckoClient | None,
    coinbase: CoinbaseClient | None,
    since: date | None,
    first_use: dict[int, date],
) -> UpsertResult:
    now = timezone.now().astimezone(UTC)
    today = now.date()
    coingecko_from = today - timedelta(days=CoinGeckoClient.HISTORY_DAYS - 1)
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
                for first, last in missing_spans(
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
        fallback = offline_fallback(
            assets=assets, reason=f"The price API is unreachable ({exc}).", full=True, unreachable=True
        )
        result = result.merge(fallback)
        result.notice = fallback.notice
    finally:
        for is_owned, api in zip(owned, (gecko, candles), strict=True):
            if is_owned:
                api.close()
    return result


def _security_history(
    assets: list[Asset], *, client: YahooFinanceClient | None, since: date | None, first_use: dict[int, date]
) -> UpsertResult:
    """One request per security for its whole span (the chart endpoint has no 365-day limit)."""
    now = timezone.now().astimezone(UTC)
    default_start = now.date() - timedelta(days=CoinGeckoClient.HISTORY_DAYS - 1)
    owned = client is None
    api = client or YahooFinanceClient.from_settings()
    result = UpsertResult()
    try:
        for asset in assets:
            start = since or first_use.get(asset.pk) or default_start
            try:
                closes = api.history(ticker(asset), utc_midnight(start), now)
            except PriceSourceUnavailable:
                raise
            except PriceSourceError as exc:
                result.errors.append(f"{asset.symbol}: {exc}")
                logger.warning("prices: history of %s skipped: %s", asset.symbol, exc)
                continue
            result = result.merge(prices_upsert(quotes=_to_rows(asset, closes), source=PriceSource.YAHOO))
    except PriceSourceUnavailable as exc:
        result.errors.append(securities_unreachable(assets, f"Yahoo Finance is unreachable ({exc})."))
    finally:
        if owned:
            api.close()
    return result
