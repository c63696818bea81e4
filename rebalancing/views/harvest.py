"""The harvesting page's "Harvest" button: a tax-loss harvest proposal for one portfolio."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from rebalancing.forms import HarvestForm
from rebalancing.harvest import UnknownLot, harvest_proposal_create, rebuy_choices
from rebalancing.views.common import _get_portfolio_for_user


@require_POST
def harvest_create(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    form = HarvestForm(request.POST, assets=rebuy_choices(owner=portfolio.owner))
    if not form.is_valid():
        messages.error(request, "The replacement must be one of your assets (or none).")
        return redirect("taxes:harvest")
    try:
        proposal = harvest_proposal_create(
            portfolio=portfolio, lots=form.lots(), rebuy_asset=form.cleaned_data["rebuy"]
        )
    except UnknownLot as exc:
        raise Http404("No such lot.") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("taxes:harvest")
    messages.success(request, "Review the harvest, place the trades, then record what was executed.")
    return redirect("rebalancing:proposal_detail", portfolio_id=portfolio.pk, proposal_id=proposal.pk)
