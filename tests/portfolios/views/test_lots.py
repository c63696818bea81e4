"""The open-lots table: every column formatted, server-side sorting in Python, term and days to long-term
counted from today in the owner's calendar, pagination."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from dashboard_testkit import build_portfolio, grow, long_term_from
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="alice")


@pytest.fixture
def built(client, user):
    client.force_login(user)
    return build_portfolio(user)


def _url(built, **params):
    return reverse("taxes:lot_list", args=[built.portfolio.pk])


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_lots_table_columns(client, built):
    response = client.get(_url(built))
    assert response.status_code == 200
    html = response.content.decode()
    rows = _rows(html)
    assert len(rows) == 3
    first = rows[0]  # default sort: acquired ascending
    assert "2023-01-10" in first
    assert "BTC" in first
    assert "Coinbase" in first
    assert '<td class="num">0.5</td>' in first  # quantity, trailing zeros trimmed
    assert '<td class="num">10,000.00</td>' in first  # basis
    assert '<td class="num">25,000.00</td>' in first  # value
    assert '<td class="num pos">15,000.00</td>' in first  # unrealized
    assert "Long" in first
    eth = next(r for r in rows if "ETH" in r)
    today = timezone.now().date()
    ltf = long_term_from(today - timedelta(days=100))
    assert '<td class="num neg">-1,000.00</td>' in eth
    assert "Short" in eth
    assert f"{(ltf - today).days} <span" in eth
    assert ltf.isoformat() in eth
    # totals over all lots
    assert "$43,500.00" in html
    assert "$16,000.00" in html


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("acquired", ["2023-01-10", "2024-02-01", "ETH"]),
        ("-acquired", ["ETH", "2024-02-01", "2023-01-10"]),
        ("unrealized", ["ETH", "2024-02-01", "2023-01-10"]),
        ("-unrealized", ["2023-01-10", "2024-02-01", "ETH"]),
        ("-basis", ["2024-02-01", "2023-01-10", "ETH"]),
        ("value", ["ETH", "2024-02-01", "2023-01-10"]),
        ("-quantity", ["ETH", "2023-01-10", "2024-02-01"]),
        ("days", ["ETH", "2023-01-10", "2024-02-01"]),  # no days (long-term already) go last
        ("account", ["2023-01-10", "ETH", "2024-02-01"]),
        ("nonsense", ["2023-01-10", "2024-02-01", "ETH"]),  # unknown key: default
    ],
)
def test_lots_sorting(client, built, sort, order):
    html = client.get(_url(built), {"sort": sort}).content.decode()
    rows = _rows(html)
    for row, marker in zip(rows, order, strict=True):
        assert marker in row, (sort, [r[:80] for r in rows])


def test_sort_header_links_flip_direction_and_mark_aria_sort(client, built):
    html = client.get(_url(built), {"sort": "value"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=-value"' in html
    html = client.get(_url(built), {"sort": "-value"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?sort=value"' in html


def test_wash_sale_adjustment_is_shown_on_the_lot(client, built):
    lot = built.portfolio.lots.get(lot_id="1")
    lot.wash_adjustment = "123.45"
    lot.save()
    html = client.get(_url(built)).content.decode()
    assert "incl. wash 123.45" in html


def test_lots_are_paginated(client, built):
    grow(built, lots=250, transactions=250)
    html = client.get(_url(built), {"sort": "-value"}).content.decode()
    assert len(_rows(html)) == 100
    assert "Page 1 of 3" in html
    assert "?sort=-value&amp;page=2" in html
    html = client.get(_url(built), {"sort": "-value", "page": 3}).content.decode()
    assert len(_rows(html)) == 50
    assert ">250<" in html  # the lot count covers every page


def test_without_snapshot_lots_show_but_values_are_unknown(client, user):
    client.force_login(user)
    built = build_portfolio(user, snapshot=False)
    html = client.get(_url(built)).content.decode()
    assert len(_rows(html)) == 3
    assert "no price" in html
    assert "Values are being computed" in html
    assert "3 without a price" in html
