"""Each read page costs a constant number of queries: the same at 3 lots and at 2,000 lots with 10,000
transactions (rows made with bulk_create; the numbers are read from the tables, never from the engine)."""

from __future__ import annotations

import pytest
from dashboard_testkit import build_portfolio, grow
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolios.models import Transaction
from taxes.models import TaxLot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Every page: session, user, then the portfolio (with its ledger status in the same query). Then:
MAX_QUERIES = {
    "dashboard": 7,  # snapshot, value points, the user's portfolios (switcher), the pending rebalancing proposal
    "account_list": 6,  # snapshot prices (two JSON keys only), accounts, lots
    "account_detail": 6,  # (account, portfolio and status in one query) snapshot prices, lots, method changes
    "lot_list": 5,  # snapshot prices, lots
    "realized": 8,  # years with disposals, ledger problems, the year's disposals, its income, distributions
}


def _urls(built) -> dict[str, str]:
    p = built.portfolio.pk
    return {
        "dashboard": reverse("portfolios:dashboard", args=[p]),
        "account_list": reverse("portfolios:account_list", args=[p]),
        "account_detail": reverse("portfolios:account_detail", args=[p, built.coinbase.pk])
        + "?sort=-unrealized",
        "lot_list": reverse("taxes:lot_list", args=[p]) + "?sort=value",
        "realized": reverse("taxes:realized", args=[p]) + "?year=2024",
    }


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_query_count_is_constant_from_a_few_lots_to_2k(client):
    user = UserFactory(username="alice")
    client.force_login(user)
    built = build_portfolio(user)
    urls = _urls(built)
    client.get(urls["dashboard"])  # warm the session
    small = {name: _count(client, url) for name, url in urls.items()}

    grow(built, lots=2000, transactions=10_000)
    assert TaxLot.objects.filter(portfolio=built.portfolio).count() == 2000
    assert Transaction.objects.filter(portfolio=built.portfolio).count() == 10_000
    large = {name: _count(client, url) for name, url in urls.items()}

    assert large == small
    for name, count in large.items():
        assert count <= MAX_QUERIES[name], (name, count)


@pytest.mark.parametrize("page", sorted(MAX_QUERIES))
def test_query_ceiling_per_page(client, django_assert_max_num_queries, page):
    user = UserFactory(username="alice")
    client.force_login(user)
    built = build_portfolio(user)
    url = _urls(built)[page]
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        assert client.get(url).status_code == 200
