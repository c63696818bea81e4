"""Realized disposals per tax year: year selector, short/long totals, wash-sale adjustment column."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from dashboard_testkit import build_portfolio
from django.urls import reverse

from tests.factories import TransactionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(client):
    user = UserFactory(username="alice")
    client.force_login(user)
    return build_portfolio(user)


def test_realized_defaults_to_latest_year_with_disposals(client, built):
    response = client.get(reverse("taxes:realized", args=[built.portfolio.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Realized gains 2024" in html
    assert '<option value="2024" selected>' in html
    assert '<option value="2023">' in html  # every year with disposals is offered
    assert "3,000.00" in html
    assert "3,500.00" in html
    assert '200.00 <span class="badge">W</span>' in html  # wash-sale adjustment column
    assert '<td class="num neg">-500.00</td>' in html
    assert "8,345.67" not in html  # 2023's disposal is not in 2024
    assert "Ordinary income received in 2024: $12.34." in html


def test_realized_year_selector(client, built):
    html = client.get(reverse("taxes:realized", args=[built.portfolio.pk]), {"year": 2023}).content.decode()
    assert "Realized gains 2023" in html
    assert "12,345.67" in html
    assert "4,000.00" in html
    assert '<td class="num pos">8,345.67</td>' in html
    assert "No taxable disposals" not in html


def test_realized_year_without_disposals_and_bad_year(client, built):
    html = client.get(reverse("taxes:realized", args=[built.portfolio.pk]), {"year": 2019}).content.decode()
    assert "No taxable disposals in 2019" in html
    response = client.get(reverse("taxes:realized", args=[built.portfolio.pk]), {"year": "x'; drop"})
    assert response.status_code == 200
    assert "Realized gains 2024" in response.content.decode()


@time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_realized_lists_every_tax_year_since_the_first_transaction(client):
    """A year with only income, or nothing yet, can be chosen: 2024 (first buy) to 2026 (this year)."""
    user = UserFactory(username="yara")
    tx = TransactionFactory(account__portfolio__owner=user, timestamp=datetime(2024, 5, 1, tzinfo=UTC))
    client.force_login(user)
    html = client.get(reverse("taxes:realized", args=[tx.portfolio.pk])).content.decode()
    options = re.findall(r'<option value="(\d{4})"', html)
    assert options == ["2026", "2025", "2024"]
