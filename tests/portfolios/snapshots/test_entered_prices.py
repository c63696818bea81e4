"""Prices an owner enters for an asset no feed covers: they value that owner's holdings only, a fresher
real quote wins, and the pages say "entered by you".

Hand-worked: Alice holds 3 OLD, Bob holds 2 OLD (a shared asset without a feed), both bought at 10 on
2026-02-01. Alice enters 12.50 for 2026-02-20. At 2026-03-01 17:00 UTC Alice's OLD is worth
3 x 12.50 = 37.50; Bob's is unpriced (left out, never zero).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from snapshot_testkit import AS_OF, quote, record, utc

from portfolios.models import Account, Asset, OwnerPrice, Portfolio, User, ValuePoint
from portfolios.owner_prices import owner_price_delete, owner_price_set
from portfolios.snapshots import portfolio_snapshot_compute, portfolios_snapshot_compute

pytestmark = pytest.mark.django_db
D = Decimal


def holder(username: str, quantity: str, asset: Asset) -> Portfolio:
    user = User.objects.create_user(username=username, password="x")
    portfolio = Portfolio.objects.create(owner=user, name="Main")
    account = Account.objects.create(portfolio=portfolio, name="Broker")
    record(account, "buy", utc(2026, 2, 1), quantity, asset, unit_price=D(10))
    return portfolio


@pytest.fixture
def old() -> Asset:
    return Asset.objects.create(symbol="OLD", name="Old Fund", asset_class="stock", price_source_id="")


@pytest.fixture
def alice(old: Asset) -> Portfolio:
    portfolio = holder("alice", "3", old)
    owner_price_set(owner=portfolio.owner, asset=old, day=date(2026, 2, 20), price=D("12.50"))
    return portfolio


@pytest.fixture
def bob(old: Asset) -> Portfolio:
    return holder("bob", "2", old)


def asset_row(snapshot, symbol: str) -> dict:  # type: ignore[no-untyped-def]
    return next(a for a in snapshot.data["assets"] if a["symbol"] == symbol)


def test_an_entered_price_values_its_owners_holding_only(alice: Portfolio, bob: Portfolio) -> None:
    mine, theirs = portfolios_snapshot_compute(portfolio_ids=[alice.pk, bob.pk], as_of=AS_OF)

    assert mine.total_value == D("37.5")  # 3 x 12.50
    row = asset_row(mine, "OLD")
    assert (row["price"], row["price_source"], row["price_status"], row["price_entered"]) == (
        "12.5",
        "entered",
        "ok",
        True,
    )
    assert row["price_at"] == "2026-02-20T00:00:00+00:00"
    assert row["value"] == "37.5"
    assert mine.data["prices"]["missing"] == []
    assert mine.data["prices"]["entered"] == ["OLD"]
    assert mine.data["prices"]["entered_ids"] == [row["asset_id"]]
    assert mine.data["prices"]["oldest_at"] is None  # no feed price in use
    assert [lot["value"] for lot in mine.data["lots"]] == ["37.5"]

    assert theirs.total_value == 0
    assert theirs.has_missing_prices
    assert theirs.data["prices"]["missing"] == ["OLD"]
    assert "entered" not in theirs.data["prices"]
    assert "price_entered" not in asset_row(theirs, "OLD")
    assert asset_row(theirs, "OLD")["value"] is None


def test_the_value_history_uses_the_entered_price_from_its_day(alice: Portfolio) -> None:
    portfolio_snapshot_compute(portfolio_id=alice.pk, as_of=AS_OF)
    values = dict(ValuePoint.objects.filter(portfolio=alice).values_list("date", "value"))
    assert values[date(2026, 2, 19)] == 0  # no price yet: nothing counted
    assert values[date(2026, 2, 20)] == D("37.5")
    assert values[date(2026, 2, 28)] == D("37.5")
    assert values[date(2026, 3, 1)] == D("37.5")


def test_a_more_recent_real_quote_wins_and_a_newer_entry_wins_back(
    alice: Portfolio, bob: Portfolio, old
) -> None:  # type: ignore[no-untyped-def]
    quote(old, utc(2026, 2, 25, 0), "11", source="csv")
    snap = portfolio_snapshot_compute(portfolio_id=alice.pk, as_of=AS_OF, rebuild_history=True)
    # The feed's 11 of the 25th is newer than Alice's 12.50 of the 20th: the feed counts, and it is stale
    # (four days old), so the holding is left out rather than valued at an older guess.
    row = asset_row(snap, "OLD")
    assert (row["price"], row["price_source"], row["price_status"]) == ("11", "csv", "stale")
    assert snap.total_value == 0
    values = dict(ValuePoint.objects.filter(portfolio=alice).values_list("date", "value"))
    assert values[date(2026, 2, 22)] == D("37.5")  # 3 x 12.50
    assert values[date(2026, 2, 26)] == D(33)  # 3 x 11

    owner_price_set(owner=alice.owner, asset=old, day=date(2026, 2, 28), price=D(13))
    snap = portfolio_snapshot_compute(portfolio_id=alice.pk, as_of=AS_OF, rebuild_history=True)
    assert snap.total_value == D(39)  # 3 x 13
    values = dict(ValuePoint.objects.filter(portfolio=alice).values_list("date", "value"))
    assert values[date(2026, 2, 26)] == D(33)
    assert values[date(2026, 2, 28)] == D(39)
    # Bob still sees only the feed.
    assert asset_row(portfolio_snapshot_compute(portfolio_id=bob.pk, as_of=AS_OF), "OLD")["price"] == "11"


def test_a_fresh_feed_price_wins_over_an_entered_one(alice: Portfolio, old) -> None:  # type: ignore[no-untyped-def]
    quote(old, AS_OF - timedelta(hours=1), "14", source="csv")
    snap = portfolio_snapshot_compute(portfolio_id=alice.pk, as_of=AS_OF)
    assert snap.total_value == D(42)  # 3 x 14
    assert "price_entered" not in asset_row(snap, "OLD")


def test_entering_prices_is_checked(alice: Portfolio, old) -> None:  # type: ignore[no-untyped-def]
    owner = alice.owner
    with pytest.raises(ValidationError) as caught:
        owner_price_set(owner=owner, asset=old, day=date(2026, 2, 21), price=D(0))
    assert caught.value.message_dict == {"price": ["Not a usable price: zero price."]}
    with pytest.raises(ValidationError) as caught:
        owner_price_set(owner=owner, asset=old, day=date.today() + timedelta(days=2), price=D(1))
    assert list(caught.value.message_dict) == ["date"]
    someone = User.objects.create_user(username="carol", password="x")
    private = Asset.objects.create(symbol="CAROL", name="CAROL", asset_class="crypto", owner=someone)
    with pytest.raises(ValidationError):
        owner_price_set(owner=owner, asset=private, day=date(2026, 2, 21), price=D(1))
    # The same day again replaces the price.
    again = owner_price_set(owner=owner, asset=old, day=date(2026, 2, 20), price=D("12.75"))
    assert OwnerPrice.objects.filter(owner=owner).count() == 1
    assert again.price == D("12.75")
    owner_price_delete(entered=again)
    assert not OwnerPrice.objects.exists()


# --- pages -----------------------------------------------------------------------------------------------


def test_the_pages_say_entered_by_you(client, alice: Portfolio, bob: Portfolio) -> None:  # type: ignore[no-untyped-def]
    portfolios_snapshot_compute(portfolio_ids=[alice.pk, bob.pk], as_of=AS_OF)
    client.force_login(alice.owner)
    html = client.get(reverse("portfolios:dashboard", args=[alice.pk])).content.decode()
    assert "entered by you, 2026-02-20" in html
    assert "Valued at prices entered by you: OLD" in html
    lots = client.get(reverse("taxes:lot_list", args=[alice.pk])).content.decode()
    assert "entered by you" in lots

    client.force_login(bob.owner)
    html = client.get(reverse("portfolios:dashboard", args=[bob.pk])).content.decode()
    assert "entered by you" not in html
    assert "No price for OLD" in html
    link = reverse("portfolios:asset_prices") + f"?portfolio={bob.pk}"
    assert f'href="{link}">enter a price yourself</a>' in html


def test_the_prices_page_lists_adds_and_deletes_the_owners_prices(
    client, alice: Portfolio, bob: Portfolio, old
) -> None:  # type: ignore[no-untyped-def]
    carol_asset = Asset.objects.create(symbol="BOBS", name="BOBS", asset_class="crypto", owner=bob.owner)
    url = reverse("portfolios:asset_prices")
    client.force_login(alice.owner)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Old Fund" in html
    assert "BOBS" not in html
    assert 'id="owner-prices"' in html
    assert "12.5" in html

    added = client.post(
        url + f"?portfolio={alice.pk}", {"asset": old.pk, "date": "2026-02-27", "price": "12.9"}
    )
    assert added.status_code == 302
    assert added["Location"] == url + f"?portfolio={alice.pk}"
    assert sorted(OwnerPrice.objects.filter(owner=alice.owner).values_list("date", "price")) == [
        (date(2026, 2, 20), D("12.5")),
        (date(2026, 2, 27), D("12.9")),
    ]
    refused = client.post(url, {"asset": carol_asset.pk, "date": "2026-02-27", "price": "1"})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.context["form"].errors["asset"][0]
    bad = client.post(url, {"asset": old.pk, "date": "2026-02-27", "price": "-3"})
    assert bad.context["form"].errors["price"] == ["Not a usable price: negative price."]

    entered = OwnerPrice.objects.get(owner=alice.owner, date=date(2026, 2, 27))
    client.force_login(bob.owner)
    assert client.post(reverse("portfolios:asset_price_delete", args=[entered.pk])).status_code == 404
    assert "12.9" not in client.get(url).content.decode()
    client.force_login(alice.owner)
    deleted = client.post(reverse("portfolios:asset_price_delete", args=[entered.pk]))
    assert deleted.status_code == 302
    assert not OwnerPrice.objects.filter(pk=entered.pk).exists()
