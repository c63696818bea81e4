"""Building the engine's error messages."""

from __future__ import annotations

from decimal import Decimal

from .types import EngineError, Event


def plain_number(value: Decimal) -> str:
    """A number for a message: fixed point, no padding zeros (5, not 5.000000000000000000 or 5E+0)."""
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def event_error(event: Event, field: str, message: str) -> EngineError:
    return EngineError(message, event_id=event.id, field=field)
