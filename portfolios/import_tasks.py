"""CSV ledger imports kept as ImportJob rows: a dry run for the preview, then the confirmed import.

Small files run inline in the request; large ones run in the Celery task `import_ledger_job`, which the
upload and confirm pages poll through the job row. Either way `ledger_import` does the work in one
database transaction, which also records the job's outcome, so a failed import saves nothing and a done
one has every row.

A run beats (config.heartbeat) with its progress. A running job whose beats stopped lost its worker (its
transaction rolled back with it): the watchdog (`import_jobs_revive`, a beat task, and the pages when they
read a job) queues it again, or after MAX_ATTEMPTS runs fails it with a message (portfolios.import_watch).
"""

from __future__ import annotations

import csv
import io
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone

import config.celery  # noqa: F401  (the app these tasks are sent with and run by)
from config.heartbeat import Heartbeat, worker_name
from portfolios.assets import CHOOSABLE_CLASSES
from portfolios.import_watch import (
    MAX_ATTEMPTS,
    STALE_RUNNING,
    beat_key,
    fail,
    give_up,
    import_job_progress,
    jobs_revive,
    revive,
    run_of,
    stopped,
    this_run,
)
from portfolios.importers import detect, mapping_columns
from portfolios.importers.brokerage import SYNONYMS as MAPPING_MEANINGS
from portfolios.importing import ImportSummary, LedgerImportError, ledger_import
from portfolios.models import ImportJob, User

logger = logging.getLogger("lotwise.imports")

# Above this many rows the import (and its preview) runs in a worker with a progress page.
LARGE_IMPORT_ROWS = 2000
PREVIEW_ROWS = 20
SKIPPED_SHOWN = 50
Status = ImportJob.Status


def count_rows(content: str) -> int:
    """Data rows as the importer sees them (csv.DictReader skips empty lines; an export's preamble and
    header are not data)."""
    found = detect(content)
    records = csv.reader(io.StringIO(content))
    if found is None:
        return max(sum(1 for row in records if row) - 1, 0)
    return sum(1 for index, row in enumerate(records) if index > found[1] and any(c.strip() for c in row))


def import_job_create(
    *, user: User, content: str, portfolio_name: str, basis_method: str, filename: str = ""
) -> ImportJob:
    """Keep the upload and start its preview (a dry run): inline when small, else in a worker."""
    rows = count_rows(content)
    job = ImportJob.objects.create(
        owner=user,
        portfolio_name=portfolio_name,
        basis_method=basis_method,
        filename=filename[:255],
        content=content,
        row_count=rows,
        run_in_background=rows > LARGE_IMPORT_ROWS,
        heartbeat_at=timezone.now(),
    )
    _start(job)
    job.refresh_from_db()
    return job


def import_job_confirm(*, job: ImportJob) -> ImportJob:
    """Import the stored file for real. Only a finished, error-free preview can be confirmed, once."""
    claimed = ImportJob.objects.filter(pk=job.pk, confirmed=False, status=Status.DONE, error_count=0).update(
        confirmed=True, **_queued()
    )
    if not claimed:
        raise ValidationError(
            "This import cannot be confirmed: its preview has errors, is not finished, or it ran already."
        )
    job.refresh_from_db()
    _start(job)
    job.refresh_from_db()
    return job


def import_job_asset_classes(*, job: ImportJob, classes: dict[str, str], confirm: bool) -> ImportJob:
    """Keep the classes the owner chose for the assets the import creates, then confirm the import or,
    with `confirm` false, preview it again with them. Only symbols the preview listed as new, and only
    classes a file may create, are kept."""
    listed = {new["symbol"] for new in (job.summary or {}).get("new_assets") or []}
    chosen = {symbol: cls for symbol, cls in classes.items() if symbol in listed and cls in CHOOSABLE_CLASSES}
    if job.confirmed or job.status not in (Status.DONE, Status.FAILED):
        raise ValidationError("This import's preview is not finished, or it ran already.")
    ImportJob.objects.filter(pk=job.pk).update(asset_classes=chosen, updated_at=timezone.now())
    job.refresh_from_db()
    if confirm:
        return import_job_confirm(job=job)
    claimed = ImportJob.objects.filter(pk=job.pk, confirmed=False, status__in=[Status.DONE, Status.FAILED])
    if not claimed.update(**_queued()):
        raise ValidationError("This import's preview is not finished, or it ran already.")
    job.refresh_from_db()
    _start(job)
    job.refresh_from_db()
    return job


