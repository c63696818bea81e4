"""Import + full recompute of a synthetic ledger through the real CSV importer, on PostgreSQL by default.

    .venv/bin/python bench/import_recompute.py [--n 100000] [--seed 1] [--database-url URL]

Prints rows/second for the import (parse, validate, insert, engine, store lots and disposals) and for an
incremental recompute after one more transaction. Target: 100k transactions imported and recomputed in
under 60 s on PostgreSQL on one core of the reference machine (2 cores, 24 GiB).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lotwise_bench")
    args = parser.parse_args()

    fresh_database(args.database_url)
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection

    from bench.ledgergen import generate_ledger
    from portfolios.importing import ledger_import
    from portfolios.models import Account, Asset, Portfolio, Transaction, User
    from portfolios.services import TransactionData, transaction_record
    from taxes.engine import TaxTreatment

    t0 = time.perf_counter()
    events, accounts, assets = generate_ledger(args.n, seed=args.seed)
    names = {
        acc_id: ("Roth IRA" if info.treatment is not TaxTreatment.TAXABLE else f"Account {acc_id}")
        for acc_id, info in accounts.items()
    }
    user = User.objects.create(username="bench")
    portfolio = Portfolio.objects.create(owner=user, name="Bench")
    for acc_id, info in accounts.items():
        Account.objects.create(
            portfolio=portfolio,
            name=names[acc_id],
            tax_treatment=info.treatment.value,
            kind="roth_ira" if info.treatment is TaxTreatment.TAX_FREE else "brokerage",
        )
    symbols = {}
    for asset_id, info in assets.items():
        symbols[asset_id] = info.symbol
        Asset.objects.get_or_create(symbol=info.symbol, defaults={"asset_class": info.asset_class})
    out = io.StringIO()
    out.write(
        "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,external_id\n"
    )
    for e in events:
        asset = "" if e.asset is None or assets[e.asset].is_cash else symbols[e.asset]
        out.write(
            f"{e.timestamp.isoformat()},{names[e.account]},{e.type.value},{asset},{e.quantity:f},"
            f"{'' if e.unit_price is None else format(e.unit_price, 'f')},{e.fee:f},"
            f"{symbols[e.counter_asset] if e.counter_asset else ''},{'' if e.counter_quantity is None else format(e.counter_quantity, 'f')},"
            f"{names[e.to_account] if e.to_account else ''},g{e.id}\n"
        )
    text = out.getvalue()
    print(f"generated {len(events):,} events as CSV in {time.perf_counter() - t0:.1f} s")

    t1 = time.perf_counter()
    summary = ledger_import(user=user, file=io.StringIO(text), portfolio_name="Bench")
    elapsed = time.perf_counter() - t1
    print(
        f"import + full recompute: {summary.created:,} transactions in {elapsed:.1f} s "
        f"({summary.created / elapsed:,.0f}/s), {summary.recompute.lots if summary.recompute else 0:,} open lots "
        f"[{connection.vendor}] target < 60 s at 100k"
    )

    last = Transaction.objects.filter(portfolio=portfolio).order_by("-timestamp", "-id").first()
    assert last is not None
    account = Account.objects.get(portfolio=portfolio, name=names[1])
    t2 = time.perf_counter()
    transaction_record(
        portfolio=portfolio,
        data=TransactionData(
            account=account,
            type="buy",
            timestamp=last.timestamp + timedelta(hours=1),
            quantity=Decimal("0.01"),
            asset=Asset.objects.get(symbol="BTC"),
            unit_price=Decimal(90000),
        ),
    )
    print(f"record one more transaction (incremental recompute): {(time.perf_counter() - t2) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
