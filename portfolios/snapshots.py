"""Portfolio snapshots: what the dashboard reads instead of the ledger (schema: portfolios/SNAPSHOT_SCHEMA.md).

A snapshot is computed from stored rows only: open TaxLots (the engine runs here only when LedgerStatus
says the lots were never computed), the latest prices, IncomeRecords and the Target. The daily ValuePoint
history is brought up to date in the same transaction: only from the last stored day onwards while the
ledger is unchanged, from the first day when it changed (or when asked, e.g. after a history refresh).

Holdings on a past day come from the engine's own output, so the last point of the history is exactly the
snapshot's total: a lot piece is held at the end of day D when it was received on or before D and has not
left (open TaxLot, or Disposal / NonTaxableTransfer dated after D). The received day of a piece that left
is its origin transaction's date in the owner's time zone, as the engine sets it.

Money is exact: each lot's value is quantity x price rounded half-even to the 18 places the database keeps,
and every total is a sum of those, so assets, accounts and lots add up to the total to the last digit.
Prices that are missing or older than PRICE_MAX_AGE_MINUTES are flagged and leave the value unknown
(null) - never zero - and out of the total.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from portfolios.fields import QUANTITY_PLACES
from portfolios.models import (
    Account,
    Portfolio,
    PortfolioSnapshot,
    Transaction,
    TransactionType,
    ValuePoint,
)
from portfolios.models.prices import PriceSource
from portfolios.pricing.offline import OFFLINE_NOTICE
from portfolios.pricing.selectors import PricePoint, price_history, prices_latest
from rebalancing.bands import band_for, outside_band
from rebalancing.models import Target, TargetWeight
from taxes.models import Disposal, IncomeRecord, LedgerStatus, NonTaxableTransfer, TaxLot

logger = logging.getLogger("lotwise.snapshots")

KEEP_SNAPSHOTS = 30
ZERO = Decimal(0)
MONEY = Decimal(1).scaleb(-QUANTITY_PLACES)
WEIGHT = Decimal("0.000001")  # weights and percentages: fractions to 1e-6 (0.0001 percentage points)
_WIDE = Context(prec=80, rounding=ROUND_HALF_EVEN)

OK, STALE, MISSING = "ok", "stale", "missing"


# --- small helpers ------------------------------------------------------------------------------------


def _s(value: Decimal | None) -> str | None:
    """Exact decimal string without exponent or trailing zeros ("1E+2" never appears)."""
    if value is None:
        return None
    if not value:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _money(value: Decimal) -> Decimal:
    return value.quantize(MONEY, context=_WIDE)


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    with localcontext(_WIDE):
        return (part / whole).quantize(WEIGHT)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _origin_of(lot_id: str) -> int | None:
    """The acquisition transaction's id from an engine lot id ("123", "123/t456", "123/w789.1")."""
    head = lot_id.split("/", 1)[0]
    return int(head) if head.isdigit() else None


# --- test hooks (inert unless the worker's environment sets them) -------------------------------------


def _test_fault(portfolio_id: int) -> None:
    """Integration tests only: with LOTWISE_TEST_HOOKS=1, fail with a transient database error while the
    cache counter `lotwise-test:snapshot-faults:<id>` is positive, so the real retry path runs."""
    if os.environ.get("LOTWISE_TEST_HOOKS") != "1":
        return
    try:
        left = cache.decr(f"lotwise-test:snapshot-faults:{portfolio_id}")
    except ValueError:  # no counter set: no fault
        return
    if left >= 0:
        raise OperationalError(f"injected transient fault for portfolio {portfolio_id} ({left} more to come)")


def _test_delay(portfolio_id: int) -> None:
    """Integration tests only: LOTWISE_SNAPSHOT_TEST_DELAY=<seconds> holds the write transaction open (after
    the new rows are written, before commit) and says so in the cache, so a test can kill the worker there."""
    delay = os.environ.get("LOTWISE_SNAPSHOT_TEST_DELAY")
    if not delay:
        return
    cache.set(f"lotwise-test:snapshot-writing:{portfolio_id}", os.getpid(), timeout=120)
    logger.warning(
        "test delay: holding the snapshot transaction of portfolio %s for %ss", portfolio_id, delay
    )
    time.sleep(float(delay))  # float ok: seconds of a test delay, not money


# --- inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lot:
    lot_id: str
    account_id: int
    asset_id: int
    quantity: Decimal
    basis: Decimal
    acquired: date
    received: date
    long_term_from: date | None


