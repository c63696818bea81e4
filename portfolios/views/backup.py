"""The owner's whole account as one JSON download, and that file restored into an empty account."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from portfolios.backup import RestoreError, account_export, account_restore, export_filename, read_export
from portfolios.models import User

# Far above any real ledger's export; a bigger upload is refused before it is read into memory.
MAX_UPLOAD = 64 * 1024 * 1024


class RestoreForm(forms.Form):
    file = forms.FileField(label="Export file (JSON)")


@require_GET
def account_export_download(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    response = HttpResponse(
        json.dumps(account_export(user=user), indent=1, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(user=user)}"'
    return response


@require_POST
def account_restore_upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = RestoreForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose an export file to restore.")
        return redirect("account_settings")
    upload = form.cleaned_data["file"]
    try:
        if upload.size > MAX_UPLOAD:
            raise RestoreError("", f"The file is larger than {MAX_UPLOAD // (1024 * 1024)} MB.")
        summary = account_restore(user=user, data=read_export(upload.read()))
    except RestoreError as exc:
        messages.error(request, f"Nothing was restored: {exc}")
        return redirect("account_settings")
    messages.success(request, f"Restored {summary}.")
    return redirect("account_settings")
