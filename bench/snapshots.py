"""Snapshot throughput through real Celery workers, and the latency of one edit on a large ledger.

    .venv/bin/python bench/snapshots.py                                  # 1,000 portfolios x 500 transactions
    .venv/bin/python bench/snapshots.py --portfolios 100 --big 2000      # a quick run

Seeded. On PostgreSQL by default (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/lotwise_bench_snapshots,
dropped and recreated unless --keep) with Redis as broker (REDIS_URL, default redis://127.0.0.1:6379/14, flushed).

1. Creates N portfolios of M transactions each (2 accounts: taxable exchange + Roth IRA; 5 assets; buys, sells,
   staking, transfers, deposits, withdrawals; never selling more than held), a target each, and daily prices
   for the whole span plus a fresh latest quote - bulk inserted, then taxes.services.portfolio_recompute per
   portfolio.
2. Starts W real `celery worker` processes (prefork, --concurrency C each) and times rounds of snapshots
   until every snapshot of the round is in the database: round 1 builds each portfolio's whole daily
   history (first snapshots, --batch portfolios per task); then, after a price refresh each, --rounds times
   a round with --batch portfolios per task (the fan-out after a price refresh) followed by one with one
   task per portfolio (the path a ledger edit takes). A round's tasks are queued while the workers take none,
   and timed from the moment they start. Every snapshot enqueues a drift check
   (rebalancing.tasks.check_portfolio); the checks a round leaves in the queue are purged before the next
   round starts, so that each round times its own snapshots.
3. A portfolio of --big transactions: times transaction_record of one new transaction (the incremental
   recompute from the engine's checkpoint) plus the snapshot that follows it (the daily history is
   recomputed from the last checkpoint before the change), in this process.

Targets: 10,000 snapshots/minute in the steady state, also with one task per portfolio; < 0.1 s for one edit
plus its snapshot on 10,000 transactions.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lotwise_bench_snapshots"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"

# symbol, CoinGecko id, starting price, typical buy quantity, quantity places
ASSETS = [
    ("BTC", "bitcoin", Decimal(40000), Decimal("0.02"), 8),
    ("ETH", "ethereum", Decimal(2200), Decimal("0.4"), 8),
    ("SOL", "solana", Decimal(60), Decimal(8), 6),
    ("ADA", "cardano", Decimal("0.5"), Decimal(1500), 6),
    ("LINK", "chainlink", Decimal(14), Decimal(40), 6),
]
Q_PRICE = Decimal("0.0001")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--portfolios", type=int, default=1000)
    parser.add_argument("--transactions", type=int, default=500, help="per portfolio")
    parser.add_argument("--days", type=int, default=3 * 365, help="span of each ledger, ending yesterday")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    parser.add_argument(
        "--big", type=int, default=10_000, help="transactions in the large portfolio (0: skip)"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=50,
        help="portfolios per task in the fan-out rounds (as after a price refresh)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds of each kind after round 1")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--keep", action="store_true", help="reuse the database and its data if present")
    parser.add_argument(
        "--keep-history",
        action="store_true",
        help="with --keep: skip round 1 when every portfolio has a snapshot already",
    )
    parser.add_argument(
        "--conn-max-age", type=int, default=60, help="workers' CONN_MAX_AGE (0: a connection per task)"
    )
    return parser.parse_args()


def setup_environment() -> tuple[str, str]:
    db_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    os.environ["DATABASE_URL"] = db_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ["SECRET_KEY"] = os.environ.get("SECRET_KEY") or "bench-only"
    os.environ["PRICES_OFFLINE"] = "true"
    return db_url, redis_url


def recreate_postgres_database(db_url: str, keep: bool) -> None:
    import psycopg

    parts = urlsplit(db_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def price_series(rng: random.Random, start: date, days: int) -> dict[str, list[Decimal]]:
    series = {}
    for symbol, _, first, _, _ in ASSETS:
        price = first
        values = []
        for _ in range(days + 1):
            step = Decimal(str(round(rng.gauss(0.0005, 0.03), 6)))
            price = max(price * (1 + step), first / 20)
            values.append(price.quantize(Q_PRICE) if price >= 1 else price.quantize(Decimal("0.000001")))
        series[symbol] = values
    return series


def generate_ledger(rng: random.Random, n: int, start: date, days: int, prices: dict[str, list[Decimal]]):  # type: ignore[no-untyped-def]
    """Rows (account index 0/1, type, timestamp, symbol|None, qty, unit_price|None, fee, to_account index|None)."""
    held: dict[tuple[int, str], Decimal] = {}
    rows = []
    step = days * 86400 / max(n, 1)
    for i in range(n):
        ts = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(seconds=int(i * step) + 60)
        day = (ts.date() - start).days
        acct = 0 if rng.random() < 0.75 else 1
        roll = rng.random()
        symbol, _, _, typical, places = rng.choice(ASSETS)
        price = prices[symbol][day]
        owned = held.get((acct, symbol), Decimal(0))
        quantum = Decimal(1).scaleb(-places)
        if i % 25 == 0 or roll < 0.05:
            rows.append(
                (acct, "deposit", ts, None, Decimal(rng.choice([500, 1000, 2500])), None, Decimal(0), None)
            )
            continue
        if roll < 0.08:
            rows.append(
                (acct, "withdrawal", ts, None, Decimal(rng.choice([100, 200])), None, Decimal(0), None)
            )
            continue
        if owned > 0 and roll < 0.25:
            qty = (owned * Decimal(str(rng.uniform(0.05, 0.6)))).quantize(quantum, rounding=ROUND_DOWN)
            if qty > 0:
                held[(acct, symbol)] = owned - qty
                rows.append((acct, "sell", ts, symbol, qty, price, Decimal("1.99"), None))
                continue
        if owned > 0 and acct == 0 and roll < 0.30:
            qty = (owned * Decimal("0.3")).quantize(quantum, rounding=ROUND_DOWN)
            if qty > 0:
                held[(0, symbol)] = owned - qty
                held[(1, symbol)] = held.get((1, symbol), Decimal(0)) + qty
                # Into the Roth: a sale at that day's fair value, so the transfer carries the price.
                rows.append((0, "transfer", ts, symbol, qty, price, Decimal(0), 1))
                continue
        if owned > 0 and roll < 0.40:
            qty = (owned * Decimal("0.004")).quantize(quantum, rounding=ROUND_DOWN)
            if qty > 0:
                held[(acct, symbol)] = owned + qty
                rows.append((acct, "staking", ts, symbol, qty, price, Decimal(0), None))
                continue
        qty = (typical * Decimal(str(rng.uniform(0.2, 2.0)))).quantize(quantum, rounding=ROUND_DOWN)
        held[(acct, symbol)] = owned + qty
        rows.append((acct, "buy", ts, symbol, qty, price, Decimal("0.99"), None))
    return rows


def populate(args: argparse.Namespace) -> tuple[list[int], int | None]:
    from django.utils import timezone

    from portfolios.models import Account, Asset, Portfolio, PriceQuote, Transaction, User
    from rebalancing.models import Target, TargetWeight
    from taxes.services import portfolio_recompute

    rng = random.Random(args.seed)
    today = timezone.now().date()
    start = today - timedelta(days=args.days)
    prices = price_series(rng, start, args.days)
    assets = {}
    for symbol, gecko, _, _, _ in ASSETS:
        assets[symbol], _ = Asset.objects.get_or_create(
            symbol=symbol, defaults={"name": symbol, "price_source_id": gecko}
        )
    quotes = [
        PriceQuote(
            asset=assets[symbol],
            at=datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=d),
            price=prices[symbol][d],
            source="coingecko",
        )
        for symbol in assets
        for d in range(args.days)
    ]
    now = timezone.now()
    quotes += [
        PriceQuote(
            asset=assets[symbol], at=now - timedelta(minutes=2), price=prices[symbol][-1], source="coingecko"
        )
        for symbol in assets
    ]
    PriceQuote.objects.bulk_create(quotes, batch_size=5000, ignore_conflicts=True)

    def make(name: str, n: int) -> int:
        user = User.objects.create_user(username=name, password=None)
        portfolio = Portfolio.objects.create(owner=user, name="Bench")
        accounts = [
            Account.objects.create(
                portfolio=portfolio, name="Exchange", tax_treatment="taxable", kind="exchange"
            ),
            Account.objects.create(
                portfolio=portfolio, name="Roth IRA", tax_treatment="tax_free", kind="roth_ira"
            ),
        ]
        target = Target.objects.create(portfolio=portfolio)
        for symbol, weight in (
            ("BTC", "0.4"),
            ("ETH", "0.3"),
            ("SOL", "0.1"),
            ("ADA", "0.1"),
            ("LINK", "0.1"),
        ):
            TargetWeight.objects.create(target=target, asset=assets[symbol], weight=Decimal(weight))
        rows = generate_ledger(rng, n, start, args.days, prices)
        Transaction.objects.bulk_create(
            (
                Transaction(
                    portfolio=portfolio,
                    account=accounts[a],
                    type=typ,
                    timestamp=ts,
                    asset=assets[s] if s else None,
                    quantity=q,
                    unit_price=p,
                    fee=fee,
                    to_account=accounts[to] if to is not None else None,
                )
                for a, typ, ts, s, q, p, fee, to in rows
            ),
            batch_size=5000,
        )
        portfolio_recompute(portfolio=portfolio)
        return portfolio.pk

    started = time.monotonic()
    ids = []
    for i in range(args.portfolios):
        ids.append(make(f"bench-{i}", args.transactions))
        if (i + 1) % 100 == 0:
            print(f"  {i + 1} portfolios ({time.monotonic() - started:.0f}s)", flush=True)
    print(
        f"created {len(ids)} portfolios x {args.transactions} transactions "
        f"(bulk insert + portfolio_recompute each) in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    big = None
    if args.big:
        t = time.monotonic()
        big = make("bench-big", args.big)
        print(
            f"created the large portfolio ({args.big} transactions) in {time.monotonic() - t:.1f}s",
            flush=True,
        )
    return ids, big


def start_workers(args: argparse.Namespace, db_url: str, logdir: Path) -> list[subprocess.Popen[bytes]]:
    sep = "&" if "?" in db_url else "?"
    env = {
        **os.environ,
        "DATABASE_URL": f"{db_url}{sep}conn_max_age={args.conn_max_age}" if args.conn_max_age else db_url,
        "DEBUG": "false",
    }
    procs = []
    for i in range(args.workers):
        log = (logdir / f"worker-{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    f"--pool={args.pool}",
                    f"--concurrency={args.concurrency}",
                    "--loglevel=WARNING",
                    "-n",
                    f"bench{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-O",
                    "fair",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return procs


def wait_ready(procs: list[subprocess.Popen[bytes]], logdir: Path, timeout: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        if len(replies) >= len(procs):
            return
        for i, p in enumerate(procs):
            if p.poll() is not None:
                raise SystemExit(f"worker {i} exited:\n{(logdir / f'worker-{i}.log').read_text()[-3000:]}")
    raise SystemExit("workers did not answer a ping in time")


def move_prices() -> None:
    """A price refresh: a new latest quote for every asset (so every snapshot's numbers change)."""
    from django.utils import timezone

    from portfolios.models import PriceQuote
    from portfolios.pricing.selectors import prices_latest

    now = timezone.now()
    latest = prices_latest(
        asset_ids=PriceQuote.objects.values_list("asset_id", flat=True).distinct(), as_of=now
    )
    PriceQuote.objects.bulk_create(
        [
            PriceQuote(
                asset_id=aid,
                at=now,
                price=(point.price * Decimal("1.01")).quantize(Q_PRICE),
                source="coingecko",
            )
            for aid, point in latest.items()
        ]
    )


def drain(timeout: float = 60) -> int:
    """Purge what earlier rounds left in the queue (drift checks) and wait for the workers to be idle."""
    from config.celery import app

    purged = app.control.purge()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = app.control.inspect(timeout=1.0).active() or {}
        if not any(active.values()):
            break
        time.sleep(0.2)
    return purged


def snapshot_round(ids: list[int], label: str, *, batch: int, workers: int, timeout: float) -> float:
    """Queue the round's tasks while the workers take none, then time the workers from the moment they
    start: the producer's enqueueing is not theirs to pay, and no drift check that an early snapshot
    queues gets in ahead of the round's own snapshots."""
    from django.utils import timezone

    from config.celery import app
    from portfolios.models import PortfolioSnapshot
    from portfolios.tasks import snapshot_portfolio, snapshot_portfolios

    purged = drain()
    queue = app.conf.task_default_queue
    paused = app.control.cancel_consumer(queue, reply=True, limit=workers, timeout=5)
    if len(paused or []) < workers:
        raise SystemExit(f"only {len(paused or [])} of {workers} workers paused")
    started = time.monotonic()
    if batch > 1:
        for start in range(0, len(ids), batch):
            snapshot_portfolios.apply_async(args=[ids[start : start + batch]])
    else:
        for pid in ids:
            snapshot_portfolio.apply_async(args=[pid])
    enqueued = time.monotonic() - started
    with app.connection_for_write() as conn:
        waiting = conn.default_channel.queue_declare(queue, passive=True).message_count
    if waiting != -(-len(ids) // batch):
        raise SystemExit(f"{waiting} tasks queued, not all of the round's: a worker was not paused")
    since = timezone.now()
    started = time.monotonic()
    # Timed from before the workers hear it: they may start before every reply is in.
    app.control.add_consumer(queue, reply=True, limit=workers, timeout=5)
    done = 0
    while time.monotonic() - started < timeout:
        done = PortfolioSnapshot.objects.filter(computed_at__gte=since, portfolio_id__in=ids).count()
        if done >= len(ids):
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    rate = done / elapsed * 60
    how = f"{batch} portfolios per task" if batch > 1 else "one task per portfolio"
    print(
        f"{label}, {how}: {done}/{len(ids)} snapshots in {elapsed:.2f}s (enqueueing {enqueued:.2f}s; "
        f"{purged} queued messages purged before) = {rate:,.0f} snapshots/minute",
        flush=True,
    )
    if done < len(ids):
        raise SystemExit("the round timed out: later rounds would count its snapshots; raise the timeout")
    return rate


def big_edit(big: int, args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from portfolios.models import Asset, Portfolio, PortfolioSnapshot, Transaction, ValuePoint
    from portfolios.services import TransactionData, transaction_record
    from portfolios.snapshots import portfolio_snapshot_compute

    portfolio = Portfolio.objects.select_related("owner").get(pk=big)
    PortfolioSnapshot.objects.filter(portfolio=portfolio).delete()
    ValuePoint.objects.filter(portfolio=portfolio).delete()
    t = time.monotonic()
    portfolio_snapshot_compute(portfolio_id=big)
    print(f"large portfolio: first snapshot (whole history) {time.monotonic() - t:.3f}s", flush=True)
    t = time.monotonic()
    portfolio_snapshot_compute(portfolio_id=big)
    print(f"large portfolio: snapshot with the ledger unchanged {time.monotonic() - t:.3f}s", flush=True)
    account = portfolio.accounts.get(name="Exchange")
    btc = Asset.objects.get(symbol="BTC")
    count = Transaction.objects.filter(portfolio=portfolio).count()
    timings = []
    for attempt in range(3):
        data = TransactionData(
            account=account,
            type="buy",
            timestamp=timezone.now() - timedelta(minutes=10 - attempt),
            quantity=Decimal("0.001"),
            asset=btc,
            unit_price=Decimal(50000),
        )
        t0 = time.monotonic()
        transaction_record(portfolio=portfolio, data=data)
        t1 = time.monotonic()
        with CaptureQueriesContext(connection) as queries:
            portfolio_snapshot_compute(portfolio_id=big)
        t2 = time.monotonic()
        timings.append((t1 - t0, t2 - t1, len(queries.captured_queries)))
    for record_s, snap_s, n_queries in timings:
        print(
            f"large portfolio ({count} transactions): record one transaction (incremental recompute) "
            f"{record_s:.3f}s + snapshot {snap_s:.3f}s ({n_queries} queries) = {record_s + snap_s:.3f}s",
            flush=True,
        )


def main() -> None:
    args = parse_args()
    db_url, redis_url = setup_environment()
    if db_url.startswith(("postgres://", "postgresql://")):
        recreate_postgres_database(db_url, args.keep)
    elif db_url.startswith("sqlite:///") and not args.keep:
        path = Path(db_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from portfolios.models import Portfolio

    print(f"database {db_url}, broker {redis_url}", flush=True)
    call_command("migrate", verbosity=0)
    existing = list(
        Portfolio.objects.filter(owner__username__startswith="bench-")
        .exclude(owner__username="bench-big")
        .order_by("id")
        .values_list("id", flat=True)
    )
    if args.keep and len(existing) >= args.portfolios:
        ids = existing[: args.portfolios]
        big = Portfolio.objects.filter(owner__username="bench-big").values_list("id", flat=True).first()
        print(f"reusing {len(ids)} portfolios", flush=True)
    else:
        ids, big = populate(args)

    redis.Redis.from_url(redis_url).flushdb()
    logdir = Path(tempfile.mkdtemp(prefix="lotwise-bench-"))
    procs = start_workers(args, db_url, logdir)
    try:
        wait_ready(procs, logdir)
        print(
            f"{args.workers} worker process(es), --pool={args.pool} --concurrency={args.concurrency}, "
            f"CONN_MAX_AGE={args.conn_max_age}",
            flush=True,
        )
        timeout = max(600.0, len(ids) * 0.6)
        from portfolios.models import PortfolioSnapshot, ValuePoint

        first_done = PortfolioSnapshot.objects.filter(portfolio_id__in=ids).values("portfolio_id").distinct()
        if args.keep_history and first_done.count() == len(ids):
            print("round 1 skipped (--keep-history): every portfolio has its history", flush=True)
        else:
            # Round 1 is every portfolio's first snapshot, also when --keep reuses the data.
            PortfolioSnapshot.objects.filter(portfolio_id__in=ids).delete()
            ValuePoint.objects.filter(portfolio_id__in=ids).delete()
            snapshot_round(
                ids,
                "round 1: first snapshots (whole daily history)",
                batch=args.batch,
                workers=args.workers,
                timeout=timeout,
            )
        rates: dict[int, list[float]] = {args.batch: [], 1: []}
        number = 2
        # Alternating, so that both kinds see the same machine (other work on it comes and goes).
        for _ in range(args.rounds):
            for batch in (args.batch, 1):
                move_prices()
                rates[batch].append(
                    snapshot_round(
                        ids,
                        f"round {number}: after a price refresh",
                        batch=batch,
                        workers=args.workers,
                        timeout=timeout,
                    )
                )
                number += 1
        print(
            f"best of {args.rounds}: {max(rates[args.batch]):,.0f}/minute with {args.batch} portfolios per "
            f"task, {max(rates[1]):,.0f}/minute with one task per portfolio",
            flush=True,
        )
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
    if big is not None:
        big_edit(big, args)


if __name__ == "__main__":
    main()
