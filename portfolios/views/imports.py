"""Importing a ledger file: upload, preview of every row and problem, progress, confirm."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portfolios.assets import CHOOSABLE_CLASSES
from portfolios.forms import (
    ImportUploadForm,
)
from portfolios.import_tasks import (
    import_job_asset_classes,
    import_job_checked,
    import_job_columns,
    import_job_confirm,
    import_job_create,
    import_job_mapping,
    import_job_progress,
)
from portfolios.importers.brokerage import MEANINGS, REQUIRED
from portfolios.importers.brokerage import SYNONYMS as MAPPING_MEANINGS
from portfolios.models import AssetClass, ImportJob, Portfolio
from portfolios.views.common import int_or_none, user_of


def _get_job_for_user(request: HttpRequest, job_id: int) -> ImportJob:
    # The file can be megabytes; pages about the job never need it. A job whose worker stopped is seen to.
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=job_id, owner=user_of(request))
    return import_job_checked(job)


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    portfolios = list(Portfolio.objects.filter(owner=user))
    chosen = int_or_none(request.GET.get("portfolio"))
    initial = {"portfolio": chosen} if chosen in {p.pk for p in portfolios} else {}
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = ImportUploadForm(data, files, initial=initial, portfolios=portfolios)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(
            user=user,
            content=form.cleaned_data["file"],
            portfolio_name=form.cleaned_data["portfolio_name"],
            basis_method=form.cleaned_data["basis_method"],
            filename=form.filename,
        )
        return redirect("portfolios:import_preview", job_id=job.pk)
    recent = ImportJob.objects.filter(owner=user).defer("content", "summary", "errors")[:10]
    # Coming from a portfolio's pages: keep its navigation.
    portfolio = next((p for p in portfolios if p.pk == chosen), None)
    context = {"form": form, "recent": recent, "portfolio": portfolio}
    return render(request, "portfolios/imports/upload.html", context)


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, job_id: int) -> HttpResponse:
    """The preview of an upload and its confirmation; while a worker runs it, a progress bar."""
    job = _get_job_for_user(request, job_id)
    if request.method == "POST":
        classes = _chosen_classes(request, job)
        try:
            if request.POST.get("action") == "mapping":
                mapping = {m: request.POST.get(f"map_{m}", "") for m in MAPPING_MEANINGS}
                job = import_job_mapping(job=job, mapping=mapping)
            elif classes or request.POST.get("action") == "reclassify":
                confirm = request.POST.get("action") != "reclassify"
                job = import_job_asset_classes(job=job, classes=classes, confirm=confirm)
            else:
                job = import_job_confirm(job=job)
        except ValidationError as exc:
            context = {"job": job, "refused": exc.messages, **_job_context(job)}
            return render(request, "portfolios/imports/preview.html", context, status=400)
        if job.confirmed and job.status == ImportJob.Status.DONE:
            return redirect("portfolios:import_done", job_id=job.pk)
        return redirect("portfolios:import_preview", job_id=job.pk)
    if job.confirmed and job.status == ImportJob.Status.DONE:
        return redirect("portfolios:import_done", job_id=job.pk)
    return render(request, "portfolios/imports/preview.html", {"job": job, **_job_context(job)})


def _chosen_classes(request: HttpRequest, job: ImportJob) -> dict[str, str]:
    """The class picked for each new asset the preview listed (`class_<symbol>` fields)."""
    listed = [new["symbol"] for new in (job.summary or {}).get("new_assets") or []]
    chosen = {symbol: request.POST.get(f"class_{symbol}", "") for symbol in listed}
    return {symbol: cls for symbol, cls in chosen.items() if cls in CHOOSABLE_CLASSES}


def _mapping_rows(job: ImportJob, summary: dict[str, Any]) -> dict[str, Any] | None:
    """The mapping step of a brokerage CSV: per meaning, the column read for it and the file's columns."""
    if job.status not in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return None
    found = import_job_columns(job)
    if found is None:
        return None
    columns, suggested = found
    current = job.mapping or summary.get("mapping") or suggested
    rows = [
        {
            "meaning": meaning,
            "label": MEANINGS.get(meaning, meaning),
            "required": meaning in REQUIRED,
            "column": current.get(meaning, ""),
        }
        for meaning in MAPPING_MEANINGS
    ]
    return {"columns": columns, "rows": rows, "chosen": bool(job.mapping)}


def _job_context(job: ImportJob) -> dict[str, Any]:
    summary = job.summary or {}
    return {
        "mapping_step": _mapping_rows(job, summary),
        "summary": summary,
        "class_choices": [(value, AssetClass(value).label) for value in CHOOSABLE_CLASSES],
        "flagged": sum(1 for new in summary.get("new_assets") or [] if new.get("note")),
        "more_rows": max(int(summary.get("new") or 0) - len(summary.get("preview") or []), 0),
        "more_errors": max(job.error_count - len(job.errors or []), 0),
        "status_url": reverse("portfolios:import_status", kwargs={"job_id": job.pk}),
    }


@require_GET
def import_status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = _get_job_for_user(request, job_id)
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    done_page = job.confirmed and job.status == ImportJob.Status.DONE
    page = "portfolios:import_done" if done_page else "portfolios:import_preview"
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": import_job_progress(job),
            "confirmed": job.confirmed,
            "finished": finished,
            "error_count": job.error_count,
            "next": reverse(page, kwargs={"job_id": job.pk}) if finished else None,
        }
    )


@require_GET
def import_done(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job_for_user(request, job_id)
    if not (job.confirmed and job.status == ImportJob.Status.DONE):
        return redirect("portfolios:import_preview", job_id=job.pk)
    context = {"job": job, "summary": job.summary or {}, "portfolio": job.portfolio}
    return render(request, "portfolios/imports/done.html", context)
