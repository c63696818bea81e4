"""Add, edit and delete forms: one form per type, the service's errors on the right field, lots recomputed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolios.models import LotPick, Transaction, TransactionType
from portfolios.models.ledger import TYPE_FIELDS
from portfolios.services import TransactionData, transaction_record
from taxes.models import Disposal, TaxLot
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

ALWAYS = {"account", "timestamp", "notes"}


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory(username="ann", timezone="UTC")


@pytest.fixture
def portfolio(owner):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=owner, name="Main")


@pytest.fixture
def account(portfolio):  # type: ignore[no-untyped-def]
    return AccountFactory(portfolio=portfolio, name="Coinbase")


@pytest.fixture
def btc():  # type: ignore[no-untyped-def]
    return AssetFactory(symbol="BTC")


@pytest.fixture
def logged_in(client, owner):  # type: ignore[no-untyped-def]
    client.force_login(owner)
    return client


def add_url(portfolio, typ: str | None = None) -> str:  # type: ignore[no-untyped-def]
    base = reverse("portfolios:transaction_add", kwargs={"portfolio_id": portfolio.pk})
    return f"{base}?type={typ}" if typ else base


def edit_url(tx: Transaction, typ: str | None = None) -> str:
    base = reverse("portfolios:transaction_edit", kwargs={"portfolio_id": tx.portfolio_id, "tx_id": tx.pk})
    return f"{base}?type={typ}" if typ else base


def delete_url(tx: Transaction) -> str:
    return reverse("portfolios:transaction_delete", kwargs={"portfolio_id": tx.portfolio_id, "tx_id": tx.pk})


def record(account, asset, typ: str, when: datetime, qty: str, price: str | None = "100", **kw):  # type: ignore[no-untyped-def]
    data = TransactionData(
        account=account,
        type=typ,
        timestamp=when,
        quantity=Decimal(qty),
        asset=asset,
        unit_price=Decimal(price) if price is not None else None,
        **kw,
    )
    return transaction_record(portfolio=account.portfolio, data=data)


def post_data(account, asset, typ: str = "buy", **overrides: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "type": typ,
        "account": account.pk,
        "timestamp": "2024-03-01T14:00",
        "asset": asset.pk if asset else "",
        "quantity": "1",
        "unit_price": "100",
        "fee": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def lots(portfolio) -> list[tuple[int, Decimal]]:  # type: ignore[no-untyped-def]
    return sorted(TaxLot.objects.filter(portfolio=portfolio).values_list("origin_id", "quantity"))


# --- the form per type --------------------------------------------------------------------------------


def test_add_without_a_type_asks_for_one_first(logged_in, portfolio, account) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.get(add_url(portfolio))
    assert response.status_code == 200
    assert response.context["form"] is None
    html = response.content.decode()
    assert 'name="type"' in html
    assert 'value="sell"' in html
    assert 'value="staking"' in html
    assert 'id="tx-form"' not in html
    # An unknown type is treated as no choice.
    assert logged_in.get(add_url(portfolio, "bogus")).context["form"] is None


@pytest.mark.parametrize("typ", TransactionType.values)
def test_each_type_shows_only_the_fields_it_uses(logged_in, portfolio, account, typ: str) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.get(add_url(portfolio, typ))
    assert response.status_code == 200
    form = response.context["form"]
    expected = ALWAYS | TYPE_FIELDS[typ] | ({"lot_picks"} if typ in ("sell", "trade") else set())
    assert set(form.fields) == expected
    html = response.content.decode()
    for name in (
        "asset",
        "unit_price",
        "fee",
        "counter_asset",
        "counter_quantity",
        "to_account",
        "acquired_at",
        "cost_basis",
    ):
        assert (f'name="{name}"' in html) == (name in expected), name
    assert f'<input type="hidden" name="type" value="{typ}">' in html


def test_add_a_buy_records_it_and_computes_its_lot(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(
        add_url(portfolio, "buy"), post_data(account, btc, quantity="2", unit_price="100", fee="4")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "portfolios:transaction_list", kwargs={"portfolio_id": portfolio.pk}
    )
    tx = Transaction.objects.get()
    assert (tx.type, tx.quantity, tx.unit_price, tx.fee) == ("buy", Decimal(2), Decimal(100), Decimal(4))
    assert tx.timestamp == datetime(2024, 3, 1, 14, tzinfo=UTC)
    lot = TaxLot.objects.get()
    assert (lot.origin_id, lot.quantity, lot.basis) == (tx.pk, Decimal(2), Decimal(204))
    follow = logged_in.get(response["Location"])
    assert "Recorded" in follow.content.decode()


def test_eighteen_decimal_quantity_is_kept_exactly(logged_in, portfolio, account) -> None:  # type: ignore[no-untyped-def]
    eth = AssetFactory(symbol="ETH")
    qty = "123456789.123456789012345678"
    response = logged_in.post(
        add_url(portfolio, "staking"),
        post_data(account, eth, "staking", quantity=qty, unit_price="0.000000000000000001"),
    )
    assert response.status_code == 302
    tx = Transaction.objects.get()
    assert tx.quantity == Decimal(qty)
    assert str(tx.quantity).rstrip("0") == qty.rstrip("0")
    assert TaxLot.objects.get().quantity == Decimal(qty)
    listed = logged_in.get(reverse("portfolios:transaction_list", kwargs={"portfolio_id": portfolio.pk}))
    assert "123,456,789.123456789012345678" in listed.content.decode()


def test_thousands_separators_are_accepted(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(
        add_url(portfolio, "buy"), post_data(account, btc, quantity="1,000.5", unit_price="1,250")
    )
    assert response.status_code == 302
    assert Transaction.objects.get().quantity == Decimal("1000.5")


# --- validation paths ---------------------------------------------------------------------------------


def field_errors(response, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return list(response.context["form"].errors.get(name, []))


def test_oversell_is_shown_on_the_quantity_field(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    response = logged_in.post(add_url(portfolio, "sell"), post_data(account, btc, "sell", quantity="1.5"))
    errors = field_errors(response, "quantity")
    assert errors
    assert errors[0] == "quantity 1.5 is more than the 1 the account holds"
    assert not response.context["form"].non_field_errors()
    html = response.content.decode()
    assert html.index('id="quantity_errors"') > html.index('name="quantity"')
    assert Transaction.objects.count() == 1
    assert lots(portfolio) == [(Transaction.objects.get().pk, Decimal(1))]


@pytest.mark.parametrize("bad", ["1.2.3", "abc", "1,5", "--1"])
def test_bad_decimals_are_refused_on_their_field(logged_in, portfolio, account, btc, bad: str) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(
        add_url(portfolio, "buy"), post_data(account, btc, quantity=bad, unit_price=bad)
    )
    assert "is not a number" in field_errors(response, "quantity")[0]
    assert "is not a number" in field_errors(response, "unit_price")[0]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-inf"])
def test_non_finite_numbers_are_refused(logged_in, portfolio, account, btc, bad: str) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(add_url(portfolio, "buy"), post_data(account, btc, fee=bad))
    assert field_errors(response, "fee") == ["Enter a finite number."]
    assert not Transaction.objects.exists()


def test_more_than_18_decimal_places_is_refused(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(
        add_url(portfolio, "buy"), post_data(account, btc, quantity="0.1234567890123456789")
    )
    assert field_errors(response, "quantity") == ["At most 18 decimal places."]
    assert not Transaction.objects.exists()


def test_zero_and_negative_quantities_are_refused(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(add_url(portfolio, "buy"), post_data(account, btc, quantity="0", fee="-1"))
    assert field_errors(response, "quantity") == ["Must be greater than zero."]
    assert field_errors(response, "fee") == ["Must not be negative."]


def test_future_timestamp_is_refused(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(
        add_url(portfolio, "buy"), post_data(account, btc, timestamp="2099-01-01T00:00")
    )
    assert field_errors(response, "timestamp") == ["Timestamp is in the future."]
    assert not Transaction.objects.exists()


def test_missing_fair_value_is_refused(logged_in, portfolio, account) -> None:  # type: ignore[no-untyped-def]
    eth = AssetFactory(symbol="ETH")
    response = logged_in.post(
        add_url(portfolio, "staking"), post_data(account, eth, "staking", unit_price="")
    )
    assert field_errors(response, "unit_price") == [
        "Required for a staking reward: the fair value in USD per unit."
    ]
    assert not Transaction.objects.exists()


def test_missing_asset_and_quantity_are_refused(logged_in, portfolio, account) -> None:  # type: ignore[no-untyped-def]
    response = logged_in.post(add_url(portfolio, "buy"), post_data(account, None, quantity=""))
    assert field_errors(response, "quantity") == ["This field is required."]
    # The form stops before the service when a required input is missing; the asset is checked with it.
    response = logged_in.post(add_url(portfolio, "buy"), post_data(account, None))
    assert field_errors(response, "asset") == ["Required for a buy: the asset."]


def test_account_of_another_portfolio_is_refused(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    foreign = AccountFactory(portfolio=PortfolioFactory(owner=portfolio.owner, name="Other"))
    response = logged_in.post(add_url(portfolio, "buy"), post_data(foreign, btc))
    assert "Select a valid choice" in field_errors(response, "account")[0]
    assert not Transaction.objects.exists()


def test_transfer_needs_a_different_destination(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    cold = AccountFactory(portfolio=portfolio, name="Cold wallet")
    same = post_data(account, btc, "transfer", to_account=account.pk, quantity="0.4")
    del same["unit_price"]
    assert field_errors(logged_in.post(add_url(portfolio, "transfer"), same), "to_account") == [
        "A transfer needs a different destination account."
    ]
    ok = {**same, "to_account": cold.pk}
    assert logged_in.post(add_url(portfolio, "transfer"), ok).status_code == 302
    assert sorted(TaxLot.objects.values_list("account__name", "quantity")) == [
        ("Coinbase", Decimal("0.6")),
        ("Cold wallet", Decimal("0.4")),
    ]


def test_a_trade_records_both_legs(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    eth = AssetFactory(symbol="ETH")
    data = post_data(
        account, btc, "trade", quantity="0.5", unit_price="200", counter_asset=eth.pk, counter_quantity="25"
    )
    assert logged_in.post(add_url(portfolio, "trade"), data).status_code == 302
    assert sorted(TaxLot.objects.values_list("asset__symbol", "quantity")) == [
        ("BTC", Decimal("0.5")),
        ("ETH", Decimal(25)),
    ]


def test_cash_deposit_takes_only_a_quantity(logged_in, portfolio, account) -> None:  # type: ignore[no-untyped-def]
    data = {"type": "deposit", "account": account.pk, "timestamp": "2024-01-01T09:00", "quantity": "5000"}
    assert logged_in.post(add_url(portfolio, "deposit"), data).status_code == 302
    tx = Transaction.objects.get()
    assert (tx.type, tx.asset, tx.quantity) == ("deposit", None, Decimal(5000))


# --- time zone ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # DST starts at 02:00 on 10 March 2024 in New York: 23:30 that evening is EDT (UTC-4).
        ("2024-03-10T23:30", datetime(2024, 3, 11, 3, 30, tzinfo=UTC)),
        # The evening before is still EST (UTC-5).
        ("2024-03-09T23:30", datetime(2024, 3, 10, 4, 30, tzinfo=UTC)),
        ("2024-03-10 01:59:59", datetime(2024, 3, 10, 6, 59, 59, tzinfo=UTC)),
        ("2024-03-10T03:00", datetime(2024, 3, 10, 7, 0, tzinfo=UTC)),
    ],
)
def test_timestamp_is_entered_in_the_owner_time_zone(client, typed: str, stored: datetime) -> None:  # type: ignore[no-untyped-def]
    owner = UserFactory(username="ny", timezone="America/New_York")
    portfolio = PortfolioFactory(owner=owner)
    account = AccountFactory(portfolio=portfolio)
    client.force_login(owner)
    response = client.post(
        add_url(portfolio, "buy"), post_data(account, AssetFactory(symbol="BTC"), timestamp=typed)
    )
    assert response.status_code == 302
    assert Transaction.objects.get().timestamp == stored


def test_a_time_skipped_by_dst_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    owner = UserFactory(username="ny", timezone="America/New_York")
    portfolio = PortfolioFactory(owner=owner)
    client.force_login(owner)
    data = post_data(
        AccountFactory(portfolio=portfolio), AssetFactory(symbol="BTC"), timestamp="2024-03-10T02:30"
    )
    errors = field_errors(client.post(add_url(portfolio, "buy"), data), "timestamp")
    assert "America/New_York" in errors[0]
    assert "may not exist" in errors[0]
    assert not Transaction.objects.exists()


def test_edit_form_shows_the_stored_time_in_the_owner_zone(client) -> None:  # type: ignore[no-untyped-def]
    owner = UserFactory(username="ny", timezone="America/New_York")
    account = AccountFactory(portfolio=PortfolioFactory(owner=owner))
    tx = record(account, AssetFactory(symbol="BTC"), "buy", datetime(2024, 3, 11, 3, 30, tzinfo=UTC), "1")
    client.force_login(owner)
    html = client.get(edit_url(tx)).content.decode()
    assert 'value="2024-03-10T23:30:00"' in html
    assert "America/New_York" in html


# --- edit and delete ----------------------------------------------------------------------------------


def test_edit_recomputes_lots(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    buy = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "2")
    record(account, btc, "sell", datetime(2024, 2, 2, tzinfo=UTC), "0.5", "150")
    assert lots(portfolio) == [(buy.pk, Decimal("1.5"))]
    page = logged_in.get(edit_url(buy))
    assert page.status_code == 200
    assert page.context["form"]["quantity"].value() == "2"
    assert 'value="2"' in page.content.decode()
    response = logged_in.post(
        edit_url(buy), post_data(account, btc, quantity="3", unit_price="120", timestamp="2024-01-02T00:00")
    )
    assert response.status_code == 302
    buy.refresh_from_db()
    assert (buy.quantity, buy.unit_price) == (Decimal(3), Decimal(120))
    assert lots(portfolio) == [(buy.pk, Decimal("2.5"))]
    assert TaxLot.objects.get().basis == Decimal(300)
    assert Disposal.objects.get().basis == Decimal(60)


def test_edit_that_breaks_a_later_sale_is_refused_and_nothing_changes(
    logged_in, portfolio, account, btc
) -> None:  # type: ignore[no-untyped-def]
    buy = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    sell = record(account, btc, "sell", datetime(2024, 2, 2, tzinfo=UTC), "0.8", "150")
    response = logged_in.post(
        edit_url(buy), post_data(account, btc, quantity="0.5", timestamp="2024-01-02T00:00")
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any(f"#{sell.pk}" in e for e in errors)
    buy.refresh_from_db()
    assert buy.quantity == Decimal(1)
    assert lots(portfolio) == [(buy.pk, Decimal("0.2"))]


def test_edit_can_change_the_type(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    tx = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    page = logged_in.get(edit_url(tx, "staking"))
    assert set(page.context["form"].fields) == ALWAYS | TYPE_FIELDS["staking"]
    response = logged_in.post(
        edit_url(tx, "staking"), post_data(account, btc, "staking", timestamp="2024-01-02T00:00")
    )
    assert response.status_code == 302
    tx.refresh_from_db()
    assert tx.type == "staking"


def test_delete_asks_for_confirmation_then_recomputes_lots(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    first = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    second = record(account, btc, "buy", datetime(2024, 1, 3, tzinfo=UTC), "2")
    page = logged_in.get(delete_url(second))
    assert page.status_code == 200
    assert b"Delete transaction #" in page.content
    assert b'method="post"' in page.content
    assert Transaction.objects.count() == 2  # GET never deletes
    response = logged_in.post(delete_url(second))
    assert response.status_code == 302
    assert list(Transaction.objects.values_list("pk", flat=True)) == [first.pk]
    assert lots(portfolio) == [(first.pk, Decimal(1))]


def test_delete_that_breaks_a_later_sale_is_refused(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    buy = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    sell = record(account, btc, "sell", datetime(2024, 2, 2, tzinfo=UTC), "1", "150")
    response = logged_in.post(delete_url(buy))
    assert response.status_code == 400
    assert f"#{sell.pk}".encode() in response.content
    assert Transaction.objects.count() == 2
    assert Disposal.objects.get().origin_id == buy.pk


# --- specific identification --------------------------------------------------------------------------


def test_sell_form_lists_open_lots_of_the_account_and_asset(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    a = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1", "100")
    b = record(account, btc, "buy", datetime(2024, 1, 5, tzinfo=UTC), "0.000000000000000001", "200")
    other = AccountFactory(portfolio=portfolio, name="Kraken")
    c = record(other, btc, "buy", datetime(2024, 1, 6, tzinfo=UTC), "3", "300")
    url = add_url(portfolio, "sell") + f"&account={account.pk}&asset={btc.pk}"
    form = logged_in.get(url).context["form"]
    assert [(o.origin_id, o.quantity) for o in form.lot_options] == [
        (a.pk, Decimal(1)),
        (b.pk, Decimal("1E-18")),
    ]
    html = logged_in.get(url).content.decode()
    assert f'name="lot_picks_{b.pk}"' in html
    assert "0.000000000000000001" in html
    assert f'name="lot_picks_{c.pk}"' not in html
    # Without a chosen account and asset every open lot is listed (the page script narrows them down).
    unscoped = logged_in.get(add_url(portfolio, "sell")).context["form"]
    assert {o.origin_id for o in unscoped.lot_options} == {a.pk, b.pk, c.pk}


def test_sell_with_picked_lots_takes_those_lots(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    a = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1", "100")
    b = record(account, btc, "buy", datetime(2024, 1, 5, tzinfo=UTC), "1", "200")
    data = post_data(account, btc, "sell", quantity="0.75", unit_price="300", **{f"lot_picks_{b.pk}": "0.75"})
    response = logged_in.post(add_url(portfolio, "sell"), data)
    assert response.status_code == 302
    sell = Transaction.objects.get(type="sell")
    assert list(LotPick.objects.values_list("transaction_id", "origin_id", "quantity")) == [
        (sell.pk, b.pk, Decimal("0.75"))
    ]
    assert Disposal.objects.get().origin_id == b.pk  # not FIFO's lot a
    assert lots(portfolio) == [(a.pk, Decimal(1)), (b.pk, Decimal("0.25"))]
    # Editing the sale shows the pick, also once the lot is fully taken.
    form = logged_in.get(edit_url(sell)).context["form"]
    assert dict((o.origin_id, v) for o, v in form.lot_rows())[b.pk] == "0.75"


def test_picked_lots_that_do_not_add_up_are_refused_on_the_lots_field(
    logged_in, portfolio, account, btc
) -> None:  # type: ignore[no-untyped-def]
    a = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1", "100")
    data = post_data(account, btc, "sell", quantity="0.75", **{f"lot_picks_{a.pk}": "0.5"})
    response = logged_in.post(add_url(portfolio, "sell"), data)
    errors = field_errors(response, "lot_picks")
    assert errors
    assert "add up to" in errors[0]
    assert not Transaction.objects.filter(type="sell").exists()
    assert 'id="lot_picks_errors"' in response.content.decode()


def test_picking_a_lot_of_another_account_is_refused(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1", "100")
    other = AccountFactory(portfolio=portfolio, name="Kraken")
    c = record(other, btc, "buy", datetime(2024, 1, 6, tzinfo=UTC), "3", "300")
    data = post_data(account, btc, "sell", quantity="0.5", **{f"lot_picks_{c.pk}": "0.5"})
    errors = field_errors(logged_in.post(add_url(portfolio, "sell"), data), "lot_picks")
    assert errors == [f"The lot bought in transaction #{c.pk} is not an open lot of this account and asset."]
    data = post_data(account, btc, "sell", quantity="0.5", **{f"lot_picks_{c.pk}": "lots"})
    assert field_errors(logged_in.post(add_url(portfolio, "sell"), data), "lot_picks")
    assert not Transaction.objects.filter(type="sell").exists()


# --- every problem at once ----------------------------------------------------------------------------


def test_sell_with_a_bad_fee_and_an_oversell_shows_both(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    data = post_data(account, btc, "sell", quantity="1.5", fee="ten dollars")
    response = logged_in.post(add_url(portfolio, "sell"), data)
    assert "is not a number" in field_errors(response, "fee")[0]
    assert field_errors(response, "quantity") == ["quantity 1.5 is more than the 1 the account holds"]
    html = response.content.decode()
    assert 'id="fee_errors"' in html
    assert 'id="quantity_errors"' in html
    assert "more than the 1 the account holds" in html
    assert list(Transaction.objects.values_list("type", flat=True)) == ["buy"]
    assert lots(portfolio) == [(Transaction.objects.get().pk, Decimal(1))]


def test_a_rule_broken_in_the_service_still_shows_the_oversell(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    """The form reads a negative fee fine; the service refuses it and still reports the oversell."""
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    data = post_data(account, btc, "sell", quantity="2", fee="-1", unit_price="")
    response = logged_in.post(add_url(portfolio, "sell"), data)
    assert field_errors(response, "fee") == ["Must not be negative."]
    assert field_errors(response, "unit_price") == ["Required for a sell: the fair value in USD per unit."]
    assert field_errors(response, "quantity") == ["quantity 2 is more than the 1 the account holds"]
    assert not Transaction.objects.filter(type="sell").exists()


def test_an_unreadable_quantity_leaves_the_holding_unchecked(logged_in, portfolio, account, btc) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    data = post_data(account, btc, "sell", quantity="lots", fee="-1")
    response = logged_in.post(add_url(portfolio, "sell"), data)
    assert "is not a number" in field_errors(response, "quantity")[0]
    assert len(field_errors(response, "quantity")) == 1  # nothing about a holding it cannot size
    assert field_errors(response, "fee") == ["Must not be negative."]


def test_editing_a_sale_into_an_oversell_with_a_bad_fee_shows_both(
    logged_in, portfolio, account, btc
) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    sale = record(account, btc, "sell", datetime(2024, 2, 2, tzinfo=UTC), "0.5", "150")
    data = post_data(account, btc, "sell", quantity="3", fee="x", timestamp="2024-02-02T00:00")
    response = logged_in.post(edit_url(sale), data)
    assert "is not a number" in field_errors(response, "fee")[0]
    assert field_errors(response, "quantity") == ["quantity 3 is more than the 1 the account holds"]
    sale.refresh_from_db()
    assert sale.quantity == Decimal("0.5")
    assert lots(portfolio) == [(Transaction.objects.get(type="buy").pk, Decimal("0.5"))]
    assert Disposal.objects.get().transaction_id == sale.pk


def test_transaction_problems_reports_field_and_engine_problems_and_stores_nothing(
    portfolio, account, btc
) -> None:  # type: ignore[no-untyped-def]
    from portfolios.services import transaction_problems

    buy = record(account, btc, "buy", datetime(2024, 1, 2, tzinfo=UTC), "1")
    data = TransactionData(
        account=account,
        type="sell",
        timestamp=datetime(2024, 3, 1, tzinfo=UTC),
        quantity=Decimal("1.25"),
        asset=btc,
        unit_price=Decimal(200),
        fee=Decimal(-2),
    )
    problems = transaction_problems(portfolio=portfolio, data=data)
    assert problems == {
        "fee": ["Must not be negative."],
        "quantity": ["quantity 1.25 is more than the 1 the account holds"],
    }
    assert list(Transaction.objects.values_list("pk", flat=True)) == [buy.pk]
    assert lots(portfolio) == [(buy.pk, Decimal(1))]
    assert not Disposal.objects.exists()
