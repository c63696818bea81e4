import json
import logging
from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest
from pricing_testkit import FakeClock, json_response, recorded, utc

from portfolios.pricing.client import (
    PriceSourceError,
    PriceSourceRejected,
    PriceSourceUnavailable,
    Quote,
)
from portfolios.pricing.securities import (
    DailyClose,
    SymbolNotFound,
    UnsupportedCurrency,
    YahooFinanceClient,
)

YAHOO = "https://query1.finance.yahoo.com"
VTI_CHART = f"{YAHOO}/v8/finance/chart/VTI"
VOO_CHART = f"{YAHOO}/v8/finance/chart/VOO"


@pytest.fixture
def yahoo(clock: FakeClock) -> YahooFinanceClient:
    # A high rate keeps the limiter out of the way; the limiter test builds its own client.
    return YahooFinanceClient(YAHOO, rate_per_minute=6000, sleep=clock.sleep, clock=clock)


def refused_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("price refused")]


def test_daily_closes_are_exact_decimals_and_a_null_close_is_no_price(no_network, yahoo):
    route = no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_daily.json"))

    closes = yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))

    params = route.calls[0].request.url.params
    assert params["period1"] == "1763942400"  # 2025-11-24 00:00 UTC
    assert params["period2"] == "1764374400"  # 2025-11-29 00:00 UTC: the last day is included
    assert params["interval"] == "1d"
    # Thanksgiving (27th) comes back as null: left out, never a zero.
    assert closes == [
        DailyClose(date(2025, 11, 24), Decimal("327.21")),
        DailyClose(date(2025, 11, 25), Decimal("330.03")),
        DailyClose(date(2025, 11, 26), Decimal("332.41")),
        DailyClose(date(2025, 11, 28), Decimal("334.02")),
    ]
    assert all(type(c.close) is Decimal for c in closes)


def test_history_has_the_crypto_clients_shape(no_network, yahoo):
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_daily.json"))

    quotes = yahoo.history("vti", utc(2025, 11, 25), utc(2025, 11, 28, 23, 59))

    assert quotes == [
        Quote("VTI", utc(2025, 11, 25), Decimal("330.03"), "yahoo"),
        Quote("VTI", utc(2025, 11, 26), Decimal("332.41"), "yahoo"),
        Quote("VTI", utc(2025, 11, 28), Decimal("334.02"), "yahoo"),
    ]


def test_history_refuses_naive_datetimes(yahoo):
    with pytest.raises(ValueError, match="timezone-aware"):
        yahoo.history("VTI", datetime(2025, 11, 24), utc(2025, 11, 28))


def test_daily_closes_refuses_a_reversed_span(yahoo):
    with pytest.raises(ValueError, match="before first"):
        yahoo.daily_closes("VTI", date(2025, 11, 28), date(2025, 11, 24))


def test_a_span_without_trading_days_is_empty(no_network, yahoo):
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_no_trading_days.json"))
    assert yahoo.daily_closes("VTI", date(2025, 11, 29), date(2025, 11, 30)) == []


def test_latest_asks_once_per_symbol(no_network, yahoo):
    vti = no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_latest.json"))
    voo = no_network.get(VOO_CHART).mock(return_value=json_response("yahoo_chart_voo_latest.json"))

    quotes = yahoo.latest(["VTI", "voo", " VTI ", ""])

    assert vti.call_count == 1
    assert voo.call_count == 1
    assert vti.calls[0].request.url.params["range"] == "5d"
    assert quotes == {
        "VTI": Quote("VTI", utc(2025, 11, 28, 18), Decimal("334.02"), "yahoo"),
        "VOO": Quote("VOO", utc(2025, 11, 28, 18), Decimal("627.08"), "yahoo"),
    }


def test_latest_without_a_market_price_is_the_last_close_of_the_last_day(no_network, yahoo):
    body = json.loads(recorded("yahoo_chart_vti_latest.json"))
    del body["chart"]["result"][0]["meta"]["regularMarketPrice"]
    no_network.get(VTI_CHART).mock(return_value=httpx.Response(200, json=body))

    # The running day comes as two bars (333.98, then 334.02): the later one is the day's close.
    assert yahoo.quote("VTI") == Quote("VTI", utc(2025, 11, 28), Decimal("334.02"), "yahoo")


def test_429_then_success(no_network, yahoo, clock):
    no_network.get(VTI_CHART).mock(
        side_effect=[
            httpx.Response(429, text="Too Many Requests\r\n"),
            httpx.Response(429, headers={"Retry-After": "5"}, text="Too Many Requests\r\n"),
            json_response("yahoo_chart_vti_daily.json"),
        ]
    )

    closes = yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))

    assert len(closes) == 4
    assert clock.sleeps == [1.0, 5.0]


