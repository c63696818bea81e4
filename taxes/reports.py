"""Year-end files built by a worker: a year with many taxable sales takes seconds to build, longer than a
request should wait, so its download becomes a ReportJob that a Celery task fills in while the page polls.

A small year still downloads at once (`report_in_background` says which). The task is thin: it calls
`report_job_run`, which claims the job, builds the summary and the file in stages that update the row's
progress, and keeps the file on the row; a failure ends the job "failed" with its message.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portfolios.models import Portfolio, User
from taxes.exports import FORMATS, render
from taxes.models import Disposal, ReportJob
from taxes.summary import year_summary

logger = logging.getLogger("lotwise.tasks")

# A job left "running" this long was lost with its worker: it may be claimed again.
STALE_RUNNING = timedelta(minutes=30)
Status = ReportJob.Status


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
    stale = timezone.now() - STALE_RUNNING
    pending = (
        ReportJob.objects.defer("content")
        .filter(owner=owner, year=year, portfolio=portfolio, format=fmt)
        .filter(
            Q(status=Status.QUEUED, created_at__gte=stale) | Q(status=Status.RUNNING, updated_at__gte=stale)
        )
        .first()
    )
    if pending is not None:
        return pending, False
    job = ReportJob.objects.create(owner=owner, year=year, portfolio=portfolio, format=fmt, stage="Queued")
    return job, True


def _stage(job_id: int, progress: int, stage: str) -> None:
    ReportJob.objects.filter(pk=job_id).update(progress=progress, stage=stage, updated_at=timezone.now())


def report_job_run(*, job_id: int) -> ReportJob | None:
    """Build the job's file. None when there is nothing to do: the job is gone, finished, or another run
    holds it; running it twice therefore builds the file once."""
    stale = timezone.now() - STALE_RUNNING
    claimed = (
        ReportJob.objects.filter(pk=job_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, updated_at__lt=stale))
        .update(
            status=Status.RUNNING, progress=5, stage="Reading the year's sales", updated_at=timezone.now()
        )
    )
    if not claimed:
        return None
    job = ReportJob.objects.select_related("owner", "portfolio").get(pk=job_id)
    try:
        summary = year_summary(owner=job.owner, year=job.year, portfolio=job.portfolio)
        _stage(job.pk, 50, f"Writing the {job.format.upper()} file ({len(summary.rows)} rows)")
        out = render(summary, job.format)
    except Exception as exc:  # the job must end either way: the page shows the message
        logger.exception("tax report job %s failed", job_id)
        message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        ReportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED,
            stage="Failed",
            error=f"The file could not be built: {message}",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return ReportJob.objects.get(pk=job.pk)
    ReportJob.objects.filter(pk=job.pk).update(
        status=Status.DONE,
        progress=100,
        stage="Ready",
        content=out.content,
        content_type=out.content_type,
        filename=out.filename,
        warning=out.warning,
        error="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return ReportJob.objects.get(pk=job.pk)


def report_job_state(job: ReportJob, *, file_url: str) -> dict[str, object]:
    """What a polling page or API client needs to know about a job."""
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
