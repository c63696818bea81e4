from __future__ import annotations

from collections.abc import Callable

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework.renderers import BrowsableAPIRenderer

# The portfolio the browser showed last, for the pages that belong to no portfolio (settings, import,
# taxes) to keep its links in the navigation. A cookie rather than the session: remembering it costs no
# database write. It only ever selects among the signed-in owner's portfolios.
LAST_PORTFOLIO_COOKIE = "lotwise_portfolio"
ONE_YEAR = 365 * 24 * 3600


class RememberPortfolioMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        shown = match.kwargs.get("portfolio_id") if match is not None else None
        if (
            isinstance(shown, int)
            and response.status_code == 200
            and request.COOKIES.get(LAST_PORTFOLIO_COOKIE) != str(shown)
        ):
            response.set_cookie(
                LAST_PORTFOLIO_COOKIE,
                str(shown),
                max_age=ONE_YEAR,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with one exception: DRF's browsable API pages, whose stock templates put
    style attributes on some two dozen elements, may keep those. Style attributes cannot run script;
    <style> elements and every script stay refused there as everywhere."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
            parts.update = {**(parts.update or {}), "style-src-attr": [UNSAFE_INLINE]}
        return parts
