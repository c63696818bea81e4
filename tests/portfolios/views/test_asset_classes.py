"""An owner changes an asset's class, and what the class decides (wash sales) is recomputed.

Hand-worked: 10 ZZFD bought 2024-01-02 at 100 (basis 1,000), sold 2024-03-01 at 80 (proceeds 800, a
200 loss), 10 bought back 2024-03-10 at 85 (850). As crypto no wash-sale rule applies: the loss stands and
the new lot's basis is 850. As an ETF the buy 9 days after the loss sale is a replacement: the 200 loss
is disallowed (reported gain 0) and added to the new lot's basis, 850 + 200 = 1,050.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from portfolios import assets as asset_services
from portfolios.models import Asset, Transaction
from portfolios.services import TransactionData, transaction_record
from taxes.engine.types import EngineError
from taxes.models import Disposal, TaxLot
from taxes.services import RecomputeError
from tests.factories import AccountFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(client: Any) -> Any:
    user = UserFactory(username="ann")
    client.force_login(user)
    return user


def _record(
    portfolio: Any, account: Any, asset: Asset, kind: str, day: datetime, qty: str, price: str
) -> None:
    data = TransactionData(
        account=account,
        type=kind,
        timestamp=day,
        quantity=Decimal(qty),
        asset=asset,
        unit_price=Decimal(price),
    )
    transaction_record(portfolio=portfolio, data=data)


def _loss_and_rebuy(owner: Any, asset: Asset) -> Any:
    book = PortfolioFactory(owner=owner, name="Book")
    account = AccountFactory(portfolio=book, name="Broker")
    _record(book, account, asset, "buy", datetime(2024, 1, 2, 15, tzinfo=UTC), "10", "100")
    _record(book, account, asset, "sell", datetime(2024, 3, 1, 15, tzinfo=UTC), "10", "80")
    _record(book, account, asset, "buy", datetime(2024, 3, 10, 15, tzinfo=UTC), "10", "85")
    return book


def _sale_and_lot(asset: Asset) -> tuple[tuple[Decimal, Decimal, Decimal, Decimal], Decimal]:
    sale = Disposal.objects.get(asset=asset)
    lot = TaxLot.objects.get(asset=asset)
    return (sale.proceeds, sale.basis, sale.wash_disallowed, sale.gain), lot.basis


def test_owner_asset_switched_to_etf_gets_its_wash_sale(client: Any, ann: Any) -> None:
    fund = Asset.objects.create(symbol="ZZFD", name="ZZFD", asset_class="crypto", owner=ann)
    _loss_and_rebuy(ann, fund)
    assert _sale_and_lot(fund) == ((Decimal(800), Decimal(1000), Decimal(0), Decimal(-200)), Decimal(850))

    page = client.get(reverse("portfolios:asset_list")).content.decode()
    assert f'action="{reverse("portfolios:asset_class", args=[fund.pk])}"' in page
    assert "yours" in page

    response = client.post(
        reverse("portfolios:asset_class", args=[fund.pk]), {"asset_class": "etf"}, follow=True
    )
    assert "ZZFD is now ETF; lots recomputed." in response.content.decode()
    fund.refresh_from_db()
    # A security is quoted by its ticker once it is one.
    assert (fund.asset_class, fund.price_source, fund.price_source_id) == ("etf", "yahoo", "ZZFD")
    assert _sale_and_lot(fund) == ((Decimal(800), Decimal(1000), Decimal(200), Decimal(0)), Decimal(1050))

    # And back: the wash sale goes again.
    client.post(reverse("portfolios:asset_class", args=[fund.pk]), {"asset_class": "crypto"})
    assert _sale_and_lot(fund) == ((Decimal(800), Decimal(1000), Decimal(0), Decimal(-200)), Decimal(850))


def test_change_is_refused_whole_when_the_ledger_no_longer_adds_up(
    client: Any, ann: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fund = Asset.objects.create(symbol="ZZFD", name="ZZFD", asset_class="crypto", owner=ann)
    _loss_and_rebuy(ann, fund)

    def broken(**kwargs: Any) -> None:
        raise RecomputeError(EngineError("sells more than held", event_id=7, field="quantity"))

    monkeypatch.setattr(asset_services, "owner_recompute", broken)
    response = client.post(
        reverse("portfolios:asset_class", args=[fund.pk]), {"asset_class": "etf"}, follow=True
    )
    assert "ZZFD cannot be ETF: with this change the ledger no longer adds up" in response.content.decode()
    fund.refresh_from_db()
    assert fund.asset_class == "crypto"


def test_catalogue_asset_is_shared_so_its_class_is_refused(client: Any, ann: Any) -> None:
    vti = asset_services.asset_for_symbol(user=ann, symbol="VTI")
    _loss_and_rebuy(ann, vti)
    page = client.get(reverse("portfolios:asset_list")).content.decode()
    assert "shared by every user: its class is fixed" in page  # the catalogue has VTI as an ETF only

    response = client.post(
        reverse("portfolios:asset_class", args=[vti.pk]), {"asset_class": "crypto"}, follow=True
    )
    text = response.content.decode()
    assert "VTI (Vanguard Total Stock Market ETF) is a catalogue asset shared by every user" in text
    assert "the catalogue has no VTI that is Crypto" in text
    vti.refresh_from_db()
    assert vti.asset_class == "etf"
    assert Disposal.objects.get(asset=vti).wash_disallowed == Decimal(200)


def test_catalogue_asset_offers_the_other_entry_of_its_symbol(client: Any, ann: Any) -> None:
    """T is AT&T's stock and Threshold Network's token: an owner who meant the token moves their
    transactions to it, and the wash-sale rule stops applying to them."""
    stock = asset_services.asset_for_symbol(user=ann, symbol="T", asset_class="stock")
    _loss_and_rebuy(ann, stock)
    assert Disposal.objects.get(asset=stock).wash_disallowed == Decimal(200)
    page = client.get(reverse("portfolios:asset_list")).content.decode()
    assert "Threshold Network (Crypto)" in page
    assert "Use this entry instead" in page

    response = client.post(
        reverse("portfolios:asset_class", args=[stock.pk]), {"asset_class": "crypto"}, follow=True
    )
    assert "of T (stock) now use the catalogue&#x27;s Threshold Network (Crypto)" in response.content.decode()
    token = Asset.objects.get(symbol="T", asset_class="crypto", owner=None)
    assert token.price_source_id == "threshold-network-token"
    assert not Transaction.objects.filter(asset=stock).exists()
    assert Transaction.objects.filter(asset=token).count() == 3
    stock.refresh_from_db()
    assert stock.asset_class == "stock"  # everyone else's T is still AT&T
    assert _sale_and_lot(token) == ((Decimal(800), Decimal(1000), Decimal(0), Decimal(-200)), Decimal(850))


def test_another_users_asset_is_not_found(client: Any, ann: Any) -> None:
    other = UserFactory(username="bob")
    theirs = Asset.objects.create(symbol="BOBC", name="BOBC", asset_class="crypto", owner=other)
    response = client.post(reverse("portfolios:asset_class", args=[theirs.pk]), {"asset_class": "etf"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.asset_class == "crypto"
