"""Accounts list (tax treatment, value from the snapshot's prices) and one account's holdings and lots."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from dashboard_testkit import build_portfolio
from django.urls import reverse

from portfolios.models import Asset, Transaction
from taxes.models import TaxLot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="alice")


@pytest.fixture
def built(client, user):
    client.force_login(user)
    return build_portfolio(user)


def test_account_list_shows_treatment_and_values(client, built):
    response = client.get(reverse("portfolios:account_list", args=[built.portfolio.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Coinbase" in html
    assert "Roth IRA" in html
    assert "Taxable" in html
    assert "Tax-free" in html
    assert "31,000.00" in html  # Coinbase: 0.5 BTC + 2 ETH
    assert "12,500.00" in html  # Roth IRA: 0.25 BTC
    assert "43,500.00" in html  # total row
    assert '<td class="num neg">-1,000.00</td>' not in html  # per-account gains are net
    assert '<td class="num pos">14,000.00</td>' in html  # Coinbase unrealized 15,000 - 1,000
    detail = reverse("portfolios:account_detail", args=[built.portfolio.pk, built.coinbase.pk])
    assert f'href="{detail}"' in html


def test_account_detail_shows_holdings_and_only_its_lots(client, built):
    url = reverse("portfolios:account_detail", args=[built.portfolio.pk, built.coinbase.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Coinbase</h1>" in html
    assert "Holdings" in html
    assert "25,000.00" in html
    assert "6,000.00" in html
    assert "80.6%" in html  # BTC weight of the account: 25,000 / 31,000
    assert "12,500.00" not in html  # the Roth IRA lot is not here
    assert "2023-01-10" in html
    assert "2024-02-01" not in html


def test_account_detail_sorts_its_lots(client, built):
    url = reverse("portfolios:account_detail", args=[built.portfolio.pk, built.coinbase.pk])
    html = client.get(url, {"sort": "-unrealized"}).content.decode().split('id="h-acct-lots"')[1]
    assert html.index("15,000.00") < html.index("-1,000.00")
    html = client.get(url, {"sort": "unrealized"}).content.decode().split('id="h-acct-lots"')[1]
    assert html.index("-1,000.00") < html.index("15,000.00")


def test_account_with_unpriced_asset_is_marked_incomplete(client, built):
    sol = Asset.objects.create(symbol="SOL")
    tx = Transaction.objects.create(
        portfolio=built.portfolio,
        account=built.coinbase,
        type="buy",
        timestamp=datetime(2024, 1, 5, tzinfo=UTC),
        asset=sol,
        quantity=Decimal(10),
        unit_price=Decimal(100),
    )
    TaxLot.objects.create(
        portfolio=built.portfolio,
        account=built.coinbase,
        asset=sol,
        lot_id="sol",
        origin=tx,
        source="buy",
        quantity=Decimal(10),
        basis=Decimal(1000),
        acquired=date(2024, 1, 5),
        received=date(2024, 1, 5),
        long_term_from=date(2025, 1, 6),
    )
    html = client.get(reverse("portfolios:account_list", args=[built.portfolio.pk])).content.decode()
    assert "incomplete" in html
    assert "31,000.00" in html  # the SOL lot is not counted as zero value, it is left out
    detail = client.get(reverse("portfolios:account_detail", args=[built.portfolio.pk, built.coinbase.pk]))
    assert "missing price" in detail.content.decode()


def test_account_of_another_portfolio_is_404(client, built, user):
    other = build_portfolio(user, name="Other")
    url = reverse("portfolios:account_detail", args=[built.portfolio.pk, other.coinbase.pk])
    assert client.get(url).status_code == 404
