import io
import logging
import time
from datetime import date
from decimal import Decimal

import httpx
import pytest
import time_machine
from pricing_testkit import COINBASE, COINGECKO, buy, json_response, make_asset, utc

from portfolios.models import Asset, PriceQuote
from portfolios.pricing.client import PriceSourceRejected
from portfolios.pricing.offline import OFFLINE_NOTICE, load_offline_history
from portfolios.pricing.services import (
    PriceImportError,
    offline_prices_load,
    prices_load_csv,
    prices_refresh_history,
    prices_refresh_latest,
    prices_upsert,
)
from rebalancing.models import Target, TargetWeight

pytestmark = pytest.mark.django_db

SIMPLE_PRICE = f"{COINGECKO}/simple/price"


def stored(asset, source=None):
    rows = PriceQuote.objects.filter(asset=asset).order_by("at", "source")
    if source:
        rows = rows.filter(source=source)
    return [(q.at, q.price, q.source) for q in rows]


# --- prices_upsert ---------------------------------------------------------------------------------------


def test_upsert_is_idempotent_and_exact():
    btc = make_asset("BTC", "bitcoin")
    eth = make_asset("ETH", "ethereum")
    quotes = [
        (btc, utc(2024, 1, 1), Decimal("42280.12")),
        (btc, utc(2024, 1, 2), Decimal("44951.01")),
        (eth, utc(2024, 1, 1), Decimal("2352.123456789012345678")),
    ]

    first = prices_upsert(quotes=quotes, source="coingecko")
    second = prices_upsert(quotes=quotes, source="coingecko")

    assert (first.created, first.updated, first.refused) == (3, 0, [])
    assert (second.created, second.updated, second.refused) == (0, 3, [])
    assert PriceQuote.objects.count() == 3
    assert stored(eth) == [(utc(2024, 1, 1), Decimal("2352.123456789012345678"), "coingecko")]


def test_upsert_updates_the_price_and_keeps_other_sources_apart():
    btc = make_asset("BTC", "bitcoin")
    prices_upsert(quotes=[(btc, utc(2024, 1, 1), Decimal("42000"))], source="offline")
    prices_upsert(quotes=[(btc, utc(2024, 1, 1), Decimal("42280.12"))], source="coingecko")
    result = prices_upsert(quotes=[(btc, utc(2024, 1, 1), Decimal("42280.50"))], source="coingecko")

    assert (result.created, result.updated) == (0, 1)
    assert stored(btc) == [
        (utc(2024, 1, 1), Decimal("42280.50"), "coingecko"),
        (utc(2024, 1, 1), Decimal(42000), "offline"),
    ]


def test_upsert_refuses_bad_numbers_logs_them_and_stores_the_rest(caplog):
    btc = make_asset("BTC", "bitcoin")
    quotes = [
        (btc, utc(2024, 1, 1), Decimal("42280.12")),
        (btc, utc(2024, 1, 2), Decimal(0)),
        (btc, utc(2024, 1, 3), Decimal("-5")),
        (btc, utc(2024, 1, 4), Decimal("NaN")),
        (btc, utc(2024, 1, 5), Decimal("4228012.0")),  # typo: 100x
        (btc, utc(2024, 1, 6), Decimal("43100")),  # compared with the last good price, 42280.12
    ]

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        result = prices_upsert(quotes=quotes, source="coingecko")

    assert (result.created, result.updated) == (2, 0)
    assert result.refused == [
        "BTC at 2024-01-02T00:00:00+00:00: refused 0: zero price",
        "BTC at 2024-01-03T00:00:00+00:00: refused -5: negative price",
        "BTC at 2024-01-04T00:00:00+00:00: refused NaN: not a number (NaN)",
        "BTC at 2024-01-05T00:00:00+00:00: refused 4228012.0: jump from 42280.12 is more than 10x up",
    ]
    assert [r.getMessage() for r in caplog.records if r.name == "lotwise.prices"] == [
        "price refused: asset=BTC at=2024-01-02T00:00:00+00:00 value=0 reason=zero price",
        "price refused: asset=BTC at=2024-01-03T00:00:00+00:00 value=-5 reason=negative price",
        "price refused: asset=BTC at=2024-01-04T00:00:00+00:00 value=NaN reason=not a number (NaN)",
        "price refused: asset=BTC at=2024-01-05T00:00:00+00:00 value=4228012.0 "
        "reason=jump from 42280.12 is more than 10x up",
    ]
    assert stored(btc) == [
        (utc(2024, 1, 1), Decimal("42280.12"), "coingecko"),
        (utc(2024, 1, 6), Decimal(43100), "coingecko"),
    ]


