"""The read pages at a large portfolio: 10k transactions, 2k open lots.

    .venv/bin/python bench/pages.py [--n 50] [--runs 15]                      # SQLite file under var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotwise_pages_bench .venv/bin/python bench/pages.py

Creates the database when missing (PostgreSQL), migrates, collects the static files (hashed names, as
production serves them), then creates (or reuses) the user "bench-pages" with a portfolio of 10,000 ledger
rows and 2,000 open lots (bulk_create, fixed seed: no engine run) and a snapshot of it (the worker's
portfolio_snapshot_compute over the bundled offline prices).

1. Server time: Django's test Client against the dashboard, lots (default and a numeric sort),
   transactions, accounts and realized pages; p50/p95 in ms and the query count of each. Target: p95 < 150 ms.
2. First load in a browser: gunicorn (settings "local", DEBUG off) on loopback and Debian's Chromium through
   Playwright. Cold: a new browser context each time (empty cache); warm: the same context navigating to the
   dashboard again (hashed static files come from the cache). Each run reports navigation start to the load
   event, first contentful paint, and when the last chart is drawn (charts.js's "lotwise:charts-drawn"
   mark). Targets: load event cold < 600 ms, warm < 250 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERNAME = "bench-pages"
PORTFOLIO = "Bench 10k"
N_TRANSACTIONS = 10_000
N_LOTS = 2_000
SYMBOLS = ("BTC", "ETH", "SOL", "ADA")
TARGET_P95_MS = 150.0
TARGET_COLD_MS = 600.0
TARGET_WARM_MS = 250.0
SQLITE_DEFAULT = ROOT / "var" / "bench-pages.sqlite3"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Times from the Navigation Timing entry and the marks, in ms from navigation start.
TIMINGS_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const drawn = performance.getEntriesByName('lotwise:charts-drawn')[0];
  const resources = performance.getEntriesByType('resource');
  return {
    load: nav.loadEventEnd,
    dcl: nav.domContentLoadedEventEnd,
    fcp: fcp ? fcp.startTime : null,
    charts: drawn ? drawn.startTime : null,
    html: nav.encodedBodySize,
    transfer: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    cached: resources.filter(r => r.transferSize === 0).length,
    resources: resources.length,
  };
}"""


def _ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[1].split("?")[0]
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if exists.stdout.strip() != "1":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True
        )


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every query in memory: not what production does
    import django

    django.setup()
    from django.core.management import call_command

    from portfolios.management.commands.serve import static_collect_if_stale

    call_command("migrate", interactive=False, verbosity=0)
    if static_collect_if_stale():
        print("static files collected")


def _long_term_from(acquired: date) -> date:
    try:
        return acquired.replace(year=acquired.year + 1) + timedelta(days=1)
    except ValueError:
        return date(acquired.year + 1, 3, 1)


