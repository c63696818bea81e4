"""The API's errors: a service's refusal as a 400 naming its fields, and the documented shapes of every
error answer (the schema lists them on each operation, see `portfolios.api.schema`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


@contextmanager
def service_errors() -> Iterator[None]:
    """A service's ValidationError becomes a 400 naming the fields the service named."""
    try:
        yield
    except DjangoValidationError as exc:
        raise as_drf_error(exc) from exc


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 405, 409, 415 and 429: one sentence saying why."""

    detail = serializers.CharField(help_text="Why the request was refused.")


class ValidationErrorSerializer(serializers.Serializer):
    """400: the fields that were refused, each with its messages (`non_field_errors` or `detail` for the
    request as a whole). A field of a nested object or list carries its own object or list of them."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    detail = serializers.CharField(required=False)
