"""In a browser: the drifted four-coin portfolio (tests/rebalancing/kit.py) shows a pending proposal; the
owner opens it, sees the lots and the tax, accepts with an edited price, and the dashboard shows the new
allocation inside the bands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portfolios.models import Transaction
from rebalancing.models import ProposalStatus, RebalanceProposal
from rebalancing.services import proposal_check
from tests.rebalancing.kit import build_drifted, snapshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def test_review_and_accept_a_proposal(page: Any, live_server: Any, artifacts: Path) -> None:
    built = build_drifted("erin", password=PASSWORD)
    proposal = proposal_check(portfolio=built.portfolio)  # what the worker does after the snapshot
    assert proposal is not None

    page.goto("/accounts/login/")
    page.fill("#id_username", "erin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/portfolios/{built.portfolio.pk}/")
    assert "SOL" in page.locator("ul.callouts").inner_text()
    page.click("#pending-proposal a")

    assert "A suggestion, not advice; nothing trades by itself." in page.inner_text("#not-advice")
    sol_lot = page.locator(f'tr[data-lot="{built.buys["SOL"].pk}"]')
    assert "Long" in sol_lot.inner_text()
    assert "750.00" in sol_lot.inner_text()
    assert page.inner_text("#total-tax") == "$121.88"
    page.screenshot(path=str(artifacts / "rebalancing-review.png"), full_page=True)

    sol = proposal.trades.get(asset__symbol="SOL")
    page.fill(f"#id_p-{sol.pk}", "151.25")
    page.click("#accept")
    page.wait_for_url(f"**/portfolios/{built.portfolio.pk}/")
    assert RebalanceProposal.objects.get(pk=proposal.pk).status == ProposalStatus.ACCEPTED
    sale = Transaction.objects.get(type="sell", asset__symbol="SOL", notes__startswith="Rebalance")
    assert str(sale.unit_price) in ("151.25", "151.250000000000000000")

    snapshot(built.portfolio)  # no worker runs in the browser tests
    page.reload()
    assert "Every asset is inside its band." in page.content()
    assert page.locator("#pending-proposal").count() == 0
    page.screenshot(path=str(artifacts / "rebalancing-after.png"), full_page=True)
