"""The rebalancing API (owner-only, same services as the pages) and `manage.py propose`."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from portfolios.models import LotPick, Transaction
from rebalancing.models import ProposalStatus, RebalanceProposal
from tests.rebalancing.kit import build_drifted

pytestmark = pytest.mark.django_db
D = Decimal
KEYS = [
    "id",
    "status",
    "kind",
    "created",
    "reasons",
    "trades",
    "weights_before",
    "weights_after",
    "bands",
    "totals",
]
TRADE_KEYS = ["account", "asset", "side", "quantity", "price", "value", "fee", "estimated_tax", "lots"]


@pytest.fixture
def drifted():  # type: ignore[no-untyped-def]
    return build_drifted()


@pytest.fixture
def api(drifted) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(drifted.user)
    return client


def _base(drifted) -> str:  # type: ignore[no-untyped-def]
    return f"/api/portfolios/{drifted.portfolio.pk}/"


def test_create_list_detail_and_accept_by_api(api, drifted) -> None:  # type: ignore[no-untyped-def]
    created = api.post(_base(drifted) + "proposals/", {"contribution": "0"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert list(body) == KEYS
    assert body["status"] == "pending"
    assert all(list(t) == TRADE_KEYS for t in body["trades"])
    sol = next(t for t in body["trades"] if t["asset"] == "SOL")
    assert (sol["side"], sol["quantity"], sol["value"], sol["estimated_tax"]) == (
        "sell",
        "7.5",
        "1125",
        "112.5",
    )
    assert sol["lots"][0]["term"] == "long"
    assert sol["lots"][0]["gain"] == "750"
    assert body["totals"] == {"turnover": "2500", "estimated_tax": "121.88", "fees": "0"}
    assert body["weights_after"] == {"BTC": "0.25", "ETH": "0.25", "SOL": "0.25", "ADA": "0.25"}
    pid = body["id"]
    assert [p["id"] for p in api.get(_base(drifted) + "proposals/").json()["results"]] == [pid]
    assert api.get(_base(drifted) + f"proposals/{pid}/").json() == body
    index = body["trades"].index(sol)
    accepted = api.post(
        _base(drifted) + f"proposals/{pid}/accept/",
        {"trades": [{"index": index, "quantity": "7.5", "price": "149.5", "fee": "1"}]},
        format="json",
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    sale = Transaction.objects.get(type="sell", asset__symbol="SOL", notes__startswith="Rebalance")
    assert (sale.unit_price, sale.fee) == (D("149.5"), D(1))
    assert LotPick.objects.get(transaction=sale).origin_id == drifted.buys["SOL"].pk
    again = api.post(_base(drifted) + f"proposals/{pid}/accept/", {}, format="json")
    assert again.status_code == 400
    assert "already accepted" in json.dumps(again.json())
    assert Transaction.objects.filter(notes__startswith="Rebalance").count() == 4


def test_dismiss_by_api(api, drifted) -> None:  # type: ignore[no-untyped-def]
    pid = api.post(_base(drifted) + "proposals/", {}, format="json").json()["id"]
    assert api.post(_base(drifted) + f"proposals/{pid}/dismiss/").json()["status"] == "dismissed"
    assert api.post(_base(drifted) + f"proposals/{pid}/dismiss/").status_code == 400


def test_target_get_put_validates_the_sum(api, drifted) -> None:  # type: ignore[no-untyped-def]
    got = api.get(_base(drifted) + "target/").json()
    assert got["version"] == 1
    assert got["weights"]["BTC"] == "0.25"
    ids = {s: drifted.assets[s].pk for s in ("BTC", "ETH")}
    bad = api.put(
        _base(drifted) + "target/",
        {"weights": {str(ids["BTC"]): "0.6", str(ids["ETH"]): "0.3"}},
        format="json",
    )
    assert bad.status_code == 400
    assert "not exactly 100% (10% short)" in json.dumps(bad.json())
    ok = api.put(
        _base(drifted) + "target/",
        {"weights": {str(ids["BTC"]): "0.7", str(ids["ETH"]): "0.3"}},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json()["weights"] == {"BTC": "0.7", "ETH": "0.3"}
    assert ok.json()["version"] == 2


def test_policy_get_put(api, drifted) -> None:  # type: ignore[no-untyped-def]
    assert api.get(_base(drifted) + "policy/").json()["short_rate"] == "0.24"
    put = api.put(
        _base(drifted) + "policy/",
        {"buy_only": True, "min_trade": "25", "calendar": "quarterly"},
        format="json",
    )
    assert put.status_code == 200
    assert (put.json()["buy_only"], put.json()["min_trade"], put.json()["calendar"]) == (
        True,
        "25",
        "quarterly",
    )
    assert api.put(_base(drifted) + "policy/", {"nonsense": 1}, format="json").status_code == 400


def test_bob_gets_404_on_every_api_of_alices(drifted) -> None:  # type: ignore[no-untyped-def]
    alice = APIClient()
    alice.force_authenticate(drifted.user)
    pid = alice.post(_base(drifted) + "proposals/", {}, format="json").json()["id"]
    bob = APIClient()
    bob.force_authenticate(build_drifted("bob").user)
    base = _base(drifted)
    for path in ("target/", "policy/", "proposals/", f"proposals/{pid}/"):
        assert bob.get(base + path).status_code == 404, path
    assert bob.put(base + "target/", {"weights": {}}, format="json").status_code == 404
    assert bob.put(base + "policy/", {"buy_only": True}, format="json").status_code == 404
    assert bob.post(base + "proposals/", {}, format="json").status_code == 404
    for action in ("accept", "dismiss"):
        assert bob.post(base + f"proposals/{pid}/{action}/", {}, format="json").status_code == 404
    assert RebalanceProposal.objects.get(pk=pid).status == ProposalStatus.PENDING


def test_command_prints_the_same_json(drifted) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command(
        "propose",
        "--user",
        "alice",
        "--portfolio",
        "Index",
        "--contribution",
        "100",
        "--format",
        "json",
        stdout=out,
    )
    body = json.loads(out.getvalue())
    assert list(body) == KEYS
    assert RebalanceProposal.objects.get(pk=body["id"]).contribution == D(100)
    with pytest.raises(CommandError, match="no portfolio named"):
        call_command("propose", "--user", "alice", "--portfolio", "Nope", stdout=StringIO())
