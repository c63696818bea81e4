"""Pages in a real browser. On a phone (390 px wide) no page scrolls sideways into blank space, and a table
wider than the screen scrolls inside its own box with a shadow at the edge that has more columns behind it.
On a desktop the dashboard draws its charts from the partial Plotly bundle, nothing on it is a 404, term
labels are badges, and the API's docs come from this server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from portfolios.models import PriceQuote
from portfolios.services import TransactionData, transaction_record
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}

# How far the page can be scrolled sideways, and each table box's scroll state and scroll-hint layers.
MEASURE = """() => ({
  page: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
  viewport: window.innerWidth,
  wraps: Array.from(document.querySelectorAll('.table-wrap')).map(w => ({
    scrolls: w.scrollWidth > w.clientWidth,
    overflow: getComputedStyle(w).overflowX,
    hint: getComputedStyle(w).backgroundImage,
  })),
})"""


def _portfolio() -> Any:
    owner = UserFactory(username="pat", timezone="America/New_York")
    portfolio = PortfolioFactory(owner=owner, name="A portfolio with a rather long name")
    account = AccountFactory(portfolio=portfolio, name="Coinbase brokerage account with a long name")
    btc = AssetFactory(symbol="BTC", name="Bitcoin")
    eth = AssetFactory(symbol="ETH", name="Ethereum")
    start = datetime(2024, 1, 1, 15, tzinfo=UTC)
    rows = [
        ("buy", btc, "0.123456789012345678", "42000.123456", 2),
        ("buy", eth, "12.5", "2300", 5),
        ("staking", eth, "0.012345678901234567", "2400", 40),
        ("sell", btc, "0.1", "61000", 90),
    ]
    for typ, asset, qty, price, day in rows:
        data = TransactionData(
            account=account,
            type=typ,
            timestamp=start + timedelta(days=day),
            quantity=Decimal(qty),
            asset=asset,
            unit_price=Decimal(price),
            fee=Decimal("1.99") if typ != "staking" else Decimal(0),
            notes="A note long enough to need more than one line on a narrow screen, as notes do.",
        )
        transaction_record(portfolio=portfolio, data=data)
    now = timezone.now().replace(microsecond=0)
    for asset, price in ((btc, "90000"), (eth, "3000")):
        for days_ago in (0, 1, 30):
            PriceQuote.objects.create(
                asset=asset, at=now - timedelta(days=days_ago), price=Decimal(price), source="coingecko"
            )
    from portfolios.snapshots import portfolio_snapshot_compute

    portfolio_snapshot_compute(portfolio_id=portfolio.pk)
    return portfolio


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def test_pages_fit_a_phone_and_wide_tables_scroll_in_their_box(phone: Any, artifacts: Path) -> None:
    portfolio = _portfolio()
    phone.goto("/accounts/login/")
    phone.fill("input[name=username]", "pat")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_load_state()

    for name, path in (
        ("transactions", f"/portfolios/{portfolio.pk}/transactions/"),
        ("dashboard", f"/portfolios/{portfolio.pk}/"),
    ):
        phone.goto(path)
        phone.wait_for_load_state("load")
        if name == "dashboard":
            # Measured once every chart is drawn: a chart wider than the phone would count too.
            phone.wait_for_selector("html[data-charts-drawn]", state="attached")
        seen = phone.evaluate(MEASURE)
        phone.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
        assert seen["viewport"] == PHONE["width"]
        assert seen["page"] <= seen["viewport"], (name, seen)
        assert seen["body"] <= seen["viewport"], (name, seen)
        wide = [w for w in seen["wraps"] if w["scrolls"]]
        assert wide, f"{name}: expected a table wider than the phone"
        for box in wide:
            assert box["overflow"] == "auto"
            assert "gradient" in box["hint"], (name, box)


def test_dashboard_loads_the_partial_bundle_and_draws_one_month_of_income(page: Any, artifacts: Path) -> None:
    """Desktop: nothing on the first page is a 404 (the icon), the charts come from the partial Plotly
    bundle, one month of income is one bar with each month labelled once, and term labels are badges."""
    portfolio = _portfolio()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "pat")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"/portfolios/{portfolio.pk}/")
    page.wait_for_selector("html[data-charts-drawn]", state="attached")
    assert not failed, failed
    assert any("/static/vendor/plotly-basic.min.js" in url for url in scripts), scripts
    assert not any(url.endswith("/plotly.min.js") for url in scripts)
    assert page.locator(".main-svg").count() >= 4  # allocation, value, lots, income

    income = page.locator('[data-chart="fig-income"]')
    income.scroll_into_view_if_needed()
    income.screenshot(path=str(artifacts / "income-one-month.png"))
    labels = income.locator(".xtick text").all_text_contents()
    assert labels, "no month labels"
    assert len(labels) == len(set(labels)), labels  # no month twice
    assert "Feb 2024" in labels
    assert len(labels) <= 7
    bar = income.locator(".barlayer .point path").first.bounding_box()
    plot = income.locator(".nsewdrag").first.bounding_box()
    assert bar is not None
    assert plot is not None
    assert bar["width"] < plot["width"] / 4, (bar, plot)  # one bar of six months, not the whole width

    page.goto(f"/portfolios/{portfolio.pk}/lots/")
    badge = page.locator(".term-long, .term-short").first
    style = badge.evaluate(
        """el => { const s = getComputedStyle(el), a = getComputedStyle(document.querySelector('a'));
        return {color: s.color, link: a.color, background: s.backgroundColor, underline: s.textDecorationLine,
                radius: parseFloat(s.borderTopLeftRadius), cursor: s.cursor}; }"""
    )
    assert style["color"] != style["link"], style
    assert style["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), style
    assert style["underline"] == "none"
    assert style["radius"] > 0
    assert style["cursor"] != "pointer"


def test_api_docs_render_from_our_own_files(page: Any, artifacts: Path) -> None:
    UserFactory(username="pat")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "pat")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Lotwise API" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock-tag").count() >= 1  # the endpoints, read from /api/schema/
    page.screenshot(path=str(artifacts / "api-docs.png"))
    assert len(hosts) == 1  # everything from this server: no CDN
    page.goto("/api/")
    assert "/api/portfolios/" in page.content()
