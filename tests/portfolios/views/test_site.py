"""What every page shares: the navigation's portfolio links, the icon, the logout message, term badges."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from portfolios.middleware import LAST_PORTFOLIO_COOKIE
from tests.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
CSS = Path(settings.BASE_DIR, "static", "css", "lotwise.css")


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory(username="ann")


@pytest.fixture
def logged_in(client, owner):  # type: ignore[no-untyped-def]
    client.force_login(owner)
    return client


def _nav(html: str) -> str:
    found = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert found, "no main navigation"
    return found.group(1)


@pytest.mark.parametrize("page", ["account_settings", "portfolios:import_upload"])
def test_settings_and_import_keep_the_last_shown_portfolio_in_the_navigation(logged_in, owner, page) -> None:  # type: ignore[no-untyped-def]
    PortfolioFactory(owner=owner, name="Alpha")
    second = PortfolioFactory(owner=owner, name="Beta")
    shown = logged_in.get(reverse("portfolios:dashboard", args=[second.pk]))
    assert shown.cookies[LAST_PORTFOLIO_COOKIE].value == str(second.pk)
    nav = _nav(logged_in.get(reverse(page)).content.decode())
    assert "Beta" in nav
    for name in ("dashboard", "account_list", "transaction_list"):
        assert f'href="{reverse(f"portfolios:{name}", args=[second.pk])}"' in nav
    assert f'href="{reverse("taxes:lot_list", args=[second.pk])}"' in nav
    assert f'href="{reverse("taxes:realized", args=[second.pk])}"' in nav


def test_without_a_remembered_portfolio_the_navigation_shows_the_first(logged_in, owner) -> None:  # type: ignore[no-untyped-def]
    first = PortfolioFactory(owner=owner, name="Alpha")
    PortfolioFactory(owner=owner, name="Beta")
    nav = _nav(logged_in.get(reverse("account_settings")).content.decode())
    assert "Alpha" in nav
    assert f'href="{reverse("portfolios:dashboard", args=[first.pk])}"' in nav


def test_the_import_page_names_its_portfolio_and_another_users_id_is_ignored(logged_in, owner) -> None:  # type: ignore[no-untyped-def]
    PortfolioFactory(owner=owner, name="Alpha")
    beta = PortfolioFactory(owner=owner, name="Beta")
    theirs = PortfolioFactory(owner=UserFactory(username="bob"), name="Bob's secret")
    nav = _nav(logged_in.get(reverse("portfolios:import_upload") + f"?portfolio={beta.pk}").content.decode())
    assert "Beta" in nav
    logged_in.cookies[LAST_PORTFOLIO_COOKIE] = str(theirs.pk)
    html = logged_in.get(reverse("account_settings")).content.decode()
    assert "Bob's secret" not in html
    assert "Alpha" in _nav(html)


def test_a_user_without_portfolios_gets_the_portfolios_link(logged_in) -> None:  # type: ignore[no-untyped-def]
    nav = _nav(logged_in.get(reverse("account_settings")).content.decode())
    assert f'href="{reverse("portfolios:home")}"' in nav
    assert "Dashboard" not in nav


def test_portfolio_pages_pay_no_query_for_the_navigation(logged_in, owner, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    portfolio = PortfolioFactory(owner=owner)
    url = reverse("portfolios:transaction_list", args=[portfolio.pk])
    logged_in.get(url)
    # session, user, portfolio, account choices, asset choices, count (nothing to list)
    with django_assert_num_queries(6):
        logged_in.get(url)


def test_every_page_names_its_icon_and_favicon_ico_leads_to_it(client, logged_in) -> None:  # type: ignore[no-untyped-def]
    html = logged_in.get(reverse("account_settings")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/favicon.ico" sizes="32x32">' in html
    svg = Path(settings.BASE_DIR, "static", "favicon.svg").read_text()
    assert svg.startswith("<svg")
    assert 'viewBox="0 0 32 32"' in svg
    assert Path(settings.BASE_DIR, "static", "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    logged_in.logout()
    response = client.get("/favicon.ico")  # no login needed, no 404
    assert response.status_code == 302
    assert response.url == "/static/favicon.ico"


def test_logout_says_so_on_the_login_page(client, owner) -> None:  # type: ignore[no-untyped-def]
    assert client.login(username="ann", password=PASSWORD)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("login"), 302)]
    html = response.content.decode()
    assert '<li class="msg-info">You are logged out.</li>' in html
    assert "<h1>Log in</h1>" in html
    # Said once: the next visit to the login page is plain.
    assert "You are logged out." not in client.get(reverse("login")).content.decode()


def test_logout_when_not_logged_in_says_nothing(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("logout"), follow=True)
    assert "You are logged out." not in response.content.decode()


def _rule(selector: str) -> str:
    css = CSS.read_text()
    found = re.search(r"(?:^|\})\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", css, re.M)
    assert found, selector
    return found.group(1)


def test_term_labels_are_badges_not_link_coloured() -> None:
    shared = _rule(".term-short, .term-long").replace(" ", "")
    for prop in ("display:inline-block", "border-radius:", "padding:", "text-decoration:none"):
        assert prop in shared
    for selector in (".term-short", ".term-long"):
        rule = _rule(selector)
        assert "background:" in rule
        assert not {"var(--accent)", "var(--long)", "#2554c7"} & set(re.findall(r"var\(--\w+\)|#\w+", rule))
