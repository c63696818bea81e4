"""CoinGecko's /coins/markets: market caps for the model indices, batched, exact, validated."""

import json
import logging
from decimal import Decimal

import httpx
import pytest
from pricing_testkit import COINGECKO, json_response

from portfolios.pricing.client import PriceSourceError, PriceSourceUnavailable

MARKETS = f"{COINGECKO}/coins/markets"


def test_markets_batches_ids_and_parses_exact_caps(no_network, gecko):
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.params["ids"] == "solana":
            return json_response("coingecko_coins_markets_solana.json")
        return json_response("coingecko_coins_markets.json")

    route = no_network.get(MARKETS).mock(side_effect=reply)
    gecko.BATCH = 2

    caps = gecko.markets(["bitcoin", "ethereum", "solana", "bitcoin"])

    assert [call.request.url.params["ids"] for call in route.calls] == ["bitcoin,ethereum", "solana"]
    params = route.calls[0].request.url.params
    assert params["vs_currency"] == "usd"
    assert params["per_page"] == "2"
    assert params["page"] == "1"
    # Parsed from the JSON text: the half dollar survives, no float ever holds a cap.
    assert caps == {
        "bitcoin": Decimal("1808231455123"),
        "ethereum": Decimal("374291886102.5"),
        "solana": Decimal("68123456789.01"),
    }
    assert all(type(cap) is Decimal for cap in caps.values())


def test_markets_skips_null_missing_zero_and_non_numeric_caps(no_network, gecko, caplog):
    no_network.get(MARKETS).mock(return_value=json_response("coingecko_coins_markets.json"))

    with caplog.at_level(logging.INFO, logger="lotwise.prices"):
        caps = gecko.markets(
            ["bitcoin", "dead-coin", "unlisted-coin", "odd-coin", "no-cap-coin", "not-a-coin"]
        )

    # ethereum is in the reply but was not asked for in this batch: left out too.
    assert caps == {"bitcoin": Decimal("1808231455123")}
    messages = [r.getMessage() for r in caplog.records]
    assert "CoinGecko has no market cap for 'dead-coin'" in messages
    assert "CoinGecko has no market cap for 'no-cap-coin'" in messages
    assert "CoinGecko sent an unusable market cap for 'unlisted-coin': Decimal('0')" in messages
    assert "CoinGecko sent an unusable market cap for 'odd-coin': 'n/a'" in messages


def test_markets_default_batch_is_fifty(no_network, gecko):
    def echo(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        body = [{"id": i, "symbol": i, "market_cap": 1000, "current_price": 1} for i in ids]
        return httpx.Response(200, content=json.dumps(body).encode())

    route = no_network.get(MARKETS).mock(side_effect=echo)
    caps = gecko.markets([f"coin-{n}" for n in range(120)])
    assert [len(call.request.url.params["ids"].split(",")) for call in route.calls] == [50, 50, 20]
    assert len(caps) == 120
    assert gecko.markets([]) == {}


def test_markets_refuses_a_body_that_is_not_a_list(no_network, gecko):
    no_network.get(MARKETS).mock(return_value=httpx.Response(200, content=b'{"error": "odd"}'))
    with pytest.raises(PriceSourceError, match="expected a list, got dict"):
        gecko.markets(["bitcoin"])


def test_markets_unreachable_after_retries(no_network, gecko, clock):
    no_network.get(MARKETS).mock(return_value=httpx.Response(503))
    with pytest.raises(PriceSourceUnavailable, match="/coins/markets failed after 6 attempts"):
        gecko.markets(["bitcoin"])
