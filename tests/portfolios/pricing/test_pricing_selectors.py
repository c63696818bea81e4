import random
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pricing_testkit import make_asset, utc

from portfolios.models import PriceQuote
from portfolios.pricing.selectors import PricePoint, price_history, price_on, prices_latest

pytestmark = pytest.mark.django_db


def quote(asset, at, price, source="coingecko"):
    return PriceQuote.objects.create(asset=asset, at=at, price=Decimal(price), source=source)


@pytest.fixture
def market():
    """A small hand-made set.

    BTC: offline daily 01-01..01-03, coingecko on 01-02 00:00 (same moment as offline), an intraday
         coingecko quote 01-03 15:30, then nothing until 01-06 (csv).
    ETH: only offline on 01-02 and a ledger price 01-04 23:59:59.
    SOL: no quotes at all.
    """
    btc, eth, sol = make_asset("BTC", "bitcoin"), make_asset("ETH", "ethereum"), make_asset("SOL", "solana")
    quote(btc, utc(2024, 1, 1), "42000", "offline")
    quote(btc, utc(2024, 1, 2), "44000", "offline")
    quote(btc, utc(2024, 1, 2), "44951.01", "coingecko")
    quote(btc, utc(2024, 1, 3), "43000", "offline")
    quote(btc, utc(2024, 1, 3, 15, 30), "42848.18", "coingecko")
    quote(btc, utc(2024, 1, 6), "44100", "csv")
    quote(eth, utc(2024, 1, 2), "2300", "offline")
    quote(eth, utc(2024, 1, 4, 23, 59, 59), "2270.5", "ledger")
    return btc, eth, sol


def test_prices_latest(market, django_assert_max_num_queries):
    btc, eth, sol = market
    with django_assert_max_num_queries(2):
        latest = prices_latest(asset_ids=[btc.id, eth.id, sol.id], as_of=utc(2024, 1, 3, 12))

    assert latest == {
        btc.id: PricePoint(Decimal("43000"), utc(2024, 1, 3), "offline"),
        eth.id: PricePoint(Decimal("2300"), utc(2024, 1, 2), "offline"),
    }
    assert latest[btc.id].is_synthetic


def test_prices_latest_prefers_a_live_source_at_the_same_moment(market):
    btc, _, _ = market
    latest = prices_latest(asset_ids=[btc.id], as_of=utc(2024, 1, 2, 23))
    assert latest == {btc.id: PricePoint(Decimal("44951.01"), utc(2024, 1, 2), "coingecko")}
    assert not latest[btc.id].is_synthetic


def test_prices_latest_as_of_is_inclusive_and_later_quotes_are_ignored(market):
    btc, eth, _ = market
    latest = prices_latest(asset_ids=[btc.id, eth.id], as_of=utc(2024, 1, 3, 15, 30))
    assert latest[btc.id] == PricePoint(Decimal("42848.18"), utc(2024, 1, 3, 15, 30), "coingecko")
    assert prices_latest(asset_ids=[btc.id], as_of=utc(2023, 12, 31)) == {}
    assert prices_latest(asset_ids=[], as_of=utc(2024, 1, 3)) == {}


def test_price_on(market, django_assert_num_queries):
    btc, eth, sol = market
    with django_assert_num_queries(1):
        assert price_on(asset_id=btc.id, day=date(2024, 1, 2)) == PricePoint(
            Decimal("44951.01"), utc(2024, 1, 2), "coingecko"
        )
    # the intraday quote is later than the 00:00 offline one
    assert price_on(asset_id=btc.id, day=date(2024, 1, 3)).price == Decimal("42848.18")
    # a gap: the last quote on or before the day
    assert price_on(asset_id=btc.id, day=date(2024, 1, 5)).at == utc(2024, 1, 3, 15, 30)
    # a quote at 23:59:59 belongs to its day; the next day's 00:00 quote does not
    assert price_on(asset_id=eth.id, day=date(2024, 1, 4)).price == Decimal("2270.5")
    assert price_on(asset_id=btc.id, day=date(2023, 12, 31)) is None
    assert price_on(asset_id=sol.id, day=date(2024, 1, 4)) is None


def test_price_history_daily_closes_with_carry_forward(market, django_assert_max_num_queries):
    btc, eth, sol = market
    with django_assert_max_num_queries(2):
        history = price_history(
            asset_ids=[btc.id, eth.id, sol.id], start=date(2024, 1, 1), end=date(2024, 1, 7)
        )

    assert history == {
        btc.id: {
            date(2024, 1, 1): Decimal("42000"),
            date(2024, 1, 2): Decimal("44951.01"),  # live beats offline at the same moment
            date(2024, 1, 3): Decimal("42848.18"),  # the day's last quote
            date(2024, 1, 4): Decimal("42848.18"),  # carried forward
            date(2024, 1, 5): Decimal("42848.18"),
            date(2024, 1, 6): Decimal("44100"),
            date(2024, 1, 7): Decimal("44100"),
        },
        eth.id: {  # nothing before its first quote
            date(2024, 1, 2): Decimal("2300"),
            date(2024, 1, 3): Decimal("2300"),
            date(2024, 1, 4): Decimal("2270.5"),
            date(2024, 1, 5): Decimal("2270.5"),
            date(2024, 1, 6): Decimal("2270.5"),
            date(2024, 1, 7): Decimal("2270.5"),
        },
        sol.id: {},
    }


def test_price_history_carries_in_the_last_price_before_start(market):
    btc, eth, _ = market
    history = price_history(asset_ids=[btc.id, eth.id], start=date(2024, 1, 4), end=date(2024, 1, 6))
    assert history[btc.id] == {
        date(2024, 1, 4): Decimal("42848.18"),
        date(2024, 1, 5): Decimal("42848.18"),
        date(2024, 1, 6): Decimal("44100"),
    }
    assert history[eth.id] == {
        date(2024, 1, 4): Decimal("2270.5"),
        date(2024, 1, 5): Decimal("2270.5"),
        date(2024, 1, 6): Decimal("2270.5"),
    }
    assert price_history(asset_ids=[btc.id], start=date(2024, 1, 5), end=date(2024, 1, 4)) == {btc.id: {}}


def test_price_history_is_fast_for_8_assets_over_3000_days(django_assert_max_num_queries):
    rng = random.Random(7)
    start = date(2018, 1, 1)
    assets = [make_asset(f"A{n}", f"coin-{n}") for n in range(8)]
    rows = []
    for asset in assets:
        for offset in range(3000):
            if rng.random() < 0.05:
                continue  # gaps
            rows.append(
                PriceQuote(
                    asset=asset,
                    at=utc(2018, 1, 1) + timedelta(days=offset),
                    price=Decimal(rng.randint(100, 10**9)).scaleb(-4),
                    source="offline",
                )
            )
    PriceQuote.objects.bulk_create(rows, batch_size=2000)
    end = start + timedelta(days=2999)

    started = time.perf_counter()
    with django_assert_max_num_queries(2):
        history = price_history(asset_ids=[a.id for a in assets], start=start, end=end)
    elapsed = time.perf_counter() - started

    for asset in (assets[0], assets[-1]):
        closes = {r.at.date(): r.price for r in rows if r.asset is asset}
        expected, current = {}, None
        for offset in range(3000):
            day = start + timedelta(days=offset)
            current = closes.get(day, current)
            if current is not None:
                expected[day] = current
        assert history[asset.id] == expected
    assert elapsed < 1.0, f"price_history took {elapsed:.3f}s"
