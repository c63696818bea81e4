"""Every price is checked before it is stored; a refused number is logged and never saved."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation

from portfolios.decimals import exact_text

logger = logging.getLogger("lotwise.prices")

DEFAULT_MAX_JUMP = Decimal(10)
# Above this a "USD price" is a unit or parsing mistake, not a market price.
MAX_PRICE = Decimal(10) ** 12
# PriceQuote.price keeps 18 decimal places; finer digits are rounded off before validation.
PRICE_QUANTUM = Decimal(1).scaleb(-18)


class InvalidPrice(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def plain(value: Decimal) -> str:
    """Fixed-point text without trailing zeros or an exponent: 42280.120000 -> '42280.12'."""
    return exact_text(value) if value.is_finite() else str(value)


def parse_price(value: object) -> Decimal:
    """A Decimal from a Decimal, an int or a numeric string. Floats are refused: money never passes
    through binary floating point."""
    if isinstance(value, bool):
        raise InvalidPrice(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise InvalidPrice(f"not a number: {value!r}") from None
    if isinstance(value, float):
        raise InvalidPrice(f"binary float {value!r} given; prices must be Decimal")
    raise InvalidPrice(f"not a number: {value!r}")


def clean_price(
    value: object, *, previous: Decimal | None = None, max_jump: Decimal = DEFAULT_MAX_JUMP
) -> Decimal:
    """The validated price (rounded to the stored 18 decimal places), or InvalidPrice(reason)."""
    price = parse_price(value)
    if price.is_nan():
        raise InvalidPrice("not a number (NaN)")
    if price.is_infinite():
        raise InvalidPrice("infinite")
    if price.is_zero():
        raise InvalidPrice("zero price")
    if price < 0:
        raise InvalidPrice("negative price")
    if price > MAX_PRICE:
        raise InvalidPrice(f"above {MAX_PRICE:,} USD")
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -18:
        price = price.quantize(PRICE_QUANTUM)
        if price.is_zero():
            raise InvalidPrice("below the smallest storable price (1e-18)")
    if previous is not None and previous > 0:
        if price > previous * max_jump:
            raise InvalidPrice(f"jump from {plain(previous)} is more than {plain(max_jump)}x up")
        if price < previous / max_jump:
            raise InvalidPrice(f"drop from {plain(previous)} is more than {plain(max_jump)}x down")
    return price


def validate_quote(price: object, *, previous: Decimal | None, max_jump: Decimal = DEFAULT_MAX_JUMP) -> None:
    """Raise InvalidPrice(reason) for a non-numeric, NaN/infinite, zero, negative or absurd price,
    or one that jumps more than `max_jump` times up or down from `previous`."""
    clean_price(price, previous=previous, max_jump=max_jump)


def log_refused(*, asset: str, at: datetime | str, value: object, reason: str) -> str:
    """Log a refused number (logger 'lotwise.prices', warning) and return the one-line description."""
    when = at.isoformat() if isinstance(at, datetime) else at
    line = f"{asset} at {when}: refused {value!s}: {reason}"
    logger.warning("price refused: asset=%s at=%s value=%s reason=%s", asset, when, value, reason)
    return line
