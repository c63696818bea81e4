"""Import + full recompute of a synthetic ledger through the real CSV importer, on PostgreSQL by default.

    .venv/bin/python bench/import_recompute.py [--n 100000] [--seed 1] [--database-url URL] [--profile]

Prints rows/second for the import (parse, validate, insert, engine, store lots and disposals), where its time
went (the stages, timed around the functions that do them; the rest is reading and parsing the file), and the
time of an incremental recompute after one more transaction. With --profile, also the import's cProfile,
heaviest first (profiling slows it down about 1.5x). `--n 10000 --database-url sqlite:////tmp/bench.sqlite3`
runs it on SQLite. Target (issue #12): 100k transactions imported and recomputed in under 5 s on PostgreSQL
on the reference machine (2 cores, 24 GiB); it was 60 s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import fresh_database  # noqa: E402

STAGE_TIMES: dict[str, float] = defaultdict(float)


def timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            STAGE_TIMES[stage] += time.perf_counter() - t

    return run


# (stage, the function it times), in the order they run; the indented ones happen inside the one above them.
STAGES = (
    ("check rows (transaction_errors)", "importing", "transaction_errors"),
    ("write transactions", "importing", "transactions_create"),
    ("write lot picks", "importing", "picks_create"),
    ("recompute (all of it)", "import_steps", "portfolio_recompute"),
    ("  read the ledger (ledger_events)", "services", "ledger_events"),
    ("  engine", "engine", "compute"),
    ("  write derived rows (_store)", "services", "_store"),
)
COMMIT = "commit (deferred foreign-key checks)"


def time_stages() -> None:
    """Wrap the functions an import spends its time in (module attributes, looked up when called)."""
    from django.db import connection

    from portfolios import import_steps, importing
    from taxes import engine, services

    modules = {"importing": importing, "import_steps": import_steps, "services": services, "engine": engine}
    for stage, module, name in STAGES:
        setattr(modules[module], name, timed(stage, getattr(modules[module], name)))
    connection.ensure_connection()
    connection.commit = timed(COMMIT, connection.commit)


def print_stages(total: float) -> None:
    for stage, _, _ in (*STAGES, (COMMIT, "", "")):
        print(f"  {stage}: {STAGE_TIMES[stage]:.2f} s")
    rest = total - sum(t for stage, t in STAGE_TIMES.items() if not stage.startswith(" "))
    print(f"  the rest (reading the file, parsing cells, de-duplication): {rest:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lotwise_bench")
    parser.add_argument("--profile", action="store_true", help="print the import's cProfile too")
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

    time_stages()
    profile = cProfile.Profile() if args.profile else None
    t1 = time.perf_counter()
    if profile is not None:
        profile.enable()
    summary = ledger_import(user=user, file=io.StringIO(text), portfolio_name="Bench")
    if profile is not None:
        profile.disable()
    elapsed = time.perf_counter() - t1
    print(
        f"import + full recompute: {summary.created:,} transactions in {elapsed:.1f} s "
        f"({summary.created / elapsed:,.0f}/s), {summary.recompute.lots if summary.recompute else 0:,} open lots "
        f"[{connection.vendor}] target < 5 s at 100k"
    )
    print_stages(elapsed)
    if profile is not None:
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)

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
