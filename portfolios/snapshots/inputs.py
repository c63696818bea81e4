"""What a snapshot reads from the database: open lots, accounts, assets, the target, income and the last
stored history points, for a batch of portfolios with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Subquery

from portfolios.models import Account, OwnerPrice, Portfolio, PortfolioSnapshot, ValuePoint
from rebalancing.bands import policy_widths
from rebalancing.models import Target, TargetWeight
from taxes.models import IncomeRecord, LedgerStatus, TaxLot

from .money import iso_utc


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


@dataclass
class SnapshotInputs:
    """Everything one snapshot needs from the database, loaded for a batch of portfolios at once."""

    portfolio: Portfolio
    tz: Any
    today: date
    ledger_computed_at: str | None
    ledger_error: str
    previous_ledger: str | None  # the ledger computed_at the previous snapshot was made from
    has_previous: bool
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
    previous = PortfolioSnapshot.objects.filter(portfolio=OuterRef("pk")).order_by("-as_of", "-id")
    portfolios = {
        p.pk: p
        for p in Portfolio.objects.filter(pk__in=ids)
        .select_related("owner", "ledger_status")
        .annotate(
            previous_ledger=Subquery(previous.values("data__ledger__computed_at")[:1]),
            previous_id=Subquery(previous.values("id")[:1]),
            has_entered_prices=Exists(OwnerPrice.objects.filter(owner=OuterRef("owner"))),
        )
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
        inputs[pid] = SnapshotInputs(
            portfolio=portfolio,
            tz=tz,
            today=as_of.astimezone(tz).date(),
            ledger_computed_at=iso_utc(status.computed_at) if status else None,
            ledger_error=status.error if status else "",
            previous_ledger=portfolio.previous_ledger,
            has_previous=portfolio.previous_id is not None,
            has_entered_prices=bool(portfolio.has_entered_prices),
        )
    if not inputs:
        return []
    pids = list(inputs)
    for pid, aid, name, treatment, kind in (
        Account.objects.filter(portfolio_id__in=pids)
        .order_by("name", "id")
        .values_list("portfolio_id", "id", "name", "tax_treatment", "kind")
    ):
        inputs[pid].accounts.append((aid, name, treatment, kind))
    for (
        pid,
        lot_id,
        account_id,
        asset_id,
        quantity,
        basis,
        acquired,
        received,
        long_term_from,
        symbol,
        name,
        asset_class,
    ) in (
        TaxLot.objects.filter(portfolio_id__in=pids)
        .order_by()
        .values_list(
            "portfolio_id",
            "lot_id",
            "account_id",
            "asset_id",
            "quantity",
            "basis",
            "acquired",
            "received",
            "long_term_from",
            "asset__symbol",
            "asset__name",
            "asset__asset_class",
        )
    ):
        inputs[pid].lots.append(
            OpenLot(lot_id, account_id, asset_id, quantity, basis, acquired, received, long_term_from)
        )
        inputs[pid].assets[asset_id] = (asset_id, symbol, name, asset_class)
    for (
        pid,
        tid,
        name,
        band_abs,
        band_rel,
        mode,
        floor,
        asset_id,
        weight,
        symbol,
        asset_name,
        asset_class,
    ) in (
        TargetWeight.objects.filter(target__portfolio_id__in=pids)
        .order_by()
        .values_list(
            "target__portfolio_id",
            "target_id",
            "target__name",
            "target__band_absolute",
            "target__band_relative",
            "target__portfolio__rebalance_policy__band_mode",
            "target__portfolio__rebalance_policy__band_floor",
            "asset_id",
            "weight",
            "asset__symbol",
            "asset__name",
            "asset__asset_class",
        )
    ):
        one = inputs[pid]
        _set_target(one, tid, name, band_abs, band_rel, mode, floor)
        one.target_weights[asset_id] = weight
        one.assets.setdefault(asset_id, (asset_id, symbol, asset_name, asset_class))
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
    latest_day = max(one.today for one in inputs.values())
    for pid, kind, day, value in (
        IncomeRecord.objects.filter(portfolio_id__in=pids, date__lte=latest_day)
        .order_by()
        .values_list("portfolio_id", "kind", "date", "value")
    ):
        if day <= inputs[pid].today:
            inputs[pid].income_rows.append((kind, day, value))
    earliest_day = min(one.today for one in inputs.values()) - timedelta(days=1)
    for pid, day, value, basis, deposits in (
        ValuePoint.objects.filter(portfolio_id__in=pids, date__gte=earliest_day, date__lte=latest_day)
        .order_by("portfolio_id", "-date")
        .values_list("portfolio_id", "date", "value", "cost_basis", "net_deposits")
    ):
        one = inputs[pid]
        if day <= one.today and len(one.recent_points) < 2:
            one.recent_points.append((day, DayPoint(value, basis, deposits)))
    return [inputs[pid] for pid in pids]
