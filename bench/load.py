"""Many signed-in users at once: dashboard, lots and transactions through gunicorn, PostgreSQL and Redis,
with a Celery worker and Celery beat running. Loopback only, bounded (about 5 minutes with the defaults).

    .venv/bin/python bench/load.py [--users 50] [--seconds 60] [--think 1] [--workers 5] [--phase both]
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/load.py

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/lotwise_load_bench) is dropped and created afresh
(bench/benchdb.py); REDIS_URL (default redis://127.0.0.1:6379/12) is flushed. Prices are the bundled offline
history (PRICES_OFFLINE), so nothing leaves the machine.

Data, built with bench/pages.py's builder (bulk_create, fixed seeds, no engine run):
  small  one user per virtual user ("load-small-00" …), each owning a portfolio of 200 buys / 40 open lots,
         snapshotted in one batch (the workers' path after a price refresh);
  large  one user ("load-large") owning 10,000 buys, every one an open lot (pages.py's builder opens 2,000;
         the other 8,000 are added here), snapshotted with pages.py's snapshot(). Every virtual user logs in
         as that user, each with a session of its own.

Processes, as docker-compose.yml runs them, on 127.0.0.1: gunicorn (config.settings.production, DEBUG off,
SECURE_SSL_REDIRECT / SESSION_COOKIE_SECURE / CSRF_COOKIE_SECURE false for plain HTTP; sync workers,
--workers, default 2 x cores + 1), `celery -A config worker --concurrency=2` and `celery -A config beat`
with a scratch schedule under var/load-bench/ (also the processes' logs). Before the first phase one session
loads every page 2 x workers times, so that no worker's first-request imports are timed.

Each phase: every virtual user (a thread with its own httpx client and cookies) logs in through the login
form with its CSRF token, as many at a time as gunicorn has workers; once all are in, for --seconds each
loops, from its own starting point, over: dashboard, lots, lots sorted by unrealized gain (descending),
transactions, and transactions filtered by account, asset and start date, pausing --think seconds after
each response (default 1 s; with 0, latency is only users / throughput). Every response's status and
latency is recorded; anything but a 200, a 200 that is the login page (a lost session), or no answer within
30 s is an error. Logins are timed apart and are not in the page figures. Each phase prints requests/s, the
CPU gunicorn's workers and the database's backends spent per request (a figure the machine's other load
disturbs less than latency does), the machine's CPU use and load average.

Targets: 0 errors; p95 over all pages < 300 ms on the small portfolios, < 1 s on the large one. The exit
status is 0 when every phase run meets them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any
from unittest import mock

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import benchdb, pages  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lotwise_load_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
SCRATCH = ROOT / "var" / "load-bench"
PASSWORD = "load-bench-Kq7!wz"
SMALL_USER = "load-small-{:02d}"
SMALL_PORTFOLIO = "Load small"
SMALL_TRANSACTIONS, SMALL_LOTS = 200, 40
LARGE_USER = "load-large"
LARGE_PORTFOLIO = "Load 10k"
LARGE_TRANSACTIONS, LARGE_LOTS = 10_000, 10_000
TARGET_P95_MS = {"small": 300.0, "large": 1000.0}
ACCESS_LOG = SCRATCH / "access.log"
REQUEST_TIMEOUT = 30.0
LOGIN_MARKER = b'action="/accounts/login/"'
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGE_NAMES = ("dashboard", "lots", "lots sorted", "transactions", "transactions filtered")


@dataclass
class Plan:
    """Whom a virtual user logs in as and the pages it loops over, (name, path) in order."""

    username: str
    pages: list[tuple[str, str]]


@dataclass
class VirtualUser:
    plan: Plan
    offset: int
    login_ms: float | None = None
    login_error: str | None = None
    # (page name, latency ms, error or None), in the order sent
    samples: list[tuple[str, float, str | None]] = field(default_factory=list)


def _environment() -> tuple[str, str]:
    db_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    if not db_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database: the figures are PostgreSQL's")
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "load-bench-only-not-secret",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "PRICES_OFFLINE": "true",
            "LOG_LEVEL": "WARNING",
        }
    )
    return db_url, redis_url


@contextlib.contextmanager
def _pages_shape(username: str, portfolio: str, n_transactions: int, n_lots: int) -> Iterator[None]:
    """bench/pages.py's builder with another user, portfolio name and size."""
    saved = (pages.USERNAME, pages.PORTFOLIO, pages.N_TRANSACTIONS, pages.N_LOTS)
    pages.USERNAME, pages.PORTFOLIO, pages.N_TRANSACTIONS, pages.N_LOTS = (
        username,
        portfolio,
        n_transactions,
        n_lots,
    )
    try:
        yield
    finally:
        pages.USERNAME, pages.PORTFOLIO, pages.N_TRANSACTIONS, pages.N_LOTS = saved


