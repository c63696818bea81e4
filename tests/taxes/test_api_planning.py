"""This year's planning by API: the losses to harvest (Hal's hand-worked book, tests/rebalancing/
test_harvest.py), a harvest proposal made from them, and the year planner; only the owner's own."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from rebalancing.models import ProposalKind
from tests.factories import UserFactory
from tests.rebalancing.test_harvest import NOW, hal  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@time_machine.travel(NOW, tick=False)
def test_losses_to_harvest_and_a_harvest_proposal(hal) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    user, book, broker, assets = hal
    api = client_for(user)
    found = api.get("/api/taxes/harvest/").json()
    assert found["year"] == 2026
    vti = [r for r in found["rows"] if r["asset"] == "VTI"]
    assert sorted(
        (r["acquired"], r["quantity"], r["basis"], r["value"], r["loss"], r["term"]) for r in vti
    ) == [
        ("2025-01-10", "10", "1000", "800", "200", "long"),
        ("2025-12-01", "5", "600", "400", "200", "short"),
    ]
    assert all(r["recent_purchase"] is None and r["lot"] == f"{r['lot_id']}@{broker.pk}" for r in vti)
    vea = {r["acquired"]: r for r in found["rows"] if r["asset"] == "VEA"}
    # The older VEA lot meets the 2026-02-20 purchase in the window; that purchase is not its own.
    assert (vea["2026-01-05"]["recent_purchase"], vea["2026-01-05"]["clean_from"]) == (
        "2026-02-20",
        "2026-03-23",
    )
    assert vea["2026-02-20"]["recent_purchase"] is None

    base = f"/api/portfolios/{book.pk}/proposals/harvest/"
    blocked = api.post(base, {"lots": [{"lot": vea["2026-01-05"]["lot"]}]})
    assert blocked.status_code == 400
    assert "wash sale" in blocked.json()["non_field_errors"][0]
    made = api.post(base, {"lots": [{"lot": r["lot"]} for r in vti], "rebuy_asset": assets["VXUS"].pk})
    assert made.status_code == 201, made.json()
    proposal = made.json()
    assert (proposal["kind"], proposal["status"]) == (ProposalKind.HARVEST, "pending")
    assert [(t["side"], t["asset"], t["quantity"]) for t in proposal["trades"]] == [
        ("sell", "VTI", "15"),
        ("buy", "VXUS", "20"),
    ]
    sold = proposal["trades"][0]["lots"]
    assert sorted((lot["quantity"], lot["gain"], lot["term"]) for lot in sold) == [
        ("10", "-200", "long"),
        ("5", "-200", "short"),
    ]
    assert proposal["totals"]["estimated_tax"] == "-48"
    accepted = api.post(f"/api/portfolios/{book.pk}/proposals/{proposal['id']}/accept/", {})
    assert accepted.json()["status"] == "accepted"
    assert api.post(base, {"lots": []}).status_code == 400
    assert api.post(base, {"lots": [{"lot": "no-such-lot"}]}).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_another_user_sees_and_harvests_nothing_of_hals(hal) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _user, book, broker, _assets = hal
    bob = client_for(UserFactory(username="bob"))
    assert bob.get("/api/taxes/harvest/").json()["rows"] == []
    lot = f"{book.lots.first().lot_id}@{broker.pk}"
    assert (
        bob.post(f"/api/portfolios/{book.pk}/proposals/harvest/", {"lots": [{"lot": lot}]}).status_code == 404
    )
    assert not book.proposals.exists()


@time_machine.travel(NOW, tick=False)
def test_year_planner(hal) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Hal: 60,000 of other income, single, 2026: taxable income 43,900 (12% bracket, 0% long-term band),
    nothing realized yet; VXUS (a 2025-06-01 gain) turns long-term on 2026-06-02."""
    user, _book, _broker, _assets = hal
    plan = client_for(user).get("/api/taxes/planner/").json()
    assert (plan["year"], plan["today"], plan["realized_short"], plan["realized_long"]) == (
        2026,
        "2026-03-01",
        "0",
        "0",
    )
    assert plan["estimate"]["taxable_income"] == "43900"
    assert plan["estimate"]["marginal_ordinary_rate"] == "0.12"
    assert [(s["asset"], s["long_term_from"], s["gain"]) for s in plan["soon_long_term"]] == [
        ("VXUS", "2026-06-02", "20")
    ]
    assert Decimal(plan["zero_rate"]["zero_rate"]) > 0
    assert plan["assumed_profile"] is False