@dataclass(frozen=True)
class _Piece:
    """A lot piece for the history: held at the end of day D when received <= D < left (None: still open)."""

    asset_id: int
    quantity: Decimal
    basis: Decimal
    received: date
    left: date | None


@dataclass(frozen=True)
class _Point:
    value: Decimal
    cost_basis: Decimal
    net_deposits: Decimal


def _price_status(point: PricePoint | None, *, as_of: datetime, max_age: timedelta) -> str:
    if point is None:
        return MISSING
    if as_of - point.at > max_age:
        return STALE
    return OK


# --- the service --------------------------------------------------------------------------------------


def portfolio_snapshot_compute(
    *, portfolio_id: int, as_of: datetime | None = None, rebuild_history: bool = False
) -> PortfolioSnapshot:
    """Compute and store a snapshot of the portfolio at `as_of` (default: now), with its daily history.

    Raises Portfolio.DoesNotExist for an unknown id. Everything is written in one transaction: a worker
    killed half-way leaves the previous snapshot and history whole. Idempotent: the same inputs give the
    same numbers. `rebuild_history` recomputes every ValuePoint (e.g. after past prices changed).
    """
    snapshots = portfolios_snapshot_compute(
        portfolio_ids=[portfolio_id], as_of=as_of, rebuild_history=rebuild_history
    )
    if not snapshots:
        raise Portfolio.DoesNotExist(f"no portfolio with id {portfolio_id}")
    return snapshots[0]


def portfolios_snapshot_compute(
    *, portfolio_ids: Sequence[int], as_of: datetime | None = None, rebuild_history: bool = False
) -> list[PortfolioSnapshot]:
    """Snapshots of several portfolios at once (the fan-out after a price refresh), in the order given.

    The reads are batched: a fixed number of queries for the whole batch while each portfolio's history is
    up to date, and all is written in one transaction. Ids of portfolios that no longer exist are skipped.
    """
    ids = list(dict.fromkeys(portfolio_ids))
    for pid in ids:
        _test_fault(pid)
    as_of = as_of or timezone.now()
    if timezone.is_naive(as_of):
        raise ValueError("as_of must be timezone-aware")
    inputs = _load(ids, as_of=as_of)
    if not inputs:
        return []
    asset_ids = {aid for one in inputs for aid in one.assets}
    latest = prices_latest(asset_ids=asset_ids, as_of=as_of)
    max_age = timedelta(minutes=settings.PRICE_MAX_AGE_MINUTES)
    status = {aid: _price_status(latest.get(aid), as_of=as_of, max_age=max_age) for aid in asset_ids}
    usable = {aid: latest[aid].price for aid in asset_ids if status[aid] == OK}

    summaries = []
    for one in inputs:
        # Per lot, then summed: every aggregate is a sum of the same rounded lot values.
        with localcontext(_WIDE):
            lot_values: list[Decimal | None] = []
            for lot in one.lots:
                price = usable.get(lot.asset_id)
                lot_values.append(None if price is None else _money(lot.quantity * price))
            body, totals = _summarise(
                lots=one.lots,
                lot_values=lot_values,
                accounts=one.accounts,
                assets=one.assets,
                latest=latest,
                status=status,
                target=one.target,
                target_weights=one.target_weights,
                income_rows=one.income_rows,
                today=one.today,
            )
        history = _History(
            one, total_value=totals["value"], cost_basis=totals["basis"], rebuild=rebuild_history
        )
        summaries.append((one, body, totals, history, history.plan()))

    # One read of daily closes for the whole batch (what every portfolio's history still needs).
    needs = [need for *_, need in summaries if need is not None]
    closes: dict[int, dict[date, Decimal]] = {}
    if needs:
        closes = price_history(
            asset_ids=set().union(*(assets for assets, _, _ in needs)),
            start=min(start for _, start, _ in needs),
            end=max(end for _, _, end in needs),
        )

    rows: list[PortfolioSnapshot] = []
    points_to_write: list[ValuePoint] = []
    histories = []
    for one, body, totals, history, _ in summaries:
        points = history.compute(closes)
        histories.append(history)
        points_to_write.extend(history.changed(points))

        yesterday = one.today - timedelta(days=1)
        previous_day = points.get(yesterday) or history.existing.get(yesterday)
        day_change: dict[str, str | None] | None = None
        if previous_day is not None:
            with localcontext(_WIDE):
                change = totals["value"] - previous_day.value
            pct = _ratio(change, previous_day.value) if previous_day.value else None
            day_change = {"value": _s(change), "pct": _s(pct)}
        data: dict[str, Any] = {"as_of": _iso(as_of), **body, "day_change": day_change}
        data["ledger"] = {"computed_at": one.ledger_computed_at, "error": one.ledger_error}
        rows.append(
            PortfolioSnapshot(
                portfolio=one.portfolio,
                as_of=as_of,
                total_value=totals["value"],
                cost_basis=totals["basis"],
                unrealized_gain=totals["unrealized"],
                oldest_price_at=totals["oldest_price_at"],
                has_missing_prices=bool(body["prices"]["missing"]),
                has_stale_prices=bool(body["prices"]["stale"]),
                data=data,
            )
        )

    with transaction.atomic():
        for history in histories:
            history.delete_outside()
        if points_to_write:
            # One order for every writer, so concurrent upserts of the same rows cannot deadlock.
            points_to_write.sort(key=lambda point: (point.portfolio_id, point.date))
            ValuePoint.objects.bulk_create(
                points_to_write,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["portfolio", "date"],
                update_fields=["value", "cost_basis", "net_deposits"],
            )
        created = PortfolioSnapshot.objects.bulk_create(rows)
        _prune([one.portfolio.pk for one in inputs])
        for one in inputs:
            _test_delay(one.portfolio.pk)
    return created


