"""A new user sets up a real portfolio in the browser: sign up, a portfolio, three accounts of different
kinds, imports of a Coinbase, a Kraken and a brokerage file, an entered price, a wash sale, and a dashboard
that values every holding.

Hand-worked figures
-------------------
Holdings afterwards (cash holds no lots, so it is no part of the value):

    Coinbase  BTC   0.01  at  60,000.00  =    600.00
    Coinbase  TSTC  100   at       0.80  =     80.00   (no feed: the price the owner entered)
    Kraken    ETH   0.1   at   3,000.00  =    300.00
    Taxable   VTI   20    at     250.00  =  5,000.00   (rebought 2024-03-15)
    Roth IRA  BND   10    at      75.00  =    750.00
                                           --------
                                           6,730.00

The wash sale: 20 VTI bought 2024-01-02 at 230 (basis 4,600) are sold 2024-03-01 at 220 (proceeds 4,400):
a 200.00 loss. 20 VTI are bought back on 2024-03-15, 14 days later, so the whole loss is disallowed
(adjustment 200.00, reported gain 0.00) and added to the new lot's basis: 20 x 222 + 200 = 4,640.00.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from portfolios.models import Asset, OwnerPrice, Portfolio, PriceQuote, Transaction
from taxes.models import Disposal, TaxLot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and new passphrase 42"

COINBASE = """\
"This is a synthetic transaction report for tests. Every row below is made up."