def test_5xx_is_retried_then_given_up_with_a_clear_error(no_network, yahoo, clock):
    route = no_network.get(VTI_CHART).mock(return_value=httpx.Response(502, text="Bad Gateway"))

    with pytest.raises(PriceSourceUnavailable) as caught:
        yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))

    assert route.call_count == 6
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert str(caught.value) == (
        "Yahoo Finance GET /v8/finance/chart/VTI failed after 6 attempts; last error: HTTP 502"
    )


def test_an_unreachable_source_fails_the_whole_latest_batch(no_network, yahoo):
    no_network.get(VTI_CHART).mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(PriceSourceUnavailable, match="connection failed"):
        yahoo.latest(["VTI", "VOO"])


def test_bad_numbers_are_refused_and_logged_and_nulls_skipped_quietly(no_network, yahoo, caplog):
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_bad_numbers.json"))

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        closes = yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))

    assert closes == [DailyClose(date(2025, 11, 28), Decimal("334.02"))]
    assert refused_lines(caplog) == [
        "price refused: asset=VTI at=2025-11-24T00:00:00+00:00 value=0 reason=Yahoo Finance: zero price",
        "price refused: asset=VTI at=2025-11-25T00:00:00+00:00 value=-330.03 "
        "reason=Yahoo Finance: negative price",
        # A number sent as text is not a JSON number: refused rather than guessed at.
        "price refused: asset=VTI at=2025-11-26T00:00:00+00:00 value=332.41 "
        "reason=Yahoo Finance sent a non-numeric price",
    ]


def test_a_zero_market_price_is_refused_and_the_last_close_used(no_network, yahoo, caplog):
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_bad_numbers.json"))

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        quote = yahoo.quote("VTI")

    assert quote == Quote("VTI", utc(2025, 11, 28), Decimal("334.02"), "yahoo")
    assert refused_lines(caplog)[0] == (
        "price refused: asset=VTI at=2025-11-28T18:00:00+00:00 value=0 reason=Yahoo Finance: zero price"
    )


def test_nan_and_infinity_are_refused(no_network, yahoo, caplog):
    body = recorded("yahoo_chart_vti_bad_numbers.json").replace('[0,-330.03,"332.41"', "[NaN,Infinity,1e400")
    no_network.get(VTI_CHART).mock(return_value=httpx.Response(200, text=body))

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        closes = yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))

    assert closes == [DailyClose(date(2025, 11, 28), Decimal("334.02"))]
    assert [line.split("reason=")[1] for line in refused_lines(caplog)] == [
        "Yahoo Finance sent a non-numeric price",
        "Yahoo Finance sent a non-numeric price",
        "Yahoo Finance: above 1,000,000,000,000 USD",
    ]


def test_a_body_that_is_not_json_is_an_error(no_network, yahoo):
    no_network.get(VTI_CHART).mock(return_value=httpx.Response(200, text="<html>Will be right back</html>"))
    with pytest.raises(PriceSourceError, match="not JSON"):
        yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"finance": {"result": None}}, "no 'chart' object"),
        ({"chart": {"result": [], "error": None}}, "no chart result"),
        ({"chart": {"result": [{"timestamp": []}], "error": None}}, "no 'meta' object"),
        (
            {"chart": {"result": [{"meta": {"currency": "USD"}, "timestamp": [1763994600]}], "error": None}},
            "no timestamp or close series",
        ),
    ],
)
def test_a_malformed_chart_is_an_error(no_network, yahoo, body, message):
    no_network.get(VTI_CHART).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(PriceSourceError, match=message):
        yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))


def test_series_of_different_lengths_are_not_paired(no_network, yahoo):
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_mismatched_series.json"))
    with pytest.raises(PriceSourceError, match="3 timestamps but 2 closes"):
        yahoo.daily_closes("VTI", date(2025, 11, 24), date(2025, 11, 28))


def test_an_answer_for_another_symbol_is_an_error(no_network, yahoo):
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_voo_latest.json"))
    with pytest.raises(PriceSourceError, match="asked for VTI, answered for VOO"):
        yahoo.quote("VTI")


