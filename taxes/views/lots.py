"""Open lots of a portfolio, sortable and paged, valued at the latest snapshot's prices."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portfolios import selectors as portfolio_selectors
from portfolios.sharing import owner_today
from taxes.selectors import lots_list, lots_table_context
from taxes.views.common import get_portfolio_for_user


def lot_list(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = get_portfolio_for_user(request, portfolio_id)
    prices = portfolio_selectors.snapshot_prices(portfolio=portfolio)
    table = lots_list(
        portfolio=portfolio, prices=prices, today=owner_today(portfolio), sort=request.GET.get("sort", "")
    )
    ctx = {
        **lots_table_context(table, page=request.GET.get("page"), show_account=True),
        "portfolio": portfolio,
        "ledger_status": portfolio_selectors.ledger_status_of(portfolio),
        "snap": prices,
    }
    return render(request, "taxes/lot_list.html", ctx)
