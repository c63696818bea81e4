"""The read side of a portfolio: dashboard and accounts (the Lots and Realized pages are the taxes app's).

Every page reads what the workers computed (snapshot, lots) and says when it was computed; none runs the
tax engine. Every object is looked up through its owner, so another user's ids are a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portfolios import charts, selectors
from portfolios.account_services import portfolio_for_user
from portfolios.models import Account, Portfolio
from portfolios.sharing import (
    READ_METHODS,
    grants_received,
    mark_access,
    owner_today,
    readable_or_404,
    readable_portfolios,
)
from portfolios.views.common import user_of
from taxes.selectors import LotTotals, lots_table_context


def _get_portfolio_for_user(request: HttpRequest, portfolio_id: int) -> Portfolio:
    # select_related: every page prints the ledger status, so it comes with the portfolio. Shared
    # portfolios are shown read-only to their grantees.
    return readable_or_404(request, portfolio_id, Portfolio.objects.select_related("ledger_status", "owner"))


def _get_account_for_user(request: HttpRequest, portfolio_id: int, account_id: int) -> Account:
    account = get_object_or_404(
        Account.objects.select_related("portfolio", "portfolio__ledger_status", "portfolio__owner"),
        pk=account_id,
        portfolio_id=portfolio_id,
        portfolio__in=readable_portfolios(user=user_of(request)),
    )
    if mark_access(account.portfolio, user=user_of(request)).read_only and request.method not in READ_METHODS:
        raise PermissionDenied("This portfolio is shared with you read-only.")
    return account


def _status(portfolio: Portfolio, prices: selectors.SnapshotPrices) -> dict[str, Any]:
    return {"ledger_status": selectors.ledger_status_of(portfolio), "snap": prices}


def home(request: HttpRequest) -> HttpResponse:
    first = selectors.portfolio_first(user=user_of(request))
    if first is not None:
        return redirect("portfolios:dashboard", portfolio_id=first.pk)
    return render(request, "portfolios/empty.html", {"shared": grants_received(user=user_of(request))})


@require_POST
def portfolio_create(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 100:
        messages.error(request, "Give the portfolio a name of 1 to 100 characters.")
        return redirect("portfolios:home")
    portfolio = portfolio_for_user(user=user_of(request), name=name)
    return redirect("portfolios:dashboard", portfolio_id=portfolio.pk)


def dashboard(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    board = selectors.dashboard_get(portfolio=portfolio, user=user_of(request), today=owner_today(portfolio))
    data = board.data
    assets = [a for a in data.get("assets") or () if a.get("target_weight") is not None or a.get("weight")]
    ctx: dict[str, Any] = {
        "portfolio": portfolio,
        "board": board,
        "data": data,
        "assets": data.get("assets") or [],
        "allocation_assets": assets,
        "outside_band": [a for a in assets if a.get("outside_band")],
        "has_lots": bool(data.get("lots")),
        "income_months": list(reversed((data.get("income") or {}).get("by_month") or []))[:24],
        "value_table": _month_ends(board.value_points)[-24:][::-1],
        **_status(portfolio, selectors.snapshot_prices_from(board.snapshot)),
    }
    if board.snapshot is not None:
        ctx["figures"] = {
            "allocation": charts.allocation_figure(assets),
            "value": charts.value_figure(board.value_points),
            "lots": charts.lots_figure(data.get("lots") or ()),
            "income": charts.income_figure(data.get("income")),
        }
    return render(request, "portfolios/dashboard.html", ctx)


def _month_ends(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last value point of each month: the value chart's table alternative."""
    by_month: dict[str, dict[str, Any]] = {}
    for p in points:
        by_month[p["date"][:7]] = p
    return list(by_month.values())


def account_list(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    prices = selectors.snapshot_prices(portfolio=portfolio)
    rows = selectors.accounts_list(portfolio=portfolio, prices=prices, today=owner_today(portfolio))
    totals = LotTotals()
    for row in rows:
        for name in (
            "count",
            "basis",
            "value",
            "unrealized",
            "unrealized_short",
            "unrealized_long",
            "unpriced",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(row.totals, name))
    ctx = {"portfolio": portfolio, "rows": rows, "totals": totals, **_status(portfolio, prices)}
    return render(request, "portfolios/account_list.html", ctx)


def account_detail(request: HttpRequest, portfolio_id: int, account_id: int) -> HttpResponse:
    account = _get_account_for_user(request, portfolio_id, account_id)
    portfolio = account.portfolio
    prices = selectors.snapshot_prices(portfolio=portfolio)
    row, table = selectors.account_detail(
        account=account, prices=prices, today=owner_today(portfolio), sort=request.GET.get("sort", "")
    )
    ctx = {
        **lots_table_context(table, page=request.GET.get("page"), show_account=False),
        **_status(portfolio, prices),
        "portfolio": portfolio,
        "account": account,
        "row": row,
    }
    return render(request, "portfolios/account_detail.html", ctx)
