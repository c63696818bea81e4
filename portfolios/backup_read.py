"""Reading an account export (format and version here; the layout is described in `portfolios.backup`): every value is checked where it stands, and a refusal names its place in the
file as a JSON path (`portfolios[0].transactions[12].quantity`), so a hand-edited file can be fixed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from portfolios.fields import QUANTITY_PLACES

FORMAT = "lotwise-export"
VERSION = 1
MISSING: Any = object()
LIMIT = Decimal(10) ** 21  # what the decimal columns hold
POLICY_DECIMALS = (
    "band_floor",
    "min_trade",
    "cash_reserve",
    "fee_bps",
    "fee_fixed",
    "slippage_bps",
    "short_rate",
    "long_rate",
)
POLICY_CHOICES = ("band_mode", "calendar", "trade_to")
POLICY_FLAGS = ("threshold_check", "buy_only")
PROFILE_DECIMALS = ("other_ordinary_income", "state_rate", "carryforward_short", "carryforward_long")


class RestoreError(ValidationError):
    """A file (or a value in it) that cannot be restored; `path` says where, "" for the whole file."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__({path or "file": [message]})
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else str(self.message)


def at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Node:
    """A JSON object with its path; each getter checks the type and says where a value is wrong."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise RestoreError(path, "expected an object.")
        self.value = value
        self.path = path

    def _get(self, key: str, default: Any) -> Any:
        if key in self.value and self.value[key] is not None:
            return self.value[key]
        if default is MISSING:
            raise RestoreError(at(self.path, key), "missing.")
        return default

    def text(self, key: str, *, max_length: int | None = None, default: Any = MISSING) -> Any:
        value = self._get(key, default)
        if value is default and default is not MISSING:
            return value
        if not isinstance(value, str):
            raise RestoreError(at(self.path, key), f"expected text, found {_kind(value)}.")
        if "\x00" in value:
            raise RestoreError(at(self.path, key), "contains a NUL character.")
        if max_length is not None and len(value) > max_length:
            raise RestoreError(at(self.path, key), f"at most {max_length} characters.")
        return value

    def choice(self, key: str, choices: list[str], *, default: Any = MISSING) -> Any:
        value = self.text(key, default=default)
        if value not in choices and not (default is not MISSING and value == default):
            raise RestoreError(
                at(self.path, key), f"{value!r} is not one of {', '.join(map(repr, choices))}."
            )
        return value

    def flag(self, key: str, *, default: Any = MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise RestoreError(at(self.path, key), f"expected true or false, found {_kind(value)}.")
        return value

    def integer(self, key: str, *, default: Any = MISSING, low: int = 0, high: int = 2**31 - 1) -> Any:
        value = self._get(key, default)
        if value is default and default is not MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise RestoreError(at(self.path, key), f"expected a whole number, found {_kind(value)}.")
        if not low <= value <= high:
            raise RestoreError(at(self.path, key), f"out of range ({low} to {high}).")
        return value

    def decimal(self, key: str, *, default: Any = MISSING) -> Any:
        """An exact decimal string ("0.1"): JSON numbers are refused, a reader may already have rounded them."""
        value = self._get(key, default)
        if value is default and default is not MISSING:
            return value
        where = at(self.path, key)
        if not isinstance(value, str):
            raise RestoreError(where, f'expected a decimal as a string (e.g. "1.5"), found {_kind(value)}.')
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise RestoreError(where, f"{value[:40]!r} is not a number.") from None
        if not number.is_finite():
            raise RestoreError(where, f"{value[:40]!r} is not a finite number.")
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -QUANTITY_PLACES:
            raise RestoreError(where, f"at most {QUANTITY_PLACES} decimal places.")
        if abs(number) >= LIMIT:
            raise RestoreError(where, f"{value[:40]!r} is out of range (under 10^21).")
        return number

    def day(self, key: str, *, default: Any = MISSING) -> Any:
        value = self.text(key, default=default)
        if value is default and default is not MISSING:
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise RestoreError(at(self.path, key), f"{value[:40]!r} is not a date (YYYY-MM-DD).") from None

    def moment(self, key: str, *, default: Any = MISSING) -> Any:
        value = self.text(key, default=default)
        if value is default and default is not MISSING:
            return value
        where = at(self.path, key)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise RestoreError(where, f"{value[:40]!r} is not an ISO 8601 timestamp.") from None
        if parsed.tzinfo is None:
            raise RestoreError(where, "the timestamp needs a time zone offset.")
        try:
            parsed.timestamp()
        except (OverflowError, ValueError):
            raise RestoreError(where, f"{value[:40]!r} is out of range.") from None
        return parsed

    def mapping(self, key: str, *, default: Any = MISSING) -> Any:
        value = self._get(key, default)
        if not isinstance(value, dict):
            raise RestoreError(at(self.path, key), f"expected an object, found {_kind(value)}.")
        return value

    def child(self, key: str) -> Node:
        return Node(self._get(key, MISSING), at(self.path, key))

    def optional(self, key: str) -> Node | None:
        value = self._get(key, None)
        return None if value is None else Node(value, at(self.path, key))

    def items(self, key: str, *, default: Any = MISSING) -> Iterator[Node]:
        value = self._get(key, default)
        if not isinstance(value, list):
            raise RestoreError(at(self.path, key), f"expected a list, found {_kind(value)}.")
        for index, item in enumerate(value):
            yield Node(item, at(at(self.path, key), index))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)[:40]
