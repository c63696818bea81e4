"""The dashboard: real figures formatted, charts embedded for charts.js, honest states (being computed,
ledger error, stale and synthetic prices), and "/" sending the user to their portfolio."""

from __future__ import annotations

import json
import re

import pytest
from dashboard_testkit import build_portfolio
from django.urls import reverse

from portfolios.models import Portfolio, Transaction
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="alice")


@pytest.fixture
def client_a(client, user):
    client.force_login(user)
    return client


def _url(portfolio: Portfolio) -> str:
    return reverse("portfolios:dashboard", args=[portfolio.pk])


def _json_script(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


def test_dashboard_shows_formatted_totals_and_warnings(client_a, user):
    built = build_portfolio(user)
    response = client_a.get(_url(built.portfolio))
    assert response.status_code == 200
    html = response.content.decode()
    assert "$43,500.00" in html  # total value
    assert "+13,000.00" in html
    assert "+42.62%" in html
    assert "$16,000.00" in html  # unrealized total
    assert "-1,000.00" in html  # short-term unrealized, marked negative
    assert "$27,500.00" in html  # cost basis
    assert "$18.34" in html  # income
    # drift called out for assets outside their band
    assert "<strong>BTC</strong> is +36.2 pp" in html
    assert "<strong>ETH</strong> is -36.2 pp" in html
    # prices as of, computed at, warnings and the synthetic-prices notice from the snapshot
    assert "prices as of Feb 28, 2026 00:00 UTC" in html
    assert "Computed at Mar 1, 2026 12:00 UTC" in html
    assert "No price for XYZ" in html
    assert "Stale prices for SOL" in html
    assert "value is left out of the totals until a fresh price arrives" in html
    assert "shares of the priced holdings only: XYZ, SOL are left out" in html
    assert "Demo prices are synthetic: not real market prices." in html
    assert "being computed" not in html.lower()


def test_dashboard_embeds_each_chart_with_label_and_vendored_plotly(client_a, user):
    built = build_portfolio(user)
    html = client_a.get(_url(built.portfolio)).content.decode()
    for name in ("allocation", "value", "lots", "income"):
        assert f'data-chart="fig-{name}" role="img"' in html
        figure = _json_script(html, f"fig-{name}")
        assert figure["data"], name
    assert re.search(
        r'data-chart="fig-allocation" role="img"\s+aria-label="Bar chart of current and target', html
    )
    allocation = _json_script(html, "fig-allocation")
    assert [t["name"] for t in allocation["data"]] == ["Current", "Current, outside band", "Target"]
    assert len(allocation["layout"]["shapes"]) == 2  # one band per asset
    lots = _json_script(html, "fig-lots")
    assert sorted(len(t["x"]) for t in lots["data"]) == [1, 2]  # one short-term lot, two long-term
    assert "/static/vendor/plotly-basic.min.js" in html
    assert "/static/js/charts.js" in html
    assert "cdn" not in html.lower()


def test_dashboard_lists_short_term_lot_turning_long_term(client_a, user):
    built = build_portfolio(user)
    html = client_a.get(_url(built.portfolio)).content.decode()
    assert "Short-term lots turning long-term next" in html
    eth_lot = next(lot for lot in built.snapshot.data["lots"] if lot["symbol"] == "ETH")
    assert eth_lot["long_term_from"] in html


def test_no_snapshot_says_being_computed_not_zeros(client_a, user):
    built = build_portfolio(user, snapshot=False)
    html = client_a.get(_url(built.portfolio)).content.decode()
    assert "Being computed" in html
    assert 'http-equiv="refresh"' in html
    assert "$0.00" not in html
    assert "data-chart" not in html


def test_empty_portfolio_says_no_transactions(client_a, user):
    portfolio = Portfolio.objects.create(owner=user, name="Empty")
    html = client_a.get(_url(portfolio)).content.decode()
    # An empty portfolio guides the owner: an account, then transactions or an import, then a target.
    assert "Set up this portfolio" in html
    assert "Being computed" not in html
    assert f'href="/portfolios/{portfolio.pk}/accounts/new/">Add an account</a>' in html
    assert f'href="/portfolios/{portfolio.pk}/transactions/add/">Add transactions</a>' in html
    assert f'href="/import/?portfolio={portfolio.pk}">import an export</a>' in html
    assert not Transaction.objects.filter(portfolio=portfolio).exists()


def test_ledger_error_is_said_plainly_with_the_snapshot_time(client_a, user):
    built = build_portfolio(user, ledger_error="transaction #7 sells 2 BTC but the account holds 1")
    html = client_a.get(_url(built.portfolio)).content.decode()
    assert (
        "These numbers are from Mar 1, 2026 12:00 UTC; the ledger has a problem:\n"
        "    transaction #7 sells 2 BTC but the account holds 1"
    ) in html


def test_times_are_shown_in_the_users_time_zone(client, user):
    user.timezone = "America/New_York"
    user.save()
    client.force_login(user)
    built = build_portfolio(user)
    html = client.get(_url(built.portfolio)).content.decode()
    assert "Computed at Mar 1, 2026 07:00 EST" in html


def test_home_redirects_to_first_portfolio(client_a, user):
    build_portfolio(user, name="Zeta")
    first = build_portfolio(user, name="Alpha2").portfolio
    response = client_a.get(reverse("portfolios:home"))
    assert response.status_code == 302
    assert response.url == _url(first)


def test_home_without_portfolio_shows_empty_state_and_creates_one(client_a, user):
    response = client_a.get(reverse("portfolios:home"))
    assert response.status_code == 200
    assert "You have no portfolio yet" in response.content.decode()
    response = client_a.post(reverse("portfolios:portfolio_create"), {"name": "Index"})
    portfolio = Portfolio.objects.get(owner=user)
    assert portfolio.name == "Index"
    assert response.url == _url(portfolio)


def test_portfolio_create_rejects_blank_name(client_a, user):
    response = client_a.post(reverse("portfolios:portfolio_create"), {"name": "  "}, follow=True)
    assert not Portfolio.objects.filter(owner=user).exists()
    assert "Give the portfolio a name" in response.content.decode()


def test_nav_links_every_page_and_marks_current(client_a, user):
    built = build_portfolio(user)
    html = client_a.get(_url(built.portfolio)).content.decode()
    pk = built.portfolio.pk
    assert f'<a href="/portfolios/{pk}/" aria-current="page">Dashboard</a>' in html
    pages = (
        ("accounts/", "Accounts"),
        ("lots/", "Lots"),
        ("realized/", "Realized"),
        ("transactions/", "Transactions"),
    )
    for path, label in pages:
        assert f'<a href="/portfolios/{pk}/{path}">{label}</a>' in html


def test_switcher_lists_only_own_portfolios(client_a, user):
    built = build_portfolio(user)
    build_portfolio(user, name="Second")
    other = UserFactory(username="bob")
    Portfolio.objects.create(owner=other, name="Bobs secret book")
    html = client_a.get(_url(built.portfolio)).content.decode()
    assert "Second" in html
    assert "Bobs secret book" not in html