def test_jump_check_uses_the_previous_stored_quote_of_any_source_before_that_time():
    ada = make_asset("ADA", "cardano")
    prices_upsert(
        quotes=[(ada, utc(2024, 1, 1), Decimal("0.59")), (ada, utc(2024, 3, 1), Decimal("0.30"))],
        source="csv",
    )

    result = prices_upsert(
        quotes=[
            (ada, utc(2024, 2, 1), Decimal("5.95")),  # 0.59 before it: a >10x jump
            (ada, utc(2024, 2, 2), Decimal("0.61")),
            # 3.5 is within 10x of 0.61 (coingecko, 02-02) but not of 0.30 (csv, 03-01), the latest before it
            (ada, utc(2024, 3, 2), Decimal("3.5")),
        ],
        source="coingecko",
    )

    assert result.refused == [
        "ADA at 2024-02-01T00:00:00+00:00: refused 5.95: jump from 0.59 is more than 10x up",
        "ADA at 2024-03-02T00:00:00+00:00: refused 3.5: jump from 0.3 is more than 10x up",
    ]
    assert stored(ada, "coingecko") == [(utc(2024, 2, 2), Decimal("0.61"), "coingecko")]


def test_upsert_needs_aware_times_and_a_known_source():
    btc = make_asset("BTC", "bitcoin")
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        prices_upsert(quotes=[(btc, datetime(2024, 1, 1), Decimal(1))], source="coingecko")
    with pytest.raises(ValueError, match="unknown price source"):
        prices_upsert(quotes=[(btc, utc(2024, 1, 1), Decimal(1))], source="nasdaq")


# --- refresh latest --------------------------------------------------------------------------------------


@pytest.fixture
def in_use(account):
    """BTC bought, SOL bought, ETH only in the target; DOGE unused; a stock without a source id."""
    btc = make_asset("BTC", "bitcoin")
    eth = make_asset("ETH", "ethereum")
    sol = make_asset("SOL", "solana")
    make_asset("DOGE", "dogecoin")
    vti = make_asset("VTI", "", asset_class="etf")
    buy(account, btc, utc(2025, 6, 1, 15), price="105000")
    buy(account, sol, utc(2026, 2, 1, 15), price="120")
    buy(account, vti, utc(2026, 2, 1, 15), price="300")
    target = Target.objects.create(portfolio=account.portfolio)
    TargetWeight.objects.create(target=target, asset=eth, weight=Decimal("0.5"))
    TargetWeight.objects.create(target=target, asset=btc, weight=Decimal("0.5"))
    return {"BTC": btc, "ETH": eth, "SOL": sol}


