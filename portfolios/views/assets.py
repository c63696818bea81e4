"""The owner's assets and their classes. The class decides whether the wash-sale rule applies, so changing
it recomputes the owner's lots and gains; a shared catalogue asset's class is everyone's, so for it the
page offers the catalogue's other entry for the symbol, when there is one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portfolios.assets import (
    CHOOSABLE_CLASSES,
    ambiguous_symbols,
    asset_class_alternatives,
    asset_class_change,
    assets_of_owner,
    assets_visible,
)
from portfolios.models import AssetClass, Portfolio
from portfolios.views.common import int_or_none, user_of


def _back(request: HttpRequest) -> str:
    url = reverse("portfolios:asset_list")
    chosen = int_or_none(request.GET.get("portfolio"))
    return f"{url}?portfolio={chosen}" if chosen else url


@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    listed = list(assets_of_owner(owner=user))
    ambiguous = ambiguous_symbols(listed)
    rows = []
    for asset in listed:
        if asset.owner_id is not None:
            choices = [(c, AssetClass(c).label) for c in CHOOSABLE_CLASSES]
        else:
            choices = [
                (e.asset_class, f"{e.name} ({AssetClass(e.asset_class).label})")
                for e in asset_class_alternatives(asset=asset)
            ]
        rows.append(
            {
                "asset": asset,
                "name": asset.label if asset.symbol in ambiguous else asset.symbol,
                "shared": asset.owner_id is None,
                "choices": choices,
            }
        )
    context = {
        "rows": rows,
        "portfolio": Portfolio.objects.filter(
            owner=user, pk=int_or_none(request.GET.get("portfolio")) or 0
        ).first(),
    }
    return render(request, "portfolios/assets.html", context)


@require_POST
def asset_class(request: HttpRequest, asset_id: int) -> HttpResponse:
    user = user_of(request)
    asset = get_object_or_404(assets_visible(user=user), pk=asset_id)
    was = asset.label
    try:
        used = asset_class_change(owner=user, asset=asset, asset_class=request.POST.get("asset_class", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if used.pk != asset.pk:
            messages.success(
                request,
                f"Your transactions of {was} now use the catalogue's {used.name} "
                f"({used.get_asset_class_display()}); lots recomputed.",
            )
        elif used.label != was:
            messages.success(
                request, f"{used.symbol} is now {used.get_asset_class_display()}; lots recomputed."
            )
    return redirect(_back(request))
