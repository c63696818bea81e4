"""Tax-loss harvesting and the year planner, hand-worked through ledger -> engine -> snapshot prices."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portfolios.models import PriceQuote
from portfolios.services import TransactionData, transaction_record
from portfolios.snapshots import portfolio_snapshot_compute
from taxes.models import TaxProfile
from taxes.planning import harvest_candidates, year_planner
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def rec(account, kind: str, day: str, qty: str, price: str, asset) -> None:  # type: ignore[no-untyped-def]
    when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
    data = TransactionData(
        account=account, type=kind, timestamp=when, quantity=D(qty), unit_price=D(price), asset=asset
    )
    transaction_record(portfolio=account.portfolio, data=data)


@pytest.fixture
def ann():  # type: ignore[no-untyped-def]
    """Single filer with 60,000 of other income in 2026 (taxable income 60,000 - 16,100 = 43,900: the 12%
    bracket). Taxable brokerage: 10 VTI bought 2025-01-10 at 100 (long-term by March 2026), 1 BTC bought
    2026-01-15 at 50,000 (short-term). Roth IRA: 1 VTI bought 2026-02-20 at 90. Prices on 2026-03-01:
    VTI 80, BTC 40,000."""
    user = UserFactory(username="ann")
    book = PortfolioFactory(owner=user, name="Book")
    broker = AccountFactory(portfolio=book, name="Broker", kind="brokerage")
    roth = AccountFactory(portfolio=book, name="Roth", kind="roth_ira", tax_treatment="tax_free")
    vti = AssetFactory(symbol="VTI", asset_class="etf")
    btc = AssetFactory(symbol="BTC", asset_class="crypto")
    TaxProfile.objects.create(owner=user, year=2026, other_ordinary_income=D(60000))
    with time_machine.travel(NOW, tick=False):
        rec(broker, "buy", "2025-01-10", "10", "100", vti)
        rec(broker, "buy", "2026-01-15", "1", "50000", btc)
        rec(roth, "buy", "2026-02-20", "1", "90", vti)
        PriceQuote.objects.create(asset=vti, at=NOW, price=D(80), source="csv")
        PriceQuote.objects.create(asset=btc, at=NOW, price=D(40000), source="csv")
        portfolio_snapshot_compute(portfolio_id=book.pk)
    return user


@time_machine.travel(NOW, tick=False)
def test_harvest_savings_limit_and_wash_window(ann) -> None:  # type: ignore[no-untyped-def]
    """BTC: short-term loss 10,000, of which 3,000 offsets ordinary income at 12%: saving 360.00.
    VTI (taxable lot): long-term loss 200 -> offsets 200 of ordinary income at 12%: saving 24.00; but 1 VTI
    was bought in the Roth on 2026-02-20, so selling now is a wash sale (Rev. Rul. 2008-5); clean from
    2026-03-23 (31 days after the purchase). Both together: 10,200 of loss, still 3,000 allowed: 360.00.
    The Roth's own VTI lot (a gain-free loss of 10 inside an IRA) is not listed. Crypto: the page says the
    wash-sale rule does not apply."""
    h = harvest_candidates(owner=ann, today=date(2026, 3, 1))
    got = [(r.asset, r.term, r.loss, r.saving, r.wash_rule, r.recent_purchase, r.clean_from) for r in h.rows]
    assert got == [
        ("BTC", "short", D(10000), D("360.00"), False, None, None),
        ("VTI", "long", D(200), D("24.00"), True, date(2026, 2, 20), date(2026, 3, 23)),
    ]
    assert (h.total_loss, h.total_saving) == (D(10200), D("360.00"))
    assert "does not apply to crypto" in h.crypto_note


@time_machine.travel(NOW, tick=False)
def test_harvest_page_and_other_users(client, ann) -> None:  # type: ignore[no-untyped-def]
    client.force_login(ann)
    html = client.get(reverse("taxes:harvest")).content.decode()
    assert 'data-col="saving">360.00<' in html
    assert "clean from 2026-03-23" in html
    client.force_login(UserFactory(username="bob"))
    assert "No open lot in a taxable account" in client.get(reverse("taxes:harvest")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_year_planner(client, ann) -> None:  # type: ignore[no-untyped-def]
    """Nothing realized yet; taxable income 43,900 (single 2026): the 0% long-term band tops out at 49,450,
    so 5,550 of long-term gain would be taxed at 0%; the 12% ordinary bracket ends at 50,400, so 6,500 of
    Roth conversion stays in it. Tax so far: 1,240 + 12% x (43,900 - 12,400) = 5,020.00."""
    plan = year_planner(owner=ann, today=date(2026, 3, 1))
    assert (plan.realized_short, plan.realized_long) == (D(0), D(0))
    assert plan.estimate.total == D("5020.00")
    assert plan.zero_rate.zero_rate == D(5550)
    assert (plan.conversion.rate, plan.conversion.room) == (D("0.12"), D(6500))
    client.force_login(ann)
    html = client.get(reverse("taxes:planner")).content.decode()
    assert '<p class="big num" id="zero-room">$5,550.00</p>' in html
