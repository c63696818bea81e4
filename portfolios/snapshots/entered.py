"""Prices an owner entered (OwnerPrice) in a snapshot: they value that owner's holdings only, and only
where no real quote does.

A real quote wins while it is fresh. Otherwise the owner's latest entry up to the day counts when it is
dated after the last real quote (or there is none): an entered price is the owner's own valuation of an
asset no feed covers, so it does not go stale the way a feed's quote does; pages show its date and say it
was entered by the owner. The same rule, day by day, gives the value history.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from portfolios.models import OwnerPrice
from portfolios.pricing.selectors import PricePoint

# The price_source a snapshot shows for a price the owner entered.
ENTERED = "entered"

# owner id -> asset id -> [(date, price)] oldest first
Entries = dict[int, dict[int, list[tuple[date, Decimal]]]]


def entered_prices(*, owner_ids: Iterable[int], asset_ids: Iterable[int], until: date) -> Entries:
    """Every price these owners entered for these assets up to `until`. One query."""
    found: Entries = defaultdict(lambda: defaultdict(list))
    owners, assets = sorted(set(owner_ids)), sorted(set(asset_ids))
    if not owners or not assets:
        return {}
    rows = (
        OwnerPrice.objects.filter(owner_id__in=owners, asset_id__in=assets, date__lte=until)
        .order_by("owner_id", "asset_id", "date")
        .values_list("owner_id", "asset_id", "date", "price")
    )
    for owner_id, asset_id, day, price in rows:
        found[owner_id][asset_id].append((day, price))
    return {owner: dict(by_asset) for owner, by_asset in found.items()}


def _on_or_before(entries: list[tuple[date, Decimal]], day: date) -> tuple[date, Decimal] | None:
    at = bisect.bisect_right(entries, day, key=lambda entry: entry[0])
    return entries[at - 1] if at else None


def _quote_day(point: PricePoint) -> date:
    return point.at.astimezone(UTC).date()


def _point(day: date, price: Decimal) -> PricePoint:
    return PricePoint(price=price, at=datetime.combine(day, time.min, tzinfo=UTC), source=ENTERED)


def with_entered(
    *,
    latest: Mapping[int, PricePoint],
    status: Mapping[int, str],
    entries: Mapping[int, list[tuple[date, Decimal]]],
    today: date,
    ok: str,
) -> tuple[dict[int, PricePoint], dict[int, str], set[int]]:
    """The latest prices and their status for one owner: the feed's, with the owner's entries where they
    count (see the module's rule). Returns them and the ids of the assets valued by an entered price."""
    prices, states, used = dict(latest), dict(status), set()
    for asset_id, rows in entries.items():
        if states.get(asset_id) == ok:
            continue
        last = _on_or_before(rows, today)
        feed = latest.get(asset_id)
        if last is not None and (feed is None or last[0] > _quote_day(feed)):
            prices[asset_id] = _point(*last)
            states[asset_id] = ok
            used.add(asset_id)
    return prices, states, used


def history_with_entered(
    *,
    closes: Mapping[int, dict[date, Decimal]],
    feed: Mapping[int, dict[date, PricePoint]],
    entries: Mapping[int, list[tuple[date, Decimal]]],
    start: date,
    end: date,
) -> dict[int, dict[date, Decimal]]:
    """Daily closes from start to end for one owner: the feed's, replaced on each day where the owner's
    latest entry is more recent than the feed's last quote. `feed` holds the dated closes of the assets
    in `entries`."""
    if not entries:
        return dict(closes)
    merged = dict(closes)
    for asset_id, rows in entries.items():
        dated = feed.get(asset_id, {})
        series: dict[date, Decimal] = {}
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            quote = dated.get(day)
            mine = _on_or_before(rows, day)
            if mine is not None and (quote is None or mine[0] > _quote_day(quote)):
                series[day] = mine[1]
            elif quote is not None:
                series[day] = quote.price
        merged[asset_id] = series
    return merged
