"""Lists in pages, filtered as the pages filter; a portfolio's snapshot and value history; JSON errors for
any address under /api/; a throttle on runaway clients; and no operation answers a stranger."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from portfolios.models import ValuePoint
from tests.rebalancing.kit import BOUGHT, Drifted, build_drifted, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def drifted() -> Drifted:
    d = build_drifted()
    record(
        d.account,
        "sell",
        datetime(2025, 3, 3, 15, tzinfo=UTC),
        "0.1",
        d.assets["ETH"],
        unit_price=Decimal(3000),
    )
    record(
        d.account, "sell", datetime(2024, 6, 3, 15, tzinfo=UTC), "5", d.assets["SOL"], unit_price=Decimal(100)
    )
    return d


@pytest.fixture
def api(drifted: Drifted) -> APIClient:
    client = APIClient()
    client.force_authenticate(drifted.user)
    return client


def test_pages_of_transactions(api: APIClient, drifted: Drifted) -> None:
    base = f"/api/portfolios/{drifted.portfolio.pk}/transactions/"
    first = api.get(base + "?page_size=4").json()
    assert (first["count"], len(first["results"])) == (6, 4)
    assert first["next"].endswith("?page=2&page_size=4")
    second = api.get(first["next"]).json()
    assert [t["type"] for t in second["results"]] == ["sell", "sell"]
    assert api.get(base + "?page=3&page_size=4").status_code == 404
    assert len(api.get(base + "?page_size=5000").json()["results"]) == 6  # capped at 1000, not refused
    assert api.get(base + "?page=x").status_code == 404


def test_transaction_filters(api: APIClient, drifted: Drifted) -> None:
    base = f"/api/portfolios/{drifted.portfolio.pk}/transactions/"
    sells = api.get(base + "?type=sell").json()["results"]
    assert [(t["asset"], t["quantity"]) for t in sells] == [
        ("SOL", "5.000000000000000000"),
        ("ETH", "0.100000000000000000"),
    ]
    eth = drifted.assets["ETH"].pk
    assert [t["type"] for t in api.get(base + f"?asset={eth}").json()["results"]] == ["buy", "sell"]
    in_2024 = api.get(base + "?date_from=2024-01-01&date_to=2024-12-31").json()["results"]
    assert len(in_2024) == 5
    assert api.get(base + f"?account={drifted.account.pk}&date_from=2025-03-03").json()["count"] == 1
    assert api.get(base + "?account=999999").json()["count"] == 0
    bad = api.get(base + "?date_from=2024-02-01&date_to=2024-01-01")
    assert bad.status_code == 400
    assert "date_to" in bad.json()
    assert "type" in api.get(base + "?type=steal").json()
    assert "date_from" in api.get(base + "?date_from=0001-01-01").json()


def test_lot_and_disposal_filters(api: APIClient, drifted: Drifted) -> None:
    base = f"/api/portfolios/{drifted.portfolio.pk}"
    lots = api.get(f"{base}/lots/?asset={drifted.assets['SOL'].pk}").json()["results"]
    assert [(lot["asset"], lot["quantity"]) for lot in lots] == [("SOL", "15.000000000000000000")]
    assert api.get(f"{base}/lots/?term=long").json()["count"] == 4  # bought 2024-01-02
    assert api.get(f"{base}/lots/?term=short").json()["count"] == 0
    by_year = api.get(f"{base}/disposals/?year=2025").json()["results"]
    assert [(d["asset"], d["quantity"], d["term"]) for d in by_year] == [
        ("ETH", "0.100000000000000000", "long")
    ]
    short = api.get(f"{base}/disposals/?term=short").json()["results"]
    assert [(d["asset"], d["disposed"]) for d in short] == [("SOL", "2024-06-03")]
    assert api.get(f"{base}/disposals/?year=99999").status_code == 400
    assert api.get(f"{base}/disposals/?account={drifted.account.pk}").json()["count"] == 2


def test_snapshot_and_history(api: APIClient, drifted: Drifted) -> None:
    base = f"/api/portfolios/{drifted.portfolio.pk}"
    snap = api.get(f"{base}/snapshot/").json()
    assets = {a["symbol"]: a for a in snap["data"]["assets"]}
    assert (assets["BTC"]["quantity"], assets["BTC"]["price"], assets["BTC"]["value"]) == (
        "0.025",
        "60000",
        "1500",
    )
    assert assets["BTC"]["target_weight"] == "0.25"
    assert snap["total_value"] == snap["data"]["total_value"] == "7500"
    assert snap["data"]["target"]["band_absolute"] == "0.05"
    ValuePoint.objects.filter(portfolio=drifted.portfolio).delete()
    ValuePoint.objects.bulk_create(
        ValuePoint(
            portfolio=drifted.portfolio,
            date=day,
            value=Decimal(value),
            cost_basis=Decimal(4000),
            net_deposits=Decimal(0),
        )
        for day, value in ((BOUGHT.date(), "4000"), (datetime(2024, 2, 1).date(), "4100.5"))
    )
    history = api.get(f"{base}/history/?date_from=2024-01-15").json()
    assert history["count"] == 1
    assert history["results"] == [
        {"date": "2024-02-01", "value": "4100.5", "cost_basis": "4000", "net_deposits": "0"}
    ]
    bob = APIClient()
    bob.force_authenticate(build_drifted("bob").user)
    assert bob.get(f"{base}/snapshot/").status_code == 404
    assert bob.get(f"{base}/history/").status_code == 404


def test_any_other_address_under_api_is_a_json_404(api: APIClient) -> None:
    for path in (
        "/api/nothing/",
        "/api/portfolios/abc/accounts/",
        "/api/portfolios/1/lots/a.b/",
        "/api/x\ny/",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith("No such address in the API")
    assert api.get("/api/portfolios/123456789012345678901234/").status_code == 404


def test_a_runaway_client_is_throttled(
    api: APIClient, drifted: Drifted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"})
    key = UserRateThrottle.cache_format % {"scope": "user", "ident": drifted.user.pk}
    cache.delete(key)
    try:
        answers = [api.get("/api/portfolios/") for _ in range(4)]
    finally:
        cache.delete(key)
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "throttled" in answers[-1].json()["detail"]
    assert int(answers[-1]["Retry-After"]) > 0
