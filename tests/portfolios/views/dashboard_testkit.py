"""Hand-made portfolios for the read-side page tests: rows written with bulk_create and a snapshot whose
`data` follows portfolios/SNAPSHOT_SCHEMA.md, so the tests need neither the engine nor the worker.

The small scenario (`build_portfolio`), at BTC 50,000 and ETH 3,000:
  lot 1  Coinbase  BTC 0.5   basis 10,000  acquired 2023-01-10      value 25,000  gain  15,000  long
  lot 2  Coinbase  ETH 2     basis  7,000  acquired today-100 days  value  6,000  gain  -1,000  short
  lot 3  Roth IRA  BTC 0.25  basis 10,500  acquired 2024-02-01      value 12,500  gain   2,000  long
Total value 43,500, basis 27,500, unrealized 16,000 (short -1,000, long 17,000). Target 50/50 with the 5/25
band: BTC (86.2%) and ETH (13.8%) are both outside [45%, 55%].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from portfolios.models import Account, Asset, Portfolio, PortfolioSnapshot, Transaction, User, ValuePoint
from rebalancing.models import Target, TargetWeight
from taxes.models import Disposal, IncomeRecord, LedgerStatus, TaxLot

PRICES = {"BTC": Decimal(50000), "ETH": Decimal(3000)}
COMPUTED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def long_term_from(acquired: date) -> date:
    try:
        return acquired.replace(year=acquired.year + 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(acquired.year + 1, 3, 1)


@dataclass
class Built:
    user: User
    portfolio: Portfolio
    coinbase: Account
    roth: Account
    btc: Asset
    eth: Asset
    snapshot: PortfolioSnapshot | None


def _assets() -> tuple[Asset, Asset]:
    btc, _ = Asset.objects.get_or_create(symbol="BTC", defaults={"name": "Bitcoin"})
    eth, _ = Asset.objects.get_or_create(symbol="ETH", defaults={"name": "Ethereum"})
    return btc, eth


def build_portfolio(
    user: User,
    *,
    name: str = "Alpha",
    snapshot: bool = True,
    ledger_error: str = "",
    today: date | None = None,
) -> Built:
    today = today or timezone.now().date()
    btc, eth = _assets()
    portfolio = Portfolio.objects.create(owner=user, name=name)
    coinbase = Account.objects.create(
        portfolio=portfolio, name="Coinbase", custodian="Coinbase", kind="exchange"
    )
    roth = Account.objects.create(
        portfolio=portfolio, name="Roth IRA", kind="roth_ira", tax_treatment="tax_free"
    )
    spec = [
        (coinbase, btc, date(2023, 1, 10), Decimal("0.5"), Decimal(10000)),
        (coinbase, eth, today - timedelta(days=100), Decimal(2), Decimal(7000)),
        (roth, btc, date(2024, 2, 1), Decimal("0.25"), Decimal(10500)),
    ]
    for i, (account, asset, acquired, quantity, basis) in enumerate(spec, start=1):
        tx = Transaction.objects.create(
            portfolio=portfolio,
            account=account,
            type="buy",
            timestamp=datetime(acquired.year, acquired.month, acquired.day, 15, tzinfo=UTC),
            asset=asset,
            quantity=quantity,
            unit_price=basis / quantity,
        )
        TaxLot.objects.create(
            portfolio=portfolio,
            account=account,
            asset=asset,
            lot_id=str(i),
            origin=tx,
            source="buy",
            quantity=quantity,
            basis=basis,
            acquired=acquired,
            received=acquired,
            long_term_from=long_term_from(acquired),
        )
    sell = Transaction.objects.create(
        portfolio=portfolio,
        account=coinbase,
        type="sell",
        timestamp=datetime(2024, 5, 2, 15, tzinfo=UTC),
        asset=eth,
        quantity=Decimal(1),
        unit_price=Decimal(3000),
    )
    origin = Transaction.objects.filter(portfolio=portfolio, asset=eth).order_by("id").first()
    Disposal.objects.create(
        portfolio=portfolio,
        transaction=sell,
        event_timestamp=sell.timestamp,
        kind="sell",
        account=coinbase,
        asset=eth,
        lot_id="2",
        origin=origin,
        quantity=Decimal(1),
        acquired=date(2024, 3, 1),
        disposed=date(2024, 5, 2),
        proceeds=Decimal("3000"),
        basis=Decimal("3500"),
        gain=Decimal("-500"),
        term="short",
        taxable=True,
        wash_disallowed=Decimal("200"),
    )
    Disposal.objects.create(
        portfolio=portfolio,
        transaction=sell,
        event_timestamp=sell.timestamp,
        kind="sell",
        account=coinbase,
        asset=btc,
        lot_id="9",
        origin=origin,
        quantity=Decimal("0.4"),
        acquired=date(2021, 3, 1),
        disposed=date(2023, 6, 5),
        proceeds=Decimal("12345.67"),
        basis=Decimal("4000"),
        gain=Decimal("8345.67"),
        term="long",
        taxable=True,
    )
    IncomeRecord.objects.create(
        portfolio=portfolio,
        transaction=sell,
        event_timestamp=sell.timestamp,
        kind="staking",
        account=coinbase,
        asset=eth,
        date=date(2024, 2, 25),
        quantity=Decimal("0.01"),
        value=Decimal("12.34"),
        taxable=True,
    )
    LedgerStatus.objects.create(portfolio=portfolio, computed_at=COMPUTED_AT, error=ledger_error)
    target = Target.objects.create(portfolio=portfolio, name="Fifty-fifty")
    TargetWeight.objects.create(target=target, asset=btc, weight=Decimal("0.5"))
    TargetWeight.objects.create(target=target, asset=eth, weight=Decimal("0.5"))
    ValuePoint.objects.bulk_create(
        ValuePoint(portfolio=portfolio, date=d, value=v, cost_basis=v, net_deposits=n)
        for d, v, n in [
            (date(2026, 2, 25), Decimal(20000), Decimal(20000)),
            (date(2026, 2, 26), Decimal(21000), Decimal(20000)),
            (date(2026, 2, 27), Decimal(31000), Decimal(30000)),
            (date(2026, 2, 28), Decimal(30500), Decimal(30000)),
            (date(2026, 3, 1), Decimal(43500), Decimal(27000)),
        ]
    )
    snap = None
    if snapshot:
        snap = snapshot_create(portfolio, today=today, ledger_error=ledger_error)
    return Built(user, portfolio, coinbase, roth, btc, eth, snap)


def _lot_entry(lot: TaxLot, *, account_name: str, symbol: str, today: date) -> dict[str, Any]:
    price = PRICES[symbol]
    value = lot.quantity * price
    ltf = lot.long_term_from
    short = ltf is not None and today < ltf
    return {
        "lot_id": lot.lot_id,
        "account_id": lot.account_id,
        "account": account_name,
        "asset_id": lot.asset_id,
        "symbol": symbol,
        "acquired": lot.acquired.isoformat(),
        "quantity": str(lot.quantity),
        "basis": str(lot.basis),
        "value": str(value),
        "unrealized": str(value - lot.basis),
        "term": "short" if short else "long",
        "long_term_from": ltf.isoformat() if ltf else None,
        "days_to_long_term": (ltf - today).days if short and ltf else None,
    }


def snapshot_data(portfolio: Portfolio, *, today: date, ledger_error: str = "") -> dict[str, Any]:
    """Schema-following `data` computed from the portfolio's TaxLot rows at PRICES (BTC, ETH only)."""
    lots = list(TaxLot.objects.filter(portfolio=portfolio).select_related("account", "asset"))
    entries = [
        _lot_entry(lot, account_name=lot.account.name, symbol=lot.asset.symbol, today=today) for lot in lots
    ]
    total = sum((Decimal(e["value"]) for e in entries), Decimal(0))
    basis = sum((Decimal(e["basis"]) for e in entries), Decimal(0))
    short = sum((Decimal(e["unrealized"]) for e in entries if e["term"] == "short"), Decimal(0))
    long = sum((Decimal(e["unrealized"]) for e in entries if e["term"] == "long"), Decimal(0))
    assets = []
    for symbol in ("BTC", "ETH"):
        mine = [e for e in entries if e["symbol"] == symbol]
        quantity = sum((Decimal(e["quantity"]) for e in mine), Decimal(0))
        value = quantity * PRICES[symbol]
        weight = (value / total).quantize(Decimal("0.0001")) if total else None
        low, high = Decimal("0.45"), Decimal("0.55")
        assets.append(
            {
                "asset_id": Asset.objects.get(symbol=symbol).pk,
                "symbol": symbol,
                "name": symbol,
                "asset_class": "crypto",
                "quantity": str(quantity),
                "price": str(PRICES[symbol]),
                "price_at": "2026-03-01T00:00:00+00:00",
                "price_source": "offline",
                "price_status": "ok",
                "value": str(value),
                "cost_basis": str(sum((Decimal(e["basis"]) for e in mine), Decimal(0))),
                "unrealized": str(sum((Decimal(e["unrealized"]) for e in mine), Decimal(0))),
                "weight": None if weight is None else str(weight),
                "target_weight": "0.5",
                "drift": None if weight is None else str(weight - Decimal("0.5")),
                "band_low": str(low),
                "band_high": str(high),
                "outside_band": weight is not None and not low <= weight <= high,
            }
        )
    accounts = []
    for account in portfolio.accounts.all():
        mine = [e for e in entries if e["account_id"] == account.pk]
        value = sum((Decimal(e["value"]) for e in mine), Decimal(0))
        acct_basis = sum((Decimal(e["basis"]) for e in mine), Decimal(0))
        accounts.append(
            {
                "account_id": account.pk,
                "name": account.name,
                "tax_treatment": account.tax_treatment,
                "kind": account.kind,
                "value": str(value),
                "cost_basis": str(acct_basis),
                "unrealized": str(value - acct_basis),
                "has_missing_prices": False,
                "holdings": [],
            }
        )
    return {
        "as_of": "2026-03-01T10:00:00+00:00",
        "total_value": str(total),
        "cost_basis": str(basis),
        "unrealized": {"short": str(short), "long": str(long), "total": str(short + long)},
        "day_change": {"value": "13000", "pct": "0.42622950819"},
        "assets": assets,
        "accounts": accounts,
        "lots": entries,
        "income": {
            "total": "18.34",
            "by_kind": {"lending": "1.00", "staking": "17.34"},
            "by_month": [
                {"month": "2024-01", "total": "12.34", "by_kind": {"staking": "12.34"}},
                {"month": "2024-02", "total": "6.00", "by_kind": {"staking": "5.00", "lending": "1.00"}},
            ],
        },
        "prices": {
            "oldest_at": "2026-02-28T00:00:00+00:00",
            "missing": ["XYZ"],
            "stale": ["SOL"],
            "offline": True,
            "notice": "Demo prices are synthetic: not real market prices.",
        },
        "target": {"name": "Fifty-fifty", "band_absolute": "0.05", "band_relative": "0.25"},
        "ledger": {"computed_at": COMPUTED_AT.isoformat(), "error": ledger_error},
    }


