"""The audit's rules through the product: recompute, the Realized page, `tax_report` and the API, on the
database the suite runs on (SQLite and PostgreSQL in CI)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from portfolios.importing import LedgerImportError, ledger_import
from portfolios.models import Account, Transaction
from portfolios.services import TransactionData, transaction_delete, transaction_record
from taxes.models import Disposal, NonTaxableTransfer, TaxLot, WashSaleRecord
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def record(
    account: Account, kind: str, day: str, qty: str, price: str | None, **extra: object
) -> Transaction:
    data = TransactionData(
        account=account,
        type=kind,
        timestamp=at(day),
        quantity=D(qty),
        unit_price=None if price is None else D(price),
        **extra,  # type: ignore[arg-type]
    )
    return transaction_record(portfolio=account.portfolio, data=data)


@pytest.fixture
def two_books():  # type: ignore[no-untyped-def]
    """Ann has two portfolios, each with a taxable brokerage account; VTI is an ETF."""
    ann = UserFactory(username="ann")
    growth = PortfolioFactory(owner=ann, name="Growth")
    income = PortfolioFactory(owner=ann, name="Income")
    a = AccountFactory(portfolio=growth, name="Broker A", kind="brokerage")
    b = AccountFactory(portfolio=income, name="Broker B", kind="brokerage")
    vti = AssetFactory(symbol="VTI", asset_class="etf")
    return {"ann": ann, "growth": growth, "income": income, "a": a, "b": b, "vti": vti}


def test_wash_sale_across_two_portfolios_of_one_owner(client, two_books) -> None:  # type: ignore[no-untyped-def]
    """Rule: one person is one taxpayer (IRC §1091): a loss on an ETF in one portfolio and a purchase of it
    within 30 days in another portfolio of the same owner is a wash sale.

    Growth buys 10 VTI at 100 on 2024-03-01 and sells them at 80 on 2024-04-01: loss 200. Income buys 10 VTI
    at 85 on 2024-04-15. The loss is disallowed (code W, 200 in column (g), gain 0); the replacement lot in
    Income has basis 850 + 200 = 1,050 and the holding period tacked by the 31 days held: 2024-03-15.
    """
    w = two_books
    record(w["a"], "buy", "2024-03-01", "10", "100", asset=w["vti"])
    record(w["a"], "sell", "2024-04-01", "10", "80", asset=w["vti"])
    buy_b = record(w["b"], "buy", "2024-04-15", "10", "85", asset=w["vti"])

    sale = Disposal.objects.get()
    assert (sale.portfolio, sale.wash_disallowed, sale.gain, sale.basis) == (
        w["growth"],
        D(200),
        D(0),
        D(1000),
    )
    lot = TaxLot.objects.get()
    assert (lot.portfolio, lot.basis, lot.wash_adjustment, lot.acquired) == (
        w["income"],
        D(1050),
        D(200),
        date(2024, 3, 15),
    )
    wash = WashSaleRecord.objects.get()
    assert (wash.portfolio, wash.replacement_id, wash.disallowed) == (w["growth"], buy_b.pk, D(200))

    # The Realized page of the loss's portfolio shows the adjustment with code W.
    client.force_login(w["ann"])
    page = client.get(reverse("taxes:realized", args=[w["growth"].pk]) + "?year=2024")
    text = page.content.decode()
    assert page.status_code == 200
    assert '200.00 <span class="badge">W</span>' in text

    # tax_report (all the owner's portfolios) and the API say the same.
    out = io.StringIO()
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["short_term"] == {
        "proceeds": "800",
        "cost_basis": "1000",
        "gain": "0",
        "adjustments": "200",
    }
    api = APIClient()
    api.force_authenticate(w["ann"])
    rows = api.get(f"/api/portfolios/{w['growth'].pk}/disposals/").json()["results"]
    assert [(D(r["wash_disallowed"]), D(r["gain"])) for r in rows] == [(D(200), D(0))]
    lots = api.get(f"/api/portfolios/{w['income'].pk}/lots/").json()["results"]
    assert [(D(r["basis"]), D(r["wash_adjustment"])) for r in lots] == [(D(1050), D(200))]

    # Deleting the replacement in the other portfolio gives the loss back, from the checkpointed state.
    transaction_delete(tx=buy_b)
    sale = Disposal.objects.get()
    assert (sale.wash_disallowed, sale.gain) == (D(0), D(-200))
    assert not WashSaleRecord.objects.exists()


def test_purchase_in_another_owners_portfolio_is_no_replacement(two_books) -> None:
    """Two people are two taxpayers: Bob's purchase does not touch Ann's loss."""
    w = two_books
    bob_account = AccountFactory(portfolio=PortfolioFactory(owner=UserFactory(username="bob")), name="Bob's")
    record(w["a"], "buy", "2024-03-01", "10", "100", asset=w["vti"])
    record(w["a"], "sell", "2024-04-01", "10", "80", asset=w["vti"])
    record(bob_account, "buy", "2024-04-10", "10", "85", asset=w["vti"])
    assert Disposal.objects.get().gain == D(-200)
    assert TaxLot.objects.get().wash_adjustment == D(0)


def test_crypto_switch_of_one_portfolio_does_not_reach_the_other(two_books) -> None:
    """The proposed-law switch is per portfolio: a crypto loss where it is off stays a loss, even when the
    owner's other portfolio (where the repurchase is) has it on; a loss where it is on is matched."""
    w = two_books
    w["income"].wash_sale_crypto = True
    w["income"].save()
    btc = AssetFactory(symbol="BTC", asset_class="crypto")
    record(w["a"], "buy", "2024-03-01", "1", "100", asset=btc)
    record(w["a"], "sell", "2024-04-01", "1", "80", asset=btc)
    record(w["b"], "buy", "2024-04-05", "1", "85", asset=btc)
    record(w["b"], "sell", "2024-04-06", "1", "70", asset=btc)
    record(w["a"], "buy", "2024-04-08", "1", "72", asset=btc)
    by_portfolio = {d.portfolio.name: (d.gain, d.wash_disallowed) for d in Disposal.objects.all()}
    assert by_portfolio == {"Growth": (D(-20), D(0)), "Income": (D(0), D(15))}