def test_refresh_latest_asks_for_assets_in_use_and_stores_them(no_network, gecko, in_use):
    def reply(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"]
        return json_response(
            "coingecko_simple_price_bitcoin_ethereum.json"
            if "bitcoin" in ids
            else "coingecko_simple_price_solana.json"
        )

    route = no_network.get(SIMPLE_PRICE).mock(side_effect=reply)
    gecko.BATCH = 2

    result = prices_refresh_latest(client=gecko)
    again = prices_refresh_latest(client=gecko)

    asked = sorted(i for c in route.calls[:2] for i in c.request.url.params["ids"].split(","))
    assert asked == ["bitcoin", "ethereum", "solana"]
    assert (result.created, result.updated, result.used_offline, result.errors) == (3, 0, False, [])
    assert (again.created, again.updated) == (0, 3)
    assert stored(in_use["BTC"]) == [(utc(2026, 11, 24, 5, 59, 41), Decimal("91234.56"), "coingecko")]
    assert stored(in_use["SOL"]) == [(utc(2026, 11, 24, 5, 59, 3), Decimal("141.82"), "coingecko")]


@time_machine.travel(utc(2026, 11, 24, 6), tick=False)
def test_refresh_latest_falls_back_to_offline_history_when_the_api_is_unreachable(
    no_network, gecko, clock, in_use, caplog
):
    route = no_network.get(SIMPLE_PRICE).mock(side_effect=httpx.ConnectError("Name or service not known"))

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"):
        result = prices_refresh_latest(client=gecko)

    assert route.call_count == 6
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert result.used_offline
    assert result.notice.startswith(
        "The price API is unreachable (CoinGecko GET /simple/price failed after 6"
    )
    assert result.notice.endswith(OFFLINE_NOTICE)
    offline = load_offline_history()
    assert result.created == sum(len(offline[s]) for s in ("BTC", "ETH", "SOL"))
    assert stored(in_use["BTC"])[-1] == (utc(2026, 11, 24), offline["BTC"][-1][1], "offline")
    assert any("using the bundled offline history" in r.getMessage() for r in caplog.records)

    # A later fallback only adds what is new since the last one.
    again = prices_refresh_latest(client=gecko)
    assert (again.created, again.updated) == (0, 3)


@time_machine.travel(utc(2026, 11, 24, 6), tick=False)
def test_unreachable_api_never_replaces_a_real_price_with_a_synthetic_one(no_network, gecko, clock, in_use):
    """An asset that ever had a real quote keeps it (flagged stale later); only never-priced assets fall back."""
    PriceQuote.objects.create(
        asset=in_use["BTC"], at=utc(2026, 11, 20), price=Decimal("88000"), source="coingecko"
    )
    no_network.get(SIMPLE_PRICE).mock(side_effect=httpx.ConnectError("Name or service not known"))

    result = prices_refresh_latest(client=gecko)

    assert stored(in_use["BTC"]) == [(utc(2026, 11, 20), Decimal("88000"), "coingecko")]
    assert stored(in_use["ETH"])[-1][2] == "offline"
    assert result.used_offline
    assert any("Kept the last real prices of BTC" in e for e in result.errors)


@time_machine.travel(utc(2026, 11, 24, 6), tick=False)
def test_an_unreachable_api_is_left_alone_for_a_while(no_network, gecko, clock, in_use, monkeypatch):
    """After retries and backoff are spent once, the periodic refresh skips the API for API_DOWN_SECONDS
    (the worker does not spend its time on the same backoff every five minutes), then tries again."""
    from portfolios.pricing import services
    from portfolios.pricing.client import CoinGeckoClient

    def fresh(cls):  # type: ignore[no-untyped-def]
        return CoinGeckoClient(gecko.base_url, "", rate_per_minute=6000, sleep=clock.sleep, clock=clock)

    monkeypatch.setattr(CoinGeckoClient, "from_settings", classmethod(fresh))
    route = no_network.get(SIMPLE_PRICE).mock(side_effect=httpx.ConnectError("Name or service not known"))
    first = prices_refresh_latest()
    assert route.call_count == 6
    second = prices_refresh_latest()
    assert route.call_count == 6  # not tried again
    assert second.used_offline
    assert "tried again every 15 minutes" in second.notice
    with time_machine.travel(utc(2026, 11, 24, 6, 16), tick=False):
        from django.core.cache import cache

        cache.delete(services.API_DOWN_KEY)  # what the 15-minute expiry does
        route.mock(
            side_effect=None, return_value=json_response("coingecko_simple_price_bitcoin_ethereum.json")
        )
        third = prices_refresh_latest()
    assert not third.used_offline
    assert first.used_offline


def test_prices_offline_setting_never_calls_the_api(no_network, gecko, in_use, settings):
    settings.PRICES_OFFLINE = True
    route = no_network.get(SIMPLE_PRICE).mock(
        return_value=json_response("coingecko_simple_price_solana.json")
    )

    with time_machine.travel(utc(2021, 1, 3, 12), tick=False):
        result = prices_refresh_latest(client=gecko)

    assert route.call_count == 0
    assert result.used_offline
    assert "PRICES_OFFLINE" in result.notice
    # Through "today" only: BTC and ETH from 2018-01-01, SOL from its launch on 2020-04-10.
    expected = (date(2021, 1, 3) - date(2018, 1, 1)).days + 1
    assert PriceQuote.objects.filter(asset=in_use["BTC"], source="offline").count() == expected
    assert stored(in_use["BTC"])[-1][0] == utc(2021, 1, 3)
    assert stored(in_use["SOL"])[0][0] == utc(2020, 4, 10)


def test_an_api_refusal_is_not_hidden_by_the_fallback(no_network, gecko, in_use):
    no_network.get(SIMPLE_PRICE).mock(return_value=json_response("coingecko_error_401.json", status=401))
    with pytest.raises(PriceSourceRejected, match="HTTP 401"):
        prices_refresh_latest(client=gecko)
    assert PriceQuote.objects.count() == 0


# --- refresh history -------------------------------------------------------------------------------------


@time_machine.travel(utc(2026, 11, 24, 6), tick=False)
def test_refresh_history_uses_coinbase_before_the_last_365_days_and_coingecko_after(
    no_network, gecko, coinbase, in_use
):
    candles = no_network.get(f"{COINBASE}/products/BTC-USD/candles").mock(
        return_value=json_response("coinbase_candles_btc_2025.json")
    )
    btc_range = no_network.get(f"{COINGECKO}/coins/bitcoin/market_chart/range").mock(
        return_value=json_response("coingecko_market_chart_range_bitcoin_daily.json")
    )
    eth_range = no_network.get(f"{COINGECKO}/coins/ethereum/market_chart/range").mock(
        return_value=json_response("coingecko_error_404.json", status=404)
    )
    sol_range = no_network.get(f"{COINGECKO}/coins/solana/market_chart/range").mock(
        return_value=httpx.Response(200, content=b'{"prices":[],"market_caps":[],"total_volumes":[]}')
    )

    result = prices_refresh_history(client=gecko, coinbase=coinbase)

    # BTC was first bought 2025-06-01: Coinbase up to the day before CoinGecko's 365-day window.
    assert candles.call_count == 1
    assert candles.calls[0].request.url.params["start"] == "2025-06-01T00:00:00Z"
    assert candles.calls[0].request.url.params["end"] == "2025-11-24T00:00:00Z"
    assert btc_range.calls[0].request.url.params["from"] == str(int(utc(2025, 11, 25).timestamp()))
    assert btc_range.calls[0].request.url.params["to"] == str(int(utc(2026, 11, 24, 6).timestamp()))
    # ETH is only in the target: the last 365 days. SOL was first bought 2026-02-01.
    assert eth_range.calls[0].request.url.params["from"] == str(int(utc(2025, 11, 25).timestamp()))
    assert sol_range.calls[0].request.url.params["from"] == str(int(utc(2026, 2, 1).timestamp()))

    assert stored(in_use["BTC"]) == [
        (utc(2025, 6, 1), Decimal("105706.43"), "coinbase"),
        (utc(2025, 6, 2), Decimal("105445.67"), "coinbase"),
        (utc(2025, 6, 3), Decimal("105373.91"), "coinbase"),
        (utc(2025, 11, 24), Decimal("88270.56"), "coinbase"),
        (utc(2025, 11, 25), Decimal("87602.18"), "coingecko"),
        (utc(2025, 11, 26), Decimal("88190.44"), "coingecko"),
        (utc(2026, 11, 23), Decimal("90470.33"), "coingecko"),
        (utc(2026, 11, 24), Decimal("91234.56"), "coingecko"),
    ]
    assert (result.created, result.updated, result.used_offline) == (8, 0, False)
    assert len(result.errors) == 1
    assert result.errors[0].startswith(
        "ETH: CoinGecko refused GET /coins/ethereum/market_chart/range: HTTP 404"
    )

    # The next run asks Coinbase only for days it has not stored yet: none today.
    again = prices_refresh_history(client=gecko, coinbase=coinbase)
    assert candles.call_count == 1
    assert (again.created, again.updated) == (0, 4)
    # An explicit `since` fetches the candles again (for every asset in use).
    for symbol in ("ETH", "SOL"):
        no_network.get(f"{COINBASE}/products/{symbol}-USD/candles").mock(
            return_value=httpx.Response(200, json=[])
        )
    prices_refresh_history(client=gecko, coinbase=coinbase, since=date(2025, 9, 1))
    assert candles.call_count == 2
    assert candles.calls[1].request.url.params["start"] == "2025-09-01T00:00:00Z"


@pytest.mark.parametrize(
    ("start", "stop", "stored", "spans"),
    [
        ("2020-01-01", "2020-12-31", None, [("2020-01-01", "2020-12-31")]),
        ("2020-01-01", "2020-12-31", ("2020-01-01", "2020-12-31"), []),
        (
            "2020-01-01",
            "2020-12-31",
            ("2020-03-01", "2020-12-30"),
            [("2020-01-01", "2020-02-29"), ("2020-12-31", "2020-12-31")],
        ),
        ("2020-06-01", "2020-12-31", ("2020-03-01", "2020-12-01"), [("2020-12-02", "2020-12-31")]),
        ("2020-06-01", "2020-05-31", None, []),
    ],
)
def test_missing_spans(start, stop, stored, spans):
    from portfolios.pricing.services.history import missing_spans

    d = date.fromisoformat
    stored_days = (d(stored[0]), d(stored[1])) if stored else None
    assert missing_spans(d(start), d(stop), stored_days) == [(d(a), d(b)) for a, b in spans]


@time_machine.travel(utc(2026, 11, 24, 6), tick=False)
def test_refresh_history_since_and_offline_fallback(no_network, gecko, coinbase, in_use):
    no_network.get(f"{COINGECKO}/coins/bitcoin/market_chart/range").mock(
        side_effect=httpx.ConnectTimeout("slow")
    )

    result = prices_refresh_history(client=gecko, coinbase=coinbase, since=date(2026, 1, 1))

    assert result.used_offline
    assert "unreachable" in result.notice
    btc = stored(in_use["BTC"])
    assert {source for _, _, source in btc} == {"offline"}
    assert btc[0][0] == utc(2018, 1, 1)  # the fallback loads the whole bundled history
    assert btc[-1][0] == utc(2026, 11, 24)


@time_machine.travel(utc(2026, 12, 5, 6), tick=False)
def test_offline_history_continues_past_the_bundled_end(in_use, settings):
    settings.PRICES_OFFLINE = True
    prices_refresh_latest()
    btc = stored(in_use["BTC"])
    assert btc[-1][0] == utc(2026, 12, 5)
    bundled = dict(load_offline_history()["BTC"])
    assert all(price == bundled[at.date()] for at, price, _ in btc if at.date() in bundled)
    assert len(btc) == len(bundled) + 11


# --- offline history -------------------------------------------------------------------------------------


def test_offline_load_creates_demo_assets_and_is_fast_and_idempotent():
    make_asset("BTC", "bitcoin")  # an existing asset is reused, not duplicated

    started = time.perf_counter()
    result = offline_prices_load(until=date(2026, 11, 24))
    elapsed = time.perf_counter() - started
    again = offline_prices_load(until=date(2026, 11, 24))

    assert sorted(Asset.objects.values_list("symbol", flat=True)) == [
        "ADA",
        "AVAX",
        "BTC",
        "DOT",
        "ETH",
        "LINK",
        "SOL",
        "USDC",
    ]
    assert Asset.objects.get(symbol="AVAX").price_source_id == "avalanche-2"
    assert Asset.objects.get(symbol="USDC").asset_class == "stablecoin"
    assert (result.created, result.updated, result.refused, result.used_offline) == (22933, 0, [], True)
    assert (again.created, again.updated) == (0, 22933)
    assert PriceQuote.objects.filter(source="offline").count() == 22933
    assert result.notice == OFFLINE_NOTICE
    btc = Asset.objects.get(symbol="BTC")
    assert PriceQuote.objects.get(asset=btc, at=utc(2021, 1, 1)).price == Decimal(29000)
    assert elapsed < 5, f"offline load took {elapsed:.2f}s"


def test_offline_load_stops_at_until():
    result = offline_prices_load(until=date(2018, 1, 10))
    # BTC, ETH, ADA and LINK exist from 2018-01-01; the others start later.
    assert result.created == 4 * 10
    assert PriceQuote.objects.order_by("-at").first().at == utc(2018, 1, 10)


# --- CSV import ------------------------------------------------------------------------------------------


def test_csv_import_stores_at_midnight_utc_as_csv():
    btc = make_asset("BTC", "bitcoin")
    vti = make_asset("VTI", asset_class="etf")
    text = "date,asset,price\n2024-01-02,BTC,44951.01\n2024-01-02,VTI,237.91\n2024-01-03,vti,236.5\n\n"

    result = prices_load_csv(file=io.StringIO(text))
    again = prices_load_csv(file=io.StringIO(text))

    assert (result.created, result.updated, result.refused) == (3, 0, [])
    assert (again.created, again.updated) == (0, 3)
    assert stored(btc) == [(utc(2024, 1, 2), Decimal("44951.01"), "csv")]
    assert stored(vti) == [
        (utc(2024, 1, 2), Decimal("237.91"), "csv"),
        (utc(2024, 1, 3), Decimal("236.5"), "csv"),
    ]


def test_csv_import_is_all_or_nothing_and_lists_every_bad_line(caplog):
    make_asset("BTC", "bitcoin")
    make_asset("ETH", "ethereum")
    text = (
        "date,asset,price\n"  # 1
        "2024-01-01,BTC,42280.12\n"  # 2 good
        "2024-01-02,XYZ,1.00\n"  # 3 unknown asset
        "01/03/2024,BTC,42800\n"  # 4 bad date
        "2024-01-04,BTC,0\n"  # 5 zero
        "2024-01-05,ETH,-2300\n"  # 6 negative
        "2024-01-06,ETH,abc\n"  # 7 non-numeric
        "2024-01-07,ETH,2300.5\n"  # 8 good
        "2024-01-08,ETH,23006\n"  # 9 jump from 2300.5
        "2024-01-07,ETH,2301\n"  # 10 duplicate of line 8
        "2024-01-09,BTC\n"  # 11 short row
        "2024-01-10,,\n"  # 12 asset and price missing
    )

    with caplog.at_level(logging.WARNING, logger="lotwise.prices"), pytest.raises(PriceImportError) as caught:
        prices_load_csv(file=io.StringIO(text))

    assert caught.value.errors == [
        (3, "asset", "unknown asset symbol 'XYZ'"),
        (4, "date", "'01/03/2024' is not a date (YYYY-MM-DD)"),
        (5, "price", "'0': zero price"),
        (6, "price", "'-2300': negative price"),
        (7, "price", "'abc': not a number: 'abc'"),
        (9, "price", "23006: jump from 2300.5 is more than 10x up"),
        (10, "date", "ETH on 2024-01-07 already given on line 8"),
        (11, "row", "expected 3 columns, found 2"),
        (12, "asset", "unknown asset symbol ''"),
        (12, "price", "'': not a number: ''"),
    ]
    assert str(caught.value) == "10 problem(s) in the price file; nothing was imported"
    assert PriceQuote.objects.count() == 0
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("price refused")]
    assert len(refused) == 5  # zero, negative, abc, jump, empty price: every refused number is logged


