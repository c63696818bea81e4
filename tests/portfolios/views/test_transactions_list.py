"""The transaction list: filters, pagination of 50, times in the owner's zone, and a constant query count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolios.models import Transaction
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, TransactionFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2024, 1, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory(username="ann", timezone="America/New_York")


@pytest.fixture
def portfolio(owner):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=owner, name="Main")


@pytest.fixture
def logged_in(client, owner):  # type: ignore[no-untyped-def]
    client.force_login(owner)
    return client


def url(portfolio, **params: object) -> str:  # type: ignore[no-untyped-def]
    base = reverse("portfolios:transaction_list", kwargs={"portfolio_id": portfolio.pk})
    if params:
        base += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return base


def bulk(
    portfolio, account, asset, n: int, *, start: datetime = START, typ: str = "buy"
) -> list[Transaction]:  # type: ignore[no-untyped-def]
    rows = [
        Transaction(
            portfolio=portfolio,
            account=account,
            type=typ,
            timestamp=start + timedelta(hours=i),
            asset=asset,
            quantity=Decimal("0.001"),
            unit_price=Decimal(20000 + i),
        )
        for i in range(n)
    ]
    return Transaction.objects.bulk_create(rows, batch_size=2000)


def test_list_shows_rows_newest_first_with_exact_quantities_in_owner_time(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio, name="Coinbase")
    eth = AssetFactory(symbol="ETH")
    TransactionFactory(
        account=account,
        asset=eth,
        quantity=Decimal("0.123456789012345678"),
        timestamp=datetime(2024, 7, 1, 3, 30, tzinfo=UTC),
        notes="staking payout",
    )
    TransactionFactory(
        account=account, asset=eth, quantity=Decimal("2"), timestamp=datetime(2024, 1, 5, 12, tzinfo=UTC)
    )
    response = logged_in.get(url(portfolio))
    assert response.status_code == 200
    html = response.content.decode()
    assert "0.123456789012345678" in html  # all 18 places, no rounding
    # 03:30 UTC on 1 July is 23:30 on 30 June in New York (EDT, UTC-4).
    assert "2024-06-30 23:30" in html
    assert "2024-01-05 07:00" in html  # EST, UTC-5
    assert html.index("2024-06-30 23:30") < html.index("2024-01-05 07:00")
    assert "staking payout" in html
    assert "2 transactions" in html


def test_empty_list_offers_add_and_import(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.get(url(portfolio))
    assert response.status_code == 200
    assert b"No transactions yet" in response.content
    assert (
        reverse("portfolios:transaction_add", kwargs={"portfolio_id": portfolio.pk}).encode()
        in response.content
    )


def test_pagination_is_fifty_per_page(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio)
    rows = bulk(portfolio, account, AssetFactory(symbol="BTC"), 120)
    first = logged_in.get(url(portfolio))
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.num_pages == 3
    assert [t.pk for t in first.context["page"]] == [t.pk for t in reversed(rows)][:50]
    last = logged_in.get(url(portfolio, page=3))
    assert [t.pk for t in last.context["page"]] == [t.pk for t in reversed(rows)][100:]
    assert b"Page 3 of 3" in last.content
    # Out of range pages fall back to the last one rather than failing.
    assert logged_in.get(url(portfolio, page=99)).context["page"].number == 3


def test_filters_by_account_asset_type_and_dates(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    a, b = AccountFactory(portfolio=portfolio, name="A"), AccountFactory(portfolio=portfolio, name="B")
    btc, eth = AssetFactory(symbol="BTC"), AssetFactory(symbol="ETH")
    t1 = TransactionFactory(account=a, asset=btc, timestamp=datetime(2024, 3, 1, 12, tzinfo=UTC))
    t2 = TransactionFactory(account=b, asset=btc, timestamp=datetime(2024, 3, 2, 12, tzinfo=UTC), type="sell")
    t3 = TransactionFactory(account=a, asset=eth, timestamp=datetime(2024, 3, 3, 12, tzinfo=UTC))
    # 2024-03-05 02:00 UTC is still 4 March in New York.
    t4 = TransactionFactory(account=b, asset=eth, timestamp=datetime(2024, 3, 5, 2, tzinfo=UTC))
    transfer = TransactionFactory(
        account=a,
        asset=eth,
        type="transfer",
        to_account=b,
        unit_price=None,
        timestamp=datetime(2024, 3, 6, 12, tzinfo=UTC),
    )

    def ids(**params: object) -> set[int]:
        response = logged_in.get(url(portfolio, **params))
        assert response.status_code == 200
        return {t.pk for t in response.context["page"]}

    assert ids() == {t1.pk, t2.pk, t3.pk, t4.pk, transfer.pk}
    assert ids(account=a.pk) == {t1.pk, t3.pk, transfer.pk}
    assert ids(account=b.pk) == {t2.pk, t4.pk, transfer.pk}  # transfers into B count
    assert ids(asset=btc.pk) == {t1.pk, t2.pk}
    assert ids(type="sell") == {t2.pk}
    assert ids(date_from="2024-03-02", date_to="2024-03-04") == {t2.pk, t3.pk, t4.pk}
    assert ids(date_from="2024-03-05") == {transfer.pk}
    assert ids(account=a.pk, asset=eth.pk, type="buy") == {t3.pk}
    response = logged_in.get(url(portfolio, type="sell"))
    assert b"1 transaction match the filters" in response.content


def test_invalid_filters_are_reported_and_list_nothing(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio)
    TransactionFactory(account=account)
    other_account = AccountFactory()  # someone else's
    response = logged_in.get(
        url(portfolio, account=other_account.pk, date_from="2024-05-01", date_to="2024-04-01")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_reversed_dates_list_nothing_and_say_the_filter_is_wrong(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio)
    # 108 transactions from 1 January on; all of them are on or after the (wrong) start date.
    bulk(portfolio, account, AssetFactory(symbol="BTC"), 108)
    response = logged_in.get(url(portfolio, date_from="2024-01-03", date_to="2024-01-01"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The end date is before the start date." in html
    assert response.context["page"].paginator.count == 0
    assert "match the filters" not in html
    assert "108" not in html
    assert 'id="tx-count"' in html
    assert "No transactions listed: the filters above are not valid." in html
    assert 'class="transactions"' not in html  # no table of rows the filter did not ask for
    # The same dates the right way round list what they cover: 2 and 3 January (New York) in full.
    fixed = logged_in.get(url(portfolio, date_from="2024-01-01", date_to="2024-01-03"))
    assert b"The end date is before the start date." not in fixed.content
    assert fixed.context["page"].paginator.count == 62  # 15:00 UTC on 1 Jan to 04:00 UTC on 4 Jan
    assert b"62 transactions match the filters" in fixed.content


def test_page_links_keep_the_filters(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio)
    bulk(portfolio, account, AssetFactory(symbol="BTC"), 60, typ="buy")
    response = logged_in.get(url(portfolio, type="buy"))
    assert b"?type=buy&amp;page=2" in response.content


def test_query_count_is_constant_with_10000_transactions(
    logged_in, portfolio, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    """Rule: the list reads one page with select_related, whatever the ledger's size, page or filters."""
    a, b = AccountFactory(portfolio=portfolio, name="A"), AccountFactory(portfolio=portfolio, name="B")
    btc, eth = AssetFactory(symbol="BTC"), AssetFactory(symbol="ETH")
    bulk(portfolio, a, btc, 5)
    # session, user, portfolio, account choices, asset choices, count, page
    with django_assert_num_queries(7):
        small = logged_in.get(url(portfolio))
    assert small.status_code == 200

    bulk(portfolio, a, btc, 5000, start=START + timedelta(days=400))
    bulk(portfolio, b, eth, 4995, start=START + timedelta(days=800), typ="sell")
    assert Transaction.objects.filter(portfolio=portfolio).count() == 10_000
    with django_assert_num_queries(7):
        big = logged_in.get(url(portfolio))
    assert len(big.context["page"].object_list) == 50
    with django_assert_num_queries(7):
        last = logged_in.get(url(portfolio, page=200))
    assert last.context["page"].number == 200
    # A chosen account or asset costs one query each to check it belongs to the choices.
    with django_assert_num_queries(9):
        filtered = logged_in.get(
            url(portfolio, account=b.pk, asset=eth.pk, type="sell", date_from="2024-01-01", page=3)
        )
    assert filtered.context["page"].paginator.count == 4995
    assert {t.account_id for t in filtered.context["page"]} == {b.pk}
