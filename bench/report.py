"""The year-end tax summary and its files for a large year: 100k disposals by default, on PostgreSQL.

    .venv/bin/python bench/report.py [--n 100000] [--seed 1] [--database-url URL]

The disposals are written directly (the import and the engine have their own benchmarks); what is timed is
`taxes.summary.year_summary` (queries, boxes, Schedule D, carryforward, estimate) and each export built
from it. Target: summary plus CSV plus PDF under 10 s on the reference machine (2 cores, 24 GiB).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lotwise_bench_report")
    args = parser.parse_args()
    fresh_database(args.database_url)

    from portfolios.db import bulk_insert
    from portfolios.models import Account, Asset, Portfolio, Transaction, User
    from taxes.exports import render
    from taxes.models import Disposal
    from taxes.summary import year_summary

    rng = random.Random(args.seed)
    owner = User.objects.create(username="bench-report")
    portfolio = Portfolio.objects.create(owner=owner, name="Big year")
    accounts = [
        Account.objects.create(
            portfolio=portfolio, name="Coinbase", kind="exchange", reporting="basis_reported"
        ),
        Account.objects.create(portfolio=portfolio, name="Wallet", kind="wallet"),
        Account.objects.create(
            portfolio=portfolio, name="Broker", kind="brokerage", reporting="basis_not_reported"
        ),
    ]
    assets = [
        Asset.objects.get_or_create(symbol=s, defaults={"asset_class": c})[0]
        for s, c in (("BTC", "crypto"), ("ETH", "crypto"), ("SOL", "crypto"), ("VTI", "etf"))
    ]
    start = datetime(2025, 1, 1, 15, tzinfo=UTC)
    buy = Transaction.objects.create(
        portfolio=portfolio,
        account=accounts[0],
        type="buy",
        timestamp=start - timedelta(days=400),
        asset=assets[0],
        quantity=Decimal(1),
        unit_price=Decimal(1),
    )
    t0 = time.monotonic()
    sells = bulk_insert(
        Transaction,
        (
            Transaction(
                portfolio=portfolio,
                account=accounts[i % 3],
                type="sell",
                timestamp=start + timedelta(seconds=300 * i),
                asset=assets[i % 4],
                quantity=Decimal(1),
                unit_price=Decimal(1),
                content_hash=f"bench-{i}",
            )
            for i in range(args.n)
        ),
        need_ids=True,
    )
    rows = []
    for i, tx in enumerate(sells):
        quantity = Decimal(rng.randrange(1, 10**8)) / 10**8
        basis = Decimal(rng.randrange(1, 10**9)) / 1000
        proceeds = (basis * Decimal(rng.uniform(0.6, 1.6))).quantize(Decimal("0.000001"))
        acquired = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 800))
        disposed = tx.timestamp.date()
        wash = (basis - proceeds) if i % 97 == 0 and proceeds < basis and i % 4 == 3 else Decimal(0)
        rows.append(
            Disposal(
                portfolio=portfolio,
                transaction=tx,
                event_timestamp=tx.timestamp,
                kind="sell",
                account_id=tx.account_id,
                asset_id=tx.asset_id,
                lot_id=f"{buy.pk}.{i}",
                origin=buy,
                quantity=quantity,
                acquired=acquired,
                disposed=disposed,
                proceeds=proceeds,
                basis=basis,
                gain=proceeds - basis + wash,
                term="long" if (disposed - acquired).days > 365 else "short",
                taxable=True,
                wash_disallowed=wash,
            )
        )
    bulk_insert(Disposal, rows)
    print(f"{args.n} disposals written in {time.monotonic() - t0:.1f} s (not part of the target)", flush=True)

    t = time.monotonic()
    summary = year_summary(owner=owner, year=2025)
    built = time.monotonic() - t
    print(f"summary: {len(summary.rows)} rows in {len(summary.boxes)} boxes: {built:.2f} s", flush=True)
    timings = {"summary": built}
    for fmt in ("csv", "totals", "turbotax", "txf", "json", "pdf"):
        t = time.monotonic()
        out = render(summary, fmt)
        timings[fmt] = time.monotonic() - t
        print(f"{fmt:9} {len(out.content) / 1e6:7.1f} MB  {timings[fmt]:.2f} s", flush=True)
    total = timings["summary"] + timings["csv"] + timings["pdf"]
    print(f"summary + CSV + PDF: {total:.2f} s (target < 10 s)", flush=True)


if __name__ == "__main__":
    main()