def _open_every_buy(portfolio_id: int) -> int:
    """An open lot for each buy that has none yet (pages.py's lot shape); the number added."""
    from django.db import transaction

    from portfolios.models import Transaction
    from taxes.models import TaxLot

    have = set(TaxLot.objects.filter(portfolio_id=portfolio_id).values_list("origin_id", flat=True))
    lots = []
    rows = (
        Transaction.objects.filter(portfolio_id=portfolio_id)
        .order_by("timestamp", "id")
        .values_list("id", "account_id", "asset_id", "timestamp", "quantity", "unit_price", "fee")
    )
    for tx_id, account_id, asset_id, ts, qty, price, fee in rows:
        if tx_id in have:
            continue
        acquired = ts.date()
        lots.append(
            TaxLot(
                portfolio_id=portfolio_id,
                account_id=account_id,
                asset_id=asset_id,
                lot_id=str(tx_id),
                origin_id=tx_id,
                source="buy",
                quantity=qty,
                basis=(qty * (price or Decimal(0)) + fee).quantize(Decimal("0.01")),
                acquired=acquired,
                received=acquired,
                long_term_from=pages._long_term_from(acquired),
                wash_adjustment=Decimal("0"),
            )
        )
    with transaction.atomic():
        TaxLot.objects.bulk_create(lots, batch_size=2000)
    return len(lots)


def _plan(username: str, portfolio_id: int) -> Plan:
    from django.urls import reverse

    from portfolios.models import Account, Transaction

    exchange = Account.objects.get(portfolio_id=portfolio_id, name="Exchange")
    btc = (
        Transaction.objects.filter(portfolio_id=portfolio_id, asset__symbol="BTC")
        .values_list("asset_id", flat=True)
        .first()
    )
    since = (datetime.now(UTC).date() - timedelta(days=3 * 365)).isoformat()
    lots = reverse("taxes:lot_list", args=[portfolio_id])
    txs = reverse("portfolios:transaction_list", args=[portfolio_id])
    return Plan(
        username=username,
        pages=[
            ("dashboard", reverse("portfolios:dashboard", args=[portfolio_id])),
            ("lots", lots),
            ("lots sorted", lots + "?sort=-unrealized"),
            ("transactions", txs),
            ("transactions filtered", f"{txs}?account={exchange.pk}&asset={btc}&date_from={since}"),
        ],
    )


def build(users: int, phases: list[str]) -> dict[str, list[Plan]]:
    """The portfolios of the phases asked for, each snapshotted, and each phase's plans: the small ones (one
    per virtual user) and the large one."""
    from django.contrib.auth.hashers import make_password

    from portfolios.models import User
    from portfolios.pricing import services as pricing
    from portfolios.snapshots import portfolios_snapshot_compute
    from taxes.models import LedgerStatus, TaxLot

    plans: dict[str, list[Plan]] = {}
    done = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(io.StringIO()))

        def build_one(username: str, portfolio: str, n_transactions: int, n_lots: int, seed: int) -> int:
            with _pages_shape(username, portfolio, n_transactions, n_lots):
                pid = pages.build(seed=seed)
            # pages.build() loads the bundled price history each time; the first load is the one needed.
            if not isinstance(pricing.offline_prices_load, mock.Mock):
                stack.enter_context(mock.patch.object(pricing, "offline_prices_load", return_value=None))
            return pid

        if "small" in phases:
            started = time.perf_counter()
            names = [SMALL_USER.format(i) for i in range(users)]
            ids = [
                build_one(name, SMALL_PORTFOLIO, SMALL_TRANSACTIONS, SMALL_LOTS, 1000 + i)
                for i, name in enumerate(names)
            ]
            built = time.perf_counter() - started
            t = time.perf_counter()
            # In one batch, as the workers do after a price refresh: one at a time is ~1 s each here.
            portfolios_snapshot_compute(portfolio_ids=ids)
            done.append(
                f"small: {users} users x {SMALL_TRANSACTIONS} transactions / {SMALL_LOTS} open lots in "
                f"{built:.1f} s, snapshots {time.perf_counter() - t:.1f} s"
            )
            plans["small"] = [_plan(name, pid) for name, pid in zip(names, ids, strict=True)]
        if "large" in phases:
            started = time.perf_counter()
            large_id = build_one(LARGE_USER, LARGE_PORTFOLIO, LARGE_TRANSACTIONS, pages.N_LOTS, 7)
            added = _open_every_buy(large_id)
            n_lots = TaxLot.objects.filter(portfolio_id=large_id).count()
            if n_lots != LARGE_LOTS:
                raise SystemExit(f"the large portfolio has {n_lots} open lots, not {LARGE_LOTS}")
            LedgerStatus.objects.filter(portfolio_id=large_id).update(computed_at=datetime.now(UTC))
            built = time.perf_counter() - started
            t = time.perf_counter()
            pages.snapshot(large_id)
            done.append(
                f"large: {LARGE_TRANSACTIONS} transactions / {n_lots} open lots ({added} added to pages.py's) "
                f"in {built:.1f} s, snapshot {time.perf_counter() - t:.1f} s"
            )
            plans["large"] = [_plan(LARGE_USER, large_id) for _ in range(users)]
    print("\n".join(done), flush=True)
    # One hash for every bench user: checking it at login is the cost measured, computing it 51 times is not.
    usernames = {plan.username for phase in plans.values() for plan in phase}
    User.objects.filter(username__in=usernames).update(password=make_password(PASSWORD))
    return plans


