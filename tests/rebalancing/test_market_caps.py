"""Market caps for the model indices: fetched from CoinGecko's /coins/markets (recorded responses served
by respx), stored as MarketCap rows, used by the target page's top-N and capped market-cap models.

Capping by hand: caps 600 / 300 / 100 give 60% / 30% / 10%; with a 50% cap the first gives up 10 points,
spread over the others in proportion to their caps (3 : 1): 30 + 7.5 = 37.5% and 10 + 2.5 = 12.5%.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from django.urls import reverse
from django.utils import timezone

from portfolios.decimals import exact_text
from portfolios.models import Asset, Portfolio, User
from portfolios.pricing.client import CoinGeckoClient
from rebalancing import engine
from rebalancing.market_caps import market_caps_for, market_caps_refresh
from rebalancing.models import MarketCap, TargetModel
from rebalancing.target_services import model_weights
from rebalancing.tasks import refresh_market_caps
from tests.rebalancing.kit import record

pytestmark = pytest.mark.django_db
D = Decimal
GECKO = "https://api.coingecko.test/api/v3"
MARKETS = f"{GECKO}/coins/markets"
RECORDED = Path(__file__).parents[1] / "portfolios" / "pricing" / "recorded"


def _recorded(name: str) -> httpx.Response:
    return httpx.Response(200, content=(RECORDED / name).read_bytes())


@pytest.fixture(autouse=True)
def _gecko(settings):  # type: ignore[no-untyped-def]
    settings.COINGECKO_BASE_URL = GECKO
    settings.COINGECKO_API_KEY = ""
    settings.PRICES_OFFLINE = False


@pytest.fixture
def mocked():  # type: ignore[no-untyped-def]
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


def _coin(symbol: str, gecko_id: str) -> Asset:
    return Asset.objects.create(symbol=symbol, name=symbol, asset_class="crypto", price_source_id=gecko_id)


@pytest.fixture
def coins() -> dict[str, Asset]:
    return {
        "BTC": _coin("XBTC", "bitcoin"),
        "ETH": _coin("XETH", "ethereum"),
        "SOL": _coin("XSOL", "solana"),
        "DEAD": _coin("XDEAD", "dead-coin"),
    }


def _store(caps: dict[Asset, str], *, age: timedelta = timedelta(hours=1)) -> None:
    at = timezone.now() - age
    for what, cap in caps.items():
        MarketCap.objects.create(asset=what, at=at, market_cap=D(cap))


def test_refresh_stores_the_caps_and_names_the_coins_without_one(mocked, coins) -> None:  # type: ignore[no-untyped-def]
    def reply(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        body = json.loads((RECORDED / "coingecko_coins_markets.json").read_text())
        body += json.loads((RECORDED / "coingecko_coins_markets_solana.json").read_text())
        return httpx.Response(200, json=[e for e in body if e["id"] in ids])

    mocked.get(MARKETS).mock(side_effect=reply)
    security = Asset.objects.create(symbol="XVTI", name="VTI", asset_class="etf", price_source_id="VTI")
    result = market_caps_refresh(assets=[*coins.values(), security])
    assert (result.stored, result.missing, result.offline) == (3, ["XDEAD"], "")
    stored = dict(MarketCap.objects.values_list("asset__symbol", "market_cap"))
    assert stored == {
        "XBTC": D("1808231455123"),
        "XETH": D("374291886102.5"),
        "XSOL": D("68123456789.01"),
    }


def test_the_daily_task_refreshes_the_coins_in_use(mocked, coins) -> None:  # type: ignore[no-untyped-def]
    route = mocked.get(MARKETS).mock(return_value=_recorded("coingecko_coins_markets_solana.json"))
    user = User.objects.create_user(username="uma", password="x", timezone="UTC")
    account = Portfolio.objects.create(owner=user, name="P").accounts.create(name="Ex", kind="exchange")
    record(account, "buy", timezone.now() - timedelta(days=2), "1", coins["SOL"], unit_price=D(100))
    assert refresh_market_caps() == {"stored": 1, "missing": [], "offline": ""}
    assert route.calls[0].request.url.params["ids"] == "solana"
    assert MarketCap.objects.get().market_cap == D("68123456789.01")


def test_unreachable_source_keeps_the_stored_caps_and_says_so(mocked, coins) -> None:  # type: ignore[no-untyped-def]
    mocked.get(MARKETS).mock(side_effect=httpx.ConnectError("down"))
    client = CoinGeckoClient(GECKO, "", max_retries=1, sleep=lambda _: None)
    old = timezone.now() - timedelta(days=3)
    MarketCap.objects.create(asset=coins["BTC"], at=old, market_cap=D(600))
    result = market_caps_refresh(assets=[coins["BTC"]], client=client)
    assert result.stored == 0
    assert result.offline.startswith("The price source's market data could not be fetched (CoinGecko GET")
    caps, notes = market_caps_for([coins["BTC"].pk, coins["ETH"].pk], client=client)
    assert caps == {coins["BTC"].pk: D(600)}
    assert notes[0].endswith(f"The stored caps date from {old:%Y-%m-%d}.")
    assert notes[1] == "No market cap is known for XETH: only coins priced by CoinGecko have one."


def test_fresh_stored_caps_are_used_without_asking(mocked, coins) -> None:  # type: ignore[no-untyped-def]
    route = mocked.get(MARKETS)
    _store({coins["BTC"]: "600", coins["ETH"]: "300", coins["SOL"]: "100"})
    ids = [coins[s].pk for s in ("BTC", "ETH", "SOL")]
    caps, notes = market_caps_for(ids)
    assert not route.called
    assert notes == []
    weights = model_weights(model=TargetModel.MARKET_CAP, asset_ids=ids, market_caps=caps, cap=D("0.5"))
    assert weights == engine.market_cap_weight({ids[0]: D(600), ids[1]: D(300), ids[2]: D(100)}, cap=D("0.5"))
    assert weights == {ids[0]: D("0.5"), ids[1]: D("0.375"), ids[2]: D("0.125")}


@pytest.fixture
def owner(client):  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username="vera", password="x", timezone="UTC")
    client.force_login(user)
    return Portfolio.objects.create(owner=user, name="Index")


def _fill(client, portfolio, assets, **data):  # type: ignore[no-untyped-def]
    url = reverse("rebalancing:target", args=[portfolio.pk])
    return client.post(url, {"action": "model", "add": [a.pk for a in assets], **data})


def _filled(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = response.context["form"]
    return {a.symbol: form[f"w-{a.pk}"].initial for a in form.assets}


def test_page_fills_capped_market_cap_weights(client, owner, coins, mocked) -> None:  # type: ignore[no-untyped-def]
    route = mocked.get(MARKETS)
    _store({coins["BTC"]: "600", coins["ETH"]: "300", coins["SOL"]: "100"})
    trio = [coins["BTC"], coins["ETH"], coins["SOL"]]
    response = _fill(client, owner, trio, model="market_cap", cap="50")
    assert response.status_code == 200
    assert _filled(response) == {"XBTC": "50", "XETH": "37.5", "XSOL": "12.5"}
    assert not route.called
    # Top two by market cap, equal weight.
    response = _fill(client, owner, trio, model="equal", top="2")
    assert _filled(response) == {"XBTC": "50", "XETH": "50", "XSOL": None}


def test_page_fetches_missing_caps_on_demand(client, owner, coins, mocked) -> None:  # type: ignore[no-untyped-def]
    route = mocked.get(MARKETS).mock(return_value=_recorded("coingecko_coins_markets.json"))
    response = _fill(client, owner, [coins["BTC"], coins["ETH"]], model="market_cap", cap="")
    assert response.status_code == 200
    assert route.call_count == 1
    assert MarketCap.objects.count() == 2
    expected = engine.market_cap_weight(
        {coins["BTC"].pk: D("1808231455123"), coins["ETH"].pk: D("374291886102.5")}
    )
    assert _filled(response) == {
        "XBTC": exact_text(expected[coins["BTC"].pk] * 100),
        "XETH": exact_text(expected[coins["ETH"].pk] * 100),
    }


def test_page_offline_says_why_and_which_asset_has_no_cap(client, owner, coins, mocked, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRICES_OFFLINE = True
    route = mocked.get(MARKETS)
    _store({coins["BTC"]: "600"}, age=timedelta(days=2))
    response = _fill(client, owner, [coins["BTC"], coins["ETH"]], model="market_cap", cap="50")
    assert response.status_code == 400
    assert not route.called
    html = response.content.decode()
    assert "Prices are offline (PRICES_OFFLINE), so market caps are not fetched." in html
    assert "No market cap is known for XETH: only coins priced by CoinGecko have one." in html
