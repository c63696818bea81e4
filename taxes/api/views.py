"""The tax summary by API: one owner's return for a year, as JSON or any of the downloads."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.models import Portfolio
from taxes import rules
from taxes.exports import FORMATS
from taxes.exports import render as render_export
from taxes.models import ReportJob
from taxes.reports import report_in_background, report_job_state
from taxes.summary import year_summary
from taxes.tasks import report_job_start

PORTFOLIO = OpenApiParameter(
    "portfolio", int, OpenApiParameter.QUERY, required=False, description="a view of one portfolio"
)


def _scope(request: Request, year: int) -> tuple[int, Portfolio | None]:
    if year not in rules.available_years():
        raise Http404("No tax tables for that year.")
    raw = request.query_params.get("portfolio", "")
    portfolio = None
    if raw:
        if not raw.isdigit():
            raise Http404("No such portfolio.")
        portfolio = Portfolio.objects.filter(pk=int(raw), owner_id=request.user.pk).first()
        if portfolio is None:
            raise Http404("No such portfolio.")
    return year, portfolio


def _summary(request: Request, year: int):  # type: ignore[no-untyped-def]
    year, portfolio = _scope(request, year)
    return year_summary(owner=request.user, year=year, portfolio=portfolio)  # type: ignore[arg-type]


@extend_schema(parameters=[PORTFOLIO], responses={200: OpenApiTypes.OBJECT}, summary="Year-end tax summary")
@api_view(["GET"])
def summary(request: Request, year: int) -> Response:
    """The whole summary with exact decimal strings: Form 8949 rows and boxes, Schedule D, carryforward,
    income, donations, distributions, the estimate and how it was computed."""
    out = render_export(_summary(request, year), "json")
    return Response(json.loads(out.content))


@extend_schema(
    parameters=[PORTFOLIO, OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS))],
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    summary="Download a year-end tax file",
)
@api_view(["GET"])
def download(request: Request, year: int, fmt: str) -> HttpResponse:
    """The file, or for a year with many sales 202 Accepted with the URL of the job building it (also in
    Location): poll it until `file_url` is set, then fetch that."""
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    year, portfolio = _scope(request, year)
    owner = request.user
    if report_in_background(owner=owner, year=year, portfolio=portfolio):  # type: ignore[arg-type]
        job = report_job_start(owner=owner, year=year, fmt=fmt, portfolio=portfolio)  # type: ignore[arg-type]
        state = _job_state(job)
        response = Response(state, status=202)
        response["Location"] = str(state["status_url"])
        return response
    out = render_export(year_summary(owner=owner, year=year, portfolio=portfolio), fmt)  # type: ignore[arg-type]
    return _attachment(out.content, out.content_type, out.filename, out.warning)


def _attachment(content: bytes, content_type: str, filename: str, warning: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if warning:
        response["X-Lotwise-Warning"] = warning
    return response


def _job_state(job: ReportJob) -> dict[str, object]:
    state = report_job_state(job, file_url=reverse("api-tax-report-file", args=[job.pk]))
    state["status_url"] = reverse("api-tax-report", args=[job.pk])
    return state


def _job_of(request: Request, job_id: int, *, with_content: bool = False) -> ReportJob:
    jobs = ReportJob.objects.all() if with_content else ReportJob.objects.defer("content")
    job = jobs.filter(pk=job_id, owner_id=request.user.pk).first()
    if job is None:  # another user's job too
        raise Http404("No such report.")
    return job


@extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A tax file being built")
@api_view(["GET"])
def report_job(request: Request, job_id: int) -> Response:
    """Status and progress of a file built in the background; `file_url` once it is ready."""
    return Response(_job_state(_job_of(request, job_id)))


@extend_schema(
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 409: OpenApiTypes.OBJECT},
    summary="Fetch a tax file built in the background",
)
@api_view(["GET"])
def report_job_file(request: Request, job_id: int) -> HttpResponse:
    job = _job_of(request, job_id, with_content=True)
    if job.status != ReportJob.Status.DONE or job.content is None:
        return Response(_job_state(job), status=409)
    return _attachment(bytes(job.content), job.content_type, job.filename, job.warning)