def _log(name: str) -> Any:
    return (SCRATCH / f"{name}.log").open("wb")


def _spawn(name: str, args: list[str]) -> subprocess.Popen[bytes]:
    with _log(name) as log:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _tail(name: str) -> str:
    path = SCRATCH / f"{name}.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def start_stack(port: int, workers: int, procs: dict[str, subprocess.Popen[bytes]]) -> None:
    """gunicorn, a Celery worker and Celery beat; each is added to `procs` as it starts, so a failure
    further on still stops the ones already running."""
    from config.celery import app

    procs["gunicorn"] = _spawn(
        "gunicorn",
        [
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            # Path, query, status and the time the worker spent on the request (µs): latency less this is
            # the time the request waited for a free worker.
            "--access-logfile",
            str(ACCESS_LOG),
            "--access-logformat",
            "%(U)s %(q)s %(s)s %(D)s",
        ],
    )
    procs["worker"] = _spawn(
        "worker",
        ["celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=2", "-n", "load-bench@%h"],
    )
    procs["beat"] = _spawn(
        "beat",
        [
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            f"--schedule={SCRATCH / 'celerybeat-schedule'}",
        ],
    )
    deadline = time.monotonic() + 60
    listening = answered = False
    while time.monotonic() < deadline and not (listening and answered):
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}:\n{_tail(name)}")
        if not listening:
            with socket.socket() as probe:
                listening = probe.connect_ex(("127.0.0.1", port)) == 0
        if not answered:
            answered = bool(app.control.ping(timeout=0.5))
        time.sleep(0.1)
    if not (listening and answered):
        raise SystemExit(f"within 60 s: gunicorn listening {listening}, worker answering {answered}")


def stop_stack(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for name in ("beat", "worker", "gunicorn"):
        proc = procs.pop(name, None)
        if proc is not None:
            pages._stop_server(proc)


def _worker_tasks() -> int | None:
    """Tasks the worker has run so far, or None when it does not answer."""
    from config.celery import app

    stats = app.control.inspect(timeout=2.0).stats() or {}
    if not stats:
        return None
    return sum(sum((s.get("total") or {}).values()) for s in stats.values())


def _login(client: httpx.Client, username: str) -> None:
    form = client.get("/accounts/login/")
    match = CSRF_FIELD.search(form.content)
    if form.status_code != 200 or match is None:
        raise RuntimeError(f"login form: {form.status_code}")
    done = client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": match.group(1).decode(),
            "next": "",
        },
    )
    if done.status_code != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"login: {done.status_code}, no session")


def warm_up(base: str, plan: Plan, rounds: int) -> float:
    """Each gunicorn worker's first requests import code and compile templates, once in its life: done
    here, before anything is timed. Returns the seconds it took."""
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, follow_redirects=False) as client:
        _login(client, plan.username)
        for _ in range(rounds):
            for name, path in plan.pages:
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"warm-up: {name} answered {response.status_code}")
    return time.perf_counter() - started


