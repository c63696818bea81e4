"""Year-end files built by a worker: a year with many taxable sales takes seconds to build, longer than a
request should wait, so its download becomes a ReportJob that a Celery task fills in while the page polls.

A small year still downloads at once (`report_in_background` says which). The task is thin: it calls
`report_job_run`, which claims the job, builds the summary and the file in stages that update the row's
progress, and keeps the file on the row; a failure ends the job "failed" with its message.

A run beats (config.heartbeat). A running job whose beats stopped lost its worker: the watchdog
(`report_jobs_revive`, a beat task, and `report_job_state` when a page or the API reads a job) queues it
again, or after MAX_ATTEMPTS runs fails it with a message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.heartbeat import Heartbeat, forget_beat, is_stale, worker_name
from portfolios.models import Portfolio, User
from taxes.exports import FORMATS, render
from taxes.models import Disposal, ReportJob
from taxes.summary import year_summary

logger = logging.getLogger("lotwise.tasks")

Status = ReportJob.Status
# Runs of a job: one whose worker stops during the second is failed rather than run again.
MAX_ATTEMPTS = 2
# A queued job no worker took this long may have lost its message: it is sent again (the spare does nothing).
RESEND_QUEUED = timedelta(minutes=2)


def worker_threshold() -> int:
    return int(getattr(settings, "TAX_REPORT_WORKER_DISPOSALS", 20_000))


def taxable_disposals(*, owner: User, year: int, portfolio: Portfolio | None = None) -> int:
    """The Form 8949 rows of the year (of the portfolio view, when given): what a file's size follows."""
    rows = Disposal.objects.filter(portfolio__owner=owner, taxable=True, disposed__year=year)
    if portfolio is not None:
        rows = rows.filter(portfolio=portfolio)
    return rows.count()


def report_in_background(*, owner: User, year: int, portfolio: Portfolio | None = None) -> bool:
    return taxable_disposals(owner=owner, year=year, portfolio=portfolio) > worker_threshold()


def report_job_for(
    *, owner: User, year: int, fmt: str, portfolio: Portfolio | None = None
) -> tuple[ReportJob, bool]:
    """The job that builds this file, and whether it is new: one already queued or running for the same
    file is reused, so a reload does not queue it twice. A new job is for `taxes.tasks.report_job_start`
    to hand to the worker."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    pending = (
        ReportJob.objects.defer("content")
        .filter(
            owner=owner,
            year=year,
            portfolio=portfolio,
            format=fmt,
            status__in=[Status.QUEUED, Status.RUNNING],
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if pending is not None:
        pending = report_job_checked(pending)
        if not pending.finished:
            return pending, False
    now = timezone.now()
    job = ReportJob.objects.create(
        owner=owner, year=year, portfolio=portfolio, format=fmt, stage="Queued", heartbeat_at=now
    )
    return job, True


def beat_key(job_id: int) -> str:
    return f"lotwise:report-beat:{job_id}"


def _stopped(job: ReportJob, now: datetime) -> bool:
    """Running, and its worker stopped beating (before the first beat, the claim counts as one)."""
    since = job.heartbeat_at or job.updated_at
    return job.status == Status.RUNNING and is_stale(
        key=beat_key(job.pk), run=str(job.attempts), since=since, now=now
    )


def _this_run(job: ReportJob) -> QuerySet[ReportJob]:
    """The job's row while it is still the run `job` describes (no watchdog or other run took it since)."""
    return ReportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts)


def _stage(job: ReportJob, progress: int, stage: str) -> None:
    now = timezone.now()
    _this_run(job).update(progress=progress, stage=stage, heartbeat_at=now, updated_at=now)


def _claim(job_id: int) -> ReportJob | None:
    """Take a queued job, or a running one whose worker stopped; a job whose worker stopped in each of its
    MAX_ATTEMPTS runs is failed instead (and returned)."""
    job = ReportJob.objects.defer("content").filter(pk=job_id).first()
    if job is None:
        return None
    now = timezone.now()
    if job.status == Status.RUNNING:
        if not _stopped(job, now):
            return None  # a live run has it
        if job.attempts >= MAX_ATTEMPTS:
            return _give_up(job)
        logger.warning("tax report job %s: %s stopped; running it again", job_id, job.worker or "its worker")
    elif job.status != Status.QUEUED:
        return None
    claimed = _this_run(job).update(
        status=Status.RUNNING,
        attempts=job.attempts + 1,
        progress=5,
        stage="Reading the year's sales",
        heartbeat_at=now,
        worker=worker_name()[:200],
        updated_at=now,
    )
    if not claimed:
        return None
    return ReportJob.objects.select_related("owner", "portfolio").defer("content").get(pk=job_id)


