"""/api/assets/: your assets and the catalogue, a private asset by symbol, an asset's class; nobody else's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from portfolios.models import Asset, Transaction
from tests.factories import AccountFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(username: str) -> tuple[APIClient, object]:
    user = UserFactory(username=username)
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def test_create_a_private_asset_and_a_catalogue_one() -> None:
    alice, user = client_for("alice")
    made = alice.post("/api/assets/", {"symbol": "zzq", "asset_class": "crypto"})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["symbol"], body["asset_class"], body["shared"], body["label"]) == (
        "ZZQ",
        "crypto",
        False,
        "ZZQ (crypto)",
    )
    assert Asset.objects.get(pk=body["id"]).owner == user
    again = alice.post("/api/assets/", {"symbol": "ZZQ", "asset_class": "crypto"})
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    btc = alice.post("/api/assets/", {"symbol": "BTC"})
    assert btc.status_code == 201, btc.json()
    assert (btc.json()["shared"], btc.json()["price_source"], btc.json()["price_source_id"]) == (
        True,
        "coingecko",
        "bitcoin",
    )


def test_a_symbol_is_checked_and_an_unknown_one_needs_its_class() -> None:
    alice, _ = client_for("alice")
    bad = alice.post("/api/assets/", {"symbol": "NOT A SYMBOL"})
    assert bad.status_code == 400
    assert "is not a symbol" in bad.json()["symbol"][0]
    unknown = alice.post("/api/assets/", {"symbol": "ZZQ"})
    assert unknown.status_code == 400
    assert "its class is needed" in unknown.json()["symbol"][0]
    wrong_class = alice.post("/api/assets/", {"symbol": "ZZQ", "asset_class": "cash"})
    assert wrong_class.status_code == 400
    assert "asset_class" in wrong_class.json()
    assert not Asset.objects.exists()


def test_list_shows_your_assets_and_the_catalogue_is_filtered() -> None:
    alice, _user = client_for("alice")
    bob, _ = client_for("bob")
    mine = alice.post("/api/assets/", {"symbol": "ZZQ", "asset_class": "stock"}).json()
    theirs = bob.post("/api/assets/", {"symbol": "YYQ", "asset_class": "crypto"}).json()
    listed = alice.get("/api/assets/").json()
    assert [a["symbol"] for a in listed["results"]] == ["ZZQ"]
    assert listed["results"][0]["class_choices"] == ["crypto", "stablecoin", "etf", "bond"]
    assert alice.get(f"/api/assets/{theirs['id']}/").status_code == 404
    assert alice.get("/api/assets/?asset_class=crypto").json()["count"] == 0
    catalogue = alice.get("/api/assets/catalogue/?symbol=eth").json()
    assert catalogue["results"] == [
        {
            "symbol": "ETH",
            "asset_class": "crypto",
            "name": "Ethereum",
            "price_source": "coingecko",
            "price_source_id": "ethereum",
        }
    ]
    assert alice.get("/api/assets/catalogue/?asset_class=etf&page_size=5").json()["count"] > 5
    assert alice.get("/api/assets/?asset_class=gold").status_code == 400
    assert mine["id"] != theirs["id"]


def test_change_the_class_of_your_asset_recomputes_and_others_cannot() -> None:
    alice, user = client_for("alice")
    bob, _ = client_for("bob")
    book = PortfolioFactory(owner=user)
    account = AccountFactory(portfolio=book, name="Broker")
    asset = alice.post("/api/assets/", {"symbol": "ZZQ", "asset_class": "crypto"}).json()
    tx = alice.post(
        f"/api/portfolios/{book.pk}/transactions/",
        {
            "account": account.pk,
            "type": "buy",
            "timestamp": "2024-02-01T10:00:00Z",
            "asset": asset["id"],
            "quantity": "2",
            "unit_price": "10",
        },
    )
    assert tx.status_code == 201, tx.json()
    assert bob.post(f"/api/assets/{asset['id']}/class/", {"asset_class": "stock"}).status_code == 404
    changed = alice.post(f"/api/assets/{asset['id']}/class/", {"asset_class": "stock"})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["id"], changed.json()["asset_class"], changed.json()["price_source"]) == (
        asset["id"],
        "stock",
        "yahoo",
    )
    assert Transaction.objects.get().asset.asset_class == "stock"
    assert Transaction.objects.get().quantity == Decimal(2)
    refused = alice.post(f"/api/assets/{asset['id']}/class/", {"asset_class": "gold"})
    assert refused.status_code == 400
    assert "asset_class" in refused.json()
