"""Throughput of the tax-lot engine: events per second through `taxes.engine.compute` (FIFO and HIFO).

    python bench/lots.py [--sizes 10000,100000,1000000] [--methods fifo,hifo] [--profile]

Ledgers come from bench/ledgergen.py with fixed seeds; generating them is not timed. Target: 1,000,000
events in under 20 s on one core.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledgergen import AS_OF, accounts_and_assets, generate_ledger

from taxes.engine import BasisMethod, compute

SEEDS = {10_000: 101, 100_000: 102, 1_000_000: 103}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--methods", default="fifo,hifo")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the largest size (top 25 by tottime)"
    )
    parser.add_argument(
        "--import",
        dest="import_n",
        type=int,
        default=0,
        metavar="N",
        help="then import N transactions through the CSV importer and recompute (bench/import_recompute.py; "
        "PostgreSQL; target 100,000 in < 60 s)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    methods = [BasisMethod(m) for m in args.methods.split(",")]
    print(
        f"{'events':>10} {'method':>6} {'seconds':>8} {'events/s':>10} {'lots':>8} {'disposals':>10} {'wash':>7}"
    )
    for n in sizes:
        t0 = time.perf_counter()
        events, _, _ = generate_ledger(n, seed=SEEDS.get(n, n))
        gen = time.perf_counter() - t0
        for method in methods:
            accounts, assets = accounts_and_assets(method)
            if args.profile and n == max(sizes):
                prof = cProfile.Profile()
                prof.enable()
            t0 = time.perf_counter()
            result = compute(events, accounts=accounts, assets=assets, as_of=AS_OF)
            dt = time.perf_counter() - t0
            if args.profile and n == max(sizes):
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(25)
            print(
                f"{n:>10} {method.value:>6} {dt:>8.2f} {n / dt:>10,.0f} {len(result.lots):>8} "
                f"{len(result.disposals):>10} {len(result.wash_sales):>7}"
            )
            del result
        print(f"{'':>10} (ledger generation {gen:.1f} s, not timed)")
    if args.import_n:
        script = Path(__file__).resolve().parent / "import_recompute.py"
        subprocess.run([sys.executable, str(script), "--n", str(args.import_n)], check=True)


if __name__ == "__main__":
    main()
