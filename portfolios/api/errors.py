"""A service's refusal as the API's answer: every app's API turns a ValidationError into a 400 this way."""

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
