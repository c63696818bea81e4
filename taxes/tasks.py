"""Celery tasks of the taxes app: recompute a portfolio's lots from its ledger, then refresh its snapshot;
build a large year's tax file, and watch those files' jobs for a worker that stopped.

Ledger writes through portfolios.services recompute synchronously before they commit; this task is for work
that should not make anyone wait (large imports, an account's basis method changed on a long ledger).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from celery import shared_task
from django.db import transaction

import config.celery  # noqa: F401  (the app these tasks are sent with and run by)
from portfolios.models import Portfolio, User
from portfolios.tasks import RELIABLE, snapshot_schedule
from taxes.models import ReportJob
from taxes.reports import report_job_for, report_job_run, report_jobs_revive
from taxes.services import portfolio_recompute_or_flag

logger = logging.getLogger("lotwise.tasks")


@shared_task(name="taxes.tasks.recompute_portfolio", **RELIABLE)  # type: ignore[untyped-decorator]
def recompute_portfolio(
    portfolio_id: int, changed_from_ts: str | None = None, changed_from_id: int | None = None
) -> dict[str, Any]:
    """Replay the ledger from the change (ISO timestamp + transaction id of the earliest changed event; both
    None replays everything). An inconsistent ledger keeps the previous lots and is flagged in LedgerStatus.
    One transaction: a worker killed on the way leaves the previous rows whole, and the message, acknowledged
    only at the end, is delivered again and replays it all (the result depends on the ledger alone)."""
    portfolio = Portfolio.objects.select_related("owner").filter(pk=portfolio_id).first()
    if portfolio is None:
        logger.info("recompute of portfolio %s skipped: it no longer exists", portfolio_id)
        return {"portfolio_id": portfolio_id, "ok": False}
    changed_from = None
    if changed_from_ts is not None and changed_from_id is not None:
        changed_from = (datetime.fromisoformat(changed_from_ts), int(changed_from_id))
    with transaction.atomic():
        result = portfolio_recompute_or_flag(portfolio=portfolio, changed_from=changed_from)
        # The recompute covered the owner's every portfolio (one taxpayer): refresh each snapshot.
        for pid in Portfolio.objects.filter(owner_id=portfolio.owner_id).values_list("pk", flat=True):
            transaction.on_commit(lambda pid=pid: snapshot_schedule(pid))  # type: ignore[misc]
    if result is None:
        return {"portfolio_id": portfolio_id, "ok": False}
    return {
        "portfolio_id": portfolio_id,
        "ok": True,
        "events_replayed": result.events_replayed,
        "full": result.full,
        "lots": result.lots,
    }


def recompute_enqueue(*, portfolio_id: int, changed_from: tuple[datetime, int] | None = None) -> None:
    """For services: recompute in the worker once the current transaction has committed."""
    kwargs: dict[str, Any] = {}
    if changed_from is not None:
        kwargs = {"changed_from_ts": changed_from[0].isoformat(), "changed_from_id": changed_from[1]}
    transaction.on_commit(lambda: recompute_portfolio.apply_async(args=[portfolio_id], kwargs=kwargs))


@shared_task(name="taxes.tasks.build_report", acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def build_report(job_id: int) -> dict[str, Any]:
    """Build a year-end file kept on its ReportJob row (see taxes.reports)."""
    job = report_job_run(job_id=job_id)
    return {"job_id": job_id, "status": job.status if job is not None else "skipped"}


@shared_task(name="taxes.tasks.revive_report_jobs", acks_late=True)  # type: ignore[untyped-decorator]
def revive_report_jobs() -> dict[str, int]:
    """The beat task watching tax-file jobs: one whose worker stopped is run again, or failed with a message."""
    return report_jobs_revive()


def report_job_start(*, owner: User, year: int, fmt: str, portfolio: Portfolio | None = None) -> ReportJob:
    """For views and the API: the job building this file, handed to the worker once the current
    transaction commits when it is new."""
    job, created = report_job_for(owner=owner, year=year, fmt=fmt, portfolio=portfolio)
    if created:
        transaction.on_commit(lambda: build_report.delay(job.pk))
    return job
