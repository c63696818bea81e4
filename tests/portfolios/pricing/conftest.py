from __future__ import annotations

import pytest
import respx
from pricing_testkit import COINBASE, COINGECKO, FakeClock

from portfolios.models import Account, Portfolio, User
from portfolios.pricing.client import CoinbaseClient, CoinGeckoClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def no_network():
    """Every HTTP request in these tests must hit a respx route; anything else fails the test."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _api_presumed_up():
    """The unreachable-API breaker lives in the shared cache: start and leave every test without it."""
    from django.core.cache import cache

    from portfolios.pricing.services import API_DOWN_KEY

    cache.delete(API_DOWN_KEY)
    yield
    cache.delete(API_DOWN_KEY)


@pytest.fixture(autouse=True)
def _price_settings(settings):
    settings.COINGECKO_BASE_URL = COINGECKO
    settings.COINGECKO_API_KEY = ""
    settings.PRICES_OFFLINE = False


@pytest.fixture
def gecko(clock: FakeClock) -> CoinGeckoClient:
    # A high rate keeps the limiter out of the way; tests of the limiter build their own client.
    return CoinGeckoClient(COINGECKO, "", rate_per_minute=6000, sleep=clock.sleep, clock=clock)


@pytest.fixture
def coinbase(clock: FakeClock) -> CoinbaseClient:
    return CoinbaseClient(COINBASE, rate_per_minute=6000, sleep=clock.sleep, clock=clock)


@pytest.fixture
def account(db) -> Account:
    owner = User.objects.create_user(username="owner", password="x")
    portfolio = Portfolio.objects.create(owner=owner, name="Main")
    return Account.objects.create(portfolio=portfolio, name="Exchange")
