"""The bundled offline history in place of the price API: when offline mode is on, when the API is
unreachable, and for the demo."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portfolios.models import Asset, PriceQuote
from portfolios.models.ledger import PriceFeed
from portfolios.models.prices import PriceSource
from portfolios.pricing.client import utc_midnight
from portfolios.pricing.offline import DEMO_ASSETS, OFFLINE_NOTICE, offline_history

from .storing import UpsertResult, prices_upsert

logger = logging.getLogger("lotwise.prices")


_DEMO_BY_SYMBOL = {symbol: coingecko_id for symbol, _, _, coingecko_id in DEMO_ASSETS}
_DEMO_BY_COINGECKO = {coingecko_id: symbol for symbol, _, _, coingecko_id in DEMO_ASSETS}


def _offline_symbol(asset: Asset) -> str | None:
    # The synthetic series are coins': a stock that shares a ticker with one must not take its prices.
    if not asset.is_digital:
        return None
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


def offline_fallback(
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


def offline_wanted(offline: bool | None) -> bool:
    return bool(settings.PRICES_OFFLINE) if offline is None else offline


def offline_reason(offline: bool | None) -> str:
    return "Offline prices were asked for." if offline else "Offline mode is on (PRICES_OFFLINE)."


@transaction.atomic
def offline_prices_load(*, until: date) -> UpsertResult:
    """Load the bundled synthetic history through `until` for the demo assets, creating missing Assets."""
    wanted = {(symbol, asset_class) for symbol, _, asset_class, _ in DEMO_ASSETS}
    shared = Asset.objects.filter(owner__isnull=True, symbol__in=[s for s, _, _, _ in DEMO_ASSETS])
    existing = set(shared.values_list("symbol", "asset_class"))
    Asset.objects.bulk_create(
        [
            Asset(
                symbol=symbol,
                name=name,
                asset_class=asset_class,
                price_source=PriceFeed.COINGECKO,
                price_source_id=coingecko_id,
            )
            for symbol, name, asset_class, coingecko_id in DEMO_ASSETS
            if (symbol, asset_class) not in existing
        ]
    )
    assets = [a for a in shared.order_by("symbol") if (a.symbol, a.asset_class) in wanted]
    result = _offline_upsert(assets=assets, until=until)
    result.notice = OFFLINE_NOTICE
    return result
