"""A command or a worker loads only what it uses (issue #12): `manage.py tax_report` and `import_ledger`, up
to the moment their handle() begins, and `celery -A config worker`, up to the moment it is ready, import
none of the libraries that only some pages, files or optimisations need.

Checked by module name rather than by the clock, so a regression fails the same way on any machine: a
module-level import of one of these on the way (an app's ready(), a model, an admin module, a command's own
imports, a tasks module) fails here. bench/startup.py measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Loaded when they are used: charts (plotly), the rebalancing optimiser (scipy, numpy), the PDF export
# (fpdf2, pypdf), the price client (httpx), the JSON API and its schema (Django REST framework views and
# serializers, drf-spectacular's schema generator), the tasks modules, and Celery with its transport
# library (kombu), which the first tasks module imported brings in (tests/config/test_celery_app.py).
NOT_AT_COMMAND_START = (
    "celery",
    "kombu",
    "plotly",
    "scipy",
    "numpy",
    "fpdf",
    "pypdf",
    "httpx",
    "drf_spectacular.openapi",
    "drf_spectacular.views",
    "rest_framework.views",
    "rest_framework.serializers",
    "portfolios.tasks",
    "taxes.exports.pdf",
)
# The worker loads every tasks module (and with them the price client, httpx) but skips Django's system
# checks, which would import every URLconf, view and API schema.
NOT_AT_WORKER_START = (
    "plotly",
    "scipy",
    "numpy",
    "fpdf",
    "pypdf",
    "drf_spectacular.openapi",
    "rest_framework.views",
    "taxes.exports.pdf",
)

# `manage.py <command>` with BaseCommand.execute wrapped: arguments are parsed and checks run as usual, and
# when handle() would begin the process prints the names of its loaded modules and exits.
COMMAND_PROBE = """
import json, os, sys
from django.core.management import base, execute_from_command_line
execute = base.BaseCommand.execute
def loaded(*args, **kwargs):
    os.write(1, ("MODULES " + json.dumps(sorted(sys.modules)) + "\\n").encode())
    os._exit(0)
def probe(self, *args, **options):
    self.handle = loaded
    return execute(self, *args, **options)
base.BaseCommand.execute = probe
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""

WORKER_PROBE = """
import json, os, sys
from celery.signals import worker_ready
@worker_ready.connect
def loaded(**kwargs):
    os.write(1, ("MODULES " + json.dumps(sorted(sys.modules)) + "\\n").encode())
    os._exit(0)
from celery.bin.celery import main
sys.argv = ["celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
            "--without-mingle", "--without-gossip", "--without-heartbeat"]
main()
"""


def _modules_at_start(probe: str, *args: str) -> set[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    # The worker uses the test settings' in-memory broker, so it is ready without a server.
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    for line in done.stdout.splitlines():
        if line.startswith("MODULES "):
            return set(json.loads(line.removeprefix("MODULES ")))
    pytest.fail(f"the process ended before it started (exit {done.returncode}):\n{done.stderr[-3000:]}")


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in modules]


@pytest.mark.parametrize(
    "args",
    [
        ("tax_report", "--user", "nobody", "--year", "2024"),
        ("import_ledger", "ledger.csv", "--user", "nobody"),
    ],
    ids=["tax_report", "import_ledger"],
)
def test_a_command_starts_without_what_it_does_not_use(args: tuple[str, ...]) -> None:
    modules = _modules_at_start(COMMAND_PROBE, *args)
    assert f"{'taxes' if args[0] == 'tax_report' else 'portfolios'}.management.commands.{args[0]}" in modules
    assert _loaded(modules, NOT_AT_COMMAND_START) == []


def test_the_worker_starts_without_what_only_some_tasks_use() -> None:
    modules = _modules_at_start(WORKER_PROBE)
    assert "rebalancing.tasks" in modules  # the tasks modules are loaded: the worker is really up
    assert _loaded(modules, NOT_AT_WORKER_START) == []
