from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portfolios.middleware import LAST_PORTFOLIO_COOKIE
from portfolios.models import Portfolio


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SIGNUP_ENABLED": settings.SIGNUP_ENABLED}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav_portfolio`: the portfolio the navigation links to on pages that name none (settings, import):
    the one in `?portfolio=`, else the one shown last, else the owner's first. Looked up only when a
    template uses it, so portfolio pages pay no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def current() -> Portfolio | None:
        mine = Portfolio.objects.filter(owner=user)
        for text in (request.GET.get("portfolio", ""), request.COOKIES.get(LAST_PORTFOLIO_COOKIE, "")):
            if text.isdigit():
                chosen = mine.filter(pk=int(text)).first()
                if chosen is not None:
                    return chosen
        return mine.order_by("name", "id").first()

    return {"nav_portfolio": SimpleLazyObject(current)}
