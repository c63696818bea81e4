"""The impact page: the portfolio against its buy-and-hold counterfactual since the target was set."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rebalancing import charts
from rebalancing.selectors.impact import impact_get
from rebalancing.views.common import _get_portfolio_for_user


def impact(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    found = impact_get(portfolio=portfolio)
    figure = charts.series_figure(
        [
            ("Portfolio (net of later deposits)", found.dates, found.actual),
            ("Buy and hold", found.dates, found.hold),
        ],
        y_title="USD",
    )
    ctx = {"portfolio": portfolio, "impact": found, "figures": {"impact": figure} if found.dates else {}}
    return render(request, "rebalancing/impact.html", ctx)
