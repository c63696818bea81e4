"""Every read page belongs to its owner: another user gets 404 for each of them, an anonymous visitor is
sent to the login page."""

from __future__ import annotations

import pytest
from dashboard_testkit import build_portfolio
from django.urls import reverse

from portfolios.models import Portfolio
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _pages(built) -> list[str]:
    p = built.portfolio.pk
    return [
        reverse("portfolios:dashboard", args=[p]),
        reverse("portfolios:account_list", args=[p]),
        reverse("portfolios:account_detail", args=[p, built.coinbase.pk]),
        reverse("portfolios:account_detail", args=[p, built.roth.pk]),
        reverse("taxes:lot_list", args=[p]),
        reverse("taxes:lot_list", args=[p]) + "?sort=-value&page=1",
        reverse("taxes:realized", args=[p]),
        reverse("taxes:realized", args=[p]) + "?year=2024",
    ]


@pytest.fixture
def alice_portfolio():
    return build_portfolio(UserFactory(username="alice"))


def test_owner_sees_every_page(client, alice_portfolio):
    client.force_login(alice_portfolio.user)
    for url in _pages(alice_portfolio):
        assert client.get(url).status_code == 200, url


def test_other_user_gets_404_on_every_page(client, alice_portfolio):
    bob = UserFactory(username="bob")
    bobs = build_portfolio(bob, name="Bob's")
    client.force_login(bob)
    for url in _pages(alice_portfolio):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"43,500" not in response.content
    # Bob's own portfolio id with Alice's account id is a 404 too (the account must be in the portfolio).
    url = reverse("portfolios:account_detail", args=[bobs.portfolio.pk, alice_portfolio.coinbase.pk])
    assert client.get(url).status_code == 404


def test_home_never_redirects_to_someone_elses_portfolio(client, alice_portfolio):
    bob = UserFactory(username="bob")
    client.force_login(bob)
    response = client.get(reverse("portfolios:home"))
    assert response.status_code == 200
    assert b"You have no portfolio yet" in response.content


def test_anonymous_is_redirected_to_login(client, alice_portfolio):
    for url in [*_pages(alice_portfolio), reverse("portfolios:home")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next="), response.url
    response = client.post(reverse("portfolios:portfolio_create"), {"name": "x"})
    assert response.status_code == 302
    assert not Portfolio.objects.filter(name="x").exists()


def test_portfolio_create_needs_post(client):
    client.force_login(UserFactory(username="carol"))
    assert client.get(reverse("portfolios:portfolio_create")).status_code == 405
