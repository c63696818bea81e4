"""The target page: a row per asset with its weight, a live sum, a preview chart, model indices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portfolios.models import Asset, Portfolio
from portfolios.selectors import snapshot_latest
from rebalancing import charts, selectors
from rebalancing.forms import ModelForm, TargetForm
from rebalancing.market_caps import market_caps_for
from rebalancing.models import TargetModel
from rebalancing.selectors.proposals import AllocationRow
from rebalancing.target_services import model_weights, target_set, visible_assets, weights_errors
from rebalancing.views.common import _get_portfolio_for_user

HUNDRED = Decimal(100)


def _current_weights(portfolio: Portfolio) -> dict[int, str | None]:
    snapshot = snapshot_latest(portfolio=portfolio)
    rows = ((snapshot.data or {}).get("assets") or []) if snapshot else []
    return {int(a["asset_id"]): a.get("weight") for a in rows}


def _listed(
    portfolio: Portfolio, current: dict[int, Any], weights: dict[int, Decimal], extra: list[int]
) -> list[Asset]:
    ids = set(current) | set(weights) | set(extra)
    return list(visible_assets(portfolio).filter(pk__in=ids).order_by("symbol", "id"))


def _preview(assets: list[Asset], current: dict[int, Any], weights: dict[int, Decimal]) -> dict[str, Any]:
    rows = [
        AllocationRow(
            a.pk,
            a.symbol,
            current.get(a.pk),
            str(weights.get(a.pk, 0)),
            str(weights.get(a.pk, 0)),
            None,
            None,
        )
        for a in assets
    ]
    return charts.allocation_figure(rows, after_name="Target")


def target_edit(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    target = selectors.target_of(portfolio)
    saved = selectors.target_weights(target) if target else {}
    current = _current_weights(portfolio)
    extra = [int(x) for x in request.POST.getlist("add") + request.GET.getlist("add") if x.isdigit()]
    weights = dict(saved)
    action = request.POST.get("action", "")
    model_form = ModelForm(request.POST if action == "model" else None)
    assets = _listed(portfolio, current, weights, extra)
    form = TargetForm(
        request.POST if action in ("save", "preview") else None,
        assets=assets,
        weights=weights,
        initial={"name": target.name if target else "Target allocation"},
    )
    problems: list[str] = []
    if action == "model" and model_form.is_valid():
        chosen = [a.pk for a in assets]
        cap = model_form.cleaned_data.get("cap")
        model, top = model_form.cleaned_data["model"], model_form.cleaned_data.get("top")
        needs_caps = model == TargetModel.MARKET_CAP or (model == TargetModel.EQUAL and top)
        caps, notes = market_caps_for(chosen) if needs_caps else ({}, [])
        try:
            if model == TargetModel.MARKET_CAP and set(chosen) - set(caps):
                # The notes name the assets without a cap, in words the owner can act on.
                raise ValidationError(notes)
            weights = model_weights(
                model=model,
                asset_ids=chosen,
                market_caps=caps,
                top=top,
                cap=None if cap is None else cap / HUNDRED,
            )
        except ValidationError as exc:
            problems = list(dict.fromkeys([*notes, *exc.messages]))
        else:
            for note in notes:
                messages.warning(request, note)
        form = TargetForm(
            assets=assets, weights=weights, initial={"name": request.POST.get("name") or "Target allocation"}
        )
    elif action in ("save", "preview") and form.is_valid():
        weights = form.weights()
        problems = weights_errors(weights)
        if action == "save" and not problems:
            try:
                target_set(portfolio=portfolio, weights=weights, name=form.cleaned_data["name"])
            except ValidationError as exc:
                problems = exc.messages
            else:
                messages.success(request, "Target saved. The dashboard's drift is refreshed in a moment.")
                return redirect("rebalancing:target", portfolio_id=portfolio.pk)
    listed = {a.pk for a in assets}
    ctx = {
        "portfolio": portfolio,
        "target": target,
        "form": form,
        "rows": [(a, field, current.get(a.pk)) for a, field in form.rows()],
        "model_form": model_form,
        "problems": problems,
        "current": current,
        "addable": visible_assets(portfolio).exclude(pk__in=listed).order_by("symbol")[:500],
        "figures": {"preview": _preview(assets, current, weights)},
        "versions": list(target.versions.all()[:10]) if target else [],
    }
    return render(request, "rebalancing/target.html", ctx, status=400 if problems else 200)
