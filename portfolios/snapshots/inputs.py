"""What a snapshot reads from the database: open lots, accounts, assets, the target, income, where the value
history stands and its last stored points, for a batch of portfolios with a fixed number of queries.

The first read locks the owners (in one order), as a recompute of their ledgers does: until the snapshot's
transaction ends, no ledger change of theirs can commit between its reads, nor note itself in a
HistoryState the snapshot is about to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef

from portfolios.models import OwnerPrice, Portfolio
from rebalancing.bands import policy_widths
from rebalancing.models import Target
from taxes.models import LedgerStatus

from .rows import ACCOUNT, INCOME, LOT, WEIGHT, snapshot_rows


@dataclass(frozen=True)
class OpenLot:
    """An open TaxLot, as the engine left it."""

    lot_id: str
    account_id: int
    asset_id: int
    quantity: Decimal
    basis: Decimal
    acquired: date
    received: date
    long_term_from: date | None


@dataclass(frozen=True)
class DayPoint:
    """One day of the value history (a ValuePoint's numbers)."""

    value: Decimal
    cost_basis: Decimal
    net_deposits: Decimal


@dataclass(frozen=True)
class HistoryMark:
    """A portfolio's HistoryState as read: the ledger its history matches and the changes noted since."""

    ledger_at: datetime | None
    changed_to: datetime | None
    changed_from: date | None


@dataclass
class SnapshotInputs:
    """Everything one snapshot needs from the database, loaded for a batch of portfolios at once."""

    portfolio: Portfolio
    tz: Any
    today: date
    ledger_at: datetime | None  # LedgerStatus.computed_at
    ledger_error: str
    history: HistoryMark | None
    # The owner entered prices of their own (asked with the portfolio, so most snapshots need no query).
    has_entered_prices: bool = False
    accounts: list[tuple[int, str, str, str]] = field(default_factory=list)
    lots: list[OpenLot] = field(default_factory=list)
    assets: dict[int, tuple[int, str, str, str]] = field(default_factory=dict)
    # (id, name, absolute, relative) as the policy's band mode uses them, and the hybrid floor.
    target: tuple[int, str, Decimal | None, Decimal | None] | None = None
    band_floor: Decimal | None = None
    target_weights: dict[int, Decimal] = field(default_factory=dict)
    income_rows: list[tuple[str, date, Decimal]] = field(default_factory=list)
    # The last two stored points up to today, when they are that recent.
    recent_points: list[tuple[date, DayPoint]] = field(default_factory=list)


def _set_target(
    one: SnapshotInputs,
    tid: int,
    name: str,
    band_abs: Decimal | None,
    band_rel: Decimal | None,
    mode: str | None,
    floor: Decimal | None,
) -> None:
    # The proposals' band rule: without a policy row the default mode (both widths, the narrower) holds.
    absolute, relative, one.band_floor = policy_widths(
        mode or "both", absolute=band_abs, relative=band_rel, floor=floor
    )
    one.target = (tid, name, absolute, relative)


def load_inputs(ids: list[int], *, as_of: datetime) -> list[SnapshotInputs]:
    """Call inside a transaction (the owners' lock lasts until it ends)."""
    portfolios = {
        p.pk: p
        for p in Portfolio.objects.filter(pk__in=ids)
        .select_related("owner", "ledger_status", "history_state")
        .annotate(has_entered_prices=Exists(OwnerPrice.objects.filter(owner=OuterRef("owner"))))
        .order_by("owner_id", "pk")
        .select_for_update(of=("owner",), no_key=True)
    }
    inputs: dict[int, SnapshotInputs] = {}
    for pid in ids:
        portfolio = portfolios.get(pid)
        if portfolio is None:
            continue
        status = getattr(portfolio, "ledger_status", None)
        if status is None or status.computed_at is None:
            # Lots were never computed (e.g. rows loaded in bulk): compute them now, once.
            from taxes.services import portfolio_recompute_or_flag

            portfolio_recompute_or_flag(portfolio=portfolio)
            status = LedgerStatus.objects.filter(portfolio=portfolio).first()
        tz = portfolio.owner.tzinfo
        state = getattr(portfolio, "history_state", None)
        inputs[pid] = SnapshotInputs(
            portfolio=portfolio,
            tz=tz,
            today=as_of.astimezone(tz).date(),
            ledger_at=status.computed_at if status else None,
            ledger_error=status.error if status else "",
            history=None
            if state is None
            else HistoryMark(state.ledger_at, state.changed_to, state.changed_from),
            has_entered_prices=bool(portfolio.has_entered_prices),
        )
    if not inputs:
        return []
    pids = list(inputs)
    latest_day = max(one.today for one in inputs.values())
    earliest_day = min(one.today for one in inputs.values()) - timedelta(days=1)
    accounts: list[tuple[int, int, tuple[int, str, str, str]]] = []
    points: list[tuple[int, date, DayPoint]] = []
    weighted: list[tuple[int, int, tuple[int, str, str, str]]] = []
    for row in snapshot_rows(pids, points_from=earliest_day, points_to=latest_day):
        one = inputs[row.portfolio_id]
        if row.kind == LOT:
            asset_id = row.integer(2)
            one.lots.append(
                OpenLot(
                    row.text(0),
                    row.integer(1),
                    asset_id,
                    row.amount(3),
                    row.amount(4),
                    row.day(5),  # type: ignore[arg-type]
                    row.day(6),  # type: ignore[arg-type]
                    row.day(7),
                )
            )
            one.assets[asset_id] = (asset_id, row.text(8), row.text(9), row.text(10))
        elif row.kind == ACCOUNT:
            account = (row.integer(0), row.text(1), row.text(2), row.text(3))
            accounts.append((row.integer(4), row.portfolio_id, account))
        elif row.kind == WEIGHT:
            _set_target(
                one,
                row.integer(0),
                row.text(1),
                row.decimal(2),
                row.decimal(3),
                row.values[4],
                row.decimal(5),
            )
            asset_id = row.integer(6)
            one.target_weights[asset_id] = row.amount(7)
            weighted.append((row.portfolio_id, asset_id, (asset_id, row.text(8), row.text(9), row.text(10))))
        elif row.kind == INCOME:
            day = row.day(1)
            assert day is not None
            if day <= one.today:
                one.income_rows.append((row.text(0), day, row.amount(2)))
        else:
            day = row.day(0)
            assert day is not None
            points.append((row.portfolio_id, day, DayPoint(row.amount(1), row.amount(2), row.amount(3))))
    for _, pid, account in sorted(accounts):
        inputs[pid].accounts.append(account)
    for pid, asset_id, info in weighted:
        inputs[pid].assets.setdefault(asset_id, info)
    without_weights = [pid for pid in pids if inputs[pid].target is None]
    if without_weights:  # a target with no weights yet still names its band policy
        for pid, tid, name, band_abs, band_rel, mode, floor in Target.objects.filter(
            portfolio_id__in=without_weights
        ).values_list(
            "portfolio_id",
            "id",
            "name",
            "band_absolute",
            "band_relative",
            "portfolio__rebalance_policy__band_mode",
            "portfolio__rebalance_policy__band_floor",
        ):
            _set_target(inputs[pid], tid, name, band_abs, band_rel, mode, floor)
    for pid, day, point in sorted(points, key=lambda item: (item[0], item[1]), reverse=True):
        one = inputs[pid]
        if day <= one.today and len(one.recent_points) < 2:
            one.recent_points.append((day, point))
    return [inputs[pid] for pid in pids]
