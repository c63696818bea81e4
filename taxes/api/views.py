"""The tax summary by API: one owner's return for a year, as JSON or any of the downloads."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.models import Portfolio
from taxes import rules
from taxes.exports import FORMATS
from taxes.exports import render as render_export
from taxes.summary import year_summary

PORTFOLIO = OpenApiParameter(
    "portfolio", int, OpenApiParameter.QUERY, required=False, description="a view of one portfolio"
)


def _summary(request: Request, year: int):  # type: ignore[no-untyped-def]
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
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    out = render_export(_summary(request, year), fmt)
    response = HttpResponse(out.content, content_type=out.content_type)
    response["Content-Disposition"] = f'attachment; filename="{out.filename}"'
    if out.warning:
        response["X-Lotwise-Warning"] = out.warning
    return response
