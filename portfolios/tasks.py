"""Celery tasks of the portfolios app: thin, idempotent, take ids and call services.

Every task is acks_late (a worker killed mid-task leaves its message to be redelivered, within a minute:
see CELERY_VISIBILITY_TIMEOUT) and retried with exponential backoff and jitter on transient faults: a
database that is briefly unreachable or locked, a price API that keeps failing. Snapshots are scheduled
through `snapshot_schedule`, debounced per portfolio, and written in one transaction, so a killed worker
leaves the previous snapshot whole and the redelivered task writes the new one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import httpx
from celery import Task, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.db.models import Min
from django.utils import timezone

import config.celery  # noqa: F401  (the app these tasks are sent with and run by)
from portfolios.models import Portfolio, PriceQuote
from portfolios.pricing.client import PriceSourceUnavailable
from portfolios.snapshots import portfolio_snapshot_compute, portfolios_holding, portfolios_snapshot_compute

logger = logging.getLogger("lotwise.tasks")

TRANSIENT = (OperationalError, InterfaceError, PriceSourceUnavailable, httpx.TransportError)
RELIABLE: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,  # 2, 4, 8, ... seconds, with full jitter
    # Under the broker's visibility timeout (45 s): a message held longer for its countdown would be
    # delivered again before it runs (the task's lease, config.celery, keeps that to one run).
    "retry_backoff_max": 40,
    "retry_jitter": True,
    "max_retries": 6,
}
DEBOUNCE_KEY = "lotwise:snapshot-pending:{portfolio_id}"
FANOUT_BATCH = 50


def snapshot_schedule(portfolio_id: int) -> bool:
    """Ask for a fresh snapshot soon, at most once per SNAPSHOT_DEBOUNCE_SECONDS per portfolio.

    The first call in a window enqueues one task that runs after the window (plus a second, so every change
    that saw the window open has committed by then); later calls in the window do nothing. Returns whether
    a task was enqueued. Registered as a ledger-changed hook, so it runs after the change has committed.
    """
    wait = settings.SNAPSHOT_DEBOUNCE_SECONDS
    key = DEBOUNCE_KEY.format(portfolio_id=portfolio_id)
    if not cache.add(key, 1, timeout=wait):
        return False
    try:
        snapshot_portfolio.apply_async(args=[portfolio_id], countdown=wait + 1)
    except Exception:
        # The change is committed either way; the next change or price refresh will try again.
        cache.delete(key)
        logger.exception("could not enqueue the snapshot of portfolio %s", portfolio_id)
        return False
    return True


def on_ledger_change(portfolio_id: int) -> None:
    """The ledger-changed hook (registered in PortfoliosConfig.ready)."""
    snapshot_schedule(portfolio_id)


def snapshot_schedule_many(portfolio_ids: Iterable[int]) -> int:
    """Debounced like `snapshot_schedule`, for a fan-out: the portfolios without a task pending go out in
    batches of FANOUT_BATCH per task (one task reads the batch with a fixed number of queries)."""
    wait = settings.SNAPSHOT_DEBOUNCE_SECONDS
    fresh = [
        pid for pid in portfolio_ids if cache.add(DEBOUNCE_KEY.format(portfolio_id=pid), 1, timeout=wait)
    ]
    for start in range(0, len(fresh), FANOUT_BATCH):
        batch = fresh[start : start + FANOUT_BATCH]
        try:
            snapshot_portfolios.apply_async(args=[batch], countdown=wait + 1)
        except Exception:
            cache.delete_many([DEBOUNCE_KEY.format(portfolio_id=pid) for pid in batch])
            logger.exception("could not enqueue the snapshots of %d portfolios", len(batch))
    return len(fresh)


# Snapshot tasks run on Celery's plain Task, without the lease of config.celery: a snapshot is idempotent and
# serialised per owner by its own lock, so a second copy of the message only writes the same numbers again,
# and for a one-portfolio snapshot the lease's cache round trips and heartbeat thread cost as much as the
# snapshot itself.
@shared_task(name="portfolios.tasks.snapshot_portfolio", base=Task, ignore_result=True, **RELIABLE)  # type: ignore[untyped-decorator]
def snapshot_portfolio(portfolio_id: int, rebuild_history: bool = False) -> dict[str, Any]:
    """Compute and store the portfolio's snapshot (and its daily history) now."""
    try:
        snapshot = portfolio_snapshot_compute(portfolio_id=portfolio_id, rebuild_history=rebuild_history)
    except Portfolio.DoesNotExist:
        logger.info("snapshot of portfolio %s skipped: it no longer exists", portfolio_id)
        return {"portfolio_id": portfolio_id, "snapshot_id": None}
    return {
        "portfolio_id": portfolio_id,
        "snapshot_id": snapshot.pk,
        "total_value": str(snapshot.total_value),
        "as_of": snapshot.as_of.isoformat(),
    }


