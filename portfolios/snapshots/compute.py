"""The snapshot services the tasks call: compute and store the snapshots of one or several portfolios."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from portfolios.models import Portfolio, PortfolioSnapshot, ValuePoint
from portfolios.models.ledger import SECURITY_CLASSES
from portfolios.models.snapshots import HistoryState, HoldingsCheckpoint
from portfolios.pricing.selectors import PricePoint, price_history, price_history_points

from .entered import entered_prices, history_with_entered, with_entered
from .history import ValueHistory
from .inputs import load_inputs
from .money import WIDE, as_text, iso_utc, ratio, round_money
from .prices import latest_prices
from .summary import OK, price_status, summarise

KEEP_SNAPSHOTS = 30
# Exchanges close for weekends and holidays: Friday's close is still a security's latest price on a
# Tuesday morning after a long weekend, and is not stale then.
SECURITY_MAX_AGE = timedelta(days=4)


def portfolio_snapshot_compute(
    *,
    portfolio_id: int,
    as_of: datetime | None = None,
    rebuild_history: bool = False,
    history_from: date | None = None,
) -> PortfolioSnapshot:
    """Compute and store a snapshot of the portfolio at `as_of` (default: now), with its daily history.

    Raises Portfolio.DoesNotExist for an unknown id. It is read and written in one transaction: a worker
    killed half-way leaves the previous snapshot and history whole. Idempotent: the same inputs give the
    same numbers. `rebuild_history` recomputes every ValuePoint; `history_from` those from that day on
    (past prices changed from that day).
    """
    snapshots = portfolios_snapshot_compute(
        portfolio_ids=[portfolio_id], as_of=as_of, rebuild_history=rebuild_history, history_from=history_from
    )
    if not snapshots:
        raise Portfolio.DoesNotExist(f"no portfolio with id {portfolio_id}")
    return snapshots[0]


def portfolios_snapshot_compute(
    *,
    portfolio_ids: Sequence[int],
    as_of: datetime | None = None,
    rebuild_history: bool = False,
    history_from: date | None = None,
) -> list[PortfolioSnapshot]:
    """Snapshots of several portfolios at once (the fan-out after a price refresh), in the order given.

    The reads are batched: a fixed number of queries for the whole batch while each portfolio's history is
    up to date. All is read and written in one transaction, under the owners' lock (see inputs.py). Ids of
    portfolios that no longer exist are skipped.
    """
    ids = list(dict.fromkeys(portfolio_ids))
    as_of = as_of or timezone.now()
    if timezone.is_naive(as_of):
        raise ValueError("as_of must be timezone-aware")
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # Snapshots are derived rows, redone by the next snapshot: their commit need not wait for the
            # disk. A database crash can lose the last moments of them, never a part of one.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _compute(ids, as_of=as_of, rebuild_history=rebuild_history, history_from=history_from)


def _compute(
    ids: list[int], *, as_of: datetime, rebuild_history: bool, history_from: date | None
) -> list[PortfolioSnapshot]:
    inputs = load_inputs(ids, as_of=as_of)
    if not inputs:
        return []
    asset_ids = {aid for one in inputs for aid in one.assets}
    latest = latest_prices(asset_ids=asset_ids, as_of=as_of)
    max_age = timedelta(minutes=settings.PRICE_MAX_AGE_MINUTES)
    securities = {aid for one in inputs for aid, info in one.assets.items() if info[3] in SECURITY_CLASSES}
    status = {
        aid: price_status(
            latest.get(aid),
            as_of=as_of,
            max_age=max(max_age, SECURITY_MAX_AGE) if aid in securities else max_age,
        )
        for aid in asset_ids
    }
    usable = {aid: latest[aid].price for aid in asset_ids if status[aid] == OK}
    owners = {one.portfolio.owner_id for one in inputs if one.has_entered_prices}
    entered = (
        entered_prices(owner_ids=owners, asset_ids=asset_ids, until=max(one.today for one in inputs))
        if owners
        else {}
    )

    summaries = []
    for one in inputs:
        mine = entered.get(one.portfolio.owner_id, {})
        own_latest: dict[int, PricePoint] = latest
        own_status, own_usable = status, usable
        valued_by_owner: set[int] = set()
        if mine:
            # Entered prices are this owner's alone: the batch's shared dicts stay as the feeds left them.
            own_latest, own_status, valued_by_owner = with_entered(
                latest=latest, status=status, entries=mine, today=one.today, ok=OK
            )
            own_usable = {**usable, **{aid: own_latest[aid].price for aid in valued_by_owner}}
        # Per lot, then summed: every aggregate is a sum of the same rounded lot values.
        with localcontext(WIDE):
            lot_values: list[Decimal | None] = []
            for lot in one.lots:
                price = own_usable.get(lot.asset_id)
                lot_values.append(None if price is None else round_money(lot.quantity * price))
            body, totals = summarise(
                lots=one.lots,
                lot_values=lot_values,
                accounts=one.accounts,
                assets=one.assets,
                latest=own_latest,
                status=own_status,
                target=one.target,
                target_weights=one.target_weights,
                income_rows=one.income_rows,
                today=one.today,
                entered=valued_by_owner,
                band_floor=one.band_floor,
            )
        history = ValueHistory(
            one,
            total_value=totals["value"],
            cost_basis=totals["basis"],
            rebuild=rebuild_history,
            history_from=history_from,
        )
        summaries.append((one, body, totals, history, history.plan()))

    # One read of daily closes for the whole batch (what every portfolio's history still needs).
    needs = [need for *_, need in summaries if need is not None]
    closes: dict[int, dict[date, Decimal]] = {}
    dated: dict[int, dict[date, PricePoint]] = {}
    if needs:
        span = (min(start for _, start, _ in needs), max(end for _, _, end in needs))
        closes = price_history(
            asset_ids=set().union(*(assets for assets, _, _ in needs)), start=span[0], end=span[1]
        )
        # Where an owner entered prices, the history compares them with how old each feed close is.
        entered_ids = {
            aid
            for one, *_, need in summaries
            if need is not None
            for aid in set(entered.get(one.portfolio.owner_id, {})) & need[0]
        }
        if entered_ids:
            dated = price_history_points(asset_ids=entered_ids, start=span[0], end=span[1])

    rows: list[PortfolioSnapshot] = []
    points_to_write: list[ValuePoint] = []
    histories = []
    for one, body, totals, history, need in summaries:
        own_closes = closes
        mine = entered.get(one.portfolio.owner_id, {})
        if need is not None and mine:
            wanted = {aid: entries for aid, entries in mine.items() if aid in need[0]}
            own_closes = history_with_entered(
                closes=closes, feed=dated, entries=wanted, start=need[1], end=need[2]
            )
        points = history.compute(own_closes)
        histories.append(history)
        points_to_write.extend(history.changed(points))

        yesterday = one.today - timedelta(days=1)
        previous_day = points.get(yesterday) or history.existing.get(yesterday)
        day_change: dict[str, str | None] | None = None
        if previous_day is not None:
            with localcontext(WIDE):
                change = totals["value"] - previous_day.value
            pct = ratio(change, previous_day.value) if previous_day.value else None
            day_change = {"value": as_text(change), "pct": as_text(pct)}
        data: dict[str, Any] = {"as_of": iso_utc(as_of), **body, "day_change": day_change}
        data["ledger"] = {"computed_at": iso_utc(one.ledger_at), "error": one.ledger_error}
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
    checkpoints = [row for history in histories for row in history.checkpoints]
    if checkpoints:
        HoldingsCheckpoint.objects.bulk_create(
            checkpoints,
            batch_size=200,
            update_conflicts=True,
            unique_fields=["portfolio", "date"],
            update_fields=["held"],
        )
    states = [state for state in (history.state() for history in histories) if state is not None]
    if states:
        HistoryState.objects.bulk_create(
            states,
            update_conflicts=True,
            unique_fields=["portfolio"],
            update_fields=["ledger_at", "changed_to", "changed_from"],
        )
    created = PortfolioSnapshot.objects.bulk_create(rows)
    _prune([one.portfolio.pk for one in inputs])
    return created


def _prune(portfolio_ids: list[int]) -> None:
    """Keep the newest KEEP_SNAPSHOTS of each portfolio."""
    if len(portfolio_ids) == 1:
        # One statement, written out: it runs after every snapshot.
        table = connection.ops.quote_name(PortfolioSnapshot._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE portfolio_id = %s AND id NOT IN (SELECT id FROM {table} "
                "WHERE portfolio_id = %s ORDER BY as_of DESC, id DESC LIMIT %s)",
                [portfolio_ids[0], portfolio_ids[0], KEEP_SNAPSHOTS],
            )
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
