"""A drifted four-coin portfolio written through the real ledger, prices and snapshot.

$1,000 each of BTC, ETH, SOL and ADA bought on 2024-01-02 in one taxable account (long-term lots, no cash
accounting: the ledger records no deposit), then priced at +50% / +100% / +200% / 0%:
  BTC 0.025 x 60,000 = 1,500   ETH 0.5 x 4,000 = 2,000   SOL 20 x 150 = 3,000   ADA 2,000 x 0.50 = 1,000
7,500 in all: 20.0% / 26.7% / 40.0% / 13.3% against 25% each (bands min(5 pp, 25% of 25%) = ±5 pp).
Back to target (1,875 each): buy 0.00625 BTC, sell 0.03125 ETH, sell 7.5 SOL, buy 1,750 ADA. Long-term tax
at 15%: ETH gain 125 - 62.50 = 62.50 -> 9.38 (to the cent); SOL gain 1,125 - 375 = 750 -> 112.50;
121.875 -> 121.88 in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from portfolios.models import Account, Asset, Portfolio, PriceQuote, Transaction, User
from portfolios.services import TransactionData, transaction_record
from portfolios.snapshots import portfolio_snapshot_compute
from rebalancing.target_services import target_set

BOUGHT = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)
BUYS = {"BTC": ("0.025", "40000"), "ETH": ("0.5", "2000"), "SOL": ("20", "50"), "ADA": ("2000", "0.5")}
PRICES = {"BTC": "60000", "ETH": "4000", "SOL": "150", "ADA": "0.5"}


@dataclass
class Drifted:
    user: User
    portfolio: Portfolio
    account: Account
    assets: dict[str, Asset]
    buys: dict[str, Transaction]


def asset(symbol: str) -> Asset:
    found = Asset.objects.filter(symbol=symbol, asset_class="crypto", owner__isnull=True).first()
    return found or Asset.objects.create(symbol=symbol, name=symbol, asset_class="crypto")


def record(
    account: Account, typ: str, when: datetime, qty: str, what: Asset | None, **kw: object
) -> Transaction:
    data = TransactionData(
        account=account,
        type=typ,
        timestamp=when,
        quantity=Decimal(qty),
        asset=what,
        **kw,  # type: ignore[arg-type]
    )
    return transaction_record(portfolio=account.portfolio, data=data)


def price(what: Asset, value: str, at: datetime | None = None) -> None:
    at = at or timezone.now() - timedelta(minutes=5)
    PriceQuote.objects.update_or_create(
        asset=what, at=at, source="coingecko", defaults={"price": Decimal(value)}
    )


def snapshot(portfolio: Portfolio) -> None:
    portfolio_snapshot_compute(portfolio_id=portfolio.pk)


def build_drifted(username: str = "alice", *, with_target: bool = True, password: str = "x") -> Drifted:
    user = User.objects.create_user(username=username, password=password, timezone="UTC")
    portfolio = Portfolio.objects.create(owner=user, name="Index")
    account = Account.objects.create(portfolio=portfolio, name="Exchange", kind="exchange")
    assets = {s: asset(s) for s in BUYS}
    buys = {}
    for symbol, (qty, unit) in BUYS.items():
        buys[symbol] = record(account, "buy", BOUGHT, qty, assets[symbol], unit_price=Decimal(unit))
    for symbol, value in PRICES.items():
        price(assets[symbol], value)
    if with_target:
        target_set(
            portfolio=portfolio, weights=dict.fromkeys((a.pk for a in assets.values()), Decimal("0.25"))
        )
    snapshot(portfolio)
    return Drifted(user, portfolio, account, assets, buys)
