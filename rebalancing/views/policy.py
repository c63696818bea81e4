"""The policy page: bands, checks, trading rules, costs and tax rates."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from portfolios.decimals import exact_text
from rebalancing import selectors
from rebalancing.forms import PolicyForm
from rebalancing.selectors.request import tax_rates_for
from rebalancing.target_services import policy_update
from rebalancing.views.common import _get_portfolio_for_user, user_of

HUNDRED = Decimal(100)


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else exact_text(value * HUNDRED)


def policy_edit(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    policy = selectors.policy_of(portfolio)
    target = selectors.target_of(portfolio)
    initial = {
        "band_absolute": _pct(target.band_absolute if target else Decimal("0.05")),
        "band_relative": _pct(target.band_relative if target else Decimal("0.25")),
        "band_floor_pct": _pct(policy.band_floor),
        "short_pct": _pct(policy.short_rate),
        "long_pct": _pct(policy.long_rate),
    }
    form = PolicyForm(request.POST or None, instance=policy, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            policy_update(portfolio=portfolio, **form.changes())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Policy saved.")
            return redirect("rebalancing:policy", portfolio_id=portfolio.pk)
    year = timezone.now().year
    rates, source = tax_rates_for(user_of(request), policy, year)
    ctx = {"portfolio": portfolio, "form": form, "rates": rates, "rates_source": source, "year": year}
    return render(request, "rebalancing/policy.html", ctx, status=400 if form.errors else 200)
