"""The tax summary by API: one owner's return for a year, as JSON or any of the downloads, and this
year's planning (losses to harvest, the year planner)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.api.filters import QueryFilter
from portfolios.api.schema import ID_SCHEMA, id_parameter
from portfolios.decimals import exact_text
from portfolios.models import Portfolio, User
from portfolios.sharing import readable_portfolios
from taxes import rules
from taxes.api.serializers import (
    HarvestSerializer,
    PlannerSerializer,
    ReportJobSerializer,
    YearSummarySerializer,
)
from taxes.exports import FORMATS
from taxes.exports import render as render_export
from taxes.models import ReportJob
from taxes.planning import harvest_candidates, year_planner
from taxes.reports import report_in_background, report_job_state
from taxes.summary import year_summary
from taxes.tasks import report_job_start

YEAR = OpenApiParameter(
    "year",
    {"type": "integer", "minimum": 1, "maximum": 9999},
    OpenApiParameter.PATH,
    description="a tax year Lotwise has tables for",
)
JOB_ID = id_parameter("job_id", "a tax file being built for you")
# The downloads' media types: the JSON document, the CSV files, TXF and PDF.
FILE_RESPONSES: dict[Any, Any] = {
    (200, "application/json"): OpenApiResponse(YearSummarySerializer, description="the JSON file"),
    **{
        (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="the file")
        for media in ("text/csv", "application/x-txf", "application/pdf")
    },
}


class ScopeFilter(QueryFilter):
    portfolio = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_SCHEMA["maximum"], help_text="a view of one portfolio"
    )


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _taxpayer(request: Request, portfolio: Portfolio | None) -> User:
    """Whose return a summary is part of: a shared portfolio's owner, else the user."""
    return portfolio.owner if portfolio is not None else _user(request)


def _scope(request: Request, year: int) -> tuple[int, Portfolio | None]:
    if year not in rules.available_years():
        raise NotFound("No tax tables for that year.")
    chosen = ScopeFilter.read(request)
    portfolio = None
    if "portfolio" in chosen:
        # One of the user's own portfolios, or one shared with them (its part of its owner's return).
        portfolio = (
            readable_portfolios(user=_user(request))
            .select_related("owner")
            .filter(pk=chosen["portfolio"])
            .first()
        )
        if portfolio is None:
            raise NotFound("No such portfolio.")
    return year, portfolio


@extend_schema(
    parameters=[YEAR, ScopeFilter], responses={200: YearSummarySerializer}, summary="Year-end tax summary"
)
@api_view(["GET"])
def summary(request: Request, year: int) -> Response:
    """The whole summary with exact decimal strings: Form 8949 rows and boxes, Schedule D, carryforward,
    income, donations, distributions, the estimate and how it was computed."""
    year, portfolio = _scope(request, year)
    out = render_export(
        year_summary(owner=_taxpayer(request, portfolio), year=year, portfolio=portfolio), "json"
    )
    return Response(json.loads(out.content))


@extend_schema(
    parameters=[
        YEAR,
        OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS), description="the file"),
        ScopeFilter,
    ],
    responses={
        **FILE_RESPONSES,
        202: OpenApiResponse(
            ReportJobSerializer, description="a year with many sales: the file is being built (see Location)"
        ),
    },
    summary="Download a year-end tax file",
)
@api_view(["GET"])
def download(request: Request, year: int, fmt: str) -> HttpResponse:
    """The file, or for a year with many sales 202 Accepted with the URL of the job building it (also in
    Location): poll it until `file_url` is set, then fetch that."""
    if fmt not in FORMATS:
        raise NotFound("Unknown format.")
    year, portfolio = _scope(request, year)
    owner = _taxpayer(request, portfolio)
    if report_in_background(owner=owner, year=year, portfolio=portfolio):
        job = report_job_start(owner=_user(request), year=year, fmt=fmt, portfolio=portfolio)
        state = _job_state(job)
        response = Response(state, status=202)
        response["Location"] = str(state["status_url"])
        return response
    out = render_export(year_summary(owner=owner, year=year, portfolio=portfolio), fmt)
    return _attachment(out.content, out.content_type, out.filename, out.warning)


