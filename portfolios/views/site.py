"""Files every site is asked for at fixed addresses."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    # Pages name their icon with a <link>; this is for clients that ask /favicon.ico anyway (feed readers,
    # a JSON or PDF opened directly). Not permanent: the target's hashed name changes with the file.
    return redirect(static("favicon.ico"))