@shared_task(name="portfolios.tasks.snapshot_portfolios", base=Task, ignore_result=True, **RELIABLE)  # type: ignore[untyped-decorator]
def snapshot_portfolios(
    portfolio_ids: list[int], rebuild_history: bool = False, history_from: str | None = None
) -> dict[str, Any]:
    """Snapshots of a batch of portfolios (a price-refresh fan-out), read together and written together;
    `history_from` (ISO date): past closes changed from that day. A portfolio that fails for a reason other
    than a transient fault is retried alone, so it cannot hold the others back."""
    since = date.fromisoformat(history_from) if history_from else None
    try:
        snapshots = portfolios_snapshot_compute(
            portfolio_ids=portfolio_ids, rebuild_history=rebuild_history, history_from=since
        )
    except TRANSIENT:
        raise
    except Exception:
        logger.exception(
            "batch snapshot of %d portfolios failed; computing them one by one", len(portfolio_ids)
        )
        done = 0
        for pid in portfolio_ids:
            try:
                portfolio_snapshot_compute(
                    portfolio_id=pid, rebuild_history=rebuild_history, history_from=since
                )
                done += 1
            except Portfolio.DoesNotExist:
                continue
            except TRANSIENT:
                raise
            except Exception:
                logger.exception("snapshot of portfolio %s failed", pid)
        return {"portfolios": len(portfolio_ids), "snapshots": done}
    return {"portfolios": len(portfolio_ids), "snapshots": len(snapshots)}


def _refreshed_assets(since: datetime) -> set[int]:
    return set(
        PriceQuote.objects.filter(fetched_at__gte=since)
        .order_by()
        .values_list("asset_id", flat=True)
        .distinct()
    )


@shared_task(name="portfolios.tasks.refresh_prices_latest", **RELIABLE)  # type: ignore[untyped-decorator]
def refresh_prices_latest() -> dict[str, Any]:
    """Fetch the latest prices (offline history when the API is unreachable), then snapshot the portfolios
    that hold or target an asset whose price was written."""
    from portfolios.pricing.services import prices_refresh_latest

    started = timezone.now()
    result = prices_refresh_latest()
    portfolio_ids = portfolios_holding(asset_ids=_refreshed_assets(started))
    scheduled = snapshot_schedule_many(portfolio_ids)
    return {
        "created": result.created,
        "updated": result.updated,
        "refused": len(result.refused),
        "offline": result.used_offline,
        "errors": result.errors,
        "portfolios": len(portfolio_ids),
        "snapshots_scheduled": scheduled,
    }


@shared_task(name="portfolios.tasks.refresh_prices_history", **RELIABLE)  # type: ignore[untyped-decorator]
def refresh_prices_history() -> dict[str, Any]:
    """Daily: fetch the daily price history, then bring the value history of the affected portfolios up to
    date from the first day a quote was written for (past closes may have changed, e.g. real prices
    replacing the offline ones)."""
    from portfolios.pricing.services import prices_refresh_history

    started = timezone.now()
    result = prices_refresh_history()
    written = dict(
        PriceQuote.objects.filter(fetched_at__gte=started)
        .order_by()
        .values("asset_id")
        .annotate(first=Min("at"))
        .values_list("asset_id", "first")
    )
    portfolio_ids = portfolios_holding(asset_ids=written)
    first = min(written.values(), default=None)
    since = {"history_from": first.astimezone(UTC).date().isoformat()} if first else {}
    for start in range(0, len(portfolio_ids), FANOUT_BATCH):
        batch = portfolio_ids[start : start + FANOUT_BATCH]
        snapshot_portfolios.apply_async(args=[batch], kwargs=since)
    return {
        "created": result.created,
        "updated": result.updated,
        "refused": len(result.refused),
        "offline": result.used_offline,
        "errors": result.errors,
        "portfolios": len(portfolio_ids),
    }
