"""The year-end tax summary of the signed-in owner (one person, one return) and its downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from portfolios.models import Portfolio, User
from portfolios.selectors import portfolio_list
from portfolios.sharing import readable_or_404
from taxes import rules
from taxes.exports import render as render_export
from taxes.forms import TaxProfileForm
from taxes.models import ReportJob, TaxProfile
from taxes.reports import report_in_background, report_job_state
from taxes.summary import summary_years, year_summary
from taxes.tasks import report_job_start
from taxes.views.common import today_of, user_of

FORMATS = {
    "csv": "Form 8949 rows (CSV)",
    "totals": "Box totals and Schedule D (CSV)",
    "turbotax": "Gains for TurboTax-style import (CSV)",
    "pdf": "PDF for your accountant",
    "txf": "TXF for tax software",
    "json": "JSON (exact amounts)",
}

TXF_WARNING = (
    "TXF has no codes for Form 8949 boxes G-L, where digital-asset sales go from 2025: the TXF leaves them "
    "out. Use the CSV or the PDF for those."
)


def _checked_year(year: int) -> int:
    if year not in rules.available_years():
        raise Http404("No tax tables for that year.")
    return year


def _portfolio_filter(request: HttpRequest) -> Portfolio | None:
    """The one portfolio the summary is limited to: one of the user's own or one shared with them."""
    raw = request.GET.get("portfolio", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such portfolio.")
    return readable_or_404(request, int(raw), Portfolio.objects.select_related("owner"))


def _taxpayer(request: HttpRequest, view_of: Portfolio | None) -> User:
    """Whose return the summary is part of: the owner of a shared portfolio, else the user."""
    return view_of.owner if view_of is not None else user_of(request)


def summary_latest(request: HttpRequest) -> HttpResponse:
    view_of = _portfolio_filter(request)
    years = summary_years(owner=_taxpayer(request, view_of), today=today_of(request))
    url = reverse("taxes:summary", args=[years[0]])
    return redirect(url + (f"?portfolio={view_of.pk}" if view_of else ""))


def summary(request: HttpRequest, year: int) -> HttpResponse:
    user = user_of(request)
    year = _checked_year(year)
    view_of = _portfolio_filter(request)
    chosen = request.GET.get("year", "")
    if chosen.isdigit() and int(chosen) != year and int(chosen) in rules.available_years():
        url = reverse("taxes:summary", args=[int(chosen)])
        return redirect(url + (f"?portfolio={view_of.pk}" if view_of else ""))
    taxpayer = _taxpayer(request, view_of)
    data = year_summary(owner=taxpayer, year=year, portfolio=view_of)
    query = f"?portfolio={view_of.pk}" if view_of else ""
    ctx = {
        "summary": data,
        "year": year,
        "years": summary_years(owner=taxpayer, today=today_of(request)),
        "portfolios": portfolio_list(user=user),
        "view_of": view_of,
        "portfolio": view_of,
        "downloads": [
            (fmt, label, reverse("taxes:download", args=[year, fmt]) + query)
            for fmt, label in FORMATS.items()
        ],
        "txf_warning": TXF_WARNING if data.has_digital_asset_boxes else "",
        # Each download then opens a page that follows the worker, rather than saving a file at once.
        "downloads_in_background": report_in_background(owner=taxpayer, year=year, portfolio=view_of),
    }
    return render(request, "taxes/summary.html", ctx)


def download(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    year = _checked_year(year)
    user = user_of(request)
    view_of = _portfolio_filter(request)
    taxpayer = _taxpayer(request, view_of)
    if report_in_background(owner=taxpayer, year=year, portfolio=view_of):
        job = report_job_start(owner=user, year=year, fmt=fmt, portfolio=view_of)
        return redirect("taxes:report_job", job_id=job.pk)
    out = render_export(year_summary(owner=taxpayer, year=year, portfolio=view_of), fmt)
    return _attachment(out.content, out.content_type, out.filename)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _job_of(request: HttpRequest, job_id: int, *, with_content: bool = False) -> ReportJob:
    # Another user's job is a 404, the same as one that never existed; so is a job for a portfolio that is
    # no longer shared with the user.
    jobs = ReportJob.objects.select_related("portfolio")
    job = get_object_or_404(
        jobs if with_content else jobs.defer("content"), pk=job_id, owner=user_of(request)
    )
    if job.portfolio is not None:
        readable_or_404(request, job.portfolio.pk)
    return job


def report_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_of(request, job_id)
    ctx = {
        "job": job,
        "format_label": FORMATS.get(job.format, job.format),
        "status_url": reverse("taxes:report_job_status", args=[job.pk]),
        "file_url": reverse("taxes:report_job_file", args=[job.pk]),
        "summary_url": reverse("taxes:summary", args=[job.year])
        + (f"?portfolio={job.portfolio_id}" if job.portfolio_id else ""),
    }
    return render(request, "taxes/report_job.html", ctx)


def report_job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = _job_of(request, job_id)
    return JsonResponse(report_job_state(job, file_url=reverse("taxes:report_job_file", args=[job.pk])))


def report_job_file(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_of(request, job_id, with_content=True)
    if job.status != ReportJob.Status.DONE or job.content is None:
        return redirect("taxes:report_job", job_id=job.pk)
    return _attachment(bytes(job.content), job.content_type, job.filename)


def profile_edit(request: HttpRequest, year: int) -> HttpResponse:
    user = user_of(request)
    year = _checked_year(year)
    instance = TaxProfile.objects.filter(owner=user, year=year).first() or TaxProfile(owner=user, year=year)
    form = TaxProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Tax profile for {year} saved.")
        return redirect("taxes:summary", year=year)
    return render(request, "taxes/profile.html", {"form": form, "year": year})