def snapshot_create(portfolio: Portfolio, *, today: date, ledger_error: str = "") -> PortfolioSnapshot:
    data = snapshot_data(portfolio, today=today, ledger_error=ledger_error)
    snap = PortfolioSnapshot.objects.create(
        portfolio=portfolio,
        as_of=datetime(2026, 3, 1, 10, tzinfo=UTC),
        total_value=Decimal(data["total_value"]),
        cost_basis=Decimal(data["cost_basis"]),
        unrealized_gain=Decimal(data["unrealized"]["total"]),
        oldest_price_at=datetime(2026, 2, 28, tzinfo=UTC),
        has_missing_prices=True,
        has_stale_prices=True,
        data=data,
    )
    # auto_now_add: set the time the tests print explicitly.
    PortfolioSnapshot.objects.filter(pk=snap.pk).update(computed_at=COMPUTED_AT)
    snap.refresh_from_db()
    return snap


def grow(built: Built, *, lots: int, transactions: int, today: date | None = None) -> None:
    """Bring the portfolio to `lots` open lots and `transactions` ledger rows (bulk_create), and replace
    its snapshot with one that lists every lot, as the worker would."""
    today = today or timezone.now().date()
    portfolio = built.portfolio
    have_tx = Transaction.objects.filter(portfolio=portfolio).count()
    start = datetime(2018, 1, 1, 15, tzinfo=UTC)
    new_tx = [
        Transaction(
            portfolio=portfolio,
            account=built.coinbase if i % 3 else built.roth,
            type="buy",
            timestamp=start + timedelta(hours=7 * i),
            asset=built.btc if i % 2 else built.eth,
            quantity=Decimal("0.001") + Decimal(i) / 10**6,
            unit_price=Decimal(20000 + i),
            external_id=f"bench-{i}",
        )
        for i in range(max(0, transactions - have_tx))
    ]
    Transaction.objects.bulk_create(new_tx, batch_size=1000)
    origins = list(
        Transaction.objects.filter(portfolio=portfolio).order_by("id").values_list("id", "timestamp")
    )
    have_lots = TaxLot.objects.filter(portfolio=portfolio).count()
    new_lots = []
    for i in range(max(0, lots - have_lots)):
        origin_id, ts = origins[i % len(origins)]
        acquired = ts.date()
        if i % 5 == 0:  # some recent, short-term lots
            acquired = today - timedelta(days=1 + i % 300)
        new_lots.append(
            TaxLot(
                portfolio=portfolio,
                account=built.coinbase if i % 3 else built.roth,
                asset=built.btc if i % 2 else built.eth,
                lot_id=f"g{i}",
                origin_id=origin_id,
                source="buy",
                quantity=Decimal("0.001") + Decimal(i) / 10**6,
                basis=Decimal(20 + i % 97),
                acquired=acquired,
                received=acquired,
                long_term_from=long_term_from(acquired),
                wash_adjustment=Decimal("1.5") if i % 50 == 0 else Decimal(0),
            )
        )
    TaxLot.objects.bulk_create(new_lots, batch_size=1000)
    PortfolioSnapshot.objects.filter(portfolio=portfolio).delete()
    built.snapshot = snapshot_create(portfolio, today=today)