def test_csv_jump_check_sees_stored_prices():
    btc = make_asset("BTC", "bitcoin")
    prices_upsert(quotes=[(btc, utc(2024, 1, 1), Decimal("42280"))], source="offline")

    with pytest.raises(PriceImportError) as caught:
        prices_load_csv(file=io.StringIO("date,asset,price\n2024-01-02,BTC,4227\n"))

    assert caught.value.errors == [(2, "price", "4227: drop from 42280 is more than 10x down")]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", (1, "file", "the file is empty; expected a header date,asset,price")),
        (
            "day,symbol,close\n2024-01-01,BTC,1\n",
            (1, "header", "expected columns date,asset,price; missing date, asset, price"),
        ),
        ("date,asset\n2024-01-01,BTC\n", (1, "header", "expected columns date,asset,price; missing price")),
    ],
)
def test_csv_header_problems(text, error):
    with pytest.raises(PriceImportError) as caught:
        prices_load_csv(file=io.StringIO(text))
    assert caught.value.errors == [error]


def test_csv_header_may_be_reordered_with_a_bom_and_capitals():
    btc = make_asset("BTC", "bitcoin")
    result = prices_load_csv(file=io.StringIO("\ufeffPrice, Asset ,Date\n44951.01,BTC,2024-01-02\n"))
    assert result.created == 1
    assert stored(btc) == [(utc(2024, 1, 2), Decimal("44951.01"), "csv")]
