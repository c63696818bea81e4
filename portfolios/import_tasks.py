"""CSV ledger imports kept as ImportJob rows: a dry run for the preview, then the confirmed import.

Small files run inline in the request; large ones run in the Celery task `import_ledger_job`, which the
upload and confirm pages poll through the job row. Either way `ledger_import` does the work in one
database transaction, so a failed import saves nothing.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone

from portfolios.assets import CHOOSABLE_CLASSES
from portfolios.importers import detect, mapping_columns
from portfolios.importers.brokerage import SYNONYMS as MAPPING_MEANINGS
from portfolios.importing import ImportSummary, LedgerImportError, ledger_import
from portfolios.models import ImportJob, User

logger = logging.getLogger("lotwise.imports")

# Above this many rows the import (and its preview) runs in a worker with a progress page.
LARGE_IMPORT_ROWS = 2000
# A job left "running" this long was lost with its worker (its transaction rolled back): run it again.
STALE_RUNNING = timedelta(minutes=30)
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
    )
    _start(job)
    job.refresh_from_db()
    return job


def import_job_confirm(*, job: ImportJob) -> ImportJob:
    """Import the stored file for real. Only a finished, error-free preview can be confirmed, once."""
    claimed = ImportJob.objects.filter(pk=job.pk, confirmed=False, status=Status.DONE, error_count=0).update(
        confirmed=True, status=Status.QUEUED, progress=0, updated_at=timezone.now()
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
    if not claimed.update(status=Status.QUEUED, progress=0, updated_at=timezone.now()):
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
    if not claimed.update(mapping=clean, status=Status.QUEUED, progress=0, updated_at=timezone.now()):
        raise ValidationError("This import's preview is not finished, or it ran already.")
    job.refresh_from_db()
    _start(job)
    job.refresh_from_db()
    return job


def _start(job: ImportJob) -> None:
    if job.run_in_background:
        transaction.on_commit(lambda: import_ledger_job.delay(job.pk))
    else:
        import_job_run(job_id=job.pk)


def progress_key(job_id: int) -> str:
    """Live progress goes through the cache: the import's own transaction is invisible until it commits."""
    return f"lotwise:import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> int:
    if job.status != ImportJob.Status.RUNNING:
        return job.progress
    return max(job.progress, int(cache.get(progress_key(job.pk)) or 0))


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the job's current phase (preview or import). Returns None when another run has it already."""
    stale = timezone.now() - STALE_RUNNING
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, updated_at__lt=stale))
        .update(status=Status.RUNNING, progress=5, updated_at=timezone.now())
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    dry_run = not job.confirmed
    started = time.monotonic()
    try:
        summary = ledger_import(
            user=job.owner,
            file=io.StringIO(job.content),
            portfolio_name=job.portfolio_name,
            basis_method=job.basis_method,
            dry_run=dry_run,
            progress=lambda percent: cache.set(progress_key(job_id), percent, timeout=3600),
            asset_classes=job.asset_classes or None,
            mapping=job.mapping or None,
        )
    except LedgerImportError as exc:
        _fail(job, [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors])
    except ValidationError as exc:
        _fail(job, [{"line": 0, "field": "portfolio", "message": m} for m in exc.messages])
    except Exception:
        logger.exception("import job %s failed", job_id)
        _fail(
            job,
            [{"line": 0, "field": "import", "message": "Unexpected error; nothing was saved. Try again."}],
        )
    else:
        job.summary = _summary_json(summary, job=job, seconds=time.monotonic() - started)
        job.status, job.progress, job.errors, job.error_count = Status.DONE, 100, [], 0
        if not dry_run:
            job.portfolio = summary.portfolio
            job.content = ""  # imported: the ledger holds the rows now; keep no second copy of the file
        job.save(
            update_fields=[
                "summary",
                "status",
                "progress",
                "errors",
                "error_count",
                "portfolio",
                "content",
                "updated_at",
            ]
        )
    return job


def _fail(job: ImportJob, errors: list[dict[str, Any]]) -> None:
    job.status, job.progress = Status.FAILED, 100
    job.errors = errors[: ImportJob.ERRORS_KEPT]
    job.error_count = len(errors)
    job.save(update_fields=["status", "progress", "errors", "error_count", "updated_at"])


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


@shared_task(name="portfolios.import_tasks.import_ledger_job", acks_late=True)  # type: ignore[untyped-decorator]
def import_ledger_job(job_id: int) -> str:
    """Run an ImportJob's preview or confirmed import. Idempotent: a finished or claimed job is left alone."""
    job = import_job_run(job_id=job_id)
    return job.status if job is not None else "skipped"


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
