"""Tax-loss harvest proposals, hand-worked through ledger -> lots -> snapshot prices -> proposal -> accept.

Hal files single with 60,000 of other income in 2026 (taxable income 60,000 - 16,100 = 43,900: the 12%
bracket, inside the 0% long-term band). Taxable brokerage:
  VTI  10 bought 2025-01-10 at 100 (basis 1,000, long-term by March 2026)
  VTI   5 bought 2025-12-01 at 120 (basis   600, short-term; the purchase is 90 days old: window clean)
  VXUS  2 bought 2025-06-01 at  50 (basis   100, a gain at 60)
  VEA   4 bought 2026-01-05 at  50, and 1 more on 2026-02-20 at 45 (a purchase 9 days ago: window not clean)
Prices on 2026-03-01: VTI 80, VXUS 60, VEA 40.

Harvesting both VTI lots: 15 x 80 = 1,200 of proceeds; losses 1,000 - 800 = 200 long-term and 600 - 400 = 200
short-term. No gains this year, so the 400 net loss offsets ordinary income at 12%: 48.00 saved (the
harvesting page's figure). Per lot at the owner's rates: short -200 x 12% = -24.00, long -200 x 0% = 0.00.
Rebuy VXUS with the 1,200: 1,200 / 60 = 20 VXUS.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from portfolios.models import PriceQuote, Transaction
from portfolios.services import TransactionData, transaction_record
from portfolios.snapshots import portfolio_snapshot_compute
from rebalancing.harvest import UnknownLot, harvest_proposal_create
from rebalancing.models import ProposalKind, ProposalStatus
from rebalancing.services import Execution, proposal_accept
from taxes.models import Disposal, TaxLot, TaxProfile
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def rec(account, kind: str, day: str, qty: str, price: str, asset) -> Transaction:  # type: ignore[no-untyped-def]
    when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
    data = TransactionData(
        account=account, type=kind, timestamp=when, quantity=D(qty), unit_price=D(price), asset=asset
    )
    return transaction_record(portfolio=account.portfolio, data=data)


@pytest.fixture
def hal():  # type: ignore[no-untyped-def]
    user = UserFactory(username="hal", timezone="UTC")
    book = PortfolioFactory(owner=user, name="Book")
    broker = AccountFactory(portfolio=book, name="Broker", kind="brokerage")
    assets = {s: AssetFactory(symbol=s, asset_class="etf") for s in ("VTI", "VXUS", "VEA")}
    TaxProfile.objects.create(owner=user, year=2026, other_ordinary_income=D(60000))
    with time_machine.travel(NOW, tick=False):
        rec(broker, "buy", "2025-01-10", "10", "100", assets["VTI"])
        rec(broker, "buy", "2025-12-01", "5", "120", assets["VTI"])
        rec(broker, "buy", "2025-06-01", "2", "50", assets["VXUS"])
        rec(broker, "buy", "2026-01-05", "4", "50", assets["VEA"])
        rec(broker, "buy", "2026-02-20", "1", "45", assets["VEA"])
        for symbol, price in (("VTI", 80), ("VXUS", 60), ("VEA", 40)):
            PriceQuote.objects.create(asset=assets[symbol], at=NOW, price=D(price), source="csv")
        portfolio_snapshot_compute(portfolio_id=book.pk)
    return user, book, broker, assets


def lot_of(account, symbol: str, day: str) -> TaxLot:  # type: ignore[no-untyped-def]
    return TaxLot.objects.get(account=account, asset__symbol=symbol, acquired=day)


@time_machine.travel(NOW, tick=False)
def test_harvest_two_loss_lots_with_a_rebuy_then_accept(hal) -> None:  # type: ignore[no-untyped-def]
    _user, book, broker, assets = hal
    old, new = lot_of(broker, "VTI", "2025-01-10"), lot_of(broker, "VTI", "2025-12-01")
    proposal = harvest_proposal_create(
        portfolio=book, lots=[(old.lot_id, None), (new.lot_id, None)], rebuy_asset=assets["VXUS"]
    )
    assert (proposal.kind, proposal.status) == (ProposalKind.HARVEST, ProposalStatus.PENDING)
    trades = list(proposal.trades.order_by("position"))
    got = [(t.side, t.asset.symbol, t.quantity, t.price, t.value, t.estimated_tax) for t in trades]
    assert got == [
        ("sell", "VTI", D(15), D(80), D("1200.00"), D("-24.00")),
        ("buy", "VXUS", D(20), D(60), D("1200.00"), D(0)),
    ]
    lots = [
        (x["lot"], x["origin"], x["quantity"], x["basis"], x["gain"], x["term"], x["estimated_tax"])
        for x in trades[0].lots
    ]
    assert lots == [
        (old.lot_id, old.origin_id, "10", "1000", "-200", "long", "0"),
        (new.lot_id, new.origin_id, "5", "600", "-200", "short", "-24"),
    ]
    assert trades[0].lots[0]["long_term_from"] == old.long_term_from.isoformat()
    assert proposal.totals["estimated_tax"] == "-48"
    assert any("Tax-loss harvest" in r for r in proposal.reasons)
    assert any("$48.00" in r for r in proposal.reasons)
    assert any("your call" in r for r in proposal.reasons)
    assert any("before 2026-04-01" in r for r in proposal.reasons)

    proposal_accept(
        proposal=proposal,
        executions=[Execution(trades[0].pk, D(15), D(80)), Execution(trades[1].pk, D(20), D(60))],
    )
    sale = Transaction.objects.get(type="sell", notes=f"Tax-loss harvest proposal #{proposal.pk}")
    assert sorted(sale.lot_picks.values_list("origin_id", "quantity")) == sorted(
        [(old.origin_id, D(10)), (new.origin_id, D(5))]
    )
    buy = Transaction.objects.get(type="buy", notes=f"Tax-loss harvest proposal #{proposal.pk}")
    assert (buy.asset_id, buy.quantity, buy.unit_price) == (assets["VXUS"].pk, D(20), D(60))
    disposals = Disposal.objects.filter(transaction=sale).order_by("term")
    assert [(d.lot_id, d.term, d.gain) for d in disposals] == [
        (old.lot_id, "long", D(-200)),
        (new.lot_id, "short", D(-200)),
    ]
    assert sum(d.gain for d in disposals) == D(-400)


@time_machine.travel(NOW, tick=False)
def test_refusals(hal) -> None:  # type: ignore[no-untyped-def]
    _user, book, broker, assets = hal
    gain = lot_of(broker, "VXUS", "2025-06-01")
    with pytest.raises(ValidationError, match="not at a loss any more"):
        harvest_proposal_create(portfolio=book, lots=[(gain.lot_id, None)])
    washed = lot_of(broker, "VEA", "2026-01-05")
    with pytest.raises(ValidationError, match=r"wash sale.*clean from 2026-03-23"):
        harvest_proposal_create(portfolio=book, lots=[(washed.lot_id, None)])
    vti = lot_of(broker, "VTI", "2025-01-10")
    with pytest.raises(ValidationError, match="cannot be VTI itself"):
        harvest_proposal_create(portfolio=book, lots=[(vti.lot_id, None)], rebuy_asset=assets["VTI"])
    with pytest.raises(ValidationError, match="at least one"):
        harvest_proposal_create(portfolio=book, lots=[])
    with pytest.raises(UnknownLot):
        harvest_proposal_create(portfolio=book, lots=[("no-such-lot", None)])
    assert not book.proposals.exists()


@time_machine.travel(NOW, tick=False)
def test_harvest_page_flow_and_another_users_lot(client, hal) -> None:  # type: ignore[no-untyped-def]
    user, book, broker, assets = hal
    old, new = lot_of(broker, "VTI", "2025-01-10"), lot_of(broker, "VTI", "2025-12-01")
    client.force_login(user)
    page = client.get(reverse("taxes:harvest")).content.decode()
    assert f'value="{old.lot_id}@{broker.pk}"' in page
    assert "not substantially identical" in page
    assert "each portfolio's lots have their own form" in page
    url = reverse("rebalancing:harvest_create", args=[book.pk])
    picked = [f"{old.lot_id}@{broker.pk}", f"{new.lot_id}@{broker.pk}"]
    response = client.post(url, {"lot": picked, "rebuy": assets["VXUS"].pk})
    proposal = book.proposals.get()
    assert response.url == reverse("rebalancing:proposal_detail", args=[book.pk, proposal.pk])
    detail = client.get(response.url).content.decode()
    assert "Tax-loss harvest" in detail
    assert "$48.00" in detail
    assert f'data-lot="{old.lot_id}"' in detail
    listing = client.get(reverse("rebalancing:proposal_list", args=[book.pk])).content.decode()
    assert 'data-kind="harvest"' in listing
    dashboard = client.get(reverse("portfolios:dashboard", args=[book.pk])).content.decode()
    assert "tax-loss harvest proposal is waiting" in dashboard
    trades = list(proposal.trades.order_by("position"))
    form = {f"{k}-{t.pk}": v for t in trades for k, v in (("q", t.quantity), ("p", t.price), ("f", 0))}
    accepted = client.post(reverse("rebalancing:proposal_accept", args=[book.pk, proposal.pk]), form)
    assert accepted.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED

    # A gain lot is refused with the reason on the page.
    gain = lot_of(broker, "VXUS", "2025-06-01")
    refused = client.post(url, {"lot": [gain.lot_id]}, follow=True).content.decode()
    assert "not at a loss any more" in refused

    # Another user's lot, through this user's portfolio or theirs, is a 404.
    other = UserFactory(username="ivy", timezone="UTC")
    their_book = PortfolioFactory(owner=other, name="Theirs")
    their_broker = AccountFactory(portfolio=their_book, name="Broker", kind="brokerage")
    rec(their_broker, "buy", "2025-01-10", "3", "100", assets["VTI"])
    theirs = TaxLot.objects.get(account=their_broker)
    assert client.post(url, {"lot": [f"{theirs.lot_id}@{their_broker.pk}"]}).status_code == 404
    their_url = reverse("rebalancing:harvest_create", args=[their_book.pk])
    assert client.post(their_url, {"lot": [theirs.lot_id]}).status_code == 404
