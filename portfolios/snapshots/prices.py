"""The latest prices a snapshot values holdings at, read in one query."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from portfolios.models import Asset, PriceQuote
from portfolios.pricing.selectors import PricePoint, source_rank


def latest_prices(*, asset_ids: Iterable[int], as_of: datetime) -> dict[int, PricePoint]:
    """Each asset's latest quote at or before `as_of`, the one portfolios.pricing.selectors.prices_latest
    gives (the latest moment; at the same moment, the preferred source). One query, which finds each asset's
    latest moment and its quotes through the (asset, at) index instead of reading the asset's history.
    Assets without a quote by then are absent."""
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    quote = connection.ops.quote_name
    quotes, assets = quote(PriceQuote._meta.db_table), quote(Asset._meta.db_table)
    # Written out rather than built by the ORM: this runs for every snapshot, and compiling the
    # correlated subquery cost more than running it.
    sql = (
        f"SELECT q.id, q.asset_id, q.at, q.price, q.source FROM {assets} a "
        f"JOIN {quotes} q ON q.asset_id = a.id AND q.at = "
        f"(SELECT MAX(b.at) FROM {quotes} b WHERE b.asset_id = a.id AND b.at <= %s) "
        f"WHERE a.id IN ({', '.join(['%s'] * len(ids))})"
    )
    found: dict[int, PricePoint] = {}
    for row in PriceQuote.objects.raw(sql, [as_of, *ids]):
        incumbent = found.get(row.asset_id)
        if incumbent is None or source_rank(row.source) < source_rank(incumbent.source):
            found[row.asset_id] = PricePoint(price=row.price, at=row.at, source=row.source)
    return found
