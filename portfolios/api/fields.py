"""Fields the API's answers share: amounts already written as exact decimal strings by a service."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field({"type": "string", "format": "decimal", "example": "1234.5"})
class DecimalText(serializers.CharField):
    """An exact decimal string, as the service wrote it ("0.1", "1234.567890123456789")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", False)
        super().__init__(**kwargs)


def decimal_text(*, null: bool = False, **kwargs: Any) -> DecimalText:
    return DecimalText(allow_null=null, **kwargs)


def decimal_map(**kwargs: Any) -> serializers.DictField:
    """An object of name -> exact decimal string (by asset symbol, by kind of income, by month)."""
    return serializers.DictField(child=DecimalText(), **kwargs)
