import json
import logging
from decimal import Decimal

import httpx
import pytest
from pricing_testkit import COINBASE, COINGECKO, FakeClock, json_response, utc

from portfolios.pricing.client import (
    CoinGeckoClient,
    PriceSourceRejected,
    PriceSourceUnavailable,
    Quote,
    RateLimiter,
)

SIMPLE_PRICE = f"{COINGECKO}/simple/price"
BTC_RANGE = f"{COINGECKO}/coins/bitcoin/market_chart/range"
BTC_CANDLES = f"{COINBASE}/products/BTC-USD/candles"


def test_latest_batches_ids_and_parses_exact_decimals(no_network, gecko):
    def reply(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"]
        return json_response(
            {"bitcoin,ethereum": "coingecko_simple_price_bitcoin_ethereum.json"}.get(
                ids, "coingecko_simple_price_solana.json"
            )
        )

    route = no_network.get(SIMPLE_PRICE).mock(side_effect=reply)
    gecko.BATCH = 2

    quotes = gecko.latest(["bitcoin", "ethereum", "solana"])

    assert [call.request.url.params["ids"] for call in route.calls] == ["bitcoin,ethereum", "solana"]
    params = route.calls[0].request.url.params
    assert params["vs_currencies"] == "usd"
    assert params["include_last_updated_at"] == "true"
    assert quotes == {
        "bitcoin": Quote("bitcoin", utc(2026, 11, 24, 5, 59, 41), Decimal("91234.56"), "coingecko"),
        "ethereum": Quote("ethereum", utc(2026, 11, 24, 5, 58, 12), Decimal("3101.27"), "coingecko"),
        "solana": Quote("solana", utc(2026, 11, 24, 5, 59, 3), Decimal("141.82"), "coingecko"),
    }
    assert all(type(q.price) is Decimal for q in quotes.values())


def test_latest_default_batch_is_fifty_and_duplicates_are_asked_once(no_network, gecko):
    def echo(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        body = {i: {"usd": 1, "last_updated_at": 1795499981} for i in ids}
        return httpx.Response(200, content=json.dumps(body).encode())

    route = no_network.get(SIMPLE_PRICE).mock(side_effect=echo)
    ids = [f"coin-{n}" for n in range(120)]

    quotes = gecko.latest([*ids, "coin-0", "coin-1"])

    assert [len(call.request.url.params["ids"].split(",")) for call in route.calls] == [50, 50, 20]
    assert len(quotes) == 120
    assert quotes["coin-119"].price == Decimal(1)


def test_latest_leaves_out_unknown_ids_and_logs_non_numeric_prices(no_network, gecko, caplog):
    no_network.get(SIMPLE_PRICE).mock(return_value=json_response("coingecko_simple_price_mixed.json"))

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        quotes = gecko.latest(["bitcoin", "usd-coin", "shiba-inu", "dead-coin", "not-a-coin"])

    assert sorted(quotes) == ["bitcoin", "shiba-inu", "usd-coin"]
    assert quotes["shiba-inu"].price == Decimal("0.000008812")
    assert quotes["usd-coin"].price == Decimal("0.999812")
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refused == [
        "price refused: asset=dead-coin at=2026-11-24T05:58:12+00:00 value=None "
        "reason=CoinGecko sent a non-numeric price"
    ]


def test_api_key_is_sent_as_demo_header(no_network, clock):
    route = no_network.get(SIMPLE_PRICE).mock(
        return_value=json_response("coingecko_simple_price_solana.json")
    )
    with_key = CoinGeckoClient(COINGECKO, "CG-demo-key-123", sleep=clock.sleep, clock=clock)
    without_key = CoinGeckoClient(COINGECKO, "", sleep=clock.sleep, clock=clock)

    with_key.latest(["solana"])
    without_key.latest(["solana"])

    assert route.calls[0].request.headers["x-cg-demo-api-key"] == "CG-demo-key-123"
    assert "x-cg-demo-api-key" not in route.calls[1].request.headers
    assert "x-cg-pro-api-key" not in route.calls[0].request.headers


def test_api_key_on_the_pro_host_uses_the_pro_header(no_network, clock):
    pro = "https://pro-api.coingecko.com/api/v3"
    route = no_network.get(f"{pro}/simple/price").mock(
        return_value=json_response("coingecko_simple_price_solana.json")
    )
    CoinGeckoClient(pro, "CG-pro", sleep=clock.sleep, clock=clock).latest(["solana"])
    assert route.calls[0].request.headers["x-cg-pro-api-key"] == "CG-pro"


def test_history_keeps_the_last_point_of_each_utc_day_at_midnight(no_network, gecko):
    route = no_network.get(BTC_RANGE).mock(
        return_value=json_response("coingecko_market_chart_range_bitcoin_hourly.json")
    )

    quotes = gecko.history("bitcoin", utc(2026, 11, 21), utc(2026, 11, 24))

    assert route.calls[0].request.url.params["from"] == "1795219200"
    assert route.calls[0].request.url.params["to"] == "1795478400"
    assert route.calls[0].request.url.params["vs_currency"] == "usd"
    assert quotes == [
        Quote("bitcoin", utc(2026, 11, 21), Decimal("93115.52"), "coingecko"),
        Quote("bitcoin", utc(2026, 11, 22), Decimal("90514.8"), "coingecko"),
        Quote("bitcoin", utc(2026, 11, 23), Decimal("90998.02"), "coingecko"),
    ]


def test_history_refuses_naive_datetimes(gecko):
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        gecko.history("bitcoin", datetime(2026, 1, 1), utc(2026, 2, 1))


def test_backoff_on_429_503_timeout_and_connection_error(no_network, gecko, clock):
    no_network.get(SIMPLE_PRICE).mock(
        side_effect=[
            json_response("coingecko_error_429.json", status=429),
            httpx.Response(503, text="Service Unavailable"),
            httpx.ReadTimeout("read timed out"),
            httpx.ConnectError("connection refused"),
            json_response("coingecko_simple_price_solana.json"),
        ]
    )

    quotes = gecko.latest(["solana"])

    assert quotes["solana"].price == Decimal("141.82")
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_retry_after_is_honoured(no_network, gecko, clock):
    no_network.get(SIMPLE_PRICE).mock(
        side_effect=[
            json_response("coingecko_error_429.json", status=429, headers={"Retry-After": "7"}),
            httpx.Response(503, headers={"Retry-After": "3"}),
            httpx.Response(502),
            json_response("coingecko_simple_price_solana.json"),
        ]
    )

    gecko.latest(["solana"])

    # Retry-After wins over the backoff; without it the backoff of that attempt (third: 4 s) applies.
    assert clock.sleeps == [7.0, 3.0, 4.0]


def test_retry_after_is_capped(no_network, gecko, clock):
    no_network.get(SIMPLE_PRICE).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "86400"}),
            json_response("coingecko_simple_price_solana.json"),
        ]
    )
    gecko.latest(["solana"])
    assert clock.sleeps == [120.0]