@pytest.fixture
def ira_book():  # type: ignore[no-untyped-def]
    ann = UserFactory(username="ann")
    book = PortfolioFactory(owner=ann, name="Book")
    ira = AccountFactory(portfolio=book, name="IRA", kind="traditional_ira", tax_treatment="tax_deferred")
    taxable = AccountFactory(portfolio=book, name="Broker", kind="brokerage")
    btc = AssetFactory(symbol="BTC", asset_class="crypto")
    return {"ann": ann, "book": book, "ira": ira, "taxable": taxable, "btc": btc}


def test_distribution_from_an_ira_through_the_product(ira_book) -> None:
    """Rule: a transfer out of a traditional IRA into a taxable account is a distribution: the taxable lot's
    basis is the fair value that day (45,000) and its holding period starts then; the 2022 IRA basis and
    date do not carry over. The year report lists the distribution, not a capital gain.

    IRA buys 1 BTC at 20,000 on 2022-03-01; moved on 2024-01-10 at 45,000; sold 2024-06-01 at 50,000:
    short-term gain 5,000 (not a long-term gain of 30,000).
    """
    w = ira_book
    record(w["ira"], "buy", "2022-03-01", "1", "20000", asset=w["btc"])
    record(w["ira"], "transfer", "2024-01-10", "1", "45000", asset=w["btc"], to_account=w["taxable"])
    record(w["taxable"], "sell", "2024-06-01", "1", "50000", asset=w["btc"])
    sale = Disposal.objects.get(taxable=True)
    assert (sale.acquired, sale.basis, sale.gain, sale.term) == (
        date(2024, 1, 10),
        D(45000),
        D(5000),
        "short",
    )
    moved = NonTaxableTransfer.objects.get()
    assert (moved.kind, moved.fair_value, moved.account) == ("distribution", D(45000), w["ira"])
    out = io.StringIO()
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["short_term"]["gain"] == "5000"
    assert report["long_term"]["gain"] == "0"
    assert report["distributions"] == [
        {
            "kind": "distribution",
            "account": "IRA",
            "tax_treatment": "tax_deferred",
            "asset": "BTC",
            "date": "2024-01-10",
            "quantity": "1",
            "value": "45000",
        }
    ]


