"""Loading daily prices from a CSV. Prices are shared by every portfolio on the site, so only operators
(staff users) may load them; to anyone else the page does not exist."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portfolios.pricing.services import PriceImportError, prices_load_csv

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