def _attachment(content: bytes, content_type: str, filename: str, warning: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if warning:
        response["X-Lotwise-Warning"] = warning
    return response


def _job_state(job: ReportJob) -> dict[str, Any]:
    state = report_job_state(job, file_url=reverse("api-tax-report-file", args=[job.pk]))
    state["status_url"] = reverse("api-tax-report", args=[job.pk])
    return dict(ReportJobSerializer(state).data)


def _job_of(request: Request, job_id: int, *, with_content: bool = False) -> ReportJob:
    jobs = ReportJob.objects.all() if with_content else ReportJob.objects.defer("content")
    job = jobs.filter(pk=job_id, owner_id=request.user.pk).first()
    if job is None:  # another user's job too
        raise NotFound("No such report.")
    return job


@extend_schema(parameters=[JOB_ID], responses={200: ReportJobSerializer}, summary="A tax file being built")
@api_view(["GET"])
def report_job(request: Request, job_id: int) -> Response:
    """Status and progress of a file built in the background; `file_url` once it is ready."""
    return Response(_job_state(_job_of(request, job_id)))


@extend_schema(
    parameters=[JOB_ID],
    responses={
        **FILE_RESPONSES,
        409: OpenApiResponse(ReportJobSerializer, description="not built yet: the job's state"),
    },
    summary="Fetch a tax file built in the background",
)
@api_view(["GET"])
def report_job_file(request: Request, job_id: int) -> HttpResponse:
    job = _job_of(request, job_id, with_content=True)
    if job.status != ReportJob.Status.DONE or job.content is None:
        return Response(_job_state(job), status=409)
    return _attachment(bytes(job.content), job.content_type, job.filename, job.warning)


def _today(request: Request) -> Any:
    return timezone.now().astimezone(_user(request).tzinfo).date()


def _text(value: Any) -> Any:
    return exact_text(value) if value is not None else None


@extend_schema(responses={200: HarvestSerializer}, summary="Losses to harvest")
@api_view(["GET"])
def harvest(request: Request) -> Response:
    """Open lots in your taxable accounts below their basis at the latest prices, with the tax each would
    save at your rates and, for securities, the wash-sale window (purchases in any of your accounts in
    the last 30 days). Sell them with `POST /api/portfolios/{portfolio_id}/proposals/harvest/`."""
    found = harvest_candidates(owner=_user(request), today=_today(request))
    rows = [
        {
            **{
                name: getattr(r, name)
                for name in (
                    "lot_id",
                    "portfolio_id",
                    "portfolio",
                    "account_id",
                    "account",
                    "asset_id",
                    "asset",
                    "origin_id",
                    "term",
                    "acquired",
                    "wash_rule",
                    "recent_purchase",
                    "clean_from",
                )
            },
            "lot": f"{r.lot_id}@{r.account_id}",
            **{
                name: exact_text(getattr(r, name))
                for name in ("quantity", "basis", "value", "loss", "saving")
            },
        }
        for r in found.rows
    ]
    body = {
        "year": found.year,
        "rows": rows,
        **{
            name: exact_text(getattr(found, name))
            for name in ("total_loss", "total_saving", "short_rate", "long_rate")
        },
        "crypto_note": found.crypto_note,
        "assumed_profile": found.assumed_profile,
        "unpriced": found.unpriced,
    }
    return Response(HarvestSerializer(body).data)


@extend_schema(responses={200: PlannerSerializer}, summary="This year's planner")
@api_view(["GET"])
def planner(request: Request) -> Response:
    """Realized so far by term, the estimated tax, room in the 0% long-term band and in the current
    bracket (for a Roth conversion), short-term lots turning long-term before year end, and deposits into
    retirement accounts against the year's limits."""
    plan = year_planner(owner=_user(request), today=_today(request))
    est = plan.estimate
    body = {
        "year": plan.year,
        "today": plan.today,
        "realized_short": exact_text(plan.realized_short),
        "realized_long": exact_text(plan.realized_long),
        "estimate": {
            "filing_status": est.status.value,
            "taxable_income": exact_text(est.taxable_income),
            "income_tax": exact_text(est.income_tax),
            "niit": exact_text(est.niit),
            "federal_total": exact_text(est.total),
            "marginal_ordinary_rate": exact_text(est.marginal_ordinary_rate),
            "short_term_rate": exact_text(est.short_term_rate),
            "long_term_rate": exact_text(est.long_term_rate),
        },
        "zero_rate": {
            "losses_first": exact_text(plan.zero_rate.losses_first),
            "zero_rate": exact_text(plan.zero_rate.zero_rate),
        },
        "conversion": {
            "rate": exact_text(plan.conversion.rate),
            "room": _text(plan.conversion.room),
            "bracket_top": _text(plan.conversion.bracket_top),
            "tax_on_room": _text(plan.conversion.tax_on_room),
        },
        "soon_long_term": [
            {
                "portfolio": s.portfolio,
                "account": s.account,
                "asset": s.asset,
                "lot_id": s.lot_id,
                "quantity": exact_text(s.quantity),
                "gain": exact_text(s.gain),
                "long_term_from": s.long_term_from,
                "saved_by_waiting": exact_text(s.saved_by_waiting),
            }
            for s in plan.soon_long_term
        ],
        "contributions": [
            {
                "plan": c.plan,
                "label": c.label,
                "contributed": exact_text(c.contributed),
                "limit": exact_text(c.limit),
            }
            for c in plan.contributions
        ],
        "assumed_profile": plan.assumed_profile,
    }
    return Response(PlannerSerializer(body).data)