def _prune(portfolio_ids: list[int]) -> None:
    """Keep the newest KEEP_SNAPSHOTS of each portfolio."""
    if len(portfolio_ids) == 1:
        mine = PortfolioSnapshot.objects.filter(portfolio_id=portfolio_ids[0])
        mine.exclude(id__in=mine.order_by("-as_of", "-id").values("id")[:KEEP_SNAPSHOTS]).delete()
        return
    ranked = (
        PortfolioSnapshot.objects.filter(portfolio_id__in=portfolio_ids)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=F("portfolio_id"), order_by=[F("as_of").desc(), F("id").desc()]
            )
        )
        .filter(rank__gt=KEEP_SNAPSHOTS)
        .values_list("id", flat=True)
    )
    old = list(ranked)
    if old:
        PortfolioSnapshot.objects.filter(id__in=old).delete()


@dataclass
class _Inputs:
    """Everything one snapshot needs from the database, loaded for a batch of portfolios at once."""

    portfolio: Portfolio
    tz: Any
    today: date
    ledger_computed_at: str | None
    ledger_error: str
    previous_ledger: str | None  # the ledger computed_at the previous snapshot was made from
    has_previous: bool
    accounts: list[tuple[int, str, str, str]] = field(default_factory=list)
    lots: list[_Lot] = field(default_factory=list)
    assets: dict[int, tuple[int, str, str, str]] = field(default_factory=dict)
    target: tuple[int, str, Decimal | None, Decimal | None] | None = None
    target_weights: dict[int, Decimal] = field(default_factory=dict)
    income_rows: list[tuple[str, date, Decimal]] = field(default_factory=list)
    recent_points: list[tuple[date, _Point]] = field(
        default_factory=list
    )  # the last two up to today, if recent


