"""Market caps for the model indices: fetched from the price source's markets data (CoinGecko
/coins/markets) and stored as MarketCap rows, refreshed daily by beat and on demand by the target page.

Only coins priced by CoinGecko have a cap here; a security, or a coin CoinGecko does not list, has none
and the page says so. While the source is unreachable (or prices are offline), the stored caps are used
and the owner is told how old they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portfolios.models import Asset, Transaction
from portfolios.models.ledger import PriceFeed
from portfolios.pricing.client import CoinGeckoClient, PriceSourceError
from rebalancing.models import MarketCap, TargetWeight

# Caps move slowly next to prices; a day-old cap still ranks and weights an index well.
MAX_AGE = timedelta(days=1)


@dataclass
class CapsResult:
    stored: int = 0
    missing: list[str] = field(default_factory=list)  # symbols the source has no cap for
    offline: str = ""  # why the source was not asked or did not answer; empty when it did


def _coins(assets: Iterable[Asset]) -> list[Asset]:
    return [a for a in assets if a.feed == PriceFeed.COINGECKO and a.price_source_id]


def market_caps_refresh(
    *, assets: Iterable[Asset] | None = None, client: CoinGeckoClient | None = None
) -> CapsResult:
    """Fetch and store the market cap of each coin among `assets` (default: every coin held or in a
    target). Never raises for an unreachable source: `offline` says why nothing was fetched."""
    if assets is None:
        used = Q(id__in=Transaction.objects.filter(asset__isnull=False).values("asset_id")) | Q(
            id__in=TargetWeight.objects.values("asset_id")
        )
        assets = Asset.objects.filter(used).exclude(price_source_id="")
    coins = _coins(assets)
    result = CapsResult()
    if not coins:
        return result
    if settings.PRICES_OFFLINE and client is None:
        result.offline = "Prices are offline (PRICES_OFFLINE), so market caps are not fetched."
        return result
    owned = client is None
    api = client or CoinGeckoClient.from_settings()
    try:
        caps = api.markets([a.price_source_id for a in coins])
    except PriceSourceError as exc:
        result.offline = f"The price source's market data could not be fetched ({exc})."
        return result
    finally:
        if owned:
            api.close()
    now = timezone.now()
    rows = [
        MarketCap(asset=a, at=now, market_cap=caps[a.price_source_id], source=CoinGeckoClient.source)
        for a in coins
        if a.price_source_id in caps
    ]
    MarketCap.objects.bulk_create(rows, ignore_conflicts=True)
    result.stored = len(rows)
    result.missing = sorted(a.symbol for a in coins if a.price_source_id not in caps)
    return result


def market_caps_latest(asset_ids: Iterable[int]) -> dict[int, tuple[Decimal, datetime]]:
    """The newest stored cap of each asset that has one, with when it was fetched."""
    latest: dict[int, tuple[Decimal, datetime]] = {}
    rows = MarketCap.objects.filter(asset_id__in=list(asset_ids)).order_by("asset_id", "-at")
    for asset_id, cap, at in rows.values_list("asset_id", "market_cap", "at"):
        latest.setdefault(asset_id, (cap, at))
    return latest


def market_caps_for(
    asset_ids: list[int], *, client: CoinGeckoClient | None = None
) -> tuple[dict[int, Decimal], list[str]]:
    """The caps of `asset_ids` for a model index, fetching those not stored within MAX_AGE first; with
    the notes to show the owner (source unreachable, assets without a cap)."""
    stored = market_caps_latest(asset_ids)
    cutoff = timezone.now() - MAX_AGE
    stale = [aid for aid in asset_ids if aid not in stored or stored[aid][1] < cutoff]
    notes: list[str] = []
    if stale:
        fetched = market_caps_refresh(assets=Asset.objects.filter(pk__in=stale), client=client)
        if fetched.offline:
            kept = [stored[aid][1] for aid in stale if aid in stored]
            since = f" The stored caps date from {min(kept):%Y-%m-%d}." if kept else ""
            notes.append(f"{fetched.offline}{since}")
        stored = market_caps_latest(asset_ids)
    without = sorted(
        Asset.objects.filter(pk__in=[aid for aid in asset_ids if aid not in stored]).values_list(
            "symbol", flat=True
        )
    )
    if without:
        notes.append(
            f"No market cap is known for {', '.join(without)}: only coins priced by CoinGecko have one."
        )
    return {aid: cap for aid, (cap, _) in stored.items()}, notes
