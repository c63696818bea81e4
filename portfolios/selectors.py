"""Reads for the portfolio pages: the latest snapshot the workers wrote, the open lots valued at that
snapshot's prices, accounts, value history. A constant number of queries however large the ledger.

Exact-decimal columns are text on SQLite, so nothing here sorts, sums or compares them in SQL: rows come
back whole and Python does the arithmetic (2k lots is a few milliseconds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime

from portfolios.models import Account, Portfolio, PortfolioSnapshot, Transaction, User, ValuePoint
from portfolios.sharing import mark_access, readable_portfolios
from taxes.models import LedgerStatus
from taxes.selectors import DEFAULT_LOT_SORT, LotRow, LotTable, LotTotals, lot_rows, lots_list, lots_totals

ZERO = Decimal(0)


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    return parse_datetime(str(value))


# --- portfolios ------------------------------------------------------------------------------------------


def portfolio_first(*, user: User) -> Portfolio | None:
    return Portfolio.objects.filter(owner=user).order_by("name", "id").first()


def portfolio_list(*, user: User) -> list[Portfolio]:
    """Own portfolios first, then those shared with the user (read-only)."""
    listed = readable_portfolios(user=user).select_related("owner")
    return [
        mark_access(p, user=user) for p in sorted(listed, key=lambda p: (p.owner_id != user.pk, p.name, p.pk))
    ]


def ledger_status_of(portfolio: Portfolio) -> LedgerStatus | None:
    """The portfolio's LedgerStatus without a query when it was select_related (the view's helper does)."""
    try:
        return portfolio.ledger_status
    except LedgerStatus.DoesNotExist:
        return None


# --- snapshot prices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetPrice:
    price: Decimal | None
    status: str  # ok | stale | missing
    at: datetime | None


@dataclass(frozen=True)
class SnapshotPrices:
    """What the lots and accounts pages need from the latest snapshot: prices, not its 2k-lot payload."""

    snapshot_id: int | None = None
    as_of: datetime | None = None
    computed_at: datetime | None = None
    by_asset: dict[int, AssetPrice] = field(default_factory=dict)
    prices: dict[str, Any] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.snapshot_id is not None

    @property
    def oldest_price_at(self) -> datetime | None:
        return _when(self.prices.get("oldest_at"))

    def price_of(self, asset_id: int) -> AssetPrice:
        return self.by_asset.get(asset_id, AssetPrice(None, "missing", None))


def snapshot_latest(*, portfolio: Portfolio) -> PortfolioSnapshot | None:
    return PortfolioSnapshot.objects.filter(portfolio=portfolio).order_by("-as_of", "-id").first()


def _prices_from(assets: Iterable[Mapping[str, Any]] | None) -> dict[int, AssetPrice]:
    out: dict[int, AssetPrice] = {}
    for a in assets or ():
        price = _dec(a.get("price"))
        status = str(a.get("price_status") or ("ok" if price is not None else "missing"))
        out[int(a["asset_id"])] = AssetPrice(price, status, _when(a.get("price_at")))
    return out


def snapshot_prices(*, portfolio: Portfolio) -> SnapshotPrices:
    # Only two keys of the JSON are read: the database extracts them, so the per-lot payload never
    # leaves it.
    row = (
        PortfolioSnapshot.objects.filter(portfolio=portfolio)
        .order_by("-as_of", "-id")
        .values_list("id", "as_of", "computed_at", "data__assets", "data__prices")
        .first()
    )
    if row is None:
        return SnapshotPrices()
    snapshot_id, as_of, computed_at, assets, prices = row
    return SnapshotPrices(snapshot_id, as_of, computed_at, _prices_from(assets), dict(prices or {}))


def snapshot_prices_from(snapshot: PortfolioSnapshot | None) -> SnapshotPrices:
    if snapshot is None:
        return SnapshotPrices()
    data = snapshot.data or {}
    return SnapshotPrices(
        snapshot.pk,
        snapshot.as_of,
        snapshot.computed_at,
        _prices_from(data.get("assets")),
        dict(data.get("prices") or {}),
    )


# --- accounts --------------------------------------------------------------------------------------------


@dataclass
class HoldingRow:
    asset_id: int
    symbol: str
    quantity: Decimal = ZERO
    basis: Decimal = ZERO
    price: Decimal | None = None
    price_status: str = "missing"
    value: Decimal | None = None
    unrealized: Decimal | None = None
    weight: Decimal | None = None  # of the account's priced value
    lots: int = 0


@dataclass
class AccountRow:
    account: Account
    totals: LotTotals
    holdings: list[HoldingRow]


def _holdings(rows: Iterable[LotRow]) -> list[HoldingRow]:
    by_asset: dict[int, HoldingRow] = {}
    for r in rows:
        h = by_asset.setdefault(
            r.asset_id, HoldingRow(r.asset_id, r.symbol, price=r.price, price_status=r.price_status)
        )
        h.quantity += r.quantity
        h.basis += r.basis
        h.lots += 1
    total = ZERO
    for h in by_asset.values():
        if h.price is not None and h.price_status == "ok":
            h.value = h.quantity * h.price
            h.unrealized = h.value - h.basis
            total += h.value
    for h in by_asset.values():
        if h.value is not None and total:
            h.weight = h.value / total
    return sorted(by_asset.values(), key=lambda h: (h.value is None, -(h.value or ZERO), h.symbol))


def accounts_list(*, portfolio: Portfolio, prices: SnapshotPrices, today: date) -> list[AccountRow]:
    accounts = list(Account.objects.filter(portfolio=portfolio).order_by("name", "id"))
    rows = lot_rows(portfolio=portfolio, prices=prices, today=today, account_id=None)
    per_account: dict[int, list[LotRow]] = {a.pk: [] for a in accounts}
    for r in rows:
        per_account.setdefault(r.account_id, []).append(r)
    return [AccountRow(a, lots_totals(per_account[a.pk]), _holdings(per_account[a.pk])) for a in accounts]


def account_detail(
    *, account: Account, prices: SnapshotPrices, today: date, sort: str = DEFAULT_LOT_SORT
) -> tuple[AccountRow, LotTable]:
    table = lots_list(
        portfolio=account.portfolio, prices=prices, today=today, sort=sort, account_id=account.pk
    )
    return AccountRow(account, table.totals, _holdings(table.rows)), table


# --- dashboard -------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    snapshot: PortfolioSnapshot | None
    ledger_status: LedgerStatus | None
    value_points: list[dict[str, Any]]
    portfolios: list[Portfolio]
    has_transactions: bool
    soon_long_term: list[dict[str, Any]] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return (self.snapshot.data or {}) if self.snapshot else {}

    @property
    def ledger_newer_than_snapshot(self) -> bool:
        """The lots were recomputed after the snapshot was taken: its values are about to be refreshed."""
        status = self.ledger_status
        return bool(
            self.snapshot and status and status.computed_at and status.computed_at > self.snapshot.computed_at
        )


def _soon_long_term(lots: Iterable[Mapping[str, Any]], *, today: date, limit: int) -> list[dict[str, Any]]:
    """The short-term lots that turn long-term next, counted from today (not from the snapshot)."""
    upcoming = []
    for lot in lots:
        ltf = lot.get("long_term_from")
        if lot.get("term") != "short" or not ltf:
            continue
        when = date.fromisoformat(str(ltf))
        if when > today:
            upcoming.append({**lot, "long_term_from": when, "days": (when - today).days})
    upcoming.sort(key=lambda lot: (lot["long_term_from"], str(lot.get("symbol"))))
    return upcoming[:limit]


def dashboard_get(*, portfolio: Portfolio, user: User, today: date, soon_limit: int = 10) -> Dashboard:
    snapshot = snapshot_latest(portfolio=portfolio)
    points = list(
        ValuePoint.objects.filter(portfolio=portfolio)
        .order_by("date")
        .values("date", "value", "net_deposits")
    )
    has_transactions = True
    if snapshot is None:
        # "Being computed" only makes sense when there is something to compute.
        has_transactions = Transaction.objects.filter(portfolio=portfolio).exists()
    dashboard = Dashboard(
        snapshot=snapshot,
        ledger_status=ledger_status_of(portfolio),
        value_points=[{**p, "date": p["date"].isoformat()} for p in points],
        portfolios=portfolio_list(user=user),
        has_transactions=has_transactions,
    )
    dashboard.soon_long_term = _soon_long_term(
        dashboard.data.get("lots") or (), today=today, limit=soon_limit
    )
    return dashboard