def build(*, seed: int = 7) -> int:
    """The bench portfolio's id, creating it when missing or incomplete."""
    from django.db import transaction

    from portfolios.models import Account, Asset, Portfolio, Transaction, User
    from portfolios.pricing.services import offline_prices_load
    from taxes.models import LedgerStatus, TaxLot

    user, created = User.objects.get_or_create(username=USERNAME, defaults={"timezone": "America/New_York"})
    if created:
        user.set_unusable_password()
        user.save()
    portfolio = Portfolio.objects.filter(owner=user, name=PORTFOLIO).first()
    if portfolio is not None:
        n_tx = Transaction.objects.filter(portfolio=portfolio).count()
        n_lots = TaxLot.objects.filter(portfolio=portfolio).count()
        if (n_tx, n_lots) == (N_TRANSACTIONS, N_LOTS):
            print(f"reusing portfolio #{portfolio.pk}: {n_tx} transactions, {n_lots} open lots")
            return portfolio.pk
        portfolio.delete()

    today = datetime.now(UTC).date()
    started = time.perf_counter()
    offline_prices_load(until=today)
    assets = {a.symbol: a for a in Asset.objects.filter(symbol__in=SYMBOLS)}
    rng = random.Random(seed)
    start = datetime(2018, 1, 2, 15, tzinfo=UTC)
    span = (
        datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=2) - start
    ).total_seconds()
    with transaction.atomic():
        portfolio = Portfolio.objects.create(owner=user, name=PORTFOLIO)
        accounts = [
            Account.objects.create(portfolio=portfolio, name="Brokerage", kind="brokerage"),
            Account.objects.create(
                portfolio=portfolio, name="Exchange", kind="exchange", basis_method="hifo"
            ),
            Account.objects.create(
                portfolio=portfolio, name="Roth IRA", kind="roth_ira", tax_treatment="tax_free"
            ),
        ]
        rows = []
        for i in range(N_TRANSACTIONS):
            symbol = SYMBOLS[i % len(SYMBOLS)]
            price = Decimal(rng.uniform(0.3, 60000)).quantize(Decimal("0.01"))
            rows.append(
                Transaction(
                    portfolio=portfolio,
                    account=accounts[i % 3],
                    type="buy",
                    timestamp=start + timedelta(seconds=span * i / N_TRANSACTIONS),
                    asset=assets[symbol],
                    quantity=(Decimal(250) / price).quantize(Decimal("0.00000001"), rounding=ROUND_DOWN)
                    or Decimal("0.00000001"),
                    unit_price=price,
                    fee=Decimal("1.49"),
                    external_id=f"bench-pages-{i}",
                )
            )
        Transaction.objects.bulk_create(rows, batch_size=2000)
        txs = list(
            Transaction.objects.filter(portfolio=portfolio)
            .order_by("timestamp", "id")
            .values_list("id", "account_id", "asset_id", "timestamp", "quantity", "unit_price", "fee")
        )
        # Every fifth buy is still open: 2,000 lots spread over the whole history, the newest short-term.
        lots = []
        for n, (tx_id, account_id, asset_id, ts, qty, price, fee) in enumerate(txs[4::5][:N_LOTS]):
            acquired = ts.date()
            lots.append(
                TaxLot(
                    portfolio=portfolio,
                    account_id=account_id,
                    asset_id=asset_id,
                    lot_id=str(tx_id),
                    origin_id=tx_id,
                    source="buy",
                    quantity=qty,
                    basis=(qty * price + fee).quantize(Decimal("0.01")),
                    acquired=acquired,
                    received=acquired,
                    long_term_from=_long_term_from(acquired),
                    wash_adjustment=Decimal("0") if n % 97 else Decimal("12.50"),
                )
            )
        TaxLot.objects.bulk_create(lots, batch_size=2000)
        LedgerStatus.objects.update_or_create(
            portfolio=portfolio, defaults={"computed_at": datetime.now(UTC), "event_count": N_TRANSACTIONS}
        )
    print(f"built portfolio #{portfolio.pk} in {time.perf_counter() - started:.1f} s")
    return portfolio.pk


def snapshot(portfolio_id: int) -> None:
    from portfolios.models import PortfolioSnapshot

    if PortfolioSnapshot.objects.filter(portfolio_id=portfolio_id).exists():
        return
    from portfolios.snapshots import portfolio_snapshot_compute

    started = time.perf_counter()
    snap = portfolio_snapshot_compute(portfolio_id=portfolio_id)
    print(
        f"snapshot computed in {time.perf_counter() - started:.1f} s: "
        f"{len(snap.data.get('lots') or [])} lots, value {snap.total_value:.2f}"
    )


def measure(portfolio_id: int, *, n: int, warmup: int = 5) -> list[tuple[str, float, float, int, int]]:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from portfolios.models import Account, User

    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username=USERNAME))
    account = Account.objects.filter(portfolio_id=portfolio_id, name="Exchange").get()
    pages = [
        ("dashboard", reverse("portfolios:dashboard", args=[portfolio_id])),
        ("lots", reverse("taxes:lot_list", args=[portfolio_id])),
        ("lots ?sort=-unrealized", reverse("taxes:lot_list", args=[portfolio_id]) + "?sort=-unrealized"),
        ("accounts", reverse("portfolios:account_list", args=[portfolio_id])),
        ("account detail", reverse("portfolios:account_detail", args=[portfolio_id, account.pk])),
        ("realized", reverse("taxes:realized", args=[portfolio_id])),
    ]
    try:
        pages.append(("transactions", reverse("portfolios:transaction_list", args=[portfolio_id])))
    except NoReverseMatch:
        print("transactions page: portfolios:transaction_list does not resolve yet; not measured")
    results = []
    for name, url in pages:
        for _ in range(warmup):
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
        # Counted with an execute wrapper: outside the test runner every request closes its connection.
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):  # type: ignore[no-untyped-def]
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        cuts = statistics.quantiles(times, n=20, method="inclusive")
        results.append((name, statistics.median(times), cuts[18], len(executed), len(response.content)))
    return results


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "DEBUG": "false",
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)
    _stop_server(server)
    raise SystemExit("gunicorn did not start listening within 30 s")


