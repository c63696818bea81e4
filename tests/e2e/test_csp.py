"""Every page runs under the Content-Security-Policy (config/settings/base.py) without the browser
refusing anything: no violation event, no console error or warning, no script error, and the charts still
draw. A page that put a script, a style block or a style attribute inline would show up here."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from rebalancing.services import proposal_create
from tests.rebalancing.kit import build_drifted, record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"

# Runs before any script of each page: keeps every violation the browser reports, including those of
# elements Plotly or Swagger UI add after load.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
                     source: e.sourceFile, line: e.lineNumber});
});
"""


def _pages(portfolio_id: int, proposal_id: int) -> list[str]:
    p = [portfolio_id]
    year = datetime.now(tz=UTC).year
    return [
        reverse("portfolios:home"),
        reverse("portfolios:dashboard", args=p),
        reverse("portfolios:account_list", args=p),
        reverse("taxes:lot_list", args=p),
        reverse("taxes:realized", args=p),
        reverse("portfolios:transaction_list", args=p),
        reverse("portfolios:transaction_add", args=p),
        reverse("portfolios:transaction_add", args=p) + "?type=sell",
        reverse("portfolios:import_upload") + f"?portfolio={portfolio_id}",
        reverse("portfolios:asset_list"),
        reverse("taxes:summary_latest"),
        reverse("taxes:summary", args=[year - 1]),
        reverse("taxes:planner"),
        reverse("taxes:harvest"),
        reverse("rebalancing:target", args=p),
        reverse("rebalancing:policy", args=p),
        reverse("rebalancing:proposal_list", args=p),
        reverse("rebalancing:proposal_detail", args=[portfolio_id, proposal_id]),
        reverse("rebalancing:impact", args=p),
        reverse("portfolios:portfolio_settings", args=p),
        reverse("account_settings"),
        reverse("password_change"),
        reverse("api:root"),
        reverse("api:portfolio-list"),
        reverse("api:transaction-list", args=p),
        reverse("api-rebalancing-proposals", args=p),
        reverse("api:docs"),
    ]


def _settle(page: Any) -> None:
    page.wait_for_load_state("load")
    if page.locator("[data-chart]").count():
        # charts.js fetches Plotly after load and marks <html> once every chart is drawn.
        page.wait_for_selector("html[data-charts-drawn]", state="attached")
    if "/api/docs/" in page.url:
        page.wait_for_selector(".swagger-ui .opblock-tag")
    # Violation events are dispatched in a task of their own, after the refused element.
    page.wait_for_timeout(200)


class Watch:
    """What the browser reports on the current page: violation events, console errors and warnings, and
    uncaught script errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        self.found: dict[str, Any] = {}
        page.on(
            "console",
            lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.add_init_script(LISTEN)

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == 200, path
        # The header's directives come in no fixed order: compare them as a set.
        header = response.headers.get("content-security-policy", "")
        directives = {part.strip() for part in header.split(";")}
        assert "script-src 'self'" in directives, path
        _settle(self.page)

    def note(self, path: str) -> None:
        violations = self.page.evaluate("window.__csp")
        if violations or self.console or self.errors:
            self.found[path] = {
                "violations": violations,
                "console": list(self.console),
                "errors": list(self.errors),
            }
        self.console.clear()
        self.errors.clear()

    def log_in(self, username: str) -> None:
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/accounts/login/" not in url)

    def report(self) -> str:
        return "\n" + "\n".join(f"{path}: {what}" for path, what in self.found.items())


def test_no_page_violates_the_content_security_policy(page: Any) -> None:
    drifted = build_drifted("alice", password=PASSWORD)
    record(
        drifted.account,
        "sell",
        datetime(2024, 6, 3, 15, tzinfo=UTC),
        "0.1",
        drifted.assets["ETH"],
        unit_price=Decimal("3000"),
    )
    proposal = proposal_create(portfolio=drifted.portfolio)
    assert proposal is not None
    watch = Watch(page)

    for path in (reverse("signup"), reverse("password_reset"), reverse("login")):
        watch.visit(path)
        watch.note(path)
    watch.log_in("alice")

    dashboard = reverse("portfolios:dashboard", args=[drifted.portfolio.pk])
    for path in _pages(drifted.portfolio.pk, proposal.pk):
        watch.visit(path)
        if path == dashboard:
            assert page.locator(".plot .main-svg").count() >= 1, "the dashboard drew no chart"
            # Hover labels and the mode bar are drawn only on hover. The drag layer lies over the bars,
            # so the pointer is moved there rather than onto the bar's element.
            bar = page.locator(".js-plotly-plot .bars .point path >> visible=true").first.bounding_box()
            page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
            page.wait_for_selector(".hoverlayer .hovertext", state="attached")
            page.locator(".modebar-btn").first.hover()
            page.wait_for_timeout(200)
        watch.note(path)

    assert not watch.found, watch.report()
