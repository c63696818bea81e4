"""Helpers shared by the pricing tests (a uniquely named module so it never collides with other
test directories' helpers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from portfolios.models import Account, Asset, Transaction

RECORDED = Path(__file__).parent / "recorded"
COINGECKO = "https://api.coingecko.com/api/v3"
COINBASE = "https://api.exchange.coinbase.com"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


def json_response(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    """A recorded body served as-is (text, so its numbers reach the client exactly as written)."""
    return httpx.Response(
        status,
        content=recorded(name).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@dataclass
class FakeClock:
    """Monotonic clock that only moves when something sleeps; records every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_asset(symbol: str, price_source_id: str = "", asset_class: str = "crypto") -> Asset:
    return Asset.objects.create(
        symbol=symbol, name=symbol, asset_class=asset_class, price_source_id=price_source_id
    )


def buy(
    account: Account, asset: Asset, when: datetime, quantity: str = "1", price: str = "100"
) -> Transaction:
    return Transaction.objects.create(
        portfolio=account.portfolio,
        account=account,
        type="buy",
        timestamp=when,
        asset=asset,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
