"""The refresh asks each asset's own feed: coins CoinGecko, ETFs and stocks Yahoo Finance (recorded
responses only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest
import time_machine
from pricing_testkit import COINGECKO, FakeClock, buy, json_response, utc

from portfolios.models import Asset, PriceQuote
from portfolios.pricing.securities import YahooFinanceClient
from portfolios.pricing.services import prices_refresh_history, prices_refresh_latest

YAHOO = "https://query1.finance.yahoo.com"
SIMPLE_PRICE = f"{COINGECKO}/simple/price"


@pytest.fixture
def yahoo(clock: FakeClock) -> YahooFinanceClient:
    return YahooFinanceClient(YAHOO, rate_per_minute=6000, sleep=clock.sleep, clock=clock)


def stored(asset: Asset) -> list[tuple[object, Decimal, str]]:
    return list(PriceQuote.objects.filter(asset=asset).order_by("at").values_list("at", "price", "source"))


@pytest.fixture
def mixed(account):  # type: ignore[no-untyped-def]
    """BTC and ETH (CoinGecko ids) and VTI (a ticker) bought; as the catalogue creates them."""
    btc = Asset.objects.create(
        symbol="BTC",
        name="Bitcoin",
        asset_class="crypto",
        price_source="coingecko",
        price_source_id="bitcoin",
    )
    eth = Asset.objects.create(
        symbol="ETH",
        name="Ethereum",
        asset_class="crypto",
        price_source="coingecko",
        price_source_id="ethereum",
    )
    vti = Asset.objects.create(
        symbol="VTI", name="Vanguard Total", asset_class="etf", price_source="yahoo", price_source_id="VTI"
    )
    for asset in (btc, eth, vti):
        buy(account, asset, utc(2025, 11, 20, 15))
    return {"BTC": btc, "ETH": eth, "VTI": vti}


def test_the_latest_refresh_prices_coins_and_securities_each_from_its_feed(no_network, gecko, yahoo, mixed):
    gecko_route = no_network.get(SIMPLE_PRICE).mock(
        return_value=json_response("coingecko_simple_price_bitcoin_ethereum.json")
    )
    vti_route = no_network.get(f"{YAHOO}/v8/finance/chart/VTI").mock(
        return_value=json_response("yahoo_chart_vti_latest.json")
    )

    result = prices_refresh_latest(client=gecko, yahoo=yahoo)

    assert sorted(gecko_route.calls[0].request.url.params["ids"].split(",")) == ["bitcoin", "ethereum"]
    assert vti_route.call_count == 1
    assert (result.created, result.updated, result.used_offline, result.errors) == (3, 0, False, [])
    assert stored(mixed["BTC"]) == [(utc(2026, 11, 24, 5, 59, 41), Decimal("91234.56"), "coingecko")]
    # 2025-11-28 18:00 UTC, the regular market's last trade; rounded to the exchange's two decimals.
    assert stored(mixed["VTI"]) == [(utc(2025, 11, 28, 18), Decimal("334.02"), "yahoo")]


def test_an_etf_without_an_explicit_feed_is_priced_by_its_class(no_network, gecko, yahoo, mixed):
    Asset.objects.filter(pk=mixed["VTI"].pk).update(price_source="")
    no_network.get(SIMPLE_PRICE).mock(
        return_value=json_response("coingecko_simple_price_bitcoin_ethereum.json")
    )
    no_network.get(f"{YAHOO}/v8/finance/chart/VTI").mock(
        return_value=json_response("yahoo_chart_vti_latest.json")
    )
    prices_refresh_latest(client=gecko, yahoo=yahoo)
    assert stored(mixed["VTI"])[0][2] == "yahoo"


def test_an_unknown_ticker_is_named_and_the_rest_are_priced(no_network, gecko, yahoo, mixed):
    Asset.objects.filter(pk=mixed["VTI"].pk).update(price_source_id="NOPE")
    no_network.get(SIMPLE_PRICE).mock(
        return_value=json_response("coingecko_simple_price_bitcoin_ethereum.json")
    )
    no_network.get(f"{YAHOO}/v8/finance/chart/NOPE").mock(
        return_value=json_response("yahoo_chart_not_found.json", status=404)
    )

    result = prices_refresh_latest(client=gecko, yahoo=yahoo)

    assert result.created == 2
    assert "Yahoo Finance had no price for VTI." in result.errors
    assert stored(mixed["VTI"]) == []


@time_machine.travel(utc(2026, 11, 24, 6), tick=False)
def test_an_unreachable_yahoo_leaves_securities_unpriced_and_says_so_never_zero(
    no_network, gecko, yahoo, clock, mixed
):
    no_network.get(SIMPLE_PRICE).mock(
        return_value=json_response("coingecko_simple_price_bitcoin_ethereum.json")
    )
    no_network.get(f"{YAHOO}/v8/finance/chart/VTI").mock(side_effect=httpx.ConnectError("no route"))

    result = prices_refresh_latest(client=gecko, yahoo=yahoo)

    assert not result.used_offline  # there is no synthetic history of securities to fall back on
    assert stored(mixed["VTI"]) == []
    (error,) = result.errors
    assert error.startswith("Yahoo Finance is unreachable (Yahoo Finance GET /v8/finance/chart/VTI failed")
    assert "VTI keep their last real price" in error
    assert "there is no offline history of securities" in error
    assert len(stored(mixed["BTC"])) == 1


@time_machine.travel(utc(2025, 11, 29, 6), tick=False)
def test_the_history_backfill_asks_yahoo_for_securities_from_their_first_transaction(
    no_network, gecko, coinbase, yahoo, mixed
):
    for coin in ("bitcoin", "ethereum"):
        no_network.get(f"{COINGECKO}/coins/{coin}/market_chart/range").mock(
            return_value=httpx.Response(200, content=b'{"prices":[],"market_caps":[],"total_volumes":[]}')
        )
    chart = no_network.get(f"{YAHOO}/v8/finance/chart/VTI").mock(
        return_value=json_response("yahoo_chart_vti_daily.json")
    )

    result = prices_refresh_history(client=gecko, coinbase=coinbase, yahoo=yahoo)

    params = chart.calls[0].request.url.params
    assert params["period1"] == str(int(utc(2025, 11, 20, 0).timestamp()))  # the day VTI was bought
    assert params["interval"] == "1d"
    # Thanksgiving (the 27th) has no close: no price that day, never a zero.
    assert stored(mixed["VTI"]) == [
        (utc(2025, 11, 24, 0), Decimal("327.21"), "yahoo"),
        (utc(2025, 11, 25, 0), Decimal("330.03"), "yahoo"),
        (utc(2025, 11, 26, 0), Decimal("332.41"), "yahoo"),
        (utc(2025, 11, 28, 0), Decimal("334.02"), "yahoo"),
    ]
    assert (result.created, result.errors) == (4, [])
    assert date(2025, 11, 27) not in {at.date() for at, _, _ in stored(mixed["VTI"])}
