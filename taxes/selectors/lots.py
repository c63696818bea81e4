"""Open lots valued at the latest snapshot's prices: the Lots page and every account's holdings.

Exact-decimal columns are text on SQLite, so nothing here sorts, sums or compares them in SQL: rows come
back whole and Python does the arithmetic (2k lots is a few milliseconds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator

from portfolios.models import Portfolio
from taxes.models import TaxLot

if TYPE_CHECKING:
    from portfolios.selectors import SnapshotPrices

ZERO = Decimal(0)
LOTS_PER_PAGE = 100
# (sort key, header, numeric) for the open-lots table; keys are LOT_SORTS.
LOT_COLUMNS = [
    ("acquired", "Acquired", False),
    ("symbol", "Asset", False),
    ("account", "Account", False),
    ("quantity", "Quantity", True),
    ("basis", "Cost basis", True),
    ("value", "Value", True),
    ("unrealized", "Unrealized", True),
    ("term", "Term", False),
    ("days", "Days to long-term", True),
]


@dataclass
class LotRow:
    pk: int
    lot_id: str
    account_id: int
    account: str
    asset_id: int
    symbol: str
    acquired: date
    quantity: Decimal
    basis: Decimal
    wash_adjustment: Decimal
    long_term_from: date | None
    price: Decimal | None
    price_status: str
    value: Decimal | None
    unrealized: Decimal | None
    term: str  # short | long, as of `today`
    days_to_long_term: int | None


@dataclass
class LotTotals:
    count: int = 0
    basis: Decimal = ZERO
    value: Decimal = ZERO
    unrealized: Decimal = ZERO
    unrealized_short: Decimal = ZERO
    unrealized_long: Decimal = ZERO
    unpriced: int = 0  # lots left out of value and gain for want of a price


@dataclass
class LotTable:
    rows: list[LotRow]
    totals: LotTotals
    sort: str


LOT_SORTS: dict[str, Callable[[LotRow], Any]] = {
    "acquired": lambda r: r.acquired,
    "symbol": lambda r: r.symbol,
    "account": lambda r: r.account.lower(),
    "quantity": lambda r: r.quantity,
    "basis": lambda r: r.basis,
    "value": lambda r: r.value,
    "unrealized": lambda r: r.unrealized,
    "term": lambda r: r.term,
    "days": lambda r: r.days_to_long_term,
}
DEFAULT_LOT_SORT = "acquired"


def lot_sort_normalize(sort: str | None) -> str:
    key = (sort or "").strip()
    return key if key.lstrip("-") in LOT_SORTS else DEFAULT_LOT_SORT


def lot_rows(
    *, portfolio: Portfolio, prices: SnapshotPrices, today: date, account_id: int | None
) -> list[LotRow]:
    qs = TaxLot.objects.filter(portfolio=portfolio)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    # values_list rather than model instances: 2k lots x 3 models would be most of the page's time.
    fields = (
        "pk",
        "lot_id",
        "account_id",
        "account__name",
        "asset_id",
        "asset__symbol",
        "acquired",
        "quantity",
        "basis",
        "wash_adjustment",
        "long_term_from",
    )
    rows = []
    for (
        pk,
        lot_id,
        acc_id,
        acc_name,
        asset_id,
        symbol,
        acquired,
        quantity,
        basis,
        wash,
        ltf,
    ) in qs.values_list(*fields).order_by():
        quote = prices.price_of(asset_id)
        # As in the snapshot's totals: only a current price values a holding; stale or missing is unknown.
        value = quantity * quote.price if quote.price is not None and quote.status == "ok" else None
        long_term = ltf is None or today >= ltf
        rows.append(
            LotRow(
                pk=pk,
                lot_id=lot_id,
                account_id=acc_id,
                account=acc_name,
                asset_id=asset_id,
                symbol=symbol,
                acquired=acquired,
                quantity=quantity,
                basis=basis,
                wash_adjustment=wash or ZERO,
                long_term_from=ltf,
                price=quote.price,
                price_status=quote.status if quote.price is not None else "missing",
                value=value,
                unrealized=None if value is None else value - basis,
                term="long" if long_term else "short",
                days_to_long_term=None if long_term or ltf is None else (ltf - today).days,
            )
        )
    return rows


def lots_totals(rows: Iterable[LotRow]) -> LotTotals:
    t = LotTotals()
    for r in rows:
        t.count += 1
        t.basis += r.basis
        if r.value is None or r.unrealized is None:
            t.unpriced += 1
            continue
        t.value += r.value
        t.unrealized += r.unrealized
        if r.term == "short":
            t.unrealized_short += r.unrealized
        else:
            t.unrealized_long += r.unrealized
    return t


def lots_sorted(rows: list[LotRow], sort: str) -> list[LotRow]:
    """Sort in Python by a LOT_SORTS key ("-key" descending); rows without the value (no price, already
    long-term) go last either way; ties keep acquisition order."""
    sort = lot_sort_normalize(sort)
    descending = sort.startswith("-")
    key = LOT_SORTS[sort.lstrip("-")]
    base = sorted(rows, key=lambda r: (r.acquired, r.symbol, r.pk))
    known = [r for r in base if key(r) is not None]
    unknown = [r for r in base if key(r) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def lots_list(
    *,
    portfolio: Portfolio,
    prices: SnapshotPrices,
    today: date,
    sort: str = DEFAULT_LOT_SORT,
    account_id: int | None = None,
) -> LotTable:
    rows = lot_rows(portfolio=portfolio, prices=prices, today=today, account_id=account_id)
    sort = lot_sort_normalize(sort)
    return LotTable(rows=lots_sorted(rows, sort), totals=lots_totals(rows), sort=sort)


def lots_table_context(table: LotTable, *, page: str | None, show_account: bool) -> dict[str, Any]:
    """What the sortable, paginated lots table (templates/taxes/_lots_table.html) needs."""
    return {
        "table": table,
        "sort": table.sort,
        "page": Paginator(table.rows, LOTS_PER_PAGE).get_page(page),
        "show_account": show_account,
        "sort_columns": LOT_COLUMNS,
    }