def _load(ids: list[int], *, as_of: datetime) -> list[_Inputs]:
    previous = PortfolioSnapshot.objects.filter(portfolio=OuterRef("pk")).order_by("-as_of", "-id")
    portfolios = {
        p.pk: p
        for p in Portfolio.objects.filter(pk__in=ids)
        .select_related("owner", "ledger_status")
        .annotate(
            previous_ledger=Subquery(previous.values("data__ledger__computed_at")[:1]),
            previous_id=Subquery(previous.values("id")[:1]),
        )
    }
    inputs: dict[int, _Inputs] = {}
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
        inputs[pid] = _Inputs(
            portfolio=portfolio,
            tz=tz,
            today=as_of.astimezone(tz).date(),
            ledger_computed_at=_iso(status.computed_at) if status else None,
            ledger_error=status.error if status else "",
            previous_ledger=portfolio.previous_ledger,
            has_previous=portfolio.previous_id is not None,
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
            _Lot(lot_id, account_id, asset_id, quantity, basis, acquired, received, long_term_from)
        )
        inputs[pid].assets[asset_id] = (asset_id, symbol, name, asset_class)
    for pid, tid, name, band_abs, band_rel, asset_id, weight, symbol, asset_name, asset_class in (
        TargetWeight.objects.filter(target__portfolio_id__in=pids)
        .order_by()
        .values_list(
            "target__portfolio_id",
            "target_id",
            "target__name",
            "target__band_absolute",
            "target__band_relative",
            "asset_id",
            "weight",
            "asset__symbol",
            "asset__name",
            "asset__asset_class",
        )
    ):
        one = inputs[pid]
        one.target = (tid, name, band_abs, band_rel)
        one.target_weights[asset_id] = weight
        one.assets.setdefault(asset_id, (asset_id, symbol, asset_name, asset_class))
    without_weights = [pid for pid in pids if inputs[pid].target is None]
    if without_weights:  # a target with no weights yet still names its band policy
        for pid, *target in Target.objects.filter(portfolio_id__in=without_weights).values_list(
            "portfolio_id", "id", "name", "band_absolute", "band_relative"
        ):
            inputs[pid].target = tuple(target)  # type: ignore[assignment]
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
            one.recent_points.append((day, _Point(value, basis, deposits)))
    return [inputs[pid] for pid in pids]


