"""Template filters: money, qty, pct, pp, signclass, and optional_url."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from portfolios.templatetags.lotwise import money, optional_url, pct, pp, qty, signclass, treatment


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), "1,234.50"),
        ("1234567.891", "1,234,567.89"),
        ("0.005", "0.01"),  # half up
        ("-0.004", "0.00"),  # no "-0.00"
        ("-1234.5", "-1,234.50"),
        ("12.340000000000000000", "12.34"),
        (0, "0.00"),
        (None, "—"),
        ("", "—"),
        ("junk", "—"),
        (1.5, "—"),  # a float is not money here
    ],
)
def test_money(value, expected):
    assert money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.500000000000000000", "0.5"),
        ("1200", "1,200"),
        ("0.123456789123456789", "0.12345679"),
        ("2.00000000", "2"),
        ("-3.25", "-3.25"),
        ("0.000000000000000001", "<0.00000001"),
        (Decimal(0), "0"),
        (None, "—"),
    ],
)
def test_qty(value, expected):
    assert qty(value) == expected


def test_pct_and_pp():
    assert pct("0.2531") == "25.31%"
    assert pct("0.2531", 1) == "25.3%"
    assert pct("0.05", 0) == "5%"
    assert pct(None) == "—"
    assert pp("0.072") == "+7.2 pp"
    assert pp("-0.0349") == "-3.5 pp"
    assert pp("0") == "0.0 pp"


def test_signclass():
    assert signclass("-0.01") == "neg"
    assert signclass(Decimal(5)) == "pos"
    assert signclass("0") == ""
    assert signclass(None) == ""


def test_treatment():
    assert treatment("tax_free") == "Tax-free"
    assert treatment("odd") == "odd"


def test_money_in_a_template_with_neg_class():
    html = Template('{% load lotwise %}<td class="num {{ v|signclass }}">{{ v|money }}</td>').render(
        Context({"v": "-1234.5"})
    )
    assert html == '<td class="num neg">-1,234.50</td>'


def test_optional_url():
    assert optional_url("taxes:lot_list", 7) == "/portfolios/7/lots/"
    assert optional_url("portfolios:no_such_page", 7) == ""
    assert optional_url("portfolios:home", 7) == "/"  # a page without a portfolio id is linked without one


def test_sort_link_flips_and_drops_page():
    request = RequestFactory().get("/portfolios/1/lots/?sort=value&page=3")
    html = Template("{% load lotwise %}{% sort_link 'value' %} {% sort_link 'basis' %}").render(
        Context({"request": request, "sort": "value"})
    )
    assert html == "?sort=-value ?sort=basis"