def _browse(
    user: VirtualUser,
    base: str,
    think: float,
    logins: threading.Semaphore,
    ready: threading.Barrier,
    go: threading.Event,
    stop: threading.Event,
    window: list[float],
) -> None:
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, follow_redirects=False) as client:
        # As many logins at once as gunicorn has workers: the rest would only queue (each checks a
        # PBKDF2 hash, most of a second of CPU) and time out behind them.
        with logins:
            t0 = time.perf_counter()
            try:
                _login(client, user.plan.username)
                user.login_ms = (time.perf_counter() - t0) * 1000
            except Exception as exc:
                user.login_error = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait()
        go.wait()
        if user.login_error or stop.is_set():
            return
        deadline = window[0]
        n = len(user.plan.pages)
        i = user.offset
        while not stop.is_set() and time.monotonic() < deadline:
            name, path = user.plan.pages[i % n]
            i += 1
            t0 = time.perf_counter()
            error: str | None
            try:
                response = client.get(path)
                if response.status_code != 200:
                    error = f"HTTP {response.status_code}"
                elif LOGIN_MARKER in response.content:
                    error = "login page (session lost)"
                else:
                    error = None
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            user.samples.append((name, (time.perf_counter() - t0) * 1000, error))
            if think:
                time.sleep(think)


def _machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _process_cpu(pids: Iterable[int]) -> dict[int, float]:
    """CPU seconds (user + system) each live process of `pids` has used so far."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _gunicorn_workers(master: int) -> list[int]:
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                workers.append(int(stat.parent.name))
    return workers


def _database_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU time of a changing set of processes from start() to the last sample(): gunicorn replaces a
    worker that dies, and a database connection older than CONN_MAX_AGE is replaced by a new backend, so
    the set is listed again at each sample; a process that appears meanwhile counts from its start."""

    def __init__(self, list_pids: Callable[[], list[int]]) -> None:
        self.list_pids = list_pids
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def start(self) -> None:
        self.first = _process_cpu(self.list_pids())
        self.last = dict(self.first)

    def sample(self) -> None:
        for pid, cpu in _process_cpu({*self.list_pids(), *self.last}).items():
            self.first.setdefault(pid, 0.0)
            self.last[pid] = cpu

    def seconds(self) -> float:
        return sum(cpu - self.first[pid] for pid, cpu in self.last.items())


def _in_worker(plans: list[Plan], since: int) -> dict[str, list[float]]:
    """Milliseconds gunicorn's workers spent on each page's requests logged after byte `since` of the
    access log."""
    names = {path: name for plan in plans for name, path in plan.pages}
    out: dict[str, list[float]] = {}
    with ACCESS_LOG.open("rb") as log:
        log.seek(since)
        for line in log.read().decode(errors="replace").splitlines():
            parts = line.split(" ")
            if len(parts) != 4:
                continue
            path, query, _, micros = parts
            name = names.get(f"{path}?{query}" if query else path)
            if name is not None and micros.isdigit():
                out.setdefault(name, []).append(int(micros) / 1000)
    return out


