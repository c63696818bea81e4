"""Proposals: the list (and asking for one), the review page, dismiss and accept."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rebalancing import charts, selectors
from rebalancing.forms import AcceptForm, ContributionForm
from rebalancing.models import ProposedTrade
from rebalancing.services import Execution, proposal_accept, proposal_create, proposal_dismiss
from rebalancing.views.common import _get_portfolio_for_user, _get_proposal_for_user

ZERO = Decimal(0)


def proposal_list(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    form = ContributionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_create(portfolio=portfolio, contribution=form.amount())
        except ValidationError as exc:
            messages.info(request, " ".join(exc.messages))
            return redirect("rebalancing:proposal_list", portfolio_id=portfolio.pk)
        return redirect("rebalancing:proposal_detail", portfolio_id=portfolio.pk, proposal_id=proposal.pk)
    ctx = {
        "portfolio": portfolio,
        "proposals": selectors.proposal_list(portfolio=portfolio),
        "form": form,
        "target": selectors.target_of(portfolio),
    }
    return render(request, "rebalancing/proposal_list.html", ctx)


def _lot_rows(trades: list[ProposedTrade]) -> int:
    return sum(len(t.lots) for t in trades)


def proposal_detail(request: HttpRequest, portfolio_id: int, proposal_id: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, portfolio_id, proposal_id)
    trades = selectors.proposal_trades(proposal)
    return _review(request, proposal, trades, AcceptForm(trades=trades))


def _review(request: HttpRequest, proposal, trades, form: AcceptForm, status: int = 200) -> HttpResponse:  # type: ignore[no-untyped-def]
    rows = selectors.allocation_rows(proposal)
    ctx = {
        "portfolio": proposal.portfolio,
        "proposal": proposal,
        "trades": trades,
        "rows": rows,
        "form": form,
        "lot_count": _lot_rows(trades),
        "figures": {"allocation": charts.allocation_figure(rows)},
        "totals": proposal.totals,
    }
    return render(request, "rebalancing/proposal_detail.html", ctx, status=status)


@require_POST
def proposal_accept_view(request: HttpRequest, portfolio_id: int, proposal_id: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, portfolio_id, proposal_id)
    trades = selectors.proposal_trades(proposal)
    form = AcceptForm(request.POST, trades=trades)
    if not form.is_valid():
        return _review(request, proposal, trades, form, status=400)
    executions = [Execution(pk, q, p, f) for pk, q, p, f in form.executions()]
    try:
        proposal_accept(proposal=proposal, executions=executions)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rebalancing:proposal_detail", portfolio_id=portfolio_id, proposal_id=proposal.pk)
    messages.success(
        request,
        "The executed trades are recorded in your ledger; the lots and the dashboard are being updated.",
    )
    return redirect("portfolios:dashboard", portfolio_id=portfolio_id)


@require_POST
def proposal_dismiss_view(request: HttpRequest, portfolio_id: int, proposal_id: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, portfolio_id, proposal_id)
    try:
        proposal_dismiss(proposal=proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, "Proposal dismissed. Nothing was traded.")
    return redirect("rebalancing:proposal_list", portfolio_id=portfolio_id)
