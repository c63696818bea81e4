"""A fuzz of everything that writes to the ledger from outside: the CSV importer (the Lotwise ledger CSV,
Coinbase, Kraken, Binance, Koinly, CoinTracker and brokerage exports) through the `import_ledger` command and
the import page (inline and through the worker's task), the transaction form and the JSON API.

    .venv/bin/python bench/fuzz_import.py [--n 10000] [--seed 1] [--database-url URL]

Inputs come from tests/portfolios/fuzz_inputs.py (seeded: the same seed sends the same inputs). Prints, per
target, how many inputs were accepted, rejected and crashed; a crash is an exception that escaped, a 5xx, an
error logged with a traceback, a rejection that names no line or field, or a rejected input that changed a
ledger or derived table. Exits 1 when anything crashed. SQLite by default (a file under var/); PostgreSQL
with --database-url postgres://... or DATABASE_URL.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import fresh_database  # noqa: E402

MIX = {"command": 0.35, "page": 0.25, "form": 0.2, "api": 0.2}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    default_url = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'fuzz_import.sqlite3'}"
    parser.add_argument("--database-url", default=default_url)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["REDIS_URL"] = ""  # nothing goes to a broker: the harness runs import jobs itself
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    (ROOT / "var").mkdir(exist_ok=True)
    fresh_database(args.database_url)
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's context and templates, and testserver as a host

    from tests.portfolios.fuzz_inputs import cases
    from tests.portfolios.fuzz_targets import Harness

    harness = Harness(seed=args.seed)
    started = time.perf_counter()
    with harness.quiet():
        for done, (target, case) in enumerate(cases(args.seed, args.n, harness.context, mix=MIX), 1):
            harness.run(target, case)
            if done % 1000 == 0:
                print(f"  {done} inputs, {time.perf_counter() - started:.0f} s", flush=True)
    seconds = time.perf_counter() - started
    tally = harness.tally
    print(f"\n{args.n} inputs in {seconds:.0f} s on {args.database_url.split(':')[0]} (seed {args.seed})")
    print(f"{'target':<10}{'inputs':>8}{'accepted':>10}{'rejected':>10}{'crashes':>9}")
    for target in MIX:
        row = (tally.total(target), tally.accepted[target], tally.rejected[target], tally.crashes[target])
        print(f"{target:<10}{row[0]:>8}{row[1]:>10}{row[2]:>10}{row[3]:>9}")
    total = sum(tally.crashes.values())
    print(
        f"{'all':<10}{args.n:>8}{sum(tally.accepted.values()):>10}{sum(tally.rejected.values()):>10}{total:>9}"
    )
    for detail in tally.details:
        print("  crash:", detail)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
