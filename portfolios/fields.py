"""A decimal field that round-trips 18-decimal quantities exactly on every backend.

Django's SQLite backend stores DecimalField as REAL-affinity NUMERIC and reads it back through a float
converter, so it keeps about 15 significant digits: 123456789.123456789123456789 comes back changed.
On SQLite this field stores the canonical fixed-point text instead; on PostgreSQL it is NUMERIC(p, s).
Consequence on SQLite: order and sum these columns in Python, not in SQL (text does not sort as numbers).
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation
from typing import Any

from django.core import checks, exceptions
from django.db import models

QUANTITY_PLACES = 18
MAX_DIGITS = 40  # values up to 10**21 with 18 decimal places


_WIDE = Context(prec=80)


def canonical(value: Decimal, places: int = QUANTITY_PLACES) -> str:
    """Fixed-point text of `value` with exactly `places` decimals (no exponent)."""
    return format(value.quantize(Decimal(1).scaleb(-places), context=_WIDE), "f")


def trim(value: Decimal) -> Decimal:
    """The same number without the storage's trailing zeros: 5.000000000000000000 -> 5, 0.50 -> 0.5."""
    if value == value.to_integral_value():
        return value.quantize(_ONE, context=_WIDE)
    return value.normalize(context=_WIDE)


_ONE = Decimal(1)


class ExactDecimalField(models.DecimalField):
    description = "Exact decimal number (text on SQLite, numeric elsewhere)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", QUANTITY_PLACES)
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return super().check(**kwargs)

    def get_internal_type(self) -> str:
        # Not "DecimalField": that name makes the SQLite backend attach its float-based converter.
        return "ExactDecimalField"

    def db_type(self, connection: Any) -> str:
        if connection.vendor == "sqlite":
            return "text"
        return f"numeric({self.max_digits},{self.decimal_places})"

    def cast_db_type(self, connection: Any) -> str:
        return self.db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        if hasattr(value, "as_sql"):
            return value
        if not isinstance(value, Decimal):
            value = self.to_python(value)
        if not value.is_finite():
            raise exceptions.ValidationError(f"{self.name}: {value} is not a finite number")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimal_places:
            raise exceptions.ValidationError(
                f"{self.name}: {value} has more than {self.decimal_places} decimal places"
            )
        if connection.vendor == "sqlite":
            return canonical(value, self.decimal_places)
        return value

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            try:
                value = Decimal(str(value))
            except InvalidOperation as exc:  # pragma: no cover - only corrupt rows get here
                raise exceptions.ValidationError(f"stored value {value!r} is not a decimal") from exc
        return trim(value)