def test_a_quote_in_another_currency_is_refused(no_network, yahoo, clock):
    route = no_network.get(f"{YAHOO}/v8/finance/chart/VUSA.L").mock(
        return_value=json_response("yahoo_chart_vusa_l_gbp.json")
    )

    with pytest.raises(UnsupportedCurrency) as caught:
        yahoo.daily_closes("VUSA.L", date(2025, 11, 21), date(2025, 11, 25))

    # A rejection, so a caller that skips one asset's failure skips this one too; retrying cannot help.
    assert isinstance(caught.value, PriceSourceRejected)
    assert route.call_count == 1
    assert clock.sleeps == []
    assert str(caught.value) == ("Yahoo Finance quotes VUSA.L in GBp, not USD; only USD prices are stored")


def test_a_quote_without_a_currency_is_refused(no_network, yahoo):
    body = json.loads(recorded("yahoo_chart_vti_daily.json"))
    del body["chart"]["result"][0]["meta"]["currency"]
    no_network.get(VTI_CHART).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UnsupportedCurrency, match="no stated currency"):
        yahoo.quote("VTI")


def test_an_unknown_symbol_is_reported_at_once(no_network, yahoo, clock):
    route = no_network.get(f"{YAHOO}/v8/finance/chart/NOPEX").mock(
        return_value=json_response("yahoo_chart_not_found.json", status=404)
    )

    with pytest.raises(SymbolNotFound) as caught:
        yahoo.daily_closes("NOPEX", date(2025, 11, 24), date(2025, 11, 28))

    assert route.call_count == 1
    assert clock.sleeps == []
    assert caught.value.status_code == 404
    message = str(caught.value)
    assert message.startswith("Yahoo Finance has no symbol NOPEX: ")
    assert "No data found, symbol may be delisted" in message


def test_a_chart_error_in_a_200_body_is_reported(no_network, yahoo):
    no_network.get(f"{YAHOO}/v8/finance/chart/NOPEX").mock(
        return_value=json_response("yahoo_chart_not_found.json")
    )
    with pytest.raises(SymbolNotFound) as caught:
        yahoo.quote("NOPEX")
    assert str(caught.value) == (
        "Yahoo Finance chart error for NOPEX: Not Found: No data found, symbol may be delisted"
    )


def test_another_chart_error_is_a_plain_rejection(no_network, yahoo):
    body = {"chart": {"result": None, "error": {"code": "Bad Request", "description": "Invalid input"}}}
    no_network.get(VTI_CHART).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(PriceSourceRejected) as caught:
        yahoo.quote("VTI")
    assert not isinstance(caught.value, SymbolNotFound)
    assert str(caught.value) == "Yahoo Finance chart error for VTI: Bad Request: Invalid input"


def test_latest_leaves_out_rejected_symbols_and_logs_why(no_network, yahoo, caplog):
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_latest.json"))
    no_network.get(f"{YAHOO}/v8/finance/chart/VUSA.L").mock(
        return_value=json_response("yahoo_chart_vusa_l_gbp.json")
    )
    no_network.get(f"{YAHOO}/v8/finance/chart/NOPEX").mock(
        return_value=json_response("yahoo_chart_not_found.json", status=404)
    )

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        quotes = yahoo.latest(["VTI", "VUSA.L", "NOPEX"])

    assert list(quotes) == ["VTI"]
    warnings = [r.getMessage() for r in caplog.records]
    assert any("no latest price for VUSA.L" in w and "GBp" in w for w in warnings)
    assert any("no latest price for NOPEX" in w and "symbol may be delisted" in w for w in warnings)


def test_share_class_tickers_go_into_the_path_as_written(no_network, yahoo):
    body = recorded("yahoo_chart_vti_latest.json").replace('"symbol":"VTI"', '"symbol":"BRK-B"')
    route = no_network.get(f"{YAHOO}/v8/finance/chart/BRK-B").mock(
        return_value=httpx.Response(200, text=body)
    )
    assert yahoo.quote("brk-b").asset == "BRK-B"
    assert route.call_count == 1


def test_rate_limiter_spaces_requests(no_network):
    clock = FakeClock()
    no_network.get(VTI_CHART).mock(return_value=json_response("yahoo_chart_vti_latest.json"))
    no_network.get(VOO_CHART).mock(return_value=json_response("yahoo_chart_voo_latest.json"))
    client = YahooFinanceClient(YAHOO, sleep=clock.sleep, clock=clock)

    client.latest(["VTI", "VOO"])
    client.quote("VTI")

    assert clock.sleeps == [1.0, 1.0]  # 60 a minute by default: one a second, the first at once


def test_from_settings_uses_the_public_host_by_default(settings):
    client = YahooFinanceClient.from_settings()
    try:
        assert client.base_url == "https://query1.finance.yahoo.com"
    finally:
        client.close()
