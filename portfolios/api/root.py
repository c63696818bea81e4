"""/api/: the endpoints of the JSON API, for a person or a client finding their way in.

Read from the URL configuration, so an endpoint any app adds under /api/ is listed without a change here.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

API_PREFIX = "api/"
# Placeholders a collection's address may have; any other names one object.
COLLECTION_PARAMETERS = {"portfolio_id", "year", "fmt", "format"}


def _template(pattern: Any) -> str:
    """A route as a path with {placeholders}: "taxes/<int:year>/" and "^(?P<pk>[^/.]+)/$" alike."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text).lstrip("^").rstrip("$")
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)


def _answers_get(view: Any) -> bool:
    """A command that only takes a POST (a harvest proposal) is not an address to read."""
    actions = getattr(view, "actions", None)
    if actions is not None:
        return "get" in actions
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    return cls is None or hasattr(cls, "get")


def _named_routes(patterns: list[Any], prefix: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in patterns:
        route = prefix + _template(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_named_routes(entry.url_patterns, route))
        elif isinstance(entry, URLPattern) and entry.name and _answers_get(entry.callback):
            found.append((entry.name, route))
    return found


def api_endpoints() -> dict[str, str]:
    """Endpoint name -> path under /api/, one entry per collection or action (not per object)."""
    routes: list[tuple[str, str]] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and _template(entry.pattern) == API_PREFIX:
            routes.extend(_named_routes(entry.url_patterns, "/" + API_PREFIX))
    endpoints: dict[str, str] = {}
    for name, route in routes:
        if name == "root" or name.endswith("-detail"):
            continue
        if set(re.findall(r"{(\w+)}", route)) - COLLECTION_PARAMETERS:
            continue  # one object's address (a proposal, its accept action), not a collection

        # A router's collection is known by its address ("accounts", "lots"), anything else by its name.
        key = route.rstrip("/").rsplit("/", 1)[-1] if name.endswith("-list") else name.removeprefix("api-")
        endpoints.setdefault(key, route)
    return endpoints


class ApiRoot(APIView):
    """Lotwise's JSON API. Replace {portfolio_id} with an id from `portfolios` (and {year} with a tax
    year); `schema` is the OpenAPI description, `docs` shows it as a page."""

    @extend_schema(exclude=True)  # an index of the schema, not one of its endpoints
    def get(self, request: Request, format: str | None = None) -> Response:
        origin = request.build_absolute_uri("/").rstrip("/")
        return Response({key: origin + path for key, path in api_endpoints().items()})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request: Request) -> Response:
    raise NotFound("No such address in the API: /api/ lists its endpoints.")
