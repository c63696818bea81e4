"""Sharing pages: an owner grants read-only access to a portfolio and takes it back; a grantee sees what is
shared with them and can give it back. Both sides are listed on one page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from portfolios import sharing
from portfolios.models import Portfolio
from portfolios.views.common import int_or_none, user_of


@require_GET
def sharing_overview(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    ctx = {
        "given": sharing.grants_given(owner=user),
        "received": sharing.grants_received(user=user),
        "own_portfolios": list(Portfolio.objects.filter(owner=user)),
    }
    return render(request, "portfolios/sharing.html", ctx)


@require_POST
def grant_create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    portfolio = get_object_or_404(Portfolio, pk=int_or_none(request.POST.get("portfolio")) or 0, owner=user)
    username = request.POST.get("username", "")
    try:
        grant = sharing.grant_create(owner=user, portfolio=portfolio, username=username)
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    else:
        messages.success(request, f"“{portfolio.name}” is shared read-only with {grant.grantee.username}.")
    return redirect(_back(request))


@require_POST
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    if not sharing.grant_revoke(owner=user_of(request), grant_id=grant_id):
        raise Http404("No such grant.")
    messages.success(request, "Access revoked.")
    return redirect(_back(request))


@require_POST
def grant_leave(request: HttpRequest, grant_id: int) -> HttpResponse:
    if not sharing.grant_leave(user=user_of(request), grant_id=grant_id):
        raise Http404("No such shared portfolio.")
    messages.success(request, "The shared portfolio was removed from your list.")
    return redirect("portfolios:sharing")


def _back(request: HttpRequest) -> str:
    # Back to where the form was (the sharing page or a portfolio's settings), never to another site.
    back = request.POST.get("next", "")
    return back if back.startswith("/") and not back.startswith("//") else "/sharing/"
