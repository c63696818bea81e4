"""Lotwise against RP2 (https://github.com/eprbell/rp2) on the same seeded ledger, end to end, in one run.

    .venv/bin/python bench/vs_rp2.py [--sizes 1k,10k,100k] [--seed 1] [--database-url postgres://...]
        [--keep-holding-boundary] [--rp2-venv var/rp2-venv] [--work-dir var/vs_rp2]

For each size it generates a ledger of one taxable account (buys with a USD fee on most, sales without a fee,
staking income; BTC, ETH and SOL; FIFO) over 2019-01-01 .. 2025-01-01 UTC, picks the calendar year inside
it with the most sales, and times:

- RP2: `rp2_us -m fifo -f YEAR-01-01 -t YEAR-12-31` as its own process on an ODS input written from the same
  ledger (RP2 computes the whole history and writes its default reports for the year: full report, tax
  report, open positions). RP2 lives in its own virtual environment, created and filled from PyPI on the
  first run (`python3 -m venv var/rp2-venv && var/rp2-venv/bin/pip install rp2`); it is not a project
  dependency. bench/rp2_side.py, run by that environment's Python, writes RP2's input and reads its output.
- Lotwise: `manage.py import_ledger` (parse, check, insert and the full recompute it triggers) and
  `manage.py tax_report --year YEAR --format json`, each as its own process, Django start-up included, on a
  fresh database: a SQLite file under the work directory, or the PostgreSQL database `--database-url` names
  (dropped, created and migrated for each size, dropped at the end). Migrating and creating the user are
  not timed, nor is writing either input.

Both must give the same short-term and long-term gain of the year, and the same staking income, to the
cent; otherwise the run prints MISMATCH with both figures and those of a plain FIFO replay done here, and
exits 1. The replay also knows the sales whose term the two rules for the holding period split: RP2 calls
a lot long-term once 365 whole days (of 24 hours) separate the two timestamps; US law (and Lotwise) from
the day after the first anniversary of the acquisition date. A sale 365 days or more after the purchase but
not after the anniversary (on the anniversary, or the day before it when a Feb 29 lies between) is
short-term for Lotwise and long-term for RP2. By default the ledger has no sale whose FIFO lots are
364..367 days old (such a sale is recorded as a buy instead); `--keep-holding-boundary` keeps them, and a
mismatch then lists those sales with their gains.

Target for the speed work: Lotwise end to end at least 10x faster than RP2 at 10k events and 30x at 100k,
on SQLite and PostgreSQL. Each process is timed by the wall clock and by its CPU seconds (user + system,
the process and its children: a busy machine stretches the first more than the second).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2019, 1, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)
ACCOUNT = "Exchange"
USER = "vs-rp2"
PORTFOLIO = "RP2 comparison"
TERMS = ("short_term", "long_term")
CENT = Decimal("0.01")
ZERO = Decimal(0)

# symbol -> (starting price, price places, quantity places, typical buy quantity, weight when choosing a sale)
_SPEC: dict[str, tuple[float, int, int, float, float]] = {
    "BTC": (3700.0, 2, 8, 0.05, 0.40),
    "ETH": (130.0, 2, 8, 1.5, 0.45),
    "SOL": (1.5, 4, 6, 40.0, 0.15),
}


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # line in the CSV file (the header is line 1)
    timestamp: datetime
    type: str  # buy, sell or staking
    asset: str
    quantity: Decimal
    unit_price: Decimal
    fee: Decimal


@dataclass(slots=True)
class _Lot:
    line: int
    timestamp: datetime
    quantity: Decimal
    basis: Decimal


@dataclass(frozen=True, slots=True)
class BoundaryPiece:
    """Part of a sale whose term the 365-day rule and the calendar rule decide differently."""

    sale_line: int
    lot_line: int
    asset: str
    acquired: datetime
    sold: datetime
    gain: Decimal
    us_term: str
    rp2_term: str


@dataclass
class Ledger:
    rows: list[Row]
    avoided: int = 0  # sales recorded as buys because their lots were on a holding-period boundary
    # year -> rule ("us" calendar, "365" days) -> term -> gain, from a plain FIFO replay
    gains: dict[int, dict[str, dict[str, Decimal]]] = field(default_factory=dict)
    income: dict[int, Decimal] = field(default_factory=dict)  # year -> staking income
    boundary: list[BoundaryPiece] = field(default_factory=list)

    def sales_by_year(self) -> Counter[int]:
        return Counter(r.timestamp.year for r in self.rows if r.type == "sell")


def long_term_us(acquired: date, sold: date) -> bool:
    """Held more than one year: sold after the first anniversary of the acquisition date (Feb 29's is Feb 28)."""
    day = 28 if (acquired.month, acquired.day) == (2, 29) else acquired.day
    return sold > date(acquired.year + 1, acquired.month, day)


def generate(n: int, seed: int, keep_boundary: bool) -> Ledger:
    """`n` rows that replay cleanly (no sale of more than is held), the same for the same seed; replays them
    by FIFO to know the expected gains under both holding-period rules."""
    rng = random.Random(seed)
    price = {a: spec[0] for a, spec in _SPEC.items()}
    pq = {a: Decimal(1).scaleb(-spec[1]) for a, spec in _SPEC.items()}
    qq = {a: Decimal(1).scaleb(-spec[2]) for a, spec in _SPEC.items()}
    lots: dict[str, deque[_Lot]] = {a: deque() for a in _SPEC}
    held = dict.fromkeys(_SPEC, ZERO)
    symbols = list(_SPEC)
    ledger = Ledger(rows=[])
    span = int((END - START).total_seconds())
    last_day = None
    with localcontext() as ctx:
        ctx.prec = 60
        for i in range(n):
            line = i + 2
            ts = START + timedelta(seconds=int(span * (i / n) ** 0.75))
            day = ts.date()
            if day != last_day:
                last_day = day
                for a in price:
                    price[a] = max(price[a] * (1.0 + rng.gauss(0.0005, 0.035)), _SPEC[a][0] * 0.05)
            r = rng.random()
            kind = "buy" if r < 0.45 else "sell" if r < 0.80 else "staking"
            a = symbols[rng.randrange(len(symbols))]
            if kind == "sell":
                candidates = [s for s in symbols if held[s] > 0]
                if not candidates:
                    kind = "buy"
                else:
                    a = rng.choices(candidates, weights=[_SPEC[s][4] for s in candidates])[0]
            p = Decimal(repr(price[a])).quantize(pq[a])
            typical = _SPEC[a][3]
            if kind == "sell":
                q = Decimal(repr(typical * rng.uniform(0.2, 1.6))).quantize(qq[a], ROUND_DOWN)
                q = min(q, held[a]) if q > 0 else held[a]
                if not keep_boundary and _touches_boundary(lots[a], q, day):
                    kind = "buy"
                    ledger.avoided += 1
                else:
                    _sell(ledger, lots[a], Row(line, ts, "sell", a, q, p, ZERO))
                    held[a] -= q
                    continue
            if kind == "buy":
                q = Decimal(repr(typical * rng.uniform(0.1, 2.0))).quantize(qq[a], ROUND_DOWN) or qq[a]
                fee = ZERO if rng.random() < 0.3 else Decimal(rng.randrange(1, 1500)) / 100
                row = Row(line, ts, "buy", a, q, p, fee)
            else:
                q = Decimal(repr(typical * rng.uniform(0.001, 0.05))).quantize(qq[a], ROUND_DOWN) or qq[a]
                row = Row(line, ts, "staking", a, q, p, ZERO)
                ledger.income[ts.year] = ledger.income.get(ts.year, ZERO) + q * p
            ledger.rows.append(row)
            lots[a].append(_Lot(line, ts, q, q * p + row.fee))
            held[a] += q
    return ledger


def _touches_boundary(lots: deque[_Lot], quantity: Decimal, day: date) -> bool:
    left = quantity
    for lot in lots:
        if 364 <= (day - lot.timestamp.date()).days <= 367:
            return True
        left -= lot.quantity
        if left <= 0:
            return False
    return False


def _sell(ledger: Ledger, lots: deque[_Lot], row: Row) -> None:
    ledger.rows.append(row)
    proceeds = row.quantity * row.unit_price - row.fee
    left, proceeds_left = row.quantity, proceeds
    year = ledger.gains.setdefault(
        row.timestamp.year, {rule: dict.fromkeys(TERMS, ZERO) for rule in ("us", "365")}
    )
    while left > 0:
        lot = lots[0]
        take = min(left, lot.quantity)
        if take == lot.quantity:
            basis = lot.basis
            lots.popleft()
        else:
            basis = lot.basis * take / lot.quantity
            lot.basis -= basis
            lot.quantity -= take
        left -= take
        piece_proceeds = proceeds_left if left == 0 else proceeds * take / row.quantity
        proceeds_left -= piece_proceeds
        gain = piece_proceeds - basis
        us = "long_term" if long_term_us(lot.timestamp.date(), row.timestamp.date()) else "short_term"
        rp2 = "long_term" if (row.timestamp - lot.timestamp).days >= 365 else "short_term"
        year["us"][us] += gain
        year["365"][rp2] += gain
        if us != rp2:
            ledger.boundary.append(
                BoundaryPiece(row.line, lot.line, row.asset, lot.timestamp, row.timestamp, gain, us, rp2)
            )


def write_csv(ledger: Ledger, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("timestamp,account,type,asset,quantity,unit_price,fee,external_id\n")
        for r in ledger.rows:
            fh.write(
                f"{r.timestamp.isoformat()},{ACCOUNT},{r.type},{r.asset},{r.quantity:f},{r.unit_price:f},"
                f"{r.fee:f},r{r.line}\n"
            )


def choose_year(ledger: Ledger) -> tuple[int, int]:
    """The calendar year fully inside the ledger's period with the most sales (the later one on a tie)."""
    sales = ledger.sales_by_year()
    years = [
        y
        for y in range(START.year, END.year + 1)
        if datetime(y, 1, 1, tzinfo=UTC) >= START and datetime(y + 1, 1, 1, tzinfo=UTC) <= END
    ]
    year = max(years, key=lambda y: (sales[y], y))
    return year, sales[year]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def money(value: Decimal) -> str:
    return f"{cents(value):,.2f}"


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the children it waited for

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.wall + other.wall, self.cpu + other.cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], *, cwd: Path, env: dict[str, str], what: str) -> tuple[Timing, str]:
    """Run `cmd`, return its timing and stdout; stop the benchmark with its output if it fails."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    timing = Timing(time.perf_counter() - t0, _children_cpu() - cpu0)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{what} failed (exit {done.returncode}): {' '.join(cmd)}")
    return timing, done.stdout


def ensure_rp2(venv: Path, work: Path) -> str:
    rp2_us = venv / "bin" / "rp2_us"
    if not rp2_us.exists():
        python = shutil.which("python3") or sys.executable
        print(f"installing RP2 from PyPI into {venv} (its own virtual environment)", flush=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "rp2"], check=True)
    # RP2 writes its log under ./log of the directory it runs in.
    version = subprocess.run([str(rp2_us), "--version"], cwd=work, capture_output=True, text=True, check=True)
    return (version.stdout or version.stderr).split("(")[0].strip()


@dataclass
class Result:
    n: int
    year: int
    sales: int
    rp2_time: Timing
    import_time: Timing
    report_time: Timing
    rp2: dict[str, Decimal]
    lotwise: dict[str, Decimal]

    @property
    def lotwise_time(self) -> Timing:
        return self.import_time + self.report_time

    @property
    def ratio(self) -> float:
        return self.rp2_time.wall / self.lotwise_time.wall

    @property
    def cpu_ratio(self) -> float:
        return self.rp2_time.cpu / self.lotwise_time.cpu

    def largest_difference(self) -> Decimal:
        return max(abs(self.rp2[k] - self.lotwise[k]) for k in (*TERMS, "income"))

    def disagreements(self) -> list[str]:
        return [k for k in (*TERMS, "income") if cents(self.rp2[k]) != cents(self.lotwise[k])]


class Lotwise:
    """Lotwise's commands on a fresh database per size."""

    def __init__(self, database_url: str | None, work: Path) -> None:
        self.postgres = bool(database_url)
        self.sqlite_file = work / "lotwise.sqlite3"
        self.url = database_url or f"sqlite:///{self.sqlite_file}"
        self.env = dict(os.environ)
        self.env.update(DATABASE_URL=self.url, LOTWISE_VAR_DIR=str(work / "lotwise-var"))
        self.env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        self.env.setdefault("LOG_LEVEL", "WARNING")
        self.env.setdefault("PRICES_OFFLINE", "true")
        self.python = sys.executable

    @property
    def label(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    def fresh(self) -> None:
        if not self.postgres:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.sqlite_file}{suffix}").unlink(missing_ok=True)
        setup = (
            "import sys\n"
            "from bench.benchdb import fresh_database\n"
            "fresh_database(sys.argv[1])\n"
            "from django.contrib.auth import get_user_model\n"
            "get_user_model().objects.create(username=sys.argv[2])\n"
        )
        run(
            [self.python, "-c", setup, self.url, USER], cwd=ROOT, env=self.env, what="Lotwise database set-up"
        )

    def drop(self) -> None:
        if self.postgres:
            name = self.url.rsplit("/", 1)[1]
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {name}"],
                check=False,
            )
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.sqlite_file}{suffix}").unlink(missing_ok=True)

    def measure(self, csv_path: Path, year: int) -> tuple[Timing, Timing, dict[str, Any]]:
        manage = [self.python, "manage.py"]
        options = ["--user", USER, "--portfolio", PORTFOLIO, "--basis-method", "fifo"]
        t_import, _ = run(
            [*manage, "import_ledger", str(csv_path), *options],
            cwd=ROOT,
            env=self.env,
            what="Lotwise import_ledger",
        )
        t_report, out = run(
            [*manage, "tax_report", "--user", USER, "--year", str(year), "--format", "json"],
            cwd=ROOT,
            env=self.env,
            what="Lotwise tax_report",
        )
        return t_import, t_report, json.loads(out)


