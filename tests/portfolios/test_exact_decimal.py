"""Exact decimals: 18 decimal places and values up to 10^15 round-trip unchanged on every backend."""

from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from portfolios.fields import canonical
from portfolios.models import Transaction
from tests.factories import TransactionFactory

VALUES = [
    Decimal("123456789012345.123456789012345678"),
    Decimal("0.000000000000000001"),
    Decimal("999999999999999.999999999999999999"),
    Decimal("1000000000000000"),
    Decimal("1.100000000000000001"),
    Decimal("0"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("value", VALUES)
def test_round_trip_exact(value: Decimal) -> None:
    """Rule: quantities with 18 decimals and values up to 10^15 come back exactly (SQLite keeps 15 digits natively)."""
    tx = TransactionFactory(quantity=value, unit_price=value, fee=value)
    fresh = Transaction.objects.get(pk=tx.pk)
    assert fresh.quantity == value
    assert fresh.unit_price == value
    assert fresh.fee == value
    assert str(fresh.quantity.normalize()) == str(value.normalize())


@pytest.mark.django_db
def test_plain_decimalfield_would_lose_digits_on_sqlite() -> None:
    """Guard: this is the failure the field exists for; on SQLite a REAL cast loses the 18th decimal."""
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cur:
        cur.execute("SELECT CAST(%s AS REAL)", ["123456789012345.123456789012345678"])
        (lossy,) = cur.fetchone()
    assert Decimal(str(lossy)) != VALUES[0]


@pytest.mark.django_db
def test_read_back_without_storage_zeros() -> None:
    """Values read back carry no padding from the column's 18 places, so messages and exports read well."""
    tx = TransactionFactory(quantity=Decimal("5"), unit_price=Decimal("0.50"), fee=Decimal("1E+15"))
    fresh = Transaction.objects.get(pk=tx.pk)
    assert (str(fresh.quantity), str(fresh.unit_price), str(fresh.fee)) == ("5", "0.5", "1000000000000000")


def test_canonical_text_is_fixed_point() -> None:
    assert canonical(Decimal("1E+15")) == "1000000000000000.000000000000000000"
    assert canonical(Decimal("-0.5")) == "-0.500000000000000000"


class RoundTripProperty(TestCase):
    @settings(max_examples=60, deadline=None)
    @given(
        st.decimals(
            min_value=Decimal(0),
            max_value=Decimal("999999999999999.999999999999999999"),
            places=18,
            allow_nan=False,
        )
    )
    def test_any_18_place_value_round_trips(self, value: Decimal) -> None:
        tx = TransactionFactory(quantity=value)
        assert Transaction.objects.get(pk=tx.pk).quantity == value
