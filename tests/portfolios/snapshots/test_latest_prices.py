"""The snapshot's one-query read of the latest prices gives what portfolios.pricing.selectors.prices_latest
gives: the latest quote at or before the moment, the preferred source when several share that moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from portfolios.models import Asset, PriceQuote
from portfolios.models.prices import PriceSource
from portfolios.pricing.selectors import PricePoint, prices_latest
from portfolios.snapshots.prices import latest_prices

START = datetime(2026, 1, 1, tzinfo=UTC)

quotes = st.lists(
    st.tuples(
        st.integers(0, 2),  # asset
        st.integers(0, 5),  # hour: few moments, so that sources often share one
        st.sampled_from(PriceSource.values),
        st.integers(1, 10**6).map(lambda cents: Decimal(cents) / 100),
    ),
    max_size=25,
    unique_by=lambda quote: quote[:3],
)


class LatestPricesTests(TestCase):
    def test_hand_worked(self) -> None:
        btc = Asset.objects.create(symbol="BTC", name="Bitcoin")
        eth = Asset.objects.create(symbol="ETH", name="Ether")
        for hour, price, source in ((1, "100", "offline"), (2, "101", "offline"), (2, "102", "csv")):
            PriceQuote.objects.create(
                asset=btc, at=START + timedelta(hours=hour), price=Decimal(price), source=source
            )
        PriceQuote.objects.create(asset=eth, at=START + timedelta(hours=3), price=Decimal(5), source="yahoo")
        found = latest_prices(asset_ids=[btc.pk, eth.pk], as_of=START + timedelta(hours=2))
        # At 02:00 the CSV quote wins over the offline one; ETH has no quote yet.
        assert found == {btc.pk: PricePoint(Decimal(102), START + timedelta(hours=2), "csv")}

    @settings(max_examples=40, deadline=None)
    @given(quotes=quotes, hour=st.integers(0, 6))
    def test_the_same_as_prices_latest(self, quotes: list[tuple[int, int, str, Decimal]], hour: int) -> None:
        assets = [Asset.objects.create(symbol=f"A{i}", name=f"Asset {i}") for i in range(3)]
        PriceQuote.objects.bulk_create(
            PriceQuote(asset=assets[a], at=START + timedelta(hours=h), price=price, source=source)
            for a, h, source, price in quotes
        )
        ids = [asset.pk for asset in assets]
        as_of = START + timedelta(hours=hour)
        assert latest_prices(asset_ids=ids, as_of=as_of) == prices_latest(asset_ids=ids, as_of=as_of)
