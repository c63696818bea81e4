"""The rebalancing API checks what it is sent before the services see it: a 400 naming the field, never a
500 later (a policy's per-account costs are read by every proposal)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from rebalancing.models import Policy
from tests.rebalancing.kit import Drifted, build_drifted

pytestmark = pytest.mark.django_db


@pytest.fixture
def drifted() -> Drifted:
    return build_drifted()


@pytest.fixture
def api(drifted: Drifted) -> APIClient:
    client = APIClient()
    client.force_authenticate(drifted.user)
    return client


def test_account_costs_name_this_portfolios_accounts_with_amounts(api: APIClient, drifted: Drifted) -> None:
    url = f"/api/portfolios/{drifted.portfolio.pk}/policy/"
    account = str(drifted.account.pk)
    bad_amount = api.put(url, {"account_costs": {account: {"fee_bps": "lots"}}})
    assert bad_amount.status_code == 400
    assert "account_costs" in bad_amount.json()
    not_mine = api.put(url, {"account_costs": {"999999": {"fee_bps": "5"}}})
    assert not_mine.status_code == 400
    assert "not the id of one of this portfolio's accounts" in not_mine.json()["account_costs"][0]
    assert not Policy.objects.filter(portfolio=drifted.portfolio).exclude(account_costs={}).exists()
    ok = api.put(url, {"account_costs": {account: {"fee_bps": "12.5", "fee_fixed": "1"}}})
    assert ok.status_code == 200, ok.json()
    assert ok.json()["account_costs"] == {account: {"fee_bps": "12.5", "fee_fixed": "1"}}
    proposal = api.post(f"/api/portfolios/{drifted.portfolio.pk}/proposals/", {})
    assert proposal.status_code == 201, proposal.json()
    sol = next(t for t in proposal.json()["trades"] if t["asset"] == "SOL")
    assert sol["fee"] == "2.41"  # 12.5 bps of 1,125 plus 1: 2.40625, to the cent


def test_policy_keeps_a_check_and_bounds_its_numbers(api: APIClient, drifted: Drifted) -> None:
    url = f"/api/portfolios/{drifted.portfolio.pk}/policy/"
    nothing = api.put(url, {"threshold_check": False, "calendar": ""})
    assert nothing.status_code == 400
    assert "else nothing is checked" in nothing.json()["threshold_check"][0]
    for field, value in (
        ("short_rate", "1.5"),
        ("min_trade", "-1"),
        ("band_mode", "wide"),
        ("fee_bps", "NaN"),
    ):
        response = api.put(url, {field: value})
        assert response.status_code == 400, field
        assert field in response.json()
    calendar_only = api.put(url, {"threshold_check": False, "calendar": "monthly"})
    assert calendar_only.status_code == 200
    assert (calendar_only.json()["threshold_check"], calendar_only.json()["calendar"]) == (False, "monthly")


def test_target_weights_are_asset_ids_with_fractions(api: APIClient, drifted: Drifted) -> None:
    url = f"/api/portfolios/{drifted.portfolio.pk}/target/"
    btc = str(drifted.assets["BTC"].pk)
    assert "weights" in api.put(url, {"weights": {"BTC": "1"}}).json()
    assert "weights" in api.put(url, {"weights": {btc: "2"}}).json()
    assert "weights" in api.put(url, {"weights": [1]}).json()
    unknown = api.put(url, {"weights": {"999999": "1"}})
    assert unknown.status_code == 400
    assert "Unknown asset: 999999." in unknown.json()["non_field_errors"][0]
    assert api.get(url).json()["version"] == 1


def test_accept_names_a_trade_by_its_index(api: APIClient, drifted: Drifted) -> None:
    base = f"/api/portfolios/{drifted.portfolio.pk}/proposals/"
    proposal = api.post(base, {"contribution": "0"}).json()
    far = api.post(f"{base}{proposal['id']}/accept/", {"trades": [{"index": 9}]})
    assert far.status_code == 400
    assert far.json()["trades"] == ["Each needs an index from 0 to 3."]
    negative = api.post(f"{base}{proposal['id']}/accept/", {"trades": [{"index": 0, "price": "-1"}]})
    assert negative.status_code == 400
    assert api.get(f"{base}{proposal['id']}/").json()["status"] == "pending"
    listed = api.get(f"{base}?page_size=1").json()
    assert (listed["count"], [p["id"] for p in listed["results"]]) == (1, [proposal["id"]])