def _warm_up(url: str, cookie: str) -> None:
    """Every worker's first request imports and loads templates (about a second): not a page load."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    for _ in range(10):
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _session_cookie() -> tuple[str, str]:
    from django.conf import settings
    from django.test import Client

    from portfolios.models import User

    client = Client()
    client.force_login(User.objects.get(username=USERNAME))
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def measure_browser(portfolio_id: int, *, runs: int) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Cold and warm first loads of the dashboard, one dict of timings per run."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    path = f"/portfolios/{portfolio_id}/"
    name, value = _session_cookie()
    cookie = {"name": name, "value": value, "domain": "127.0.0.1", "path": "/"}
    server = _start_server(port)
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    try:
        _warm_up(base + path, f"{name}={value}")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def visit(page: Any) -> dict[str, float]:
                page.goto(base + path, wait_until="load")
                page.wait_for_function("document.documentElement.hasAttribute('data-charts-drawn')")
                timings: dict[str, float] = page.evaluate(TIMINGS_JS)
                return timings

            # One discarded round: the browser starts its processes.
            for i in range(runs + 1):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_cookies([cookie])
                page = context.new_page()
                first = visit(page)
                again = visit(page)
                context.close()
                if i:
                    cold.append(first)
                    warm.append(again)
            browser.close()
    finally:
        _stop_server(server)
    return cold, warm


def _ms(values: list[float]) -> str:
    if not values:
        return f"{'—':>9}{'—':>9}{'—':>9}"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):>9.0f}{p95:>9.0f}{ordered[-1]:>9.0f}"


def _print_browser(cold: list[dict[str, float]], warm: list[dict[str, float]]) -> bool:
    print(f"\n{'first load':<28}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, runs in (("cold", cold), ("warm", warm)):
        for key, what in (
            ("fcp", "first contentful paint"),
            ("load", "load event"),
            ("charts", "charts drawn"),
        ):
            values = [r[key] for r in runs if r.get(key) is not None]
            print(f"{label + ' ' + what:<28}{_ms(values)}")
    c, w = cold[0], warm[0]
    print(
        f"\nbytes over the wire: cold {c['transfer'] / 1024:.0f} KiB ({c['resources']} files after the page, "
        f"HTML {c['html'] / 1024:.0f} KiB); warm {w['transfer'] / 1024:.0f} KiB "
        f"({w['cached']} of {w['resources']} files from the cache)"
    )
    cold_p50 = statistics.median(r["load"] for r in cold)
    warm_p50 = statistics.median(r["load"] for r in warm)
    ok = cold_p50 < TARGET_COLD_MS and warm_p50 < TARGET_WARM_MS
    print(
        f"load event p50: cold {cold_p50:.0f} ms (target < {TARGET_COLD_MS:.0f}), "
        f"warm {warm_p50:.0f} ms (target < {TARGET_WARM_MS:.0f}): {'within' if ok else 'OVER'} the targets"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=50, help="timed requests per page (server time)")
    parser.add_argument("--runs", type=int, default=15, help="cold + warm browser loads of the dashboard")
    parser.add_argument("--no-server-time", action="store_true", help="only the browser first load")
    parser.add_argument("--no-browser", action="store_true", help="only the server time")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        # A database of its own, so the bench portfolio never lands in the demo's db.sqlite3.
        SQLITE_DEFAULT.parent.mkdir(parents=True, exist_ok=True)
        url = os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_DEFAULT}"
    if not url.startswith("postgres"):
        print("note: DATABASE_URL is not PostgreSQL; the server-time target is for PostgreSQL")
    _ensure_database(url)
    _setup()
    from django.db import connection

    portfolio_id = build()
    snapshot(portfolio_id)
    if not args.no_server_time:
        print(
            f"\n{connection.vendor}, {args.n} requests per page (after 5 warm-up), Django test Client, "
            "DEBUG off\n"
        )
        print(f"{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'KiB':>8}")
        worst = 0.0
        for name, p50, p95, queries, size in measure(portfolio_id, n=args.n):
            worst = max(worst, p95)
            print(f"{name:<24}{p50:>9.1f}{p95:>9.1f}{queries:>9}{size / 1024:>8.0f}")
        verdict = "within" if worst < TARGET_P95_MS else "OVER"
        print(f"\nworst p95 {worst:.1f} ms: {verdict} the {TARGET_P95_MS:.0f} ms target")
    if not args.no_browser:
        connection.close()  # SQLite: let gunicorn's workers have the file
        print(
            f"\ndashboard in Chromium, {connection.vendor}, gunicorn (2 workers, DEBUG off) on loopback, "
            f"{args.runs} runs after one discarded"
        )
        cold, warm = measure_browser(portfolio_id, runs=args.runs)
        _print_browser(cold, warm)


if __name__ == "__main__":
    main()
