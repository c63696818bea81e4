"""Refreshing the latest price of every asset in use (the periodic refresh)."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from portfolios.models import Asset, Transaction
from portfolios.models.prices import PriceSource
from portfolios.pricing.client import CoinGeckoClient, PriceSourceUnavailable
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
API_DOWN_SECONDS = 15 * 60


def prices_refresh_latest(
    *, client: CoinGeckoClient | None = None, offline: bool | None = None
) -> UpsertResult:
    """Fetch the latest price of every asset in use (in a transaction or a target). Uses the bundled
    offline history instead when PRICES_OFFLINE (or `offline`) is set, or when the API is unreachable;
    the result then says so (used_offline, notice)."""
    assets = priced_assets()
    if offline_wanted(offline):
        return offline_fallback(assets=assets, reason=offline_reason(offline), full=False)
    if not assets:
        return UpsertResult()
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
    logger.info("prices: latest refreshed: %s", result.summary())
    return result
