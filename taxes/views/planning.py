"""This year's planning pages: losses to harvest and the year planner."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portfolios.assets import assets_of_owner
from portfolios.models.ledger import AssetClass
from taxes.planning import HarvestRow, harvest_candidates, year_planner
from taxes.views.common import today_of, user_of


def _by_portfolio(rows: list[HarvestRow]) -> list[tuple[int, str, list[HarvestRow]]]:
    # A harvest proposal belongs to one portfolio, so each portfolio's lots get a form of their own.
    groups: dict[int, tuple[int, str, list[HarvestRow]]] = {}
    for row in rows:
        groups.setdefault(row.portfolio_id, (row.portfolio_id, row.portfolio, []))[2].append(row)
    return sorted(groups.values(), key=lambda g: g[1])


def harvest(request: HttpRequest) -> HttpResponse:
    owner = user_of(request)
    data = harvest_candidates(owner=owner, today=today_of(request))
    ctx = {
        "harvest": data,
        "groups": _by_portfolio(data.rows),
        "rebuy_choices": assets_of_owner(owner=owner).exclude(asset_class=AssetClass.CASH),
    }
    return render(request, "taxes/harvest.html", ctx)


def planner(request: HttpRequest) -> HttpResponse:
    data = year_planner(owner=user_of(request), today=today_of(request))
    return render(request, "taxes/planner.html", {"plan": data})
