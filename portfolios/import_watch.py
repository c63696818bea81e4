"""Watching import jobs for a worker that stopped.

A run of an ImportJob beats (config.heartbeat) with its progress under `beat_key`, tagged with its run (the
phase and its attempt). A running job whose beats stopped lost its worker, and its transaction rolled back
with it: `revive` queues it again or, after MAX_ATTEMPTS runs, fails it with a message. `import_tasks` runs
it as a beat task and when a page reads a job, passing the function that sends a job to the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.heartbeat import STALE_SECONDS, beat_progress, forget_beat, is_stale
from portfolios.models import ImportJob

logger = logging.getLogger("lotwise.imports")

Status = ImportJob.Status
# A running job whose heartbeat is older than this lost its worker.
STALE_RUNNING = timedelta(seconds=STALE_SECONDS)
# Runs of one phase: a job whose worker stops during the second one is failed rather than run again.
MAX_ATTEMPTS = 2
# A queued job no worker took this long may have lost its message: it is sent again (the spare does nothing).
RESEND_QUEUED = timedelta(minutes=2)


def beat_key(job_id: int) -> str:
    """A running job's heartbeat and live progress: the import's own transaction is invisible until it
    commits."""
    return f"lotwise:import-beat:{job_id}"


def run_of(job: ImportJob) -> str:
    """Which run beats: the phase and its attempt, so a preview's or a dead run's progress is never shown as
    another run's."""
    return f"{'import' if job.confirmed else 'preview'}-{job.attempts}"


def import_job_progress(job: ImportJob) -> int:
    """The progress of the job's current run: what it last reported, else the row's (5 when claimed)."""
    if job.status != Status.RUNNING:
        return job.progress
    return max(job.progress, beat_progress(beat_key(job.pk), run_of(job)) or 0)


def stopped(job: ImportJob, now: datetime) -> bool:
    """Running, and its worker stopped beating (before the first beat, the claim counts as one)."""
    since = job.heartbeat_at or job.updated_at
    return job.status == Status.RUNNING and is_stale(
        key=beat_key(job.pk), run=run_of(job), since=since, now=now
    )


def this_run(job: ImportJob) -> QuerySet[ImportJob]:
    """The job's row while it is still the run `job` describes (no watchdog or other run took it since)."""
    return ImportJob.objects.filter(
        pk=job.pk, status=job.status, attempts=job.attempts, confirmed=job.confirmed
    )


def fail(job: ImportJob, errors: list[dict[str, Any]]) -> bool:
    """End the run `job` as failed with these errors; False when it is no longer this run's to end."""
    return bool(
        this_run(job).update(
            status=Status.FAILED,
            progress=100,
            errors=errors[: ImportJob.ERRORS_KEPT],
            error_count=len(errors),
            updated_at=timezone.now(),
        )
    )


def give_up(job: ImportJob) -> ImportJob | None:
    """Fail a job whose worker stopped in each of its runs, saying so; None when it is no longer that run."""
    doing = "importing" if job.confirmed else "checking"
    message = (
        f"The worker stopped while {doing} this file, {job.attempts} times; nothing was saved. "
        "Try again, or split the file into smaller ones."
    )
    if not fail(job, [{"line": 0, "field": "import", "message": message}]):
        return None
    logger.error("import job %s failed: %s stopped in each of its %s runs", job.pk, job.worker, job.attempts)
    forget_beat(beat_key(job.pk))
    return ImportJob.objects.defer("content").get(pk=job.pk)


def revive(job: ImportJob, now: datetime, *, send: Callable[[int], None]) -> str | None:
    """A running job whose worker stopped is queued again, or failed after MAX_ATTEMPTS runs; a queued one
    no worker took for RESEND_QUEUED is sent again. `send` hands a job to the worker (once the current
    transaction commits). Returns what was done: "requeued", "failed", "resent", or None."""
    if job.status == Status.QUEUED:
        last = job.heartbeat_at or job.updated_at
        if last >= now - RESEND_QUEUED:
            return None
        if not this_run(job).filter(heartbeat_at=job.heartbeat_at).update(heartbeat_at=now):
            return None
        transaction.on_commit(lambda: send(job.pk))
        return "resent"
    if not stopped(job, now):
        return None
    if job.attempts >= MAX_ATTEMPTS:
        return "failed" if give_up(job) is not None else None
    if not this_run(job).update(
        status=Status.QUEUED, progress=0, heartbeat_at=now, worker="", updated_at=now
    ):
        return None
    logger.warning("import job %s: %s stopped; queued again", job.pk, job.worker or "its worker")
    forget_beat(beat_key(job.pk))
    transaction.on_commit(lambda: send(job.pk))
    return "requeued"


def jobs_revive(*, now: datetime | None = None, send: Callable[[int], None]) -> dict[str, int]:
    """`revive` over every unfinished job; returns how many were requeued, failed and resent."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    unfinished = ImportJob.objects.filter(status__in=[Status.QUEUED, Status.RUNNING])
    for job in unfinished.defer("content", "summary", "errors").order_by("pk"):
        done = revive(job, now, send=send)
        if done is not None:
            counts[done] += 1
    return counts