# The mapping step reads a file's header from this much of its start: the header is within the first
# lines, and a large file need not be loaded for it.
HEADER_CHARS = 64_000


def import_job_columns(job: ImportJob) -> tuple[list[str], dict[str, str]] | None:
    """For a brokerage CSV (or a file no format recognises whose header looks like one) still in preview:
    its columns and the mapping their names suggest. None for any other job."""
    if job.confirmed:
        return None
    head = (
        ImportJob.objects.filter(pk=job.pk)
        .annotate(head=Substr("content", 1, HEADER_CHARS))
        .values_list("head", flat=True)
        .first()
    )
    return mapping_columns(head) if head else None


def import_job_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Keep the owner's mapping of a brokerage CSV's columns (meaning -> column, "" for one the file lacks)
    and preview the file again with it; confirming imports it with the same mapping."""
    found = import_job_columns(job)
    if found is None:
        raise ValidationError("This file's columns cannot be mapped: it is not a brokerage CSV.")
    columns = set(found[0])
    clean = {meaning: (mapping.get(meaning) or "").strip() for meaning in MAPPING_MEANINGS}
    unknown = sorted(c for c in clean.values() if c and c not in columns)
    if unknown:
        raise ValidationError(f"Not a column of the file: {', '.join(unknown)}.")
    claimed = ImportJob.objects.filter(pk=job.pk, confirmed=False, status__in=[Status.DONE, Status.FAILED])
    if not claimed.update(mapping=clean, **_queued()):
        raise ValidationError("This import's preview is not finished, or it ran already.")
    job.refresh_from_db()
    _start(job)
    job.refresh_from_db()
    return job


def _queued() -> dict[str, Any]:
    """A phase queued by its owner: a fresh start, its runs counted from none."""
    now = timezone.now()
    return {"status": Status.QUEUED, "progress": 0, "attempts": 0, "heartbeat_at": now, "updated_at": now}


def _start(job: ImportJob) -> None:
    if job.run_in_background:
        transaction.on_commit(lambda: import_ledger_job.delay(job.pk))
    else:
        import_job_run(job_id=job.pk)


def _claim(job_id: int) -> ImportJob | None:
    """Take a queued job, or a running one whose worker stopped. A job whose worker stopped in each of its
    MAX_ATTEMPTS runs is failed instead (and returned)."""
    job = ImportJob.objects.defer("content").filter(pk=job_id).first()
    if job is None:
        return None
    now = timezone.now()
    if job.status == Status.RUNNING:
        if not stopped(job, now):
            return None  # a live run has it
        if job.attempts >= MAX_ATTEMPTS:
            return give_up(job)
        logger.warning("import job %s: %s stopped; running it again", job_id, job.worker or "its worker")
    elif job.status != Status.QUEUED:
        return None
    claimed = this_run(job).update(
        status=Status.RUNNING,
        attempts=job.attempts + 1,
        progress=5,
        heartbeat_at=now,
        worker=worker_name()[:200],
        updated_at=now,
    )
    if not claimed:
        return None
    return ImportJob.objects.select_related("owner").get(pk=job_id)


UNEXPECTED = {"line": 0, "field": "import", "message": "Unexpected error; nothing was saved. Try again."}


class _Superseded(Exception):
    """The job was taken from this run (its beats had stopped): its work must not commit."""


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the job's current phase (preview or import). None when there is nothing to do: the job is gone or
    finished, or a live run has it."""
    job = _claim(job_id)
    if job is None or job.status != Status.RUNNING:
        return job
    dry_run = not job.confirmed
    started = time.monotonic()
    with Heartbeat(beat_key(job_id), run=run_of(job), progress=job.progress) as beat:
        try:
            with transaction.atomic():
                summary = ledger_import(
                    user=job.owner,
                    file=io.StringIO(job.content),
                    portfolio_name=job.portfolio_name,
                    basis_method=job.basis_method,
                    dry_run=dry_run,
                    progress=beat.progress,
                    asset_classes=job.asset_classes or None,
                    mapping=job.mapping or None,
                )
                # The outcome commits with the rows, or neither does.
                if not _finish(job, summary, seconds=time.monotonic() - started):
                    raise _Superseded
        except _Superseded:
            logger.warning("import job %s was taken over by another run; this one saved nothing", job_id)
            return None
        except LedgerImportError as exc:
            fail(job, [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors])
        except ValidationError as exc:
            fail(job, [{"line": 0, "field": "portfolio", "message": m} for m in exc.messages])
        except Exception:
            logger.exception("import job %s failed", job_id)
            fail(job, [UNEXPECTED])
    return ImportJob.objects.defer("content").get(pk=job_id)


