"""Roth conversions as their own transaction type, through the ledger, the engine, the summary, the
estimate and the files; and the checks that keep a conversion to a traditional -> Roth move."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from portfolios.importing import LedgerImportError, ledger_import
from portfolios.models import Account, Transaction
from portfolios.services import TransactionData, transaction_errors, transaction_record
from taxes.exports import render
from taxes.models import NonTaxableTransfer, TaxLot, TaxProfile
from taxes.summary import year_summary
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def rec(account: Account, kind: str, day: str, qty: str, price: str, asset, **extra: object) -> Transaction:  # type: ignore[no-untyped-def]
    when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
    data = TransactionData(
        account=account,
        type=kind,
        timestamp=when,
        quantity=D(qty),
        unit_price=D(price),
        asset=asset,
        **extra,  # type: ignore[arg-type]
    )
    return transaction_record(portfolio=account.portfolio, data=data)


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    ann = UserFactory(username="ann")
    p = PortfolioFactory(owner=ann, name="Retirement")
    return {
        "ann": ann,
        "p": p,
        "ira": AccountFactory(portfolio=p, name="IRA", kind="traditional_ira", tax_treatment="tax_deferred"),
        "roth": AccountFactory(portfolio=p, name="Roth", kind="roth_ira", tax_treatment="tax_free"),
        "hsa": AccountFactory(portfolio=p, name="HSA", kind="hsa", tax_treatment="tax_free"),
        "k401": AccountFactory(portfolio=p, name="401k", kind="401k", tax_treatment="tax_deferred"),
        "taxable": AccountFactory(portfolio=p, name="Exchange", kind="exchange"),
        "btc": AssetFactory(symbol="BTC", asset_class="crypto"),
        "usd": AssetFactory(symbol="USD", asset_class="cash"),
    }


def converted(book) -> None:  # type: ignore[no-untyped-def]
    """The IRA buys 1 BTC at 20,000 in 2024 and converts it to the Roth on 2025-06-02 at 30,000."""
    with time_machine.travel(NOW, tick=False):
        rec(book["ira"], "buy", "2024-01-10", "1", "20000", book["btc"])
        rec(book["ira"], "conversion", "2025-06-02", "1", "30000", book["btc"], to_account=book["roth"])


def test_conversion_is_ordinary_income_in_the_summary_estimate_and_files(book) -> None:  # type: ignore[no-untyped-def]
    """Rule: a Roth conversion is ordinary income at the fair value converted (IRC §408A(d)(3)), with no
    capital gain; the Roth lot's basis is that value.

    Single, 2025, 50,000 of other ordinary income; standard deduction 15,750. Without the conversion the
    ordinary taxable income is 34,250: tax 10% x 11,925 + 12% x 22,325 = 3,871.50. With 1 BTC converted at
    30,000 it is 64,250 (30,000 more): 1,192.50 + 12% x 36,550 + 22% x 15,775 = 9,049.00."""
    TaxProfile.objects.create(
        owner=book["ann"], year=2025, filing_status="single", other_ordinary_income=50000
    )
    with time_machine.travel(NOW, tick=False):
        before = year_summary(owner=book["ann"], year=2025)
    assert before.estimate.ordinary_taxable_income == D(34250)
    assert before.estimate.ordinary_tax == D("3871.50")

    converted(book)
    tx = Transaction.objects.get(type="conversion")
    (moved,) = NonTaxableTransfer.objects.filter(transaction=tx)
    assert (moved.kind, moved.fair_value, moved.basis, moved.account_id) == (
        "conversion",
        D(30000),
        D(20000),
        book["ira"].pk,
    )
    (lot,) = TaxLot.objects.all()
    assert (lot.account_id, lot.quantity, lot.basis) == (book["roth"].pk, D(1), D(30000))

    with time_machine.travel(NOW, tick=False):
        s = year_summary(owner=book["ann"], year=2025)
    assert s.rows == []  # no capital gain
    assert [(m.kind, m.account, m.asset, m.quantity, m.value) for m in s.moved_out] == [
        ("conversion", "IRA", "BTC", D(1), D(30000))
    ]
    assert s.conversions_total == D(30000)
    assert s.estimate.inputs.ordinary_income == D(80000)
    assert s.estimate.ordinary_taxable_income - before.estimate.ordinary_taxable_income == D(30000)
    assert s.estimate.ordinary_tax == D("9049.00")

    doc = json.loads(render(s, "json").content)
    assert doc["moved_out"] == [
        {
            "kind": "conversion",
            "date": "2025-06-02",
            "account": "IRA",
            "asset": "BTC",
            "quantity": "1",
            "value": "30000",
        }
    ]
    assert D(doc["conversions_total"]) == D(30000)
    assert D(doc["estimate"]["ordinary_taxable_income"]) == D(64250)
    assert D(doc["estimate"]["ordinary_tax"]) == D("9049.00")

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render(s, "pdf").content)).pages)
    assert "Distributions and Roth conversions" in text
    assert "Conversions 30,000.00" in " ".join(text.split())
    assert "9,049.00" in text


def test_summary_page_lists_the_conversion(client, book) -> None:  # type: ignore[no-untyped-def]
    converted(book)
    client.force_login(book["ann"])
    with time_machine.travel(NOW, tick=False):
        html = client.get(reverse("taxes:summary", args=[2025])).content.decode()
    assert "conversion of 1 BTC from IRA, fair value $30,000.00" in html


@pytest.mark.parametrize(
    ("source", "destination", "field", "message"),
    [
        (
            "taxable",
            "roth",
            "account",
            "A Roth conversion comes out of a tax-deferred account (traditional IRA or 401(k)); "
            "Exchange is taxable.",
        ),
        (
            "ira",
            "k401",
            "to_account",
            "A Roth conversion goes into a tax-free account (Roth IRA or Roth 401(k)); 401k is tax-deferred.",
        ),
        ("ira", "taxable", "to_account", None),
        ("ira", "hsa", "to_account", "A Roth conversion goes into a Roth IRA or Roth 401(k), not an HSA."),
        ("roth", "ira", "account", None),
    ],
)
def test_conversion_only_from_traditional_into_roth(book, source, destination, field, message) -> None:  # type: ignore[no-untyped-def]
    data = TransactionData(
        account=book[source],
        type="conversion",
        timestamp=datetime(2025, 6, 2, 15, tzinfo=UTC),
        quantity=D(1),
        unit_price=D(30000),
        asset=book["btc"],
        to_account=book[destination],
    )
    errors = transaction_errors(portfolio=book["p"], data=data)
    assert field in errors
    if message:
        assert errors[field] == message


def test_conversion_needs_a_price_a_roth_and_an_asset(book) -> None:  # type: ignore[no-untyped-def]
    data = TransactionData(
        account=book["ira"], type="conversion", timestamp=datetime(2025, 6, 2, 15, tzinfo=UTC), quantity=D(1)
    )
    errors = transaction_errors(portfolio=book["p"], data=data)
    assert errors == {
        "asset": "Required for a roth conversion: the asset.",
        "unit_price": "Required for a roth conversion: the fair value in USD per unit.",
        "to_account": "Required for a roth conversion: the to account.",
    }
    cash = TransactionData(
        account=book["ira"],
        type="conversion",
        timestamp=datetime(2025, 6, 2, 15, tzinfo=UTC),
        quantity=D(100),
        unit_price=D(1),
        asset=book["usd"],
        to_account=book["roth"],
        fee=D(5),
    )
    errors = transaction_errors(portfolio=book["p"], data=cash)
    assert errors["asset"] == "A roth conversion needs an investable asset, not cash."
    assert errors["fee"] == "Not used by a roth conversion; leave it empty."


def test_import_accepts_conversion_rows(book) -> None:  # type: ignore[no-untyped-def]
    header = "timestamp,account,type,asset,quantity,unit_price,fee,to_account,external_id\n"
    good = header + (
        "2024-01-10T15:00:00+00:00,IRA,buy,BTC,1,20000,0,,b1\n"
        "2025-06-02T15:00:00+00:00,IRA,conversion,BTC,0.4,30000,,Roth,c1\n"
    )
    with time_machine.travel(NOW, tick=False):
        summary = ledger_import(user=book["ann"], file=io.StringIO(good), portfolio_name="Retirement")
    assert summary.created == 2
    assert summary.accounts_created == []
    (moved,) = NonTaxableTransfer.objects.all()
    assert (moved.kind, moved.quantity, moved.fair_value) == ("conversion", D("0.4"), D(12000))
    lots = sorted(TaxLot.objects.values_list("account__name", "quantity", "basis"))
    assert lots == [("IRA", D("0.6"), D(12000)), ("Roth", D("0.4"), D(12000))]

    bad = header + "2025-06-03T15:00:00+00:00,Exchange,conversion,BTC,1,30000,,Roth,c2\n"
    with time_machine.travel(NOW, tick=False), pytest.raises(LedgerImportError) as exc:
        ledger_import(user=book["ann"], file=io.StringIO(bad), portfolio_name="Retirement")
    assert [(e.line, e.field) for e in exc.value.errors] == [(2, "account")]
    assert "tax-deferred" in exc.value.errors[0].message


def test_conversion_form_shows_its_fields_and_errors(client, book) -> None:  # type: ignore[no-untyped-def]
    client.force_login(book["ann"])
    url = reverse("portfolios:transaction_add", kwargs={"portfolio_id": book["p"].pk}) + "?type=conversion"
    form = client.get(url).context["form"]
    assert set(form.fields) == {
        "account",
        "timestamp",
        "notes",
        "asset",
        "quantity",
        "unit_price",
        "to_account",
    }
    with time_machine.travel(NOW, tick=False):
        rec(book["ira"], "buy", "2024-01-10", "1", "20000", book["btc"])
        post = {
            "type": "conversion",
            "account": book["taxable"].pk,
            "timestamp": "2025-06-02T14:00",
            "asset": book["btc"].pk,
            "quantity": "1",
            "unit_price": "30000",
            "to_account": book["roth"].pk,
            "notes": "",
        }
        refused = client.post(url, post)
        assert refused.status_code == 200
        assert any("tax-deferred" in e for e in refused.context["form"].errors["account"])
        assert client.post(url, {**post, "account": book["ira"].pk}).status_code == 302
    assert Transaction.objects.get(type="conversion").to_account == book["roth"]
    assert NonTaxableTransfer.objects.get().kind == "conversion"
