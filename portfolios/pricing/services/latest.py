"""Refreshing the latest price of every asset in use (the periodic refresh)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from portfolios.models import Asset, Transaction
from portfolios.models.ledger import PriceFeed
from portfolios.models.prices import PriceSource
from portfolios.pricing.client import CoinGeckoClient, PriceSourceError, PriceSourceUnavailable, Quote
from portfolios.pricing.securities import YahooFinanceClient
from rebalancing.models import TargetWeight

from .offline_fallback import offline_fallback, offline_reason, offline_wanted
from .storing import UpsertResult, prices_upsert

logger = logging.getLogger("lotwise.prices")


def priced_assets() -> list[Asset]:
    """Assets with a price-source id that appear in some transaction or target weight."""
    used = (
        Q(id__in=Transaction.objects.filter(asset__isnull=False).values("asset_id"))
        | Q(id__in=Transaction.objects.filter(counter_asset__isnull=False).values("counter_asset_id"))
        | Q(id__in=TargetWeight.objects.values("asset_id"))
    )
    return list(Asset.objects.exclude(price_source_id="").filter(used).order_by("symbol"))


# After the API proved unreachable (retries and backoff spent), the periodic refresh leaves it alone for a
# while instead of spending the worker's time on the same backoff every few minutes.
API_DOWN_KEY = "lotwise:prices:api-down"
YAHOO_DOWN_KEY = "lotwise:prices:api-down:yahoo"
API_DOWN_SECONDS = 15 * 60


def by_feed(assets: Sequence[Asset]) -> tuple[list[Asset], list[Asset]]:
    """The coins CoinGecko quotes and the securities Yahoo Finance quotes, each by its own id."""
    coins = [asset for asset in assets if asset.feed == PriceFeed.COINGECKO]
    securities = [asset for asset in assets if asset.feed == PriceFeed.YAHOO]
    return coins, securities


def prices_refresh_latest(
    *,
    client: CoinGeckoClient | None = None,
    offline: bool | None = None,
    yahoo: YahooFinanceClient | None = None,
) -> UpsertResult:
    """Fetch the latest price of every asset in use (in a transaction or a target): coins from CoinGecko,
    ETFs, stocks and bonds from Yahoo Finance. Uses the bundled offline history instead when
    PRICES_OFFLINE (or `offline`) is set, or when CoinGecko is unreachable; the result then says so
    (used_offline, notice). There is no offline history of securities: while Yahoo Finance is
    unreachable they keep their last real price (stale once old) or stay unpriced, and `errors` says so."""
    assets = priced_assets()
    if offline_wanted(offline):
        return offline_fallback(assets=assets, reason=offline_reason(offline), full=False)
    if not assets:
        return UpsertResult()
    coins, securities = by_feed(assets)
    result = _latest_coins(coins, client) if coins else UpsertResult()
    if securities:
        result = result.merge(_latest_securities(securities, yahoo))
    logger.info("prices: latest refreshed: %s", result.summary())
    return result


def _latest_coins(assets: list[Asset], client: CoinGeckoClient | None) -> UpsertResult:
    down_since = cache.get(API_DOWN_KEY)
    if down_since and client is None:
        return offline_fallback(
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
        return offline_fallback(
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
    return result


def ticker(asset: Asset) -> str:
    return asset.price_source_id.strip().upper()


def securities_unreachable(assets: Sequence[Asset], reason: str) -> str:
    return (
        f"{reason} {', '.join(asset.symbol for asset in assets)} keep their last real price (shown as "
        f"stale once older than {settings.PRICE_MAX_AGE_MINUTES} minutes) or stay unpriced: there is no "
        "offline history of securities."
    )


def _latest_securities(assets: list[Asset], client: YahooFinanceClient | None) -> UpsertResult:
    down_since = cache.get(YAHOO_DOWN_KEY)
    if down_since and client is None:
        reason = f"Yahoo Finance was unreachable at {down_since}; it is tried again every {API_DOWN_SECONDS // 60} minutes."
        return UpsertResult(errors=[securities_unreachable(assets, reason)])
    owned = client is None
    api = client or YahooFinanceClient.from_settings()
    quotes: dict[str, Quote] = {}
    problems: list[str] = []
    try:
        # One request per ticker (the endpoint's shape); a ticker it refuses or cannot price is named
        # and skipped, an unreachable source ends the batch.
        for symbol in dict.fromkeys(ticker(asset) for asset in assets):
            try:
                quotes[symbol] = api.quote(symbol)
            except PriceSourceUnavailable:
                raise
            except PriceSourceError as exc:
                logger.warning("prices: no latest price for %s: %s", symbol, exc)
                problems.append(str(exc))
        if owned:
            cache.delete(YAHOO_DOWN_KEY)
    except PriceSourceUnavailable as exc:
        if owned:
            cache.set(YAHOO_DOWN_KEY, timezone.now().strftime("%Y-%m-%d %H:%M UTC"), timeout=API_DOWN_SECONDS)
        return UpsertResult(errors=[securities_unreachable(assets, f"Yahoo Finance is unreachable ({exc}).")])
    finally:
        if owned:
            api.close()
    rows = [
        (asset, quotes[ticker(asset)].at, quotes[ticker(asset)].price)
        for asset in assets
        if ticker(asset) in quotes
    ]
    result = prices_upsert(quotes=rows, source=PriceSource.YAHOO)
    unknown = [asset.symbol for asset in assets if ticker(asset) not in quotes]
    if unknown:
        result.errors.append(f"Yahoo Finance had no price for {', '.join(unknown)}.")
    result.errors.extend(problems)
    return result