def _summarise(
    *,
    lots: list[_Lot],
    lot_values: list[Decimal | None],
    accounts: list[tuple[int, str, str, str]],
    assets: dict[int, tuple[int, str, str, str]],
    latest: dict[int, PricePoint],
    status: dict[int, str],
    target: tuple[int, str, Decimal | None, Decimal | None] | None,
    target_weights: dict[int, Decimal],
    income_rows: list[tuple[str, date, Decimal]],
    today: date,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The snapshot's `data` body (without as_of, day_change and ledger) and its headline totals."""
    account_names = {aid: name for aid, name, _, _ in accounts}
    qty: dict[int, Decimal] = defaultdict(Decimal)
    basis: dict[int, Decimal] = defaultdict(Decimal)
    value: dict[int, Decimal] = defaultdict(Decimal)
    holding_qty: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    holding_basis: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    holding_value: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    acct_basis: dict[int, Decimal] = defaultdict(Decimal)
    acct_value: dict[int, Decimal] = defaultdict(Decimal)
    acct_unrealized: dict[int, Decimal] = defaultdict(Decimal)
    unrealized = {"short": ZERO, "long": ZERO}
    lot_rows = []
    for lot, lot_value in zip(lots, lot_values, strict=True):
        key = (lot.account_id, lot.asset_id)
        qty[lot.asset_id] += lot.quantity
        basis[lot.asset_id] += lot.basis
        holding_qty[key] += lot.quantity
        holding_basis[key] += lot.basis
        acct_basis[lot.account_id] += lot.basis
        long_term = lot.long_term_from is None or today >= lot.long_term_from
        term = "long" if long_term else "short"
        gain = None
        if lot_value is not None:
            gain = lot_value - lot.basis
            value[lot.asset_id] += lot_value
            holding_value[key] += lot_value
            acct_value[lot.account_id] += lot_value
            acct_unrealized[lot.account_id] += gain
            unrealized[term] += gain
        symbol = assets[lot.asset_id][1]
        lot_rows.append(
            (
                (account_names.get(lot.account_id, ""), lot.account_id, symbol, lot.acquired, lot.lot_id),
                {
                    "lot_id": lot.lot_id,
                    "account_id": lot.account_id,
                    "account": account_names.get(lot.account_id, ""),
                    "asset_id": lot.asset_id,
                    "symbol": symbol,
                    "acquired": lot.acquired.isoformat(),
                    "quantity": _s(lot.quantity),
                    "basis": _s(lot.basis),
                    "value": _s(lot_value),
                    "unrealized": _s(gain),
                    "term": term,
                    "long_term_from": lot.long_term_from.isoformat() if lot.long_term_from else None,
                    "days_to_long_term": None
                    if long_term or lot.long_term_from is None
                    else (lot.long_term_from - today).days,
                },
            )
        )
    lot_rows.sort(key=lambda item: item[0])

    held = {aid for aid, q in qty.items() if q > 0}
    missing = sorted(assets[aid][1] for aid in held if status[aid] == MISSING)
    stale = sorted(assets[aid][1] for aid in held if status[aid] == STALE)
    total_value = sum((value[aid] for aid in held if status[aid] == OK), ZERO)
    total_basis = sum(basis.values(), ZERO)
    total_unrealized = unrealized["short"] + unrealized["long"]

    band_abs = target[2] if target else None
    band_rel = target[3] if target else None
    asset_rows: list[tuple[tuple[bool, Decimal, str], dict[str, Any]]] = []
    for aid in sorted(set(qty) | set(target_weights)):
        _, symbol, name, asset_class = assets[aid]
        point = latest.get(aid)
        quantity = qty.get(aid, ZERO)
        priced = status[aid] == OK
        # Nothing held is worth zero whatever the price; a holding without a usable price is unknown.
        asset_value = value[aid] if priced else (ZERO if not quantity else None)
        weight = _ratio(asset_value, total_value) if asset_value is not None and total_value else None
        t_weight = target_weights.get(aid)
        band = None
        if t_weight is not None and target is not None:
            band = band_for(t_weight, absolute=band_abs, relative=band_rel)
        order = (asset_value is None, -asset_value if asset_value is not None else ZERO, symbol)
        asset_rows.append(
            (
                order,
                {
                    "asset_id": aid,
                    "symbol": symbol,
                    "name": name,
                    "asset_class": asset_class,
                    "quantity": _s(quantity),
                    "price": _s(point.price) if point else None,
                    "price_at": _iso(point.at) if point else None,
                    "price_source": point.source if point else None,
                    "price_status": status[aid],
                    "value": _s(asset_value),
                    "cost_basis": _s(basis.get(aid, ZERO)),
                    "unrealized": _s(asset_value - basis.get(aid, ZERO)) if asset_value is not None else None,
                    "weight": _s(weight),
                    "target_weight": _s(t_weight),
                    "drift": _s(weight - t_weight) if weight is not None and t_weight is not None else None,
                    "band_low": _s(band[0]) if band else None,
                    "band_high": _s(band[1]) if band else None,
                    "outside_band": weight is not None and outside_band(weight, band),
                },
            )
        )
    asset_rows.sort(key=lambda item: item[0])

    holdings_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (acct, asset_id), quantity in sorted(holding_qty.items(), key=lambda item: assets[item[0][1]][1]):
        priced = status[asset_id] == OK
        holdings_of[acct].append(
            {
                "asset_id": asset_id,
                "symbol": assets[asset_id][1],
                "quantity": _s(quantity),
                "value": _s(holding_value[(acct, asset_id)]) if priced else None,
                "cost_basis": _s(holding_basis[(acct, asset_id)]),
            }
        )
    account_rows = []
    for aid, name, treatment, kind in accounts:
        holdings = holdings_of.get(aid, [])
        incomplete = any(h["value"] is None for h in holdings)
        account_rows.append(
            {
                "account_id": aid,
                "name": name,
                "tax_treatment": treatment,
                "kind": kind,
                "value": _s(acct_value.get(aid, ZERO)),
                "cost_basis": _s(acct_basis.get(aid, ZERO)),
                "unrealized": _s(acct_unrealized.get(aid, ZERO)),
                "has_missing_prices": incomplete,
                "holdings": holdings,
            }
        )

    income_total = ZERO
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    by_month: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for kind, day, amount in income_rows:
        income_total += amount
        by_kind[kind] += amount
        by_month[f"{day:%Y-%m}"][kind] += amount
    income = {
        "total": _s(income_total),
        "by_kind": {k: _s(v) for k, v in sorted(by_kind.items())},
        "by_month": [
            {
                "month": month,
                "total": _s(sum(kinds.values(), ZERO)),
                "by_kind": {k: _s(v) for k, v in sorted(kinds.items())},
            }
            for month, kinds in sorted(by_month.items())
        ],
    }

    used = [latest[aid] for aid in held if aid in latest]
    oldest = min((p.at for p in used), default=None)
    offline = any(p.source == PriceSource.OFFLINE for p in latest.values())
    body = {
        "total_value": _s(total_value),
        "cost_basis": _s(total_basis),
        "unrealized": {
            "short": _s(unrealized["short"]),
            "long": _s(unrealized["long"]),
            "total": _s(total_unrealized),
        },
        "assets": [row for _, row in asset_rows],
        "accounts": account_rows,
        "lots": [row for _, row in lot_rows],
        "income": income,
        "prices": {
            "oldest_at": _iso(oldest),
            "missing": missing,
            "stale": stale,
            "offline": offline,
            "notice": OFFLINE_NOTICE if offline else "",
        },
        "target": None
        if target is None
        else {"name": target[1], "band_absolute": _s(band_abs), "band_relative": _s(band_rel)},
    }
    totals = {
        "value": total_value,
        "basis": total_basis,
        "unrealized": total_unrealized,
        "oldest_price_at": oldest,
    }
    return body, totals


# --- daily history ------------------------------------------------------------------------------------


class _History:
    """The ValuePoint series of one portfolio: which days to (re)compute, their values, what to write."""

    def __init__(self, inputs: _Inputs, *, total_value: Decimal, cost_basis: Decimal, rebuild: bool) -> None:
        self.portfolio = inputs.portfolio
        self.today = inputs.today
        self.tz = inputs.tz
        self.open_lots = inputs.lots
        self.total_value = total_value
        self.cost_basis = cost_basis
        self.full = True
        self.start: date | None = None
        self.existing: dict[date, _Point] = {}
        self.series: tuple[date, date] | None = None
        self.result: dict[date, _Point] | None = None  # set by plan() when no closes are needed
        self.held_qty: dict[int, Decimal] = defaultdict(Decimal)
        self.held_basis: dict[int, Decimal] = defaultdict(Decimal)
        self.delta: dict[date, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
        self.net = ZERO
        self.deposit_delta: dict[date, Decimal] = defaultdict(Decimal)
        unchanged = inputs.has_previous and inputs.previous_ledger == inputs.ledger_computed_at
        if rebuild or not unchanged:
            return
        # The ledger is as the previous snapshot saw it: bring the history up to date from its last day.
        recent = inputs.recent_points
        if not recent:
            recent = [
                (day, _Point(value, basis, deposits))
                for day, value, basis, deposits in ValuePoint.objects.filter(
                    portfolio=self.portfolio, date__lte=self.today
                )
                .order_by("-date")
                .values_list("date", "value", "cost_basis", "net_deposits")[:2]
            ]
        if not recent:
            return
        self.full = False
        self.start = recent[0][0]
        self.existing = dict(recent)

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def _pieces(self) -> list[_Piece]:
        pieces = [_Piece(lot.asset_id, lot.quantity, lot.basis, lot.received, None) for lot in self.open_lots]
        since = {} if self.full or self.start is None else {"disposed__gte": self.start}
        for asset_id, quantity, basis, disposed, origin_at in (
            Disposal.objects.filter(portfolio=self.portfolio, **since)
            .order_by()
            .values_list("asset_id", "quantity", "basis", "disposed", "origin__timestamp")
        ):
            pieces.append(_Piece(asset_id, quantity, basis, self._local_day(origin_at), disposed))
        since = {} if self.full or self.start is None else {"date__gte": self.start}
        transfers = list(
            NonTaxableTransfer.objects.filter(portfolio=self.portfolio, **since)
            .order_by()
            .values_list("asset_id", "quantity", "basis", "date", "lot_id", "acquired")
        )
        if transfers:
            origins = {o for o in (_origin_of(row[4]) for row in transfers) if o is not None}
            origin_days = {
                pk: self._local_day(ts)
                for pk, ts in Transaction.objects.filter(id__in=origins).values_list("id", "timestamp")
            }
            for asset_id, quantity, basis, day, lot_id, acquired in transfers:
                received = origin_days.get(_origin_of(lot_id) or 0, acquired)
                pieces.append(_Piece(asset_id, quantity, basis, received, day))
        return pieces

    def _deposits(self) -> list[tuple[date, Decimal]]:
        rows = (
            Transaction.objects.filter(
                portfolio=self.portfolio, type__in=(TransactionType.DEPOSIT, TransactionType.WITHDRAWAL)
            )
            .order_by()
            .values_list("timestamp", "type", "quantity")
        )
        return [
            (self._local_day(ts), quantity if typ == TransactionType.DEPOSIT else -quantity)
            for ts, typ, quantity in rows
        ]

    def plan(self) -> tuple[set[int], date, date] | None:
        """Work out the holdings day by day; return the daily closes needed (assets, first day, last day)."""
        stored_today = self.existing.get(self.today)
        if not self.full and self.start == self.today and stored_today is not None:
            # The ledger is unchanged since today's point was written: only the value can have moved.
            self.result = {self.today: _Point(self.total_value, self.cost_basis, stored_today.net_deposits)}
            return None
        pieces = self._pieces()
        deposits = self._deposits()
        if self.full:
            firsts = [p.received for p in pieces] + [day for day, _ in deposits]
            if not firsts:
                self.result = {}
                return None
            self.start = min(firsts)
        assert self.start is not None
        start, today = self.start, self.today
        if start > today:
            self.result = {}
            return None

        for p in pieces:
            if p.left is not None and p.left <= p.received:
                continue  # never held at the end of a day
            if p.received < start:
                if p.left is None or p.left >= start:
                    self.held_qty[p.asset_id] += p.quantity
                    self.held_basis[p.asset_id] += p.basis
                    if p.left is not None and p.left <= today:
                        self.delta[p.left].append((p.asset_id, -p.quantity, -p.basis))
            elif p.received <= today:
                self.delta[p.received].append((p.asset_id, p.quantity, p.basis))
                if p.left is not None and p.left <= today:
                    self.delta[p.left].append((p.asset_id, -p.quantity, -p.basis))
        for day, amount in deposits:
            if day < start:
                self.net += amount
            elif day <= today:
                self.deposit_delta[day] += amount
        asset_ids = set(self.held_qty) | {aid for changes in self.delta.values() for aid, _, _ in changes}
        if start >= today or not asset_ids:
            return None
        return asset_ids, start, today - timedelta(days=1)

    def compute(self, closes: dict[int, dict[date, Decimal]]) -> dict[date, _Point]:
        """Points for every day from the start through today (today: the snapshot's own totals). `closes`
        holds at least the closes `plan()` asked for (daily, carried over gaps)."""
        if self.result is not None:
            return self.result
        assert self.start is not None
        held_qty, held_basis, net = self.held_qty, self.held_basis, self.net
        points: dict[date, _Point] = {}
        day, today = self.start, self.today
        with localcontext(_WIDE):
            while day <= today:
                for aid, dq, db in self.delta.get(day, ()):
                    held_qty[aid] += dq
                    held_basis[aid] += db
                net += self.deposit_delta.get(day, ZERO)
                if day == today:
                    points[day] = _Point(self.total_value, self.cost_basis, net)
                else:
                    value = ZERO
                    for aid, quantity in held_qty.items():
                        if quantity:
                            price = closes.get(aid, {}).get(day)
                            if price is not None:
                                value += _money(quantity * price)
                    points[day] = _Point(value, sum(held_basis.values(), ZERO), net)
                day += timedelta(days=1)
        return points

    def changed(self, points: dict[date, _Point]) -> list[ValuePoint]:
        """The points to upsert: new days and days whose numbers moved."""
        if self.full and points:
            self.series = (min(points), max(points))
            self.existing = {
                day: _Point(value, basis, deposits)
                for day, value, basis, deposits in ValuePoint.objects.filter(
                    portfolio=self.portfolio, date__gte=self.series[0], date__lte=self.today
                )
                .order_by()
                .values_list("date", "value", "cost_basis", "net_deposits")
            }
        return [
            ValuePoint(
                portfolio=self.portfolio,
                date=day,
                value=_money(point.value),
                cost_basis=_money(point.cost_basis),
                net_deposits=_money(point.net_deposits),
            )
            for day, point in sorted(points.items())
            if self.existing.get(day) != point
        ]

    def delete_outside(self) -> None:
        """On a full rebuild, drop stored days (up to today) outside the new series."""
        if not self.full:
            return
        stored = ValuePoint.objects.filter(portfolio=self.portfolio, date__lte=self.today)
        if self.series is None:
            stored.delete()
        else:
            stored.exclude(date__gte=self.series[0], date__lte=self.series[1]).delete()


def snapshot_latest(*, portfolio_id: int) -> PortfolioSnapshot | None:
    """The newest snapshot of a portfolio, or None (for pages and the recompute command)."""
    return PortfolioSnapshot.objects.filter(portfolio_id=portfolio_id).order_by("-as_of", "-id").first()


def portfolios_holding(*, asset_ids: Iterable[int]) -> list[int]:
    """Ids of portfolios that hold (open lots) or target any of these assets."""
    ids = list(set(asset_ids))
    if not ids:
        return []
    held = set(
        TaxLot.objects.filter(asset_id__in=ids).order_by().values_list("portfolio_id", flat=True).distinct()
    )
    targeted = set(
        TargetWeight.objects.filter(asset_id__in=ids)
        .order_by()
        .values_list("target__portfolio_id", flat=True)
    )
    return sorted(held | targeted)
