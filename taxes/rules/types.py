"""Shared value types of the tax rules: filing status, the error type, money checks and rounding. No Django."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from typing import ParamSpec, TypeVar

ZERO = Decimal(0)
CENT = Decimal("0.01")
DOLLAR = Decimal(1)

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Money here has at most ~20 significant digits (18-place quantities times prices); 60 digits keeps every
# sum and product exact whatever context the caller's thread has set.
_EXACT = Context(prec=60)


class TaxRulesError(Exception):
    """Input or table data the tax rules cannot work with, naming the field at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class FilingStatus(StrEnum):
    """Form 1040 filing status. A qualifying surviving spouse uses the MFJ tables (IRC §1(j)(2)(A))."""

    SINGLE = "single"
    MFJ = "mfj"  # married filing jointly
    MFS = "mfs"  # married filing separately
    HOH = "hoh"  # head of household


def exact(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `fn` under a wide decimal context so results never depend on the caller's precision."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_EXACT):
            return fn(*args, **kwargs)

    return wrapper


def money(value: object, field: str, *, non_negative: bool = False) -> Decimal:
    """`value` as a finite Decimal. Floats are refused: a binary fraction is not an amount of money."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TaxRulesError(f"expected a Decimal, got {type(value).__name__}", field=field)
    amount = Decimal(value)
    if not amount.is_finite():
        raise TaxRulesError("must be a finite number", field=field)
    if non_negative and amount < 0:
        raise TaxRulesError(f"must not be negative, got {amount}", field=field)
    return amount


def status_of(value: FilingStatus | str) -> FilingStatus:
    try:
        return FilingStatus(value)
    except ValueError:
        choices = ", ".join(s.value for s in FilingStatus)
        raise TaxRulesError(f"unknown filing status {value!r} (one of {choices})", field="status") from None


def to_cents(amount: Decimal) -> Decimal:
    """Round to cents, half away from zero: the precision of a printed CSV or 8949 row."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_whole_dollars(amount: Decimal) -> Decimal:
    """Round to whole dollars as the Form 1040 instructions allow: under 50 cents down, 50 to 99 cents up."""
    return amount.quantize(DOLLAR, rounding=ROUND_HALF_UP)
