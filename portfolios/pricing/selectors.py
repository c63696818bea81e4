"""Reads of PriceQuote rows: latest price, price on a day, daily closes for charts.

Each selector runs a fixed number of queries whatever the number of assets or days. Prices are never
compared, ordered or summed in SQL (ExactDecimalField is text on SQLite): SQL orders and groups by
`at` only, Python does the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Max, Q

from portfolios.models import PriceQuote
from portfolios.models.prices import PriceSource

# When several sources quote the same moment, the first in this list wins: live APIs, then the
# owner's own CSV and ledger prices, and the synthetic offline history last.
SOURCE_PREFERENCE: tuple[str, ...] = (
    PriceSource.COINGECKO,
    PriceSource.COINBASE,
    PriceSource.YAHOO,
    PriceSource.CSV,
    PriceSource.LEDGER,
    PriceSource.OFFLINE,
)
_RANK = {source: rank for rank, source in enumerate(SOURCE_PREFERENCE)}


def source_rank(source: str) -> int:
    """Lower is preferred; unknown sources sort after every known one."""
    return _RANK.get(source, len(SOURCE_PREFERENCE))


@dataclass(frozen=True)
class PricePoint:
    price: Decimal
    at: datetime
    source: str

    @property
    def is_synthetic(self) -> bool:
        return self.source == PriceSource.OFFLINE


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _better(candidate: PricePoint, incumbent: PricePoint | None) -> bool:
    """Later wins; at the same moment the preferred source wins."""
    if incumbent is None:
        return True
    if candidate.at != incumbent.at:
        return candidate.at > incumbent.at
    return source_rank(candidate.source) < source_rank(incumbent.source)


def _last_times(asset_ids: list[int], *, before: datetime, inclusive: bool) -> dict[int, datetime]:
    """Per asset, the time of its latest quote before (or at) `before`: one GROUP BY query on (asset, at)."""
    bound = Q(at__lte=before) if inclusive else Q(at__lt=before)
    rows = (
        PriceQuote.objects.filter(bound, asset_id__in=asset_ids)
        .order_by()
        .values("asset_id")
        .annotate(last=Max("at"))
        .values_list("asset_id", "last")
    )
    return {asset_id: last for asset_id, last in rows if last is not None}


def prices_latest(*, asset_ids: Iterable[int], as_of: datetime) -> dict[int, PricePoint]:
    """Each asset's most recent quote at or before `as_of` from any source (a live source beats the
    offline history at the same moment). Assets without any quote by then are absent. Two queries."""
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    last = _last_times(ids, before=as_of, inclusive=True)
    if not last:
        return {}
    rows = (
        PriceQuote.objects.filter(asset_id__in=list(last), at__in=set(last.values()))
        .order_by()
        .values_list("asset_id", "at", "price", "source")
    )
    result: dict[int, PricePoint] = {}
    for asset_id, at, price, source in rows:
        if at != last[asset_id]:
            continue  # another asset's latest time
        point = PricePoint(price=price, at=at, source=source)
        if _better(point, result.get(asset_id)):
            result[asset_id] = point
    return result


def price_on(*, asset_id: int, day: date) -> PricePoint | None:
    """The last quote on or before the end of `day` (UTC), or None when there is none. One query."""
    end = _day_start(day + timedelta(days=1))
    # At most one row per source can share the latest time, so the first len(sources) rows suffice.
    rows = list(
        PriceQuote.objects.filter(asset_id=asset_id, at__lt=end)
        .order_by("-at")
        .values_list("at", "price", "source")[: len(PriceSource.values)]
    )
    best: PricePoint | None = None
    for at, price, source in rows:
        point = PricePoint(price=price, at=at, source=source)
        if _better(point, best):
            best = point
    return best


def price_history(*, asset_ids: Iterable[int], start: date, end: date) -> dict[int, dict[date, Decimal]]:
    """Daily closes for each day from start to end (UTC days): the day's last quote, else the last known
    price carried forward over the gap (also from before `start`). Days before an asset's first quote are
    left out. Every asset id asked for is a key, possibly with an empty dict. Two queries."""
    points = price_history_points(asset_ids=asset_ids, start=start, end=end)
    return {asset_id: {day: point.price for day, point in days.items()} for asset_id, days in points.items()}


def price_history_points(
    *, asset_ids: Iterable[int], start: date, end: date
) -> dict[int, dict[date, PricePoint]]:
    """As `price_history`, with each day's quote whole: a carried price keeps the moment it was quoted,
    so a caller can tell how old it is on that day. Two queries."""
    ids = sorted(set(asset_ids))
    history: dict[int, dict[date, PricePoint]] = {asset_id: {} for asset_id in ids}
    if not ids or end < start:
        return history
    lo = _day_start(start)
    hi = _day_start(end + timedelta(days=1))
    before = _last_times(ids, before=lo, inclusive=False)
    window = Q(at__gte=lo, at__lt=hi)
    if before:
        window |= Q(at__in=set(before.values()))
    rows = (
        PriceQuote.objects.filter(window, asset_id__in=ids)
        .order_by("asset_id", "at")
        .values_list("asset_id", "at", "price", "source")
    )
    # Best quote per (asset, day); the carried-in price sits on the day before `start`.
    closes: dict[int, dict[date, PricePoint]] = {asset_id: {} for asset_id in ids}
    carried_day = start - timedelta(days=1)
    for asset_id, at, price, source in rows:
        if at < lo:
            if at != before.get(asset_id):
                continue
            day = carried_day
        else:
            day = at.astimezone(UTC).date()
        point = PricePoint(price=price, at=at, source=source)
        days = closes[asset_id]
        if _better(point, days.get(day)):
            days[day] = point
    span = (end - start).days + 1
    for asset_id in ids:
        days = closes[asset_id]
        if not days:
            continue
        series = history[asset_id]
        current = days.get(carried_day)
        for offset in range(span):
            day = start + timedelta(days=offset)
            close = days.get(day)
            if close is not None:
                current = close
            if current is not None:
                series[day] = current
    return history
