"""The JSON API: exact decimal strings, writes through the ledger services, and each user's data only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from portfolios.models import Transaction
from taxes.models import TaxLot
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():  # type: ignore[no-untyped-def]
    return UserFactory(username="alice")


@pytest.fixture
def api(alice):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def book(alice):  # type: ignore[no-untyped-def]
    portfolio = PortfolioFactory(owner=alice, name="Book")
    AccountFactory(portfolio=portfolio, name="Exchange")
    AssetFactory(symbol="ETH")
    return portfolio


def buy(api, book, qty: str = "1.123456789012345678", **extra):  # type: ignore[no-untyped-def]
    account = book.accounts.get()
    payload = {
        "account": account.pk,
        "type": "buy",
        "timestamp": "2024-02-01T10:00:00Z",
        "asset": "ETH",
        "quantity": qty,
        "unit_price": "2000",
        "fee": "1.5",
        **extra,
    }
    return api.post(f"/api/portfolios/{book.pk}/transactions/", payload, format="json")


def test_create_keeps_18_decimals_and_computes_lots(api, book) -> None:  # type: ignore[no-untyped-def]
    response = buy(api, book)
    assert response.status_code == 201, response.json()
    assert response.json()["quantity"] == "1.123456789012345678"
    lot = TaxLot.objects.get()
    assert lot.quantity == Decimal("1.123456789012345678")
    assert lot.basis == Decimal("1.123456789012345678") * 2000 + Decimal("1.5")
    lots = api.get(f"/api/portfolios/{book.pk}/lots/").json()["results"]
    assert lots[0]["basis"] == "2248.413578024691356000"


def test_oversell_is_a_400_naming_quantity(api, book) -> None:  # type: ignore[no-untyped-def]
    buy(api, book, qty="1")
    response = buy(api, book, qty="2", type="sell", timestamp="2024-03-01T10:00:00Z", fee="0")
    assert response.status_code == 400
    assert "quantity" in response.json()
    assert Transaction.objects.count() == 1


def test_patch_and_delete_recompute(api, book) -> None:  # type: ignore[no-untyped-def]
    tx_id = buy(api, book, qty="2").json()["id"]
    response = api.patch(f"/api/portfolios/{book.pk}/transactions/{tx_id}/", {"quantity": "3"}, format="json")
    assert response.status_code == 200, response.json()
    assert TaxLot.objects.get().quantity == Decimal(3)
    assert api.delete(f"/api/portfolios/{book.pk}/transactions/{tx_id}/").status_code == 204
    assert not TaxLot.objects.exists()


def test_validation_messages_name_the_field(api, book) -> None:  # type: ignore[no-untyped-def]
    response = buy(api, book, qty="-1")
    assert response.status_code == 400
    assert "quantity" in response.json()
    response = buy(api, book, qty="0.0000000000000000001")
    assert response.status_code == 400
    assert "quantity" in response.json()
    response = buy(api, book, type="staking", unit_price=None, fee="0")
    assert response.status_code == 400
    assert "unit_price" in response.json()


def test_other_users_data_is_404(api, book) -> None:  # type: ignore[no-untyped-def]
    """Two users: Bob sees none of Alice's portfolio, accounts, transactions, lots or disposals."""
    tx_id = buy(api, book).json()["id"]
    bob = APIClient()
    bob.force_authenticate(UserFactory(username="bob"))
    base = f"/api/portfolios/{book.pk}"
    assert bob.get("/api/portfolios/").json()["results"] == []
    for url in (
        f"{base}/",
        f"{base}/accounts/",
        f"{base}/transactions/",
        f"{base}/transactions/{tx_id}/",
        f"{base}/lots/",
        f"{base}/disposals/",
    ):
        assert bob.get(url).status_code == 404, url
    assert bob.patch(f"{base}/transactions/{tx_id}/", {"quantity": "9"}, format="json").status_code == 404
    assert bob.delete(f"{base}/transactions/{tx_id}/").status_code == 404
    assert buy(bob, book).status_code == 404
    assert Transaction.objects.get(pk=tx_id).quantity == Decimal("1.123456789012345678")
    # Bob cannot point his own transaction at Alice's account either.
    bob_book = PortfolioFactory(owner=UserFactory(username="bob"), name="Bob")
    response = bob.post(
        f"/api/portfolios/{bob_book.pk}/transactions/",
        {
            "account": book.accounts.get().pk,
            "type": "buy",
            "timestamp": "2024-02-01T10:00:00Z",
            "asset": "ETH",
            "quantity": "1",
            "unit_price": "1",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "account" in response.json()


def test_anonymous_is_refused() -> None:
    assert APIClient().get("/api/portfolios/").status_code in (401, 403)


def test_schema_is_served(api) -> None:  # type: ignore[no-untyped-def]
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/portfolios/{portfolio_id}/transactions/" in response.content


def test_sale_with_lot_picks_round_trips(api, book) -> None:  # type: ignore[no-untyped-def]
    """A sale with specific-ID picks is created, listed, read and patched (no 500), and the picks come
    back as exact strings naming the buy they took from."""
    first = buy(api, book, qty="1").json()["id"]
    buy(api, book, qty="1", timestamp="2024-02-02T10:00:00Z", unit_price="3000")
    response = buy(
        api,
        book,
        qty="0.5",
        type="sell",
        timestamp="2024-03-01T10:00:00Z",
        fee="0",
        lot_picks=[{"origin": first, "quantity": "0.5"}],
    )
    assert response.status_code == 201, response.json()
    sale = response.json()
    assert [(p["origin"], Decimal(p["quantity"])) for p in sale["lot_picks"]] == [(first, Decimal("0.5"))]
    base = f"/api/portfolios/{book.pk}/transactions/"
    assert api.get(base).status_code == 200
    assert api.get(f"{base}{sale['id']}/").json()["lot_picks"][0]["origin"] == first
    patched = api.patch(f"{base}{sale['id']}/", {"unit_price": "2500"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert Decimal(patched.json()["unit_price"]) == 2500
    lots = sorted(
        Decimal(lot["quantity"]) for lot in api.get(f"/api/portfolios/{book.pk}/lots/").json()["results"]
    )
    assert lots == [Decimal("0.5"), Decimal(1)]


def test_a_write_whose_answer_fails_saves_nothing(api, book, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The answer is built before the write commits: if building it fails, the transaction is not kept,
    so a client retrying after the error cannot duplicate it."""
    from portfolios.api import serializers as api_serializers

    def broken(self, instance):  # type: ignore[no-untyped-def]
        raise RuntimeError("answer failed")

    monkeypatch.setattr(api_serializers.TransactionSerializer, "to_representation", broken)
    api.raise_request_exception = False
    response = buy(api, book)
    assert response.status_code == 500
    assert Transaction.objects.count() == 0
    assert not TaxLot.objects.exists()


def test_portfolios_and_accounts_by_api(api, alice) -> None:  # type: ignore[no-untyped-def]
    """Create, rename and delete a portfolio; create an IRA (the kind fixes the treatment), refuse to
    delete an account with transactions; Bob sees and changes none of it."""
    created = api.post("/api/portfolios/", {"name": "Retirement"}, format="json")
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    assert api.post("/api/portfolios/", {"name": "Retirement"}, format="json").status_code == 400
    assert api.patch(f"/api/portfolios/{pid}/", {"name": "Retire"}, format="json").json()["name"] == "Retire"
    ira = api.post(
        f"/api/portfolios/{pid}/accounts/",
        {"name": "IRA", "kind": "traditional_ira", "basis_method": "hifo", "reporting": "basis_reported"},
        format="json",
    )
    assert ira.status_code == 201, ira.json()
    assert (ira.json()["tax_treatment"], ira.json()["basis_method"]) == ("tax_deferred", "hifo")
    bob = APIClient()
    bob.force_authenticate(UserFactory(username="bob"))
    assert bob.get(f"/api/portfolios/{pid}/accounts/").status_code == 404
    assert bob.delete(f"/api/portfolios/{pid}/").status_code == 404
    assert (
        bob.post(
            f"/api/portfolios/{pid}/accounts/", {"name": "x", "kind": "wallet"}, format="json"
        ).status_code
        == 404
    )
    AssetFactory(symbol="ETH")
    tx = api.post(
        f"/api/portfolios/{pid}/transactions/",
        {
            "account": ira.json()["id"],
            "type": "buy",
            "timestamp": "2024-02-01T10:00:00Z",
            "asset": "ETH",
            "quantity": "1",
            "unit_price": "2000",
        },
        format="json",
    )
    assert tx.status_code == 201, tx.json()
    refused = api.delete(f"/api/portfolios/{pid}/accounts/{ira.json()['id']}/")
    assert refused.status_code == 400
    assert "has 1 transaction" in str(refused.json())
    assert api.delete(f"/api/portfolios/{pid}/").status_code == 204
    assert not Transaction.objects.exists()


def test_a_patch_that_is_not_an_object_is_a_400(api, book) -> None:  # type: ignore[no-untyped-def]
    tx_id = buy(api, book).json()["id"]
    for body in ([None, None], "quantity", 3):
        response = api.patch(f"/api/portfolios/{book.pk}/transactions/{tx_id}/", body, format="json")
        assert response.status_code == 400, body
        assert "Expected an object of fields" in response.json()["non_field_errors"][0]
    assert Transaction.objects.get(pk=tx_id).quantity == Decimal("1.123456789012345678")
