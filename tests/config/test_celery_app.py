"""The Celery app comes up when a process first needs it, not with Django: a tasks module brings it in (so
every task is sent with and run by it, with its settings and task class), the beat schedule in the settings
becomes Celery's own, and the apps' task-signal receivers are connected whichever comes first, the app or
Django's apps (a worker creates the app first, a web process or a command sets Django up first)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings

from config.celery import app
from config.schedules import Crontab

ROOT = Path(__file__).resolve().parents[2]
RECEIVER = "rebalancing-after-snapshot"


def _run(code: str) -> dict[str, object]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


REPORT = f"""
from celery import current_app
from celery.signals import task_postrun
print(json.dumps({{
    "app": current_app.main,
    "task_class": [c.__name__ for c in current_app.Task.__mro__],
    "receiver": any(key[0] == {RECEIVER!r} for key, *_ in task_postrun.receivers),
}}))
"""


@pytest.mark.parametrize(
    "module", ["portfolios.tasks", "portfolios.import_tasks", "taxes.tasks", "rebalancing.tasks"]
)
def test_a_tasks_module_brings_up_the_lotwise_app(module: str) -> None:
    found = _run(
        "import json, sys, django; django.setup()\n"
        "assert 'celery' not in sys.modules, 'Celery loaded with Django'\n"
        f"import {module}\n" + REPORT
    )
    assert found["app"] == "lotwise"
    assert "LeasedTask" in found["task_class"]  # type: ignore[operator]
    assert found["receiver"] is True


def test_receivers_are_connected_when_the_app_comes_before_django() -> None:
    """As in a worker: `celery -A config` creates the app, then sets Django up."""
    found = _run("import json, config.celery, django; django.setup()\n" + REPORT)
    assert found == {"app": "lotwise", "task_class": found["task_class"], "receiver": True}


def test_the_beat_schedule_is_celerys() -> None:
    written = settings.CELERY_BEAT_SCHEDULE
    used = app.conf.beat_schedule
    assert set(used) == set(written)
    for name, entry in written.items():
        schedule = entry["schedule"]
        if isinstance(schedule, Crontab):
            assert used[name]["schedule"] == crontab(**dict(schedule.fields)), name
        else:
            assert used[name]["schedule"] == schedule, name
        assert {k: v for k, v in used[name].items() if k != "schedule"} == {
            k: v for k, v in entry.items() if k != "schedule"
        }
    assert any(isinstance(entry["schedule"], Crontab) for entry in written.values())