def test_gives_up_after_max_retries_with_a_clear_error(no_network, gecko, clock):
    route = no_network.get(SIMPLE_PRICE).mock(return_value=httpx.Response(503))

    with pytest.raises(PriceSourceUnavailable) as caught:
        gecko.latest(["bitcoin"])

    assert route.call_count == 6  # the first try and max_retries=5 retries
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert str(caught.value) == "CoinGecko GET /simple/price failed after 6 attempts; last error: HTTP 503"


def test_backoff_is_capped_at_a_minute(no_network, clock):
    client = CoinGeckoClient(
        COINGECKO, "", max_retries=8, rate_per_minute=6000, sleep=clock.sleep, clock=clock
    )
    no_network.get(SIMPLE_PRICE).mock(side_effect=httpx.ConnectTimeout("connect timed out"))

    with pytest.raises(PriceSourceUnavailable, match="after 9 attempts; last error: timed out"):
        client.latest(["bitcoin"])

    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_404_fails_at_once(no_network, gecko, clock):
    route = no_network.get(f"{COINGECKO}/coins/not-a-coin/market_chart/range").mock(
        return_value=json_response("coingecko_error_404.json", status=404)
    )

    with pytest.raises(PriceSourceRejected) as caught:
        gecko.history("not-a-coin", utc(2026, 1, 1), utc(2026, 2, 1))

    assert route.call_count == 1
    assert clock.sleeps == []
    assert caught.value.status_code == 404
    assert "CoinGecko refused GET /coins/not-a-coin/market_chart/range: HTTP 404 Not Found" in str(
        caught.value
    )
    assert "coin not found" in str(caught.value)


