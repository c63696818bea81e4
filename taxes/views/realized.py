"""Realized gains of one portfolio for a tax year (the Taxes summary covers the whole return)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from portfolios import selectors as portfolio_selectors
from portfolios.sharing import owner_today
from taxes.selectors import last_disposal_year, realized_for_year, realized_years
from taxes.views.common import get_portfolio_for_user


def realized(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = get_portfolio_for_user(request, portfolio_id)
    this_year = owner_today(portfolio).year
    years = realized_years(portfolio=portfolio, today_year=this_year)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = last_disposal_year(portfolio=portfolio) or this_year
    if not 1900 <= year <= 9999:
        year = this_year
    summary = realized_for_year(portfolios=[portfolio], year=year)
    ctx = {
        "portfolio": portfolio,
        "year": year,
        "years": sorted({*years, year}, reverse=True),
        "summary": summary,
        "total_gain": summary.short_term.gain + summary.long_term.gain,
        "ledger_status": portfolio_selectors.ledger_status_of(portfolio),
        "self_url": reverse("taxes:realized", args=[portfolio.pk]),
    }
    return render(request, "taxes/realized.html", ctx)
