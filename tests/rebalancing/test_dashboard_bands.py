"""The dashboard's bands are the proposals' bands, whatever the policy's band mode (a hybrid floor too).

The drifted kit portfolio (25% each) under a hybrid policy: relative ±25% of 25% = ±6.25 pp, floor ±8 pp,
so every band is 17%-33% (the relative band alone would be 18.75%-31.25%).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portfolios.selectors import snapshot_latest
from rebalancing.services import proposal_create
from rebalancing.target_services import policy_update
from tests.rebalancing.kit import build_drifted, snapshot

pytestmark = pytest.mark.django_db
D = Decimal


def _snapshot_bands(portfolio) -> dict[str, tuple[Decimal, Decimal]]:  # type: ignore[no-untyped-def]
    data = snapshot_latest(portfolio=portfolio).data
    return {
        str(a["asset_id"]): (D(a["band_low"]), D(a["band_high"]))
        for a in data["assets"]
        if a["band_low"] is not None
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"band_mode": "hybrid", "band_relative": D("0.25"), "band_floor": D("0.08")}, ("0.17", "0.33")),
        # Above the floor the relative band holds.
        ({"band_mode": "hybrid", "band_relative": D("0.4"), "band_floor": D("0.08")}, ("0.15", "0.35")),
        ({"band_mode": "relative", "band_relative": D("0.25")}, ("0.1875", "0.3125")),
        ({"band_mode": "absolute", "band_absolute": D("0.04")}, ("0.21", "0.29")),
        ({"band_mode": "both", "band_absolute": D("0.05"), "band_relative": D("0.25")}, ("0.2", "0.3")),
    ],
)
def test_dashboard_band_equals_the_proposals_band(client, changes, expected) -> None:  # type: ignore[no-untyped-def]
    built = build_drifted()
    policy_update(portfolio=built.portfolio, **changes)
    snapshot(built.portfolio)
    proposal = proposal_create(portfolio=built.portfolio)
    shown = _snapshot_bands(built.portfolio)
    proposed = {aid: (D(lo), D(hi)) for aid, (lo, hi) in proposal.bands.items()}
    assert shown == proposed
    assert set(shown.values()) == {(D(expected[0]), D(expected[1]))}


def test_dashboard_page_prints_the_hybrid_band(client) -> None:  # type: ignore[no-untyped-def]
    built = build_drifted()
    policy_update(
        portfolio=built.portfolio, band_mode="hybrid", band_relative=D("0.25"), band_floor=D("0.08")
    )
    snapshot(built.portfolio)
    client.force_login(built.user)
    html = client.get(reverse("portfolios:dashboard", args=[built.portfolio.pk])).content.decode()
    assert "±25% of target, never narrower than ±8% of the portfolio" in html
    assert (
        "<strong>SOL</strong> is +15.0 pp from its target of 25.0% (now 40.0%; band 17.0%\N{EN DASH}33.0%)"
        in html
    )
    assert "18.8%\N{EN DASH}31.3%" not in html