def measure_rp2(venv: Path, csv_path: Path, work: Path, year: int) -> tuple[Timing, dict[str, Any]]:
    python = str(venv / "bin" / "python")
    side = str(ROOT / "bench" / "rp2_side.py")
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "DATABASE_URL", "PYTHONPATH")}
    run([python, side, "input", str(csv_path), str(work)], cwd=work, env=env, what="writing RP2's input")
    output = work / "rp2-output"
    shutil.rmtree(output, ignore_errors=True)
    cmd = [str(venv / "bin" / "rp2_us"), "-m", "fifo", "-f", f"{year}-01-01", "-t", f"{year}-12-31"]
    cmd += ["-o", str(output), str(work / "config.ini"), str(work / "input.ods")]
    timing, _ = run(cmd, cwd=work, env=env, what="RP2")
    _, out = run(
        [python, side, "totals", str(output), str(year)], cwd=work, env=env, what="reading RP2's report"
    )
    return timing, json.loads(out)


def explain(result: Result, ledger: Ledger) -> None:
    year = ledger.gains.get(result.year, {rule: dict.fromkeys(TERMS, ZERO) for rule in ("us", "365")})
    print(f"MISMATCH at {result.n:,} events, year {result.year}: {', '.join(result.disagreements())}")
    for key in (*TERMS, "income"):
        us = ledger.income.get(result.year, ZERO) if key == "income" else year["us"][key]
        days = ledger.income.get(result.year, ZERO) if key == "income" else year["365"][key]
        print(
            f"  {key:<10} Lotwise {money(result.lotwise[key]):>16}   RP2 {money(result.rp2[key]):>16}   "
            f"FIFO replay: US calendar rule {money(us):>16}, 365-day rule {money(days):>16}"
        )
    pieces = [b for b in ledger.boundary if b.sold.year == result.year]
    if pieces:
        print(
            f"  {len(pieces)} sale piece(s) of {result.year} on a holding-period boundary (US rule vs RP2's):"
        )
        for b in pieces[:20]:
            print(
                f"    CSV line {b.sale_line} (sell {b.asset} {b.sold:%Y-%m-%d %H:%M}) from the lot of line "
                f"{b.lot_line} ({b.acquired:%Y-%m-%d %H:%M}): gain {money(b.gain)}, "
                f"US {b.us_term.replace('_', '-')}, RP2 {b.rp2_term.replace('_', '-')}"
            )
        if len(pieces) > 20:
            print(f"    ... and {len(pieces) - 20} more")


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        scale = 1_000 if part.endswith("k") else 1
        sizes.append(int(part.removesuffix("k").replace("_", "")) * scale)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1k,10k,100k", help="events per ledger, e.g. 1k,10k (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL database for Lotwise, e.g. postgres://postgres@127.0.0.1:5432/lotwise_vs_rp2 "
        "(dropped and created for each size); default a SQLite file under the work directory",
    )
    parser.add_argument(
        "--keep-holding-boundary", action="store_true", help="keep sales on a 1-year boundary"
    )
    parser.add_argument("--rp2-venv", type=Path, default=ROOT / "var" / "rp2-venv")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "vs_rp2")
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith("postgres"):
        parser.error("--database-url: a postgres:// URL (SQLite is the default)")

    work: Path = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    venv: Path = args.rp2_venv.resolve()
    rp2_version = ensure_rp2(venv, work)
    lotwise = Lotwise(args.database_url, work)
    print(
        f"{rp2_version} vs Lotwise [{lotwise.label}, {lotwise.env['DJANGO_SETTINGS_MODULE']}], seed {args.seed}, "
        f"one FIFO account, ledger {START:%Y-%m-%d} .. {END:%Y-%m-%d}",
        flush=True,
    )
    header = (
        f"{'events':>7} {'year':>4} {'sales':>6} {'RP2 s':>7} {'Lotwise s':>9} {'import s':>8} {'report s':>8} "
        f"{'ratio':>6} {'RP2 cpu':>7} {'Lw cpu':>7} {'ratio':>6} "
        f"{'short-term gain':>15} {'long-term gain':>14} {'staking income':>14}  agree"
    )
    print(header)
    print("-" * len(header), flush=True)
    results: list[tuple[Result, Ledger]] = []
    try:
        for n in parse_sizes(args.sizes):
            ledger = generate(n, args.seed, args.keep_holding_boundary)
            year, sales = choose_year(ledger)
            size_dir = work / f"n{n}"
            size_dir.mkdir(parents=True, exist_ok=True)
            csv_path = size_dir / "ledger.csv"
            write_csv(ledger, csv_path)

            rp2_time, rp2 = measure_rp2(venv, csv_path, size_dir, year)
            lotwise.fresh()
            t_import, t_report, report = lotwise.measure(csv_path, year)
            result = Result(
                n=n,
                year=year,
                sales=sales,
                rp2_time=rp2_time,
                import_time=t_import,
                report_time=t_report,
                rp2={
                    "short_term": Decimal(rp2["short_term"]["gain"]),
                    "long_term": Decimal(rp2["long_term"]["gain"]),
                    "income": Decimal(rp2["income"]),
                },
                lotwise={
                    "short_term": Decimal(report["short_term"]["gain"]),
                    "long_term": Decimal(report["long_term"]["gain"]),
                    "income": Decimal(report["ordinary_income"]["total"]),
                },
            )
            results.append((result, ledger))
            agree = "MISMATCH" if result.disagreements() else "yes"
            lw = result.lotwise
            print(
                f"{n:>7,} {year:>4} {sales:>6,} {rp2_time.wall:>7.2f} {result.lotwise_time.wall:>9.2f} "
                f"{t_import.wall:>8.2f} {t_report.wall:>8.2f} {result.ratio:>5.1f}x "
                f"{rp2_time.cpu:>7.2f} {result.lotwise_time.cpu:>7.2f} {result.cpu_ratio:>5.1f}x "
                f"{money(lw['short_term']):>15} {money(lw['long_term']):>14} {money(lw['income']):>14}  {agree}",
                flush=True,
            )
    finally:
        lotwise.drop()

    print(
        "seconds: wall-clock of each process (Lotwise = import + report); ratio = RP2 / Lotwise (target: >= 10x at "
        "10k, >= 30x at 100k). cpu: user + system seconds of those processes"
        + (" (not the PostgreSQL server's)" if lotwise.postgres else "")
        + ". The totals are Lotwise's, equal to RP2's to the cent where 'agree' says yes."
    )
    differences = ", ".join(f"{r.n:,}: {r.largest_difference():.2E}" for r, _ in results)
    print(f"largest difference between the exact (unrounded) figures of the two: {differences}")
    avoided = ", ".join(f"{r.n:,}: {ledger.avoided}" for r, ledger in results)
    if not args.keep_holding_boundary:
        print(f"sales recorded as buys because their FIFO lots were 364..367 days old: {avoided}")
    failed = [(r, ledger) for r, ledger in results if r.disagreements()]
    for r, ledger in failed:
        explain(r, ledger)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