def test_transfer_across_treatments_without_a_price_is_refused_on_form_api_and_import(
    client, ira_book
) -> None:
    """A transfer between a tax-deferred and a taxable account needs the fair value: the form, the API and
    the importer all name the field, and nothing is saved."""
    w = ira_book
    record(w["ira"], "buy", "2022-03-01", "1", "20000", asset=w["btc"])
    with pytest.raises(ValidationError) as exc:
        record(w["ira"], "transfer", "2024-01-10", "1", None, asset=w["btc"], to_account=w["taxable"])
    assert "unit_price" in exc.value.message_dict
    assert "distribution" in exc.value.message_dict["unit_price"][0]

    client.force_login(w["ann"])
    url = reverse("portfolios:transaction_add", args=[w["book"].pk]) + "?type=transfer"
    response = client.post(
        url,
        {
            "type": "transfer",
            "account": w["ira"].pk,
            "timestamp": "2024-01-10T10:00",
            "asset": w["btc"].pk,
            "quantity": "1",
            "to_account": w["taxable"].pk,
            "fee": "0",
        },
    )
    assert response.status_code == 200
    assert "fair value in USD per unit" in response.content.decode()

    api = APIClient()
    api.force_authenticate(w["ann"])
    response = api.post(
        f"/api/portfolios/{w['book'].pk}/transactions/",
        {
            "account": w["ira"].pk,
            "type": "transfer",
            "timestamp": "2024-01-10T10:00:00Z",
            "asset": "BTC",
            "quantity": "1",
            "to_account": w["taxable"].pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "unit_price" in response.json()

    text = (
        "timestamp,account,type,asset,quantity,unit_price,fee,to_account\n"
        "2024-01-10T10:00:00Z,IRA,transfer,BTC,1,,0,Broker\n"
    )
    with pytest.raises(LedgerImportError) as err:
        ledger_import(user=w["ann"], file=io.StringIO(text), portfolio_name="Book")
    assert [(e.line, e.field) for e in err.value.errors] == [(2, "unit_price")]
    assert Transaction.objects.count() == 1


def test_tax_report_prints_18_decimal_quantities_exactly(ira_book) -> None:
    """Exact quantities out: 12345678901.123456789012345678 has 29 significant digits, one more than
    Python's default decimal context keeps; the report prints it unchanged, in JSON and CSV."""
    w = ira_book
    qty = "12345678901.123456789012345678"
    record(w["taxable"], "buy", "2024-01-02", qty, "2", asset=w["btc"])
    record(w["taxable"], "sell", "2024-03-01", qty, "3", asset=w["btc"])
    out = io.StringIO()
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["disposals"][0]["quantity"] == qty
    assert report["disposals"][0]["proceeds"] == "37037036703.370370367037037034"
    assert report["short_term"]["gain"] == str(D(qty))
    out = io.StringIO()
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][4] == qty
    api = APIClient()
    api.force_authenticate(w["ann"])
    (row,) = api.get(f"/api/portfolios/{w['book'].pk}/disposals/").json()["results"]
    assert D(row["quantity"]) == D(qty)


def test_csv_totals_are_the_sums_of_the_printed_rows(ira_book) -> None:
    """Rule: a form's total is the sum of its rows as printed, and a row's gain is its printed proceeds
    less its printed basis plus its adjustment (Form 8949 column (h) = (d) - (e) + (g)).

    Three sales of 1 BTC, each with proceeds 100.005 (printed 100.01) and basis 50.004 (printed 50.00):
    each row's gain prints 50.01; the totals print 300.03, 150.00 and 150.03 — not the rounded exact totals
    300.02 (300.015), 150.01 (150.012) and 150.00 (150.003)."""
    w = ira_book
    for n in range(3):
        record(w["taxable"], "buy", f"2024-01-0{n + 2}", "1", "50.004", asset=w["btc"])
    for n in range(3):
        record(w["taxable"], "sell", f"2024-02-0{n + 2}", "1", "100.005", asset=w["btc"])
    out = io.StringIO()
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    header, body = rows[0], rows[1:4]
    assert [r[5] for r in body] == ["100.01"] * 3
    assert [r[6] for r in body] == ["50.00"] * 3
    assert [r[8] for r in body] == ["50.01"] * 3
    total = next(r for r in rows if r[0] == "short_term_total")
    assert dict(zip(header[5:9], total[5:9], strict=True)) == {
        "proceeds": "300.03",
        "cost_basis": "150.00",
        "adjustment": "0.00",
        "gain": "150.03",
    }
    out = io.StringIO()
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["short_term"]["proceeds"] == "300.015"


def test_tax_report_csv_neutralises_formulas(ira_book) -> None:
    """An account named like a formula comes out as text, never a live formula (OWASP CSV injection)."""
    w = ira_book
    w["taxable"].name = '=HYPERLINK("http://example.com","click")'
    w["taxable"].save()
    record(w["taxable"], "buy", "2024-01-02", "1", "10", asset=w["btc"])
    record(w["taxable"], "sell", "2024-01-03", "1", "5", asset=w["btc"])
    out = io.StringIO()
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][0] == '\'=HYPERLINK("http://example.com","click")'
    assert rows[1][8] == "-5.00"  # a negative number stays a number
