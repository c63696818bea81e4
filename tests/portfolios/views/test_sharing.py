"""Read-only sharing: an owner grants a portfolio to their accountant and takes it back.

Worked example (one sale through the real write path, engine and summary): Ann buys 2 BTC at 10,000 with a
$10 fee on 2024-01-10 (basis 20,010) and sells 1 BTC at 15,000 with a $5 fee on 2024-03-01 (proceeds
14,995, basis 10,005): a short-term gain of 4,990.00, Form 8949 box C (no 1099-B basis reported).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from dashboard_testkit import build_portfolio
from django.urls import reverse

from portfolios.models import Account, Portfolio, PortfolioGrant, Transaction
from portfolios.services import TransactionData, transaction_record
from taxes.models import Disposal, TaxLot
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():  # type: ignore[no-untyped-def]
    ann = UserFactory(username="ann")
    built = build_portfolio(ann)
    cpa = UserFactory(username="cpa")
    PortfolioGrant.objects.create(portfolio=built.portfolio, grantee=cpa)
    return built, cpa


def _state(portfolio: Portfolio) -> tuple[object, ...]:
    return (
        list(Portfolio.objects.filter(pk=portfolio.pk).values_list("name", "wash_sale_crypto")),
        list(
            Account.objects.filter(portfolio=portfolio)
            .order_by("pk")
            .values_list("pk", "name", "basis_method")
        ),
        list(
            Transaction.objects.filter(portfolio=portfolio)
            .order_by("pk")
            .values_list("pk", "quantity", "type")
        ),
        sorted(TaxLot.objects.filter(portfolio=portfolio).values_list("pk", "quantity", "basis")),
        list(PortfolioGrant.objects.filter(portfolio=portfolio).values_list("grantee_id", flat=True)),
    )


def test_owner_grants_from_the_portfolio_settings_and_both_sides_list_it(client):  # type: ignore[no-untyped-def]
    ann, cpa = UserFactory(username="ann"), UserFactory(username="cpa")
    portfolio = PortfolioFactory(owner=ann, name="Index")
    client.force_login(ann)
    settings_url = reverse("portfolios:portfolio_settings", args=[portfolio.pk])
    response = client.post(
        reverse("portfolios:grant_create"),
        {"portfolio": portfolio.pk, "username": "CPA", "next": settings_url},
    )
    assert response.status_code == 302
    assert response["Location"] == settings_url
    grant = PortfolioGrant.objects.get()
    assert (grant.portfolio, grant.grantee) == (portfolio, cpa)
    page = client.get(settings_url).content.decode()
    assert f'data-grant="{grant.pk}">cpa' in page
    assert "cpa" in client.get(reverse("portfolios:sharing")).content.decode()

    client.force_login(cpa)
    received = client.get(reverse("portfolios:sharing")).content.decode()
    assert "Index" in received
    assert "ann" in received
    # The grantee's home page (no portfolio of their own) lists it too.
    home = client.get(reverse("portfolios:home")).content.decode()
    assert 'id="shared-with-me"' in home
    assert "shared by ann" in home


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "There is no user called 'nobody'."),
        ("ann", "You already own this portfolio."),
        ("", "Enter"),
    ],
)
def test_a_grant_to_an_unknown_user_or_oneself_is_refused_with_a_message(client, username, message):  # type: ignore[no-untyped-def]
    ann = UserFactory(username="ann")
    portfolio = PortfolioFactory(owner=ann)
    client.force_login(ann)
    response = client.post(
        reverse("portfolios:grant_create"), {"portfolio": portfolio.pk, "username": username}, follow=True
    )
    assert message in html.unescape(response.content.decode())
    assert not PortfolioGrant.objects.exists()


def test_grantee_reads_every_page_of_the_shared_portfolio(client, shared):  # type: ignore[no-untyped-def]
    built, cpa = shared
    p = built.portfolio.pk
    client.force_login(cpa)
    dashboard = client.get(reverse("portfolios:dashboard", args=[p])).content.decode()
    assert "43,500" in dashboard  # the owner's value, from the owner's snapshot
    assert 'id="shared-banner"' in dashboard
    assert "shared by ann" in dashboard.replace("read-only by", "shared by")
    assert reverse("portfolios:portfolio_settings", args=[p]) not in dashboard
    accounts = client.get(reverse("portfolios:account_list", args=[p])).content.decode()
    assert reverse("portfolios:account_create", args=[p]) not in accounts
    detail = client.get(reverse("portfolios:account_detail", args=[p, built.coinbase.pk])).content.decode()
    assert reverse("portfolios:account_edit", args=[p, built.coinbase.pk]) not in detail
    lots = client.get(reverse("taxes:lot_list", args=[p])).content.decode()
    assert "10,000.00" in lots
    assert "10,500.00" in lots
    assert client.get(reverse("taxes:realized", args=[p])).status_code == 200
    txs = client.get(reverse("portfolios:transaction_list", args=[p])).content.decode()
    assert reverse("portfolios:transaction_add", args=[p]) not in txs


def test_grantee_changes_nothing(client, shared):  # type: ignore[no-untyped-def]
    built, cpa = shared
    p, acct = built.portfolio.pk, built.coinbase.pk
    tx = Transaction.objects.filter(portfolio=built.portfolio).first()
    tx_id = tx.pk if tx is not None else 1
    before = _state(built.portfolio)
    client.force_login(cpa)
    writes = [
        reverse("portfolios:portfolio_settings", args=[p]),
        reverse("portfolios:portfolio_delete", args=[p]),
        reverse("portfolios:account_create", args=[p]),
        reverse("portfolios:account_edit", args=[p, acct]),
        reverse("portfolios:account_delete", args=[p, acct]),
        reverse("portfolios:account_method", args=[p, acct]),
        reverse("portfolios:transaction_add", args=[p]),
        reverse("portfolios:transaction_edit", args=[p, tx_id]),
        reverse("portfolios:transaction_delete", args=[p, tx_id]),
        reverse("rebalancing:target", args=[p]),
        reverse("rebalancing:policy", args=[p]),
        reverse("rebalancing:harvest_create", args=[p]),
        # Reads that are themselves asked with a write method are refused before any view code.
        reverse("portfolios:dashboard", args=[p]),
        reverse("portfolios:transaction_list", args=[p]),
    ]
    for url in writes:
        response = client.post(url, {"name": "Mine now", "confirm": "yes", "type": "buy", "quantity": "1"})
        assert response.status_code in (403, 404, 405), url
    # Nor can the grantee pass the portfolio on.
    client.post(reverse("portfolios:grant_create"), {"portfolio": p, "username": "ann"})
    assert _state(built.portfolio) == before


def test_grantee_downloads_the_same_tax_summary_as_the_owner(client):  # type: ignore[no-untyped-def]
    ann, cpa = UserFactory(username="ann"), UserFactory(username="cpa")
    portfolio = PortfolioFactory(owner=ann, name="Index")
    account = AccountFactory(portfolio=portfolio, name="Exchange")
    btc = AssetFactory(symbol="BTC")
    for kind, when, price, fee in (
        ("buy", datetime(2024, 1, 10, 12, tzinfo=UTC), "10000", "10"),
        ("sell", datetime(2024, 3, 1, 12, tzinfo=UTC), "15000", "5"),
    ):
        data = TransactionData(
            account=account,
            type=kind,
            timestamp=when,
            quantity=Decimal(2 if kind == "buy" else 1),
            asset=btc,
            unit_price=Decimal(price),
            fee=Decimal(fee),
        )
        transaction_record(portfolio=portfolio, data=data)
    disposal = Disposal.objects.get(portfolio=portfolio)
    assert (disposal.proceeds, disposal.basis, disposal.gain) == (
        Decimal(14995),
        Decimal(10005),
        Decimal(4990),
    )
    PortfolioGrant.objects.create(portfolio=portfolio, grantee=cpa)
    query = f"?portfolio={portfolio.pk}"

    client.force_login(ann)
    owner_csv = client.get(reverse("taxes:download", args=[2024, "csv"]) + query).content
    client.force_login(cpa)
    page = client.get(reverse("taxes:summary", args=[2024]) + query).content.decode()
    assert 'data-col="gain">4,990.00' in page
    assert 'id="shared-banner"' in page
    assert reverse("taxes:profile", args=[2024]) not in page
    grantee_csv = client.get(reverse("taxes:download", args=[2024, "csv"]) + query).content
    assert grantee_csv == owner_csv
    assert b"4990.00" in grantee_csv
    # The latest-year shortcut keeps the shared portfolio.
    latest = client.get(reverse("taxes:summary_latest") + query)
    assert latest["Location"].endswith(query)
    # Without the portfolio, the grantee sees their own (empty) return, not the owner's.
    own = client.get(reverse("taxes:download", args=[2024, "csv"])).content
    assert b"4990.00" not in own


def test_revoked_access_is_gone_everywhere(client, shared):  # type: ignore[no-untyped-def]
    built, cpa = shared
    grant = PortfolioGrant.objects.get()
    client.force_login(built.user)
    response = client.post(reverse("portfolios:grant_revoke", args=[grant.pk]))
    assert response.status_code == 302
    assert not PortfolioGrant.objects.exists()
    client.force_login(cpa)
    p = built.portfolio.pk
    for url in (
        reverse("portfolios:dashboard", args=[p]),
        reverse("taxes:lot_list", args=[p]),
        reverse("taxes:summary", args=[2026]) + f"?portfolio={p}",
        reverse("taxes:download", args=[2026, "csv"]) + f"?portfolio={p}",
    ):
        assert client.get(url).status_code == 404, url


def test_another_user_can_neither_revoke_nor_see_a_grant(client, shared):  # type: ignore[no-untyped-def]
    built, _cpa = shared
    grant = PortfolioGrant.objects.get()
    bob = UserFactory(username="bob")
    client.force_login(bob)
    client.post(reverse("portfolios:grant_revoke", args=[grant.pk]))
    client.post(reverse("portfolios:grant_leave", args=[grant.pk]))
    client.post(reverse("portfolios:grant_create"), {"portfolio": built.portfolio.pk, "username": "bob"})
    assert list(PortfolioGrant.objects.values_list("grantee__username", flat=True)) == ["cpa"]
    assert "cpa" not in client.get(reverse("portfolios:sharing")).content.decode()
    assert client.get(reverse("portfolios:dashboard", args=[built.portfolio.pk])).status_code == 404


def test_grantee_can_give_a_shared_portfolio_back(client, shared):  # type: ignore[no-untyped-def]
    built, cpa = shared
    grant = PortfolioGrant.objects.get()
    client.force_login(cpa)
    client.post(reverse("portfolios:grant_leave", args=[grant.pk]))
    assert not PortfolioGrant.objects.exists()
    assert client.get(reverse("portfolios:dashboard", args=[built.portfolio.pk])).status_code == 404
