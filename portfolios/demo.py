"""The demo: an equal-weight BTC/ETH/SOL/ADA index bought monthly since 2021 in a taxable exchange account
and quarterly in a Roth IRA, with staking income, a transfer to a wallet and two sells. Prices come from the
bundled (synthetic) offline history, so the demo needs no network."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from portfolios.assets import asset_for_symbol
from portfolios.importers.assets import asset_class_guess
from portfolios.models import Account, Portfolio, User
from portfolios.models.ledger import AccountKind, BasisMethod, TaxTreatment

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "lotwise-demo"
DEMO_PORTFOLIO = "Crypto index"
INDEX = ("BTC", "ETH", "SOL", "ADA")
STAKED = {"ETH": Decimal("0.0025"), "SOL": Decimal("0.0055"), "ADA": Decimal("0.0030")}  # monthly yield
Q8 = Decimal("0.00000001")
CENT = Decimal("0.01")

PriceOn = Callable[[str, date], Decimal]


@dataclass
class _Row:
    ts: datetime
    account: str
    type: str
    asset: str
    quantity: Decimal
    unit_price: Decimal | None = None
    fee: Decimal = Decimal(0)
    to_account: str = ""
    external_id: str = ""
    notes: str = ""


def _months(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, d.day)
    return out


def demo_ledger_csv(*, price_on: PriceOn, until: date) -> str:
    """The demo ledger in the Lotwise CSV format (deterministic for a given `until`)."""
    rows: list[_Row] = []
    held: dict[tuple[str, str], Decimal] = {}

    def add(row: _Row) -> None:
        rows.append(row)
        sign = -1 if row.type in ("sell", "transfer") else 1
        if row.asset != "USD":
            held[(row.account, row.asset)] = (
                held.get((row.account, row.asset), Decimal(0)) + sign * row.quantity
            )
            if row.type == "transfer":
                key = (row.to_account, row.asset)
                held[key] = held.get(key, Decimal(0)) + row.quantity

    for n, month in enumerate(_months(date(2021, 1, 4), until - timedelta(days=3))):
        ts = datetime(month.year, month.month, month.day, 15, 0, tzinfo=UTC)
        add(_Row(ts, "Coinbase", "deposit", "USD", Decimal(1000), external_id=f"demo-dep-{n}"))
        for i, symbol in enumerate(INDEX):
            price = price_on(symbol, month)
            qty = (Decimal(250) / price).quantize(Q8, rounding=ROUND_DOWN)
            fee = Decimal("1.49")
            add(
                _Row(
                    ts + timedelta(minutes=5 + i),
                    "Coinbase",
                    "buy",
                    symbol,
                    qty,
                    price,
                    fee,
                    external_id=f"demo-buy-{n}-{symbol}",
                )
            )
        # staking rewards at month end on what is held
        reward_day = month + timedelta(days=24)
        if reward_day < until:
            for symbol, rate in STAKED.items():
                qty = (held.get(("Coinbase", symbol), Decimal(0)) * rate).quantize(Q8, rounding=ROUND_DOWN)
                if qty > 0:
                    add(
                        _Row(
                            datetime(reward_day.year, reward_day.month, reward_day.day, 9, 0, tzinfo=UTC),
                            "Coinbase",
                            "staking",
                            symbol,
                            qty,
                            price_on(symbol, reward_day),
                            external_id=f"demo-stake-{n}-{symbol}",
                        )
                    )
    for n, quarter in enumerate(_months(date(2022, 1, 10), until - timedelta(days=3))[::3]):
        ts = datetime(quarter.year, quarter.month, quarter.day, 16, 0, tzinfo=UTC)
        add(_Row(ts, "Roth IRA", "deposit", "USD", Decimal(1500), external_id=f"demo-ira-dep-{n}"))
        for i, symbol in enumerate(INDEX):
            price = price_on(symbol, quarter)
            qty = (Decimal(375) / price).quantize(Q8, rounding=ROUND_DOWN)
            add(
                _Row(
                    ts + timedelta(minutes=5 + i),
                    "Roth IRA",
                    "buy",
                    symbol,
                    qty,
                    price,
                    external_id=f"demo-ira-{n}-{symbol}",
                )
            )

    rows.sort(key=lambda r: r.ts)
    # Events that read holdings are placed after the buys above, so the quantities exist.
    extra: list[_Row] = []
    for when, account, typ, symbol, share, to, note in (
        (date(2022, 6, 20), "Coinbase", "sell", "ADA", Decimal("0.5"), "", "Harvested a loss"),
        (
            date(2023, 6, 15),
            "Coinbase",
            "transfer",
            "BTC",
            Decimal("0.4"),
            "Ledger wallet",
            "Moved to cold storage",
        ),
        (date(2024, 3, 12), "Coinbase", "sell", "SOL", Decimal("0.3"), "", "Rebalanced SOL back to target"),
    ):
        if when >= until:
            continue
        holding = _held_at(rows + extra, account, symbol, when)
        qty = (holding * share).quantize(Q8, rounding=ROUND_DOWN)
        if qty <= 0:
            continue
        ts = datetime(when.year, when.month, when.day, 18, 0, tzinfo=UTC)
        sale_price = price_on(symbol, when) if typ == "sell" else None
        fee = Decimal("2.99") if typ == "sell" else Decimal(0)
        extra.append(
            _Row(ts, account, typ, symbol, qty, sale_price, fee, to, f"demo-{typ}-{when:%Y%m%d}", note)
        )
    rows = sorted(rows + extra, key=lambda r: r.ts)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "timestamp",
            "account",
            "type",
            "asset",
            "quantity",
            "unit_price",
            "fee",
            "to_account",
            "external_id",
            "notes",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.ts.isoformat(),
                r.account,
                r.type,
                "" if r.asset == "USD" else r.asset,
                f"{r.quantity:f}",
                "" if r.unit_price is None else f"{r.unit_price:f}",
                f"{r.fee:f}",
                r.to_account,
                r.external_id,
                r.notes,
            ]
        )
    return out.getvalue()


def _held_at(rows: list[_Row], account: str, symbol: str, when: date) -> Decimal:
    total = Decimal(0)
    for r in rows:
        if r.ts.date() >= when or r.asset != symbol:
            continue
        if r.account == account:
            total += -r.quantity if r.type in ("sell", "transfer") else r.quantity
        elif r.to_account == account:
            total += r.quantity
    return total


@transaction.atomic
def demo_setup(*, until: date, price_on: PriceOn) -> tuple[User, Portfolio, bool]:
    """Create the demo user, accounts, ledger and targets. Returns (user, portfolio, created)."""
    from portfolios.importing import ledger_import
    from rebalancing.models import Target, TargetWeight

    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@example.com"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.timezone = "America/New_York"
        user.save()
    portfolio, new_portfolio = Portfolio.objects.get_or_create(owner=user, name=DEMO_PORTFOLIO)
    if not new_portfolio:
        return user, portfolio, False
    Account.objects.create(
        portfolio=portfolio, name="Coinbase", custodian="Coinbase", kind=AccountKind.EXCHANGE
    )
    Account.objects.create(
        portfolio=portfolio,
        name="Ledger wallet",
        custodian="Self-custody",
        kind=AccountKind.WALLET,
        basis_method=BasisMethod.HIFO,
    )
    Account.objects.create(
        portfolio=portfolio,
        name="Roth IRA",
        custodian="iTrustCapital",
        kind=AccountKind.ROTH_IRA,
        tax_treatment=TaxTreatment.TAX_FREE,
    )
    ledger_import(
        user=user,
        file=io.StringIO(demo_ledger_csv(price_on=price_on, until=until)),
        portfolio_name=DEMO_PORTFOLIO,
    )
    target = Target.objects.create(portfolio=portfolio, name="Equal-weight top 4")
    for symbol in INDEX:
        # The index's coins as the import above resolved them: the catalogue's shared assets.
        asset = asset_for_symbol(user=user, symbol=symbol, asset_class=asset_class_guess(symbol))
        TargetWeight.objects.create(target=target, asset=asset, weight=Decimal("0.25"))
    return user, portfolio, True
