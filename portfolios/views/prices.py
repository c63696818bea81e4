"""Prices by hand. Loading daily prices from a CSV: prices are shared by every portfolio on the site, so
only operators (staff users) may load them; to anyone else the page does not exist. An owner's own
prices, for assets no feed covers: they value that owner's portfolios only."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portfolios.assets import ambiguous_symbols, assets_of_owner
from portfolios.forms import AssetChoiceField, ExactDecimalFormField
from portfolios.models import Asset, OwnerPrice, Portfolio
from portfolios.models.ledger import PriceFeed
from portfolios.owner_prices import owner_price_delete, owner_price_set, owner_prices_list
from portfolios.pricing.services import PriceImportError, prices_load_csv
from portfolios.views.common import int_or_none, today_of, user_of

MAX_BYTES = 5 * 1024 * 1024


class PriceUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file (date,asset,price)", help_text="Daily USD closes; ISO dates; asset symbols."
    )


def price_upload(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404
    form = PriceUploadForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", "The file is larger than 5 MB; load it with `manage.py load_prices`.")
        else:
            try:
                text = upload.read().decode("utf-8-sig")
                result = prices_load_csv(file=io.StringIO(text))
            except UnicodeDecodeError:
                form.add_error("file", "The file is not UTF-8 text.")
            except PriceImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    f"Loaded prices: {result.created} new, {result.updated} updated; nothing refused.",
                )
                return redirect("portfolios:price_upload")
    return render(request, "portfolios/price_upload.html", {"form": form, "errors": errors})


class OwnerPriceForm(forms.Form):
    asset = AssetChoiceField(empty_label=None)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    price = ExactDecimalFormField(label="Price (USD per unit)")

    def __init__(self, *args: Any, assets: QuerySet[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = assets  # type: ignore[attr-defined]


def _feed_of(asset: Asset) -> str:
    if not asset.price_source_id:
        return ""
    return f"{PriceFeed(asset.feed).label} ({asset.price_source_id})" if asset.feed else ""


def _back_to(request: HttpRequest) -> str:
    url = reverse("portfolios:asset_prices")
    portfolio = int_or_none(request.GET.get("portfolio"))
    return f"{url}?portfolio={portfolio}" if portfolio else url


@require_http_methods(["GET", "POST"])
def asset_prices(request: HttpRequest) -> HttpResponse:
    """The owner's assets with their feeds, the prices the owner entered, and a form to enter one."""
    user = user_of(request)
    assets = assets_of_owner(owner=user)
    initial = {"asset": int_or_none(request.GET.get("asset")), "date": today_of(request)}
    form = OwnerPriceForm(request.POST or None, assets=assets, initial=initial)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            entered = owner_price_set(owner=user, asset=c["asset"], day=c["date"], price=c["price"])
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"Saved your price of {entered.asset} on {entered.date:%Y-%m-%d}: {entered.price:f} USD.",
            )
            return redirect(_back_to(request))
    listed = list(assets)
    ambiguous = ambiguous_symbols(listed)
    context = {
        "form": form,
        "assets": [
            {"asset": a, "name": a.label if a.symbol in ambiguous else a.symbol, "feed": _feed_of(a)}
            for a in listed
        ],
        "entered": owner_prices_list(owner=user),
        "portfolio": Portfolio.objects.filter(
            owner=user, pk=int_or_none(request.GET.get("portfolio")) or 0
        ).first(),
    }
    return render(request, "portfolios/asset_prices.html", context)


@require_POST
def asset_price_delete(request: HttpRequest, price_id: int) -> HttpResponse:
    entered = get_object_or_404(
        OwnerPrice.objects.select_related("asset", "owner"), pk=price_id, owner=user_of(request)
    )
    owner_price_delete(entered=entered)
    messages.success(request, f"Deleted your price of {entered.asset} on {entered.date:%Y-%m-%d}.")
    return redirect(_back_to(request))