Transactions
User,New Person,00000000-0000-4000-8000-000000000001
ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,\
Total (inclusive of fees and/or spread),Fees and/or Spread,Notes
e2e0000000000000000000a1,2024-01-05 15:00:00 UTC,Deposit,USD,1000,USD,$1.00,"$1,000.00","$1,000.00",$0.00,\
Deposit from a test bank
e2e0000000000000000000a2,2024-01-06 10:00:00 UTC,Buy,BTC,0.01,USD,"$40,000.00",$400.00,$405.00,$5.00,\
Bought 0.01 BTC for $405.00 USD
e2e0000000000000000000a3,2024-01-07 10:00:00 UTC,Buy,TSTC,100,USD,$0.50,$50.00,$50.00,$0.00,\
Bought 100 TSTC for $50.00 USD
"""

KRAKEN = """\
"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance"
"LE2E01-AAAAA-000001","QE2E01-AAAAA-000001","2024-01-02 09:00:00","deposit","","currency","fiat","ZUSD",\
"spot / main",1000.0000,0.0000,1000.0000
"LE2E02-AAAAA-000002","TE2E01-AAAAA-000001","2024-01-03 10:15:30","trade","tradespot","currency","fiat","ZUSD",\
"spot / main",-300.0000,0.0000,700.0000
"LE2E03-AAAAA-000003","TE2E01-AAAAA-000001","2024-01-03 10:15:30","trade","tradespot","currency","crypto","XETH",\
"spot / main",0.1000000000,0.0000000000,0.1000000000
"""

BROKERAGE = """\
"Date","Account","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount"
"01/02/2024","Roth IRA","Buy","BND","TEST TOTAL BOND ETF","10","$72.50","","-$725.00"
"01/02/2024","Taxable","Buy","VTI","TEST TOTAL MARKET ETF","20","$230.00","","-$4,600.00"
"""

PRICES = {("BTC", "crypto"): "60000", ("ETH", "crypto"): "3000", ("VTI", "etf"): "250", ("BND", "etf"): "75"}


def _shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def _sign_up(page: Any) -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", "newbie")
    page.fill("input[name=email]", "newbie@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_selector("text=Welcome to Lotwise")


def _add_account(page: Any, portfolio_id: int, name: str, kind: str) -> None:
    page.goto(f"/portfolios/{portfolio_id}/accounts/")
    page.get_by_role("link", name="Add an account").first.click()
    page.fill("#id_name", name)
    page.select_option("#id_kind", kind)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"**/portfolios/{portfolio_id}/accounts/")


def _preview(page: Any, portfolio_id: int, name: str, content: str) -> None:
    page.goto(f"/import/?portfolio={portfolio_id}")
    page.set_input_files(
        "input[name=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#confirm-form")


def _confirm(page: Any) -> None:
    page.click("#confirm-form button[type=submit]:not([name=action])")
    page.wait_for_url(re.compile(r"/import/\d+/done/"))


def _record(page: Any, portfolio_id: int, kind: str, *, when: str, quantity: str, price: str) -> None:
    page.goto(f"/portfolios/{portfolio_id}/transactions/add/?type={kind}")
    page.select_option("#id_account", label="Taxable")
    page.select_option("#id_asset", label="VTI")
    page.fill("#id_timestamp", when)
    page.fill("#id_quantity", quantity)
    page.fill("#id_unit_price", price)
    page.click("#tx-form button[type=submit]")
    page.wait_for_url(f"**/portfolios/{portfolio_id}/transactions/")


def test_new_user_sets_up_a_portfolio(page: Any, live_server: Any, artifacts: Path) -> None:
    _sign_up(page)

    # A portfolio, then its three accounts.
    page.fill("#id_name", "Household")
    page.get_by_role("button", name="Create portfolio").click()
    page.wait_for_url(re.compile(r"/portfolios/\d+/$"))
    portfolio = Portfolio.objects.get(owner__username="newbie", name="Household")
    pid = portfolio.pk
    _add_account(page, pid, "Taxable", "brokerage")
    _add_account(page, pid, "Coinbase", "exchange")
    _add_account(page, pid, "Roth IRA", "roth_ira")
    rows = page.inner_text("main table tbody")
    assert [name for name in ("Taxable", "Coinbase", "Roth IRA") if name in rows] == [
        "Taxable",
        "Coinbase",
        "Roth IRA",
    ]
    assert {a.name: a.tax_treatment for a in portfolio.accounts.all()} == {
        "Taxable": "taxable",
        "Coinbase": "taxable",
        "Roth IRA": "tax_free",
    }
    _shot(page, artifacts, "new-01-accounts")

    # Coinbase: its preamble is passed over; a coin outside the catalogue is flagged, crypto by guess.
    _preview(page, pid, "coinbase.csv", COINBASE)
    assert page.inner_text("#import-format") == "Coinbase transaction history"
    assert page.inner_text("#import-accounts") == "none"  # into the Coinbase account made above
    tstc = page.locator("#import-new-assets tbody tr", has_text="TSTC")
    assert tstc.locator("select").input_value() == "crypto"
    assert tstc.locator(".badge").count() == 1
    _confirm(page)

    _preview(page, pid, "kraken.csv", KRAKEN)
    assert page.inner_text("#import-format") == "Kraken ledgers"
    assert page.inner_text("#import-accounts") == "Kraken"
    _confirm(page)

    # The brokerage file: VTI is proposed as an ETF from the catalogue, its rows go to the accounts it names.
    _preview(page, pid, "brokerage.csv", BROKERAGE)
    assert page.inner_text("#import-format") == "Brokerage CSV"
    assert page.inner_text("#import-accounts") == "none"
    vti = page.locator("#import-new-assets tbody tr", has_text="VTI")
    assert vti.locator("select").input_value() == "etf"
    assert "from the catalogue" in vti.inner_text()
    assert page.locator("#map-account").input_value() == "Account"  # the mapping step, as proposed
    _shot(page, artifacts, "new-02-brokerage-preview")
    _confirm(page)
    assert Transaction.objects.filter(portfolio=portfolio).count() == 7
    vti_asset = Asset.objects.get(symbol="VTI")
    assert (vti_asset.asset_class, vti_asset.owner_id) == ("etf", None)

    # Feeds' prices (no network here), and the owner's own price for the coin no feed covers.
    now = timezone.now().replace(microsecond=0)
    for (symbol, cls), price in PRICES.items():
        asset = Asset.objects.get(symbol=symbol, asset_class=cls, owner=None)
        PriceQuote.objects.create(
            asset=asset, at=now - timedelta(minutes=1), price=Decimal(price), source="t"
        )
    coin = Asset.objects.get(symbol="TSTC")
    assert (coin.owner_id, coin.price_source_id) == (portfolio.owner_id, "")
    page.goto(f"/prices/mine/?asset={coin.pk}")
    page.fill("#id_price", "0.80")
    page.click("#owner-price-form button[type=submit]")
    page.wait_for_selector("text=Saved your price of TSTC")
    assert OwnerPrice.objects.get(asset=coin).price == Decimal("0.80")

    # Sell VTI at a loss and buy it back two weeks later.
    _record(page, pid, "sell", when="2024-03-01T15:00:00", quantity="20", price="220")
    _record(page, pid, "buy", when="2024-03-15T15:00:00", quantity="20", price="222")
    sale = Disposal.objects.get(asset=vti_asset)
    assert (sale.proceeds, sale.basis, sale.wash_disallowed) == (
        Decimal("4400.00"),
        Decimal("4600.00"),
        Decimal("200.00"),
    )
    rebought = TaxLot.objects.get(asset=vti_asset, quantity__gt=0)
    assert (rebought.quantity, rebought.basis) == (Decimal(20), Decimal("4640.00"))

    page.goto(f"/portfolios/{pid}/realized/?year=2024")
    row = page.locator("main table tbody tr", has_text="VTI")
    assert row.count() == 1
    cells = row.inner_text()
    assert "4,400.00" in cells
    assert "4,600.00" in cells
    assert row.locator(".badge", has_text="W").count() == 1
    assert "200.00" in row.locator("td").nth(7).inner_text()
    _shot(page, artifacts, "new-03-realized-wash-sale")

    # The dashboard values every holding: no worker runs here, so the snapshot is computed in place.
    from portfolios.snapshots import portfolio_snapshot_compute

    snapshot = portfolio_snapshot_compute(portfolio_id=pid)
    assert Decimal(snapshot.data["total_value"]) == Decimal("6730.00")
    assert (snapshot.data["prices"]["missing"], snapshot.data["prices"]["stale"]) == ([], [])
    page.goto(f"/portfolios/{pid}/")
    assert page.inner_text(".stat .big").startswith("$6,730.00")
    table = page.locator("table", has=page.locator("caption", has_text="Allocation by asset"))
    values = {}
    for row in table.locator("tbody tr").all():
        symbol = row.locator("th").inner_text().split()[0]
        values[symbol] = row.locator("td").nth(2).inner_text()
    assert values == {
        "VTI": "$5,000.00",
        "BND": "$750.00",
        "BTC": "$600.00",
        "ETH": "$300.00",
        "TSTC": "$80.00",
    }
    tstc_row = table.locator("tbody tr", has_text="TSTC")
    assert "entered by you" in tstc_row.inner_text()
    _shot(page, artifacts, "new-04-dashboard")