def report_job_run(*, job_id: int) -> ReportJob | None:
    """Build the job's file. None when there is nothing to do: the job is gone, finished, or a live run
    holds it; running it twice therefore builds the file once."""
    job = _claim(job_id)
    if job is None or job.status != Status.RUNNING:
        return job
    with Heartbeat(beat_key(job.pk), run=str(job.attempts), progress=job.progress):
        try:
            summary = year_summary(owner=job.owner, year=job.year, portfolio=job.portfolio)
            _stage(job, 50, f"Writing the {job.format.upper()} file ({len(summary.rows)} rows)")
            out = render(summary, job.format)
        except Exception as exc:  # the job must end either way: the page shows the message
            logger.exception("tax report job %s failed", job_id)
            message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
            _end(job, status=Status.FAILED, stage="Failed", error=f"The file could not be built: {message}")
            return ReportJob.objects.get(pk=job.pk)
        ended = _end(
            job,
            status=Status.DONE,
            progress=100,
            stage="Ready",
            content=out.content,
            content_type=out.content_type,
            filename=out.filename,
            warning=out.warning,
            error="",
        )
    if not ended:
        logger.warning("tax report job %s was taken over by another run; this one keeps nothing", job_id)
        return None
    return ReportJob.objects.get(pk=job.pk)


def _end(job: ReportJob, **fields: object) -> bool:
    now = timezone.now()
    return bool(_this_run(job).update(**fields, finished_at=now, updated_at=now))


def _give_up(job: ReportJob) -> ReportJob | None:
    error = f"The worker stopped while building this file, {job.attempts} times. Try again."
    if not _end(job, status=Status.FAILED, stage="Failed", error=error):
        return None
    logger.error(
        "tax report job %s failed: %s stopped in each of its %s runs", job.pk, job.worker, job.attempts
    )
    forget_beat(beat_key(job.pk))
    return ReportJob.objects.defer("content").get(pk=job.pk)


def _send(job_id: int) -> None:
    """Hand a job to the worker: taxes.tasks.build_report, found by name (that module imports this one)."""
    current_app.tasks["taxes.tasks.build_report"].delay(job_id)


def _revive(job: ReportJob, now: datetime) -> str | None:
    """A running job whose worker stopped is queued again, or failed after MAX_ATTEMPTS runs; a queued one
    no worker took for RESEND_QUEUED is sent again. Returns "requeued", "failed", "resent", or None."""
    if job.status == Status.QUEUED:
        if (job.heartbeat_at or job.created_at) >= now - RESEND_QUEUED:
            return None
        if not _this_run(job).filter(heartbeat_at=job.heartbeat_at).update(heartbeat_at=now):
            return None
        transaction.on_commit(lambda: _send(job.pk))
        return "resent"
    if not _stopped(job, now):
        return None
    if job.attempts >= MAX_ATTEMPTS:
        return "failed" if _give_up(job) is not None else None
    requeued = _this_run(job).update(
        status=Status.QUEUED, progress=0, stage="Queued", heartbeat_at=now, worker="", updated_at=now
    )
    if not requeued:
        return None
    logger.warning("tax report job %s: %s stopped; queued again", job.pk, job.worker or "its worker")
    forget_beat(beat_key(job.pk))
    transaction.on_commit(lambda: _send(job.pk))
    return "requeued"


def report_job_checked(job: ReportJob) -> ReportJob:
    """The job as a page should show it: one whose worker stopped is queued again or failed first."""
    if job.finished or _revive(job, timezone.now()) is None:
        return job
    return ReportJob.objects.defer("content").get(pk=job.pk)


def report_jobs_revive(*, now: datetime | None = None) -> dict[str, int]:
    """`_revive` over every unfinished job; returns how many were requeued, failed and resent."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    unfinished = ReportJob.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).defer("content")
    for job in unfinished.order_by("pk"):
        done = _revive(job, now)
        if done is not None:
            counts[done] += 1
    return counts


def report_job_state(job: ReportJob, *, file_url: str) -> dict[str, object]:
    """What a polling page or API client needs to know about a job (one whose worker stopped is seen to
    first)."""
    job = report_job_checked(job)
    done = job.status == ReportJob.Status.DONE
    return {
        "id": job.pk,
        "year": job.year,
        "format": job.format,
        "status": job.status,
        "status_label": job.get_status_display(),
        "progress": job.progress,
        "stage": job.stage,
        "finished": job.finished,
        "error": job.error,
        "warning": job.warning,
        "file_url": file_url if done else None,
    }
