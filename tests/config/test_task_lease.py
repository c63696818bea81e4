"""The task lease: a copy of a message (the broker delivers one again after the visibility timeout) never runs
a task twice at once nor again once done, and takes over one whose worker stopped beating. And the timings
that together promise a dead worker's work is taken up within a minute."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from celery import Celery
from celery.exceptions import Ignore, Retry
from django.conf import settings as django_settings

from config.celery import LEASE_KEY, LeasedTask
from config.heartbeat import HEARTBEAT_SECONDS, STALE_SECONDS, Beat, read_beat, write_beat

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def own_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


class Probe:
    def __init__(self) -> None:
        self.app = Celery("lease-test", task_cls=LeasedTask, set_as_current=False)
        self.calls: list[int] = []
        self.leases_seen: list[Beat | None] = []
        self.sent: list[dict[str, Any]] = []
        self.fail_with: BaseException | None = None

        @self.app.task(name="probe", shared=False)
        def probe(x: int) -> int:
            self.calls.append(x)
            self.leases_seen.append(read_beat(LEASE_KEY.format(task_id=self.task_id)))
            if self.fail_with is not None:
                raise self.fail_with
            return 2 * x

        self.task = probe
        self.task_id = ""
        probe.apply_async = lambda **options: self.sent.append(options)

    def deliver(self, task_id: str, x: int) -> Any:
        """Run the task as a worker runs a delivered message: its request on the stack, then the call."""
        self.task_id = task_id
        self.task.push_request(id=task_id, called_directly=False, is_eager=False, retries=0, expires=None)
        try:
            return self.task(x)
        finally:
            self.task.pop_request()


@pytest.fixture
def probe() -> Iterator[Probe]:
    with time_machine.travel(T0, tick=False):
        yield Probe()


def lease(task_id: str) -> Beat | None:
    return read_beat(LEASE_KEY.format(task_id=task_id))


def test_a_run_holds_a_beating_lease_and_a_later_copy_does_nothing(probe: Probe) -> None:
    assert probe.deliver("t-1", 21) == 42
    seen = probe.leases_seen[0]
    assert seen is not None
    assert (seen.run, seen.state, seen.at) == ("t-1", "running", T0.timestamp())
    assert seen.worker.endswith(f"pid {os.getpid()}")
    assert lease("t-1").state == "done"  # type: ignore[union-attr]
    with pytest.raises(Ignore):
        probe.deliver("t-1", 21)
    assert probe.calls == [21]
    assert probe.sent == []


def test_a_copy_of_a_live_run_checks_again_when_its_beats_would_be_stale(probe: Probe) -> None:
    key = LEASE_KEY.format(task_id="t-2")
    write_beat(key, Beat(run="t-2", at=T0.timestamp() - 10, worker="w1 pid 7"))
    with pytest.raises(Ignore):
        probe.deliver("t-2", 5)
    assert probe.calls == []
    assert probe.sent == [
        {
            "args": (5,),
            "kwargs": {},
            "task_id": "t-2",
            "countdown": STALE_SECONDS - 10 + 1,
            "retries": 0,
            "expires": None,
        }
    ]


def test_a_copy_takes_over_a_run_whose_worker_stopped_beating(probe: Probe) -> None:
    key = LEASE_KEY.format(task_id="t-3")
    write_beat(key, Beat(run="t-3", at=T0.timestamp() - STALE_SECONDS - 1, worker="w1 pid 7"))
    assert probe.deliver("t-3", 4) == 8
    assert probe.calls == [4]
    assert probe.sent == []
    assert lease("t-3").state == "done"  # type: ignore[union-attr]


def test_a_retry_gives_the_lease_up_and_a_failure_ends_it(probe: Probe) -> None:
    probe.fail_with = Retry("again")
    with pytest.raises(Retry):
        probe.deliver("t-4", 1)
    assert lease("t-4") is None  # the retry, same task id, will run
    probe.fail_with = RuntimeError("broken")
    with pytest.raises(RuntimeError):
        probe.deliver("t-4", 1)
    assert lease("t-4").state == "done"  # type: ignore[union-attr]
    with pytest.raises(Ignore):
        probe.deliver("t-4", 1)
    assert probe.calls == [1, 1]


def test_a_task_called_directly_takes_no_lease(probe: Probe) -> None:
    assert probe.task(3) == 6
    assert probe.leases_seen == [None]


def test_a_dead_workers_work_is_taken_up_within_a_minute() -> None:
    """The broker delivers an unacknowledged message again after the visibility timeout (plus one look for
    such messages); a job's heartbeat is stale after STALE_SECONDS and the watchdog looks every 15 s."""
    timeout = django_settings.CELERY_VISIBILITY_TIMEOUT
    restore_every = max(1, min(5, timeout // 5))
    assert timeout + restore_every <= 50
    watchdog = {
        name: entry["schedule"]
        for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items()
        if name in ("revive-import-jobs", "revive-report-jobs")
    }
    assert watchdog == {"revive-import-jobs": 15.0, "revive-report-jobs": 15.0}
    assert STALE_SECONDS + 15.0 <= 50
    assert HEARTBEAT_SECONDS * 5 <= STALE_SECONDS
    # No countdown outlives the visibility timeout, or its message would be delivered twice.
    from portfolios.tasks import RELIABLE

    assert RELIABLE["retry_backoff_max"] < timeout
    assert timeout > django_settings.SNAPSHOT_DEBOUNCE_SECONDS + 1
    # A copy delivered after the timeout finds the lease of a run that died with its worker stale already.
    assert timeout > STALE_SECONDS


def test_a_worker_knows_every_task_the_pages_and_the_beat_send() -> None:
    """A fresh process loads the task modules the way `celery worker` does: the imports' tasks live outside
    the apps' tasks.py, so CELERY_IMPORTS must name them or a worker discards their messages."""
    code = (
        "import django; django.setup(); from config.celery import app; app.loader.import_default_modules(); "
        "print(' '.join(sorted(app.tasks)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    known = set(done.stdout.split())
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    sent = {
        "portfolios.import_tasks.import_ledger_job",
        "taxes.tasks.build_report",
        "taxes.tasks.recompute_portfolio",
    }
    assert scheduled | sent <= known
