"""A hand-worked portfolio for the snapshot tests (the numbers are worked out in test_snapshot_compute.py).

Owner in New York. Coinbase (taxable) and a Roth IRA (tax-free); BTC and ETH priced, ADA's only price is
two days old (stale), SOL has no price at all (missing). as_of = 2026-03-01 17:00 UTC (12:00 in New York).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from portfolios.models import Account, Asset, Portfolio, PriceQuote, User
from portfolios.services import TransactionData, transaction_record
from rebalancing.models import Target, TargetWeight

AS_OF = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


@dataclass
class HandWorked:
    portfolio: Portfolio
    coinbase: Account
    roth: Account
    btc: Asset
    eth: Asset
    ada: Asset
    sol: Asset


def record(account: Account, typ: str, when: datetime, qty: str, asset: Asset | None = None, **kw: object):  # type: ignore[no-untyped-def]
    data = TransactionData(
        account=account,
        type=typ,
        timestamp=when,
        quantity=Decimal(qty),
        asset=asset,
        **kw,  # type: ignore[arg-type]
    )
    return transaction_record(portfolio=account.portfolio, data=data)


def quote(asset: Asset, at: datetime, price: str, source: str = "coingecko") -> PriceQuote:
    return PriceQuote.objects.create(asset=asset, at=at, price=Decimal(price), source=source)


def utc(y: int, m: int, d: int, h: int = 15, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def _asset(symbol: str, name: str, coingecko_id: str) -> Asset:
    asset, _ = Asset.objects.get_or_create(
        symbol=symbol, defaults={"name": name, "asset_class": "crypto", "price_source_id": coingecko_id}
    )
    return asset


def build_hand_worked(username: str = "hw-owner", *, with_prices: bool = True) -> HandWorked:
    owner = User.objects.create_user(username=username, password="x", timezone="America/New_York")
    portfolio = Portfolio.objects.create(owner=owner, name="Hand-worked")
    coinbase = Account.objects.create(
        portfolio=portfolio, name="Coinbase", tax_treatment="taxable", kind="exchange"
    )
    roth = Account.objects.create(
        portfolio=portfolio, name="Roth IRA", tax_treatment="tax_free", kind="roth_ira"
    )
    btc = _asset("BTC", "Bitcoin", "bitcoin")
    eth = _asset("ETH", "Ethereum", "ethereum")
    ada = _asset("ADA", "Cardano", "cardano")
    sol = _asset("SOL", "Solana", "solana")

    record(coinbase, "deposit", utc(2024, 1, 10), "10000")
    record(coinbase, "buy", utc(2024, 1, 10, 15, 5), "0.1", btc, unit_price=Decimal(40000), fee=Decimal(10))
    record(coinbase, "buy", utc(2024, 3, 1), "1000", ada, unit_price=Decimal("0.5"))
    record(roth, "deposit", utc(2024, 2, 1), "6000")
    record(roth, "buy", utc(2024, 2, 1, 15, 5), "0.05", btc, unit_price=Decimal(42000))
    record(roth, "buy", utc(2025, 2, 1), "10", sol, unit_price=Decimal(200))
    record(coinbase, "buy", utc(2025, 6, 1), "0.05", btc, unit_price=Decimal(100000))
    record(coinbase, "buy", utc(2025, 9, 15), "2", eth, unit_price=Decimal(2500))
    record(coinbase, "sell", utc(2025, 10, 1), "0.04", btc, unit_price=Decimal(110000))
    record(coinbase, "staking", utc(2025, 12, 1), "0.01", eth, unit_price=Decimal(3000))

    if with_prices:
        add_prices(btc, eth, ada)
    target = Target.objects.create(
        portfolio=portfolio, name="Crypto index", band_absolute=Decimal("0.05"), band_relative=Decimal("0.25")
    )
    for asset, weight in ((btc, "0.5"), (eth, "0.3"), (sol, "0.1"), (ada, "0.1")):
        TargetWeight.objects.create(target=target, asset=asset, weight=Decimal(weight))
    return HandWorked(portfolio, coinbase, roth, btc, eth, ada, sol)


def add_prices(btc: Asset, eth: Asset, ada: Asset) -> None:
    """Daily closes (stored at 00:00 UTC) and the latest quotes of the hand-worked example."""
    quote(btc, utc(2026, 2, 28, 0), "85000")
    quote(eth, utc(2026, 2, 28, 0), "2900")
    quote(ada, utc(2026, 2, 27, 0), "0.8")
    quote(btc, utc(2026, 3, 1, 16, 55), "90000")
    quote(eth, utc(2026, 3, 1, 16, 0), "3000")