def test_malformed_json_is_a_price_source_error(no_network, gecko):
    from portfolios.pricing.client import PriceSourceError

    no_network.get(SIMPLE_PRICE).mock(return_value=httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(PriceSourceError, match="not JSON"):
        gecko.latest(["bitcoin"])


def test_rate_limiter_spaces_requests(no_network):
    clock = FakeClock()
    no_network.get(SIMPLE_PRICE).mock(return_value=json_response("coingecko_simple_price_solana.json"))
    client = CoinGeckoClient(COINGECKO, "", rate_per_minute=30, sleep=clock.sleep, clock=clock)

    for _ in range(3):
        client.latest(["solana"])

    assert clock.sleeps == [2.0, 2.0]  # 30 a minute: one every 2 s, the first at once


def test_rate_limiter_counts_time_already_passed():
    clock = FakeClock()
    limiter = RateLimiter(60, burst=2, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.acquire()  # the burst
    clock.now += 0.25
    limiter.acquire()  # 0.25 tokens refilled: waits the other 0.75 s
    clock.now += 5
    limiter.acquire()  # refilled to the burst
    limiter.acquire()
    assert clock.sleeps == [0.75]


def test_coinbase_pages_through_300_day_windows(no_network, coinbase):
    route = no_network.get(BTC_CANDLES).mock(
        side_effect=[
            json_response("coinbase_candles_btc_2023_page1.json"),
            json_response("coinbase_candles_btc_2023_page2.json"),
        ]
    )

    quotes = coinbase.history("btc", utc(2023, 1, 1), utc(2023, 12, 31, 23, 59))

    windows = [
        (c.request.url.params["start"], c.request.url.params["end"], c.request.url.params["granularity"])
        for c in route.calls
    ]
    assert windows == [
        ("2023-01-01T00:00:00Z", "2023-10-27T00:00:00Z", "86400"),
        ("2023-10-28T00:00:00Z", "2023-12-31T00:00:00Z", "86400"),
    ]
    assert [(q.at, q.price) for q in quotes] == [
        (utc(2023, 1, 1), Decimal("16616.75")),
        (utc(2023, 1, 2), Decimal("16674.31")),
        (utc(2023, 10, 27), Decimal("33910.52")),
        (utc(2023, 10, 28), Decimal("34082.93")),
        (utc(2023, 12, 30), Decimal("42148.28")),
        (utc(2023, 12, 31), Decimal("42288.58")),
    ]
    assert {(q.asset, q.source) for q in quotes} == {("BTC", "coinbase")}


def test_coinbase_shares_the_retry_machinery(no_network, coinbase, clock):
    no_network.get(BTC_CANDLES).mock(
        side_effect=[
            httpx.Response(502),
            httpx.ReadTimeout("slow"),
            json_response("coinbase_candles_btc_2025.json"),
        ]
    )

    quotes = coinbase.history("BTC", utc(2025, 6, 1), utc(2025, 11, 24))

    assert clock.sleeps == [1.0, 2.0]
    assert [q.price for q in quotes] == [
        Decimal("105706.43"),
        Decimal("105445.67"),
        Decimal("105373.91"),
        Decimal("88270.56"),
    ]


def test_coinbase_unknown_product_fails_at_once(no_network, coinbase, clock):
    no_network.get(f"{COINBASE}/products/USDC-USD/candles").mock(
        return_value=json_response("coinbase_error_404.json", status=404)
    )
    with pytest.raises(
        PriceSourceRejected, match="Coinbase refused GET /products/USDC-USD/candles: HTTP 404"
    ):
        coinbase.history("USDC", utc(2024, 1, 1), utc(2024, 2, 1))
    assert clock.sleeps == []
