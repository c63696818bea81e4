"""The OpenAPI description's shared parts: every operation documents the errors it can answer with, and
the path parameters every app's API uses are typed integers."""

from __future__ import annotations

from typing import Any

from django.urls import register_converter
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from portfolios.api.errors import ErrorSerializer, ValidationErrorSerializer

# Ids are positive 64-bit integers; a longer string of digits names nothing (a 404).
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
# The same in a URL pattern: up to 18 digits, so a number too large for the database never reaches it.
ID_PATTERN = "[0-9]{1,18}"


class IdConverter:
    """`<api_id:name>` in the API's URLs: an id of up to 18 digits (a longer one names nothing: 404)."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


# Registered once, on the first import: every app's API URLs use it.
register_converter(IdConverter, "api_id")


def id_parameter(name: str, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, ID_SCHEMA, OpenApiParameter.PATH, description=description)


PORTFOLIO_ID = id_parameter("portfolio_id", "one of your portfolios (`GET /api/portfolios/`)")
OBJECT_ID = id_parameter("id")


def with_object_id(*actions: str) -> Any:
    """The `{id}` of a router's detail routes as the integer it is (the route matches it by a pattern)."""
    return extend_schema_view(**{action: extend_schema(parameters=[OBJECT_ID]) for action in actions})


ERRORS: dict[str, tuple[type, str]] = {
    "400": (ValidationErrorSerializer, "The request was refused: the fields and why."),
    "401": (ErrorSerializer, "No credentials, or wrong ones (HTTP Basic)."),
    "403": (ErrorSerializer, "Not signed in (session), or not allowed."),
    "404": (ErrorSerializer, "No such object among yours (another user's objects are 404 too)."),
    "429": (ErrorSerializer, "Too many requests: wait for the number of seconds in Retry-After."),
}


class ApiSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the error answers every operation may give."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        errors = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            errors["415"] = (ErrorSerializer, "The body is not JSON (or, for an upload, multipart).")
        for code, (serializer, description) in errors.items():
            if code not in responses:
                answer = self._get_response_for_code(serializer, code, direction=direction)  # type: ignore[no-untyped-call]
                answer["description"] = description
                responses[code] = answer
        return responses
