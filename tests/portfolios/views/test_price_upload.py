"""Operators load daily prices from a CSV; all-or-nothing with line-numbered errors; others get 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.models import PriceQuote
from tests.factories import AssetFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/prices/upload/"


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("prices.csv", text.encode(), content_type="text/csv")


@pytest.fixture
def operator(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="op", is_staff=True))
    AssetFactory(symbol="BTC")
    return client


def test_operator_loads_prices(operator) -> None:  # type: ignore[no-untyped-def]
    response = operator.post(
        URL, {"file": csv_file("date,asset,price\n2024-01-02,BTC,45000.12\n2024-01-03,BTC,44800\n")}
    )
    assert response.status_code == 302
    assert sorted(PriceQuote.objects.values_list("price", flat=True)) == [Decimal(44800), Decimal("45000.12")]
    assert "2 new" in operator.get(URL).content.decode()


def test_bad_line_loads_nothing(operator) -> None:  # type: ignore[no-untyped-def]
    response = operator.post(
        URL, {"file": csv_file("date,asset,price\n2024-01-02,BTC,45000\n2024-01-03,BTC,-5\n")}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "line 3, price:" in html
    assert "Nothing was loaded" in html
    assert not PriceQuote.objects.exists()


def test_page_is_404_for_non_staff(client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="alice"))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"file": csv_file("date,asset,price\n2024-01-02,BTC,1\n")}).status_code == 404
    assert not PriceQuote.objects.exists()