def _cuts(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return v, v, v
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def run_phase(
    label: str, plans: list[Plan], base: str, *, seconds: float, think: float, gunicorn: int, workers: int
) -> bool:
    from django.db import connection

    users = [VirtualUser(plan=plan, offset=i) for i, plan in enumerate(plans)]
    logins = threading.Semaphore(workers)
    ready = threading.Barrier(len(users) + 1)
    go, stop = threading.Event(), threading.Event()
    window = [0.0]
    threads = [
        threading.Thread(
            target=_browse,
            args=(u, base, think, logins, ready, go, stop, window),
            daemon=True,
            name=f"vu-{i}",
        )
        for i, u in enumerate(users)
    ]
    tasks_before = _worker_tasks()
    login_started = time.perf_counter()
    try:
        for t in threads:
            t.start()
        try:
            ready.wait(timeout=300)
        except threading.BrokenBarrierError:
            stop.set()
        logins_took = time.perf_counter() - login_started
        web = CpuMeter(lambda: _gunicorn_workers(gunicorn))
        db = CpuMeter(_database_backends)
        web.start()
        db.start()
        log_from = ACCESS_LOG.stat().st_size
        load_before = os.getloadavg()
        machine0, own0 = _machine_cpu(), time.process_time()
        started = time.monotonic()
        window[0] = started + seconds
        go.set()
        limit = window[0] + REQUEST_TIMEOUT + 10
        while (alive := [t for t in threads if t.is_alive()]) and time.monotonic() < limit:
            alive[0].join(timeout=1.0)
            web.sample()
            db.sample()
        elapsed = time.monotonic() - started
        machine1, own1 = _machine_cpu(), time.process_time()
        web.sample()
        db.sample()
        load_after = os.getloadavg()
    except BaseException:
        stop.set()
        go.set()
        raise
    finally:
        connection.close()
    tasks_after = _worker_tasks()
    served = _in_worker(plans, log_from)
    served["all"] = [ms for values in served.values() for ms in values]

    samples = [s for u in users for s in u.samples]
    login_errors = [u.login_error for u in users if u.login_error]
    login_times = [u.login_ms for u in users if u.login_ms is not None]
    errors = [s for s in samples if s[2] is not None]
    print(
        f"\n== {label}: {len(users)} users for {seconds:g} s, think time {think:g} s ==\n"
        f"logins: {len(login_times)} of {len(users)} in {logins_took:.1f} s, {workers} at a time "
        f"(each p50 {_cuts(login_times)[0]:.0f} ms){'; failed: ' + login_errors[0] if login_errors else ''}\n"
    )
    print(
        f"{'':<24}{'':>9}{'':>8}{'latency, as the users saw it':>36}{'in a worker':>18}\n"
        f"{'page':<24}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}"
    )
    for name in (*PAGE_NAMES, "all"):
        mine = [s for s in samples if name in ("all", s[0])]
        ms = [s[1] for s in mine if s[2] is None]
        p50, p95, p99 = _cuts(ms)
        w50, w95, _ = _cuts(served.get(name, []))
        n_err = sum(1 for s in mine if s[2] is not None)
        print(
            f"{name:<24}{len(mine):>9}{n_err:>8}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}{max(ms, default=0):>9.0f}"
            f"{w50:>9.0f}{w95:>9.0f}"
        )
    rate = len(samples) / elapsed if elapsed else 0.0
    per_request = 1000 / max(1, len(samples))
    busy = (machine1[0] - machine0[0]) / max(1, machine1[1] - machine0[1])
    worker = (
        "did not answer"
        if tasks_before is None or tasks_after is None
        else f"alive, ran {tasks_after - tasks_before} tasks meanwhile"
    )
    print(
        f"\n{rate:.1f} requests/s over {elapsed:.1f} s\n"
        f"server CPU per request: gunicorn {web.seconds() * per_request:.0f} ms, PostgreSQL "
        f"{db.seconds() * per_request:.1f} ms; load generator {(own1 - own0) / elapsed:.2f} cores\n"
        f"machine: CPU busy {busy:.0%} of {os.cpu_count()} cores, load average {load_before[0]:.1f} → "
        f"{load_after[0]:.1f}; Celery worker {worker}"
    )
    if errors:
        kinds: dict[str, int] = {}
        for _, _, e in errors:
            kinds[e or ""] = kinds.get(e or "", 0) + 1
        print("errors: " + ", ".join(f"{k} x {v}" for k, v in sorted(kinds.items())))
    target = TARGET_P95_MS[label]
    p95 = _cuts([s[1] for s in samples if s[2] is None])[1]
    ok = bool(samples) and not errors and not login_errors and p95 < target and tasks_after is not None
    print(
        f"{label}: p95 {p95:.0f} ms (target < {target:.0f}), {len(errors) + len(login_errors)} errors: "
        f"{'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    return ok


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--think", type=float, default=1.0, help="seconds each user waits after a response")
    parser.add_argument("--phase", choices=["small", "large", "both"], default="both")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)

    db_url, redis_url = _environment()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    started = time.perf_counter()
    print(
        f"{db_url} (created afresh), {redis_url} (flushed); logs in {SCRATCH.relative_to(ROOT)}/", flush=True
    )
    benchdb.fresh_database(db_url)
    from django.db import connection

    from portfolios.management.commands.serve import static_collect_if_stale

    if static_collect_if_stale():
        print("static files collected", flush=True)
    phases = ["small", "large"] if args.phase == "both" else [args.phase]
    plans = build(args.users, phases)
    connection.close()
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # nothing the build queued reaches the worker
    print(f"set up in {time.perf_counter() - started:.0f} s", flush=True)

    port = pages._free_port()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    results: dict[str, bool] = {}
    try:
        start_stack(port, args.workers, procs)
        base = f"http://127.0.0.1:{port}"
        print(
            f"gunicorn on {base} ({args.workers} sync workers, production settings over plain HTTP, DEBUG off), "
            f"Celery worker (concurrency 2) and beat running; {os.cpu_count()} cores",
            flush=True,
        )
        took = warm_up(base, plans[phases[0]][0], 2 * args.workers)
        print(f"warm-up: {2 * args.workers} rounds of the pages in {took:.1f} s", flush=True)
        for label in phases:
            results[label] = run_phase(
                label,
                plans[label],
                base,
                seconds=args.seconds,
                think=args.think,
                gunicorn=procs["gunicorn"].pid,
                workers=args.workers,
            )
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the processes", file=sys.stderr)
        return 130
    finally:
        stop_stack(procs)
        for leftover in SCRATCH.glob("celerybeat-schedule*"):
            leftover.unlink()
    print(
        f"\nwhole run {time.perf_counter() - started:.0f} s; "
        + ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in results.items())
    )
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