def _finish(job: ImportJob, summary: ImportSummary, *, seconds: float) -> bool:
    done: dict[str, Any] = {
        "summary": _summary_json(summary, job=job, seconds=seconds),
        "status": Status.DONE,
        "progress": 100,
        "errors": [],
        "error_count": 0,
        "updated_at": timezone.now(),
    }
    if not summary.dry_run:
        done["portfolio"] = summary.portfolio
        done["content"] = ""  # imported: the ledger holds the rows now; keep no second copy of the file
    return bool(this_run(job).update(**done))


def _send(job_id: int) -> None:
    import_ledger_job.delay(job_id)


def import_job_checked(job: ImportJob) -> ImportJob:
    """The job as the pages should show it: one whose worker stopped is queued again or failed first."""
    if job.finished or revive(job, timezone.now(), send=_send) is None:
        return job
    return ImportJob.objects.defer("content").get(pk=job.pk)


def import_jobs_revive(*, now: datetime | None = None) -> dict[str, int]:
    """The watchdog over every unfinished job (import_watch.revive): requeued, failed, resent."""
    return jobs_revive(now=now, send=_send)


def _summary_json(summary: ImportSummary, *, job: ImportJob, seconds: float) -> dict[str, Any]:
    return {
        "portfolio": summary.portfolio.name,
        "portfolio_id": summary.portfolio.pk if not summary.dry_run else None,
        "rows": summary.rows,
        "new": summary.created,
        "duplicates": summary.duplicates,
        "accounts_created": list(summary.accounts_created),
        "assets_created": list(summary.assets_created),
        "new_assets": [new.as_json() for new in summary.new_assets],
        "lots": summary.recompute.lots if summary.recompute else None,
        "preview": summary.preview[:PREVIEW_ROWS],
        "seconds": round(seconds, 2),
        "format": summary.source_format,
        "format_label": summary.source_label,
        "source_rows": summary.source_rows,
        "skipped": [{"line": line, "reason": reason} for line, reason in summary.skipped[:SKIPPED_SHOWN]],
        "skipped_count": len(summary.skipped),
        "mapping": summary.mapping,
    }


@shared_task(name="portfolios.import_tasks.import_ledger_job", acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def import_ledger_job(job_id: int) -> str:
    """Run an ImportJob's preview or confirmed import. Idempotent: a finished job, or one a live run has, is
    left alone; one whose worker stopped is taken over."""
    job = import_job_run(job_id=job_id)
    return job.status if job is not None else "skipped"


@shared_task(name="portfolios.import_tasks.revive_import_jobs", acks_late=True)  # type: ignore[untyped-decorator]
def revive_import_jobs() -> dict[str, int]:
    return import_jobs_revive()


# Uploads that were previewed but never imported are dropped after this long.
ABANDONED_AFTER = timedelta(days=7)


def import_jobs_purge(*, now: datetime | None = None) -> int:
    """Delete previews never confirmed (or failed) and untouched for ABANDONED_AFTER; returns how many."""
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    stale = ImportJob.objects.filter(updated_at__lt=cutoff).filter(
        Q(confirmed=False) | Q(status=Status.FAILED)
    )
    deleted, _ = stale.delete()
    return deleted


@shared_task(name="portfolios.import_tasks.purge_import_jobs", acks_late=True)  # type: ignore[untyped-decorator]
def purge_import_jobs() -> int:
    return import_jobs_purge()


__all__ = [
    "LARGE_IMPORT_ROWS",
    "MAX_ATTEMPTS",
    "STALE_RUNNING",
    "import_job_asset_classes",
    "import_job_checked",
    "import_job_columns",
    "import_job_confirm",
    "import_job_create",
    "import_job_mapping",
    "import_job_progress",
    "import_job_run",
    "import_jobs_purge",
    "import_jobs_revive",
    "import_ledger_job",
    "purge_import_jobs",
    "revive_import_jobs",
]
