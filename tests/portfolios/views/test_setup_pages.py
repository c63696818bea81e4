"""Setting up a real portfolio from the browser: portfolios and accounts, created, edited and deleted."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolios.models import Account, BasisMethodChange, Portfolio, Transaction
from taxes.models import TaxLot
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, TransactionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(client):  # type: ignore[no-untyped-def]
    user = UserFactory(username="ann")
    client.force_login(user)
    return user


def test_create_accounts_of_each_treatment(client, ann) -> None:  # type: ignore[no-untyped-def]
    """The kind fixes the treatment: a brokerage is taxable, a Roth IRA tax-free, a 401(k) tax-deferred."""
    book = PortfolioFactory(owner=ann, name="Book")
    url = reverse("portfolios:account_create", args=[book.pk])
    for name, kind in (("Schwab", "brokerage"), ("Roth", "roth_ira"), ("Work 401k", "401k")):
        response = client.post(
            url, {"name": name, "kind": kind, "basis_method": "hifo", "reporting": "basis_reported"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    got = {
        a.name: (a.tax_treatment, a.basis_method, a.reporting) for a in Account.objects.filter(portfolio=book)
    }
    assert got == {
        "Schwab": ("taxable", "hifo", "basis_reported"),
        "Roth": ("tax_free", "hifo", "basis_reported"),
        "Work 401k": ("tax_deferred", "hifo", "basis_reported"),
    }
    # The transaction form now offers the accounts.
    page = client.get(reverse("portfolios:transaction_add", args=[book.pk]) + "?type=buy").content.decode()
    assert "Schwab" in page
    assert "Roth" in page


def test_duplicate_account_name_is_a_field_error(client, ann) -> None:  # type: ignore[no-untyped-def]
    book = PortfolioFactory(owner=ann, name="Book")
    AccountFactory(portfolio=book, name="Schwab")
    response = client.post(
        reverse("portfolios:account_create", args=[book.pk]),
        {"name": "Schwab", "kind": "brokerage", "basis_method": "fifo", "reporting": "no_form"},
    )
    assert response.status_code == 200
    assert "already has an account named" in response.content.decode()
    assert Account.objects.filter(portfolio=book).count() == 1


def test_account_with_transactions_cannot_be_deleted(client, ann) -> None:  # type: ignore[no-untyped-def]
    tx = TransactionFactory(account__portfolio__owner=ann)
    url = reverse("portfolios:account_delete", args=[tx.portfolio.pk, tx.account.pk])
    response = client.post(url)
    assert response.status_code == 400
    assert "has 1 transaction" in response.content.decode()
    assert Account.objects.filter(pk=tx.account.pk).exists()
    empty = AccountFactory(portfolio=tx.portfolio, name="Empty")
    assert (
        client.post(reverse("portfolios:account_delete", args=[tx.portfolio.pk, empty.pk])).status_code == 302
    )
    assert not Account.objects.filter(pk=empty.pk).exists()


def test_portfolio_rename_switch_and_delete_with_confirmation(client, ann) -> None:  # type: ignore[no-untyped-def]
    tx = TransactionFactory(account__portfolio__owner=ann, account__portfolio__name="Old")
    book = tx.portfolio
    response = client.post(
        reverse("portfolios:portfolio_settings", args=[book.pk]), {"name": "New", "wash_sale_crypto": "on"}
    )
    assert response.status_code == 302
    book.refresh_from_db()
    assert (book.name, book.wash_sale_crypto) == ("New", True)
    page = client.get(reverse("portfolios:portfolio_delete", args=[book.pk])).content.decode()
    assert "1 account" in page
    assert "1 transaction" in page
    assert "1 open lot" in page
    assert client.post(reverse("portfolios:portfolio_delete", args=[book.pk])).status_code == 302
    assert not Portfolio.objects.filter(pk=book.pk).exists()
    assert not Transaction.objects.exists()
    assert not TaxLot.objects.exists()


def test_another_users_setup_pages_are_404(client, ann) -> None:  # type: ignore[no-untyped-def]
    bob_tx = TransactionFactory(account__portfolio__owner=UserFactory(username="bob"))
    p, a = bob_tx.portfolio.pk, bob_tx.account.pk
    for url in (
        reverse("portfolios:portfolio_settings", args=[p]),
        reverse("portfolios:portfolio_delete", args=[p]),
        reverse("portfolios:account_create", args=[p]),
        reverse("portfolios:account_edit", args=[p, a]),
        reverse("portfolios:account_delete", args=[p, a]),
        reverse("portfolios:account_method", args=[p, a]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x"}).status_code == 404, url
    assert Portfolio.objects.get(pk=p).name == bob_tx.portfolio.name
    assert Account.objects.filter(pk=a).exists()


def test_opening_method_cannot_change_after_a_sale(client, ann) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio__owner=ann, name="Ex")
    btc = AssetFactory(symbol="BTC")
    TransactionFactory(account=account, asset=btc, quantity=Decimal(2))
    TransactionFactory(
        account=account,
        asset=btc,
        type="sell",
        quantity=Decimal(1),
        timestamp=datetime(2024, 2, 1, tzinfo=UTC),
    )
    response = client.post(
        reverse("portfolios:account_edit", args=[account.portfolio.pk, account.pk]),
        {"name": "Ex", "kind": "exchange", "basis_method": "hifo", "reporting": "no_form"},
    )
    assert response.status_code == 200
    assert "change the method from a date" in response.content.decode()
    account.refresh_from_db()
    assert account.basis_method == "fifo"
    response = client.post(
        reverse("portfolios:account_method", args=[account.portfolio.pk, account.pk]),
        {"method": "hifo", "effective_from": "2025-06-01"},
    )
    assert response.status_code == 302
    assert list(BasisMethodChange.objects.values_list("method", "effective_from")) == [
        ("hifo", datetime(2025, 6, 1).date())
    ]


def test_method_change_leaves_earlier_years_and_changes_later_sales(client, ann) -> None:  # type: ignore[no-untyped-def]
    """Rev. Proc. 2024-28: FIFO, then HIFO from 2025-06-01. Buys 1 BTC at 100, 200, 300 and 400 in 2024;
    a sale in 2024 (FIFO: basis 100) and one on 2025-07-01. The 2024 report is identical before and after
    the change; the 2025 sale takes the highest basis (400) instead of the oldest left (200)."""
    import io
    import json

    from django.core.management import call_command

    from portfolios.services import TransactionData, transaction_record
    from taxes.models import Disposal

    account = AccountFactory(portfolio__owner=ann, name="Ex")
    btc = AssetFactory(symbol="BTC")

    def rec(kind: str, day: str, price: str) -> None:
        when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
        data = TransactionData(
            account=account,
            type=kind,
            timestamp=when,
            quantity=Decimal(1),
            unit_price=Decimal(price),
            asset=btc,
        )
        transaction_record(portfolio=account.portfolio, data=data)

    for month, price in ((1, "100"), (2, "200"), (3, "300"), (4, "400")):
        rec("buy", f"2024-0{month}-02", price)
    rec("sell", "2024-09-01", "500")
    rec("sell", "2025-07-01", "500")

    def report(year: int) -> str:
        out = io.StringIO()
        call_command("tax_report", "--user", "ann", "--year", str(year), "--format", "json", stdout=out)
        return out.getvalue()

    before_2024 = report(2024)
    assert json.loads(report(2025))["long_term"]["cost_basis"] == "200"
    response = client.post(
        reverse("portfolios:account_method", args=[account.portfolio.pk, account.pk]),
        {"method": "hifo", "effective_from": "2025-06-01"},
    )
    assert response.status_code == 302
    assert report(2024) == before_2024
    assert json.loads(report(2024))["short_term"]["cost_basis"] == "100"
    assert json.loads(report(2025))["long_term"]["cost_basis"] == "400"
    assert sorted(Disposal.objects.values_list("basis", flat=True)) == [Decimal(100), Decimal(400)]
    page = client.get(reverse("portfolios:account_detail", args=[account.portfolio.pk, account.pk]))
    assert (
        "HIFO from 2025-06-01" in page.content.decode() or "HIFO from June 1, 2025" in page.content.decode()
    )
