import logging
from decimal import Decimal

import pytest
from pricing_testkit import utc

from portfolios.pricing.validation import InvalidPrice, clean_price, log_refused, validate_quote


@pytest.mark.parametrize(
    ("value", "previous", "reason"),
    [
        ("abc", None, "not a number: 'abc'"),
        (None, None, "not a number: None"),
        (True, None, "not a number: True"),
        (1.5, None, "binary float 1.5 given; prices must be Decimal"),
        (Decimal("NaN"), None, "not a number (NaN)"),
        (Decimal("sNaN"), None, "not a number (NaN)"),
        ("Infinity", None, "infinite"),
        (Decimal("-Infinity"), None, "infinite"),
        (Decimal(0), None, "zero price"),
        ("0.000", None, "zero price"),
        (Decimal("-0.01"), None, "negative price"),
        (Decimal("1E+13"), None, "above 1,000,000,000,000 USD"),
        (Decimal("1E-19"), None, "below the smallest storable price (1e-18)"),
        (Decimal("1000.01"), Decimal(100), "jump from 100 is more than 10x up"),
        (Decimal("9.99"), Decimal(100), "drop from 100 is more than 10x down"),
    ],
)
def test_refused(value, previous, reason):
    with pytest.raises(InvalidPrice) as caught:
        validate_quote(value, previous=previous)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("value", "previous", "expected"),
    [
        (Decimal("91234.56"), None, Decimal("91234.56")),
        ("0.000008812", None, Decimal("0.000008812")),
        (7, None, Decimal(7)),
        (Decimal(1000), Decimal(100), Decimal(1000)),  # exactly 10x is still allowed
        (Decimal(10), Decimal(100), Decimal(10)),
        (Decimal("150"), Decimal(100), Decimal(150)),
        # finer than the stored 18 places: rounded, not refused
        (Decimal("0.1234567890123456789"), None, Decimal("0.123456789012345679")),
    ],
)
def test_accepted(value, previous, expected):
    validate_quote(value, previous=previous)
    assert clean_price(value, previous=previous) == expected


def test_max_jump_is_configurable():
    validate_quote(Decimal(250), previous=Decimal(100), max_jump=Decimal(3))
    with pytest.raises(InvalidPrice, match="more than 2x up"):
        validate_quote(Decimal(250), previous=Decimal(100), max_jump=Decimal(2))


def test_log_refused_names_asset_time_value_and_reason(caplog):
    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        line = log_refused(asset="BTC", at=utc(2024, 3, 1), value=Decimal(0), reason="zero price")

    assert line == "BTC at 2024-03-01T00:00:00+00:00: refused 0: zero price"
    [record] = caplog.records
    assert record.name == "lotwise.prices"
    assert record.levelno == logging.WARNING
    assert (
        record.getMessage()
        == "price refused: asset=BTC at=2024-03-01T00:00:00+00:00 value=0 reason=zero price"
    )
