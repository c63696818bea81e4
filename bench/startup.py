"""Start-up of the management commands and the Celery worker, on SQLite with the local settings.

    .venv/bin/python bench/startup.py [--runs 7]

For `manage.py tax_report` and `manage.py import_ledger`: the time from launching the process until the
command's handle() begins (its start-up), and the whole run; for `celery -A config worker`: until it is
ready for tasks. Each figure is the median of `--runs` runs, wall clock and CPU, beside `python -c pass`
(the interpreter alone) as the floor; each line also names which of the libraries in HEAVY the process had
loaded by then. Target: each command starts in under 0.4 s. On a busy machine the wall clock includes the
time spent waiting for a core; the CPU time is the steadier figure.

Nothing in the product is instrumented: the timed processes run `manage.py`'s own entry point (or Celery's)
through a few lines that print the clock and exit when handle() is called (when the worker is ready). The
database is fresh, in a temporary folder, with one user and the example ledger; so are the worker's queue
folders, the cache and the bytecode cache (one untimed run per case fills it, as a developer's machine or
the image, which compiles it at build, has it).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import fresh_database  # noqa: E402

LEDGER = ROOT / "portfolios" / "data" / "example_ledger.csv"
USER = "bench-startup"
HEAVY = (
    "plotly",
    "scipy",
    "numpy",
    "fpdf",
    "pypdf",
    "httpx",
    "drf_spectacular.openapi",
    "rest_framework.views",
    "celery.app.base",
    "kombu.connection",
)

# `manage.py` with BaseCommand.execute wrapped: the command parses its arguments and runs its checks as
# usual, then prints the clock instead of running handle().
COMMAND_PROBE = """
import os, sys, time
HEAVY = __HEAVY__
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
from django.core.management import base, execute_from_command_line
execute = base.BaseCommand.execute
def reached(*args, **kwargs):
    loaded = [m for m in HEAVY if m in sys.modules]
    os.write(1, f"REACHED {time.monotonic()} {','.join(loaded)}\\n".encode())
    os._exit(0)
def probe(self, *args, **options):
    self.handle = reached
    return execute(self, *args, **options)
base.BaseCommand.execute = probe
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""

# `celery -A config worker`, stopped when the worker is ready to take tasks.
WORKER_PROBE = """
import os, sys, time
HEAVY = __HEAVY__
from celery.signals import worker_ready
@worker_ready.connect
def reached(**kwargs):
    loaded = [m for m in HEAVY if m in sys.modules]
    os.write(1, f"REACHED {time.monotonic()} {','.join(loaded)}\\n".encode())
    os._exit(0)
from celery.bin.celery import main
sys.argv = ["celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
            "--without-mingle", "--without-gossip", "--without-heartbeat"]
main()
"""
COMMAND_PROBE, WORKER_PROBE = (p.replace("__HEAVY__", repr(HEAVY)) for p in (COMMAND_PROBE, WORKER_PROBE))


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds until the probe reported (or the process ended), CPU seconds, and what it had loaded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    end = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in done.stdout.splitlines():
        if line.startswith("REACHED "):
            _, clock, *loaded = line.split(" ")
            return float(clock) - start, cpu, "".join(loaded)
    return end - start, cpu, ""


def median_of(
    runs: int, argv_for: Callable[[int], list[str]], env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    timed(argv_for(-1), env)  # not counted: it writes the bytecode the timed runs read
    samples = [timed(argv_for(i), env) for i in range(runs)]
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
        samples[-1][2],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lotwise-startup-"))
    os.environ.update(
        {
            "LOTWISE_VAR_DIR": str(folder),
            "LOG_LEVEL": "WARNING",
            "PRICES_OFFLINE": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            # Bytecode cached as on a developer's machine or in the image (which compiles it at build),
            # written under the temporary folder rather than beside the sources.
            "PYTHONPYCACHEPREFIX": str(folder / "pycache"),
        }
    )
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.pop("REDIS_URL", None)
    fresh_database(f"sqlite:///{folder / 'startup.sqlite3'}")
    from django.core.management import call_command

    from portfolios.models import User

    User.objects.create_user(username=USER, password="not-used")
    call_command("import_ledger", str(LEDGER), user=USER, portfolio="Example", stdout=io.StringIO())

    python, manage = sys.executable, str(ROOT / "manage.py")
    tax_report = ["tax_report", "--user", USER, "--year", "2024", "--format", "csv"]

    def import_ledger(i: int) -> list[str]:
        return ["import_ledger", str(LEDGER), "--user", USER, "--portfolio", f"Run {i}"]

    rows = [
        ("python -c pass (floor)", median_of(args.runs, lambda i: [python, "-c", "pass"])),
        ("tax_report: start-up", median_of(args.runs, lambda i: [python, "-c", COMMAND_PROBE, *tax_report])),
        ("tax_report: whole run", median_of(args.runs, lambda i: [python, manage, *tax_report])),
        (
            "import_ledger: start-up",
            median_of(args.runs, lambda i: [python, "-c", COMMAND_PROBE, *import_ledger(i)]),
        ),
        (
            "import_ledger: whole run",
            median_of(args.runs, lambda i: [python, manage, *import_ledger(args.runs + i)]),
        ),
        (
            "celery worker: ready",
            # Its own empty queue folders: the imports above left snapshot tasks in the shared ones.
            median_of(
                args.runs,
                lambda i: [python, "-c", WORKER_PROBE],
                {**os.environ, "CELERY_QUEUE_DIR": str(folder / "worker-queue")},
            ),
        ),
    ]
    print(f"median of {args.runs} runs        wall s   CPU s   heavy libraries loaded")
    for label, (wall, cpu, loaded) in rows:
        print(f"{label:<26} {wall:7.3f} {cpu:7.3f}   {loaded or '-'}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
