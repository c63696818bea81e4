"""The Celery app. Configuration comes from Django settings (CELERY_* names); tasks from each app's tasks.py.

With REDIS_URL, Redis is broker and result store. Without it, the filesystem broker under var/celery gives
the embedded default (`manage.py serve`) a real worker and beat with no server to install.

Every task acknowledges its message when it ends (acks_late), so the broker delivers again the message of
a worker that died; it also delivers again one whose task outlives the visibility timeout. `LeasedTask`
keeps such copies from running a task twice at once, or again once it has finished.
"""

import logging
import os
import time
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.exceptions import Ignore, Retry
from celery.signals import task_prerun

from config.heartbeat import (
    STALE_SECONDS,
    Beat,
    CacheUnreadable,
    Heartbeat,
    forget_beat,
    read_beat,
    write_beat,
)
from config.schedules import celery_schedule
from config.task_signals import connect as connect_task_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# A worker skips Django's system checks, which import every URLconf, view and API schema (pages it never
# serves); `manage.py check` and the test suite run them.
os.environ.setdefault("CELERY_SKIP_CHECKS", "true")

logger = logging.getLogger("lotwise.tasks")

LEASE_KEY = "lotwise:task-lease:{task_id}"
# A finished task's lease is kept this long: a copy delivered later finds it and does nothing.
DONE_TTL = 3600


class LeasedTask(Task):  # type: ignore[misc]
    """The base of every task. A run holds a lease on its task id in the cache, a heartbeat (config.heartbeat)
    that ends as "done". A copy of the message (same task id) that finds the lease done does nothing; one
    that finds it beating checks again when those beats would go stale; one that finds it stale, or none,
    runs: the run it found died with its worker. A retry gives the lease up, for the retry to run.
    Called directly or eagerly, a task runs as it is."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        if request.called_directly or request.is_eager or not request.id:
            return super().__call__(*args, **kwargs)
        key = LEASE_KEY.format(task_id=request.id)
        try:
            held = read_beat(key)
        except CacheUnreadable:
            logger.warning("task %s[%s]: lease unreadable; running it", self.name, request.id)
            held = None
        if held is not None and held.state == "done":
            logger.info("task %s[%s] finished already; this copy does nothing", self.name, request.id)
            raise Ignore()
        if held is not None and held.age() <= STALE_SECONDS:
            wait = STALE_SECONDS - held.age() + 1
            logger.info(
                "task %s[%s] runs on %s; checking again in %.0f s", self.name, request.id, held.worker, wait
            )
            self.apply_async(
                args=args,
                kwargs=kwargs,
                task_id=request.id,
                countdown=wait,
                retries=request.retries,
                expires=request.expires,
            )
            raise Ignore()
        if held is not None:
            logger.warning(
                "task %s[%s]: %s stopped %.0f s ago; running it again",
                self.name,
                request.id,
                held.worker,
                held.age(),
            )
        finished = False
        try:
            with Heartbeat(key, run=request.id):
                result = super().__call__(*args, **kwargs)
            finished = True
            return result
        except Retry:
            raise
        except Exception:
            finished = True
            raise
        finally:
            if finished:
                write_beat(key, Beat(run=request.id, at=time.time(), state="done"), ttl=DONE_TTL)
            else:
                forget_beat(key)


app = Celery("lotwise", task_cls=LeasedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_queue_folders() -> None:
    """The filesystem transport needs its folders before the first message is sent or read."""
    if not str(app.conf.broker_url or "").startswith("filesystem://"):
        return
    options = app.conf.broker_transport_options or {}
    for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = options.get(name)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect  # type: ignore[untyped-decorator]
def _on_configure(sender: Celery, **kwargs: object) -> None:
    _ensure_queue_folders()
    app.conf.beat_schedule = celery_schedule(app.conf.beat_schedule or {})


connect_task_signals()


@task_prerun.connect(weak=False, dispatch_uid="lotwise-database-connection")  # type: ignore[untyped-decorator]
def database_connection_checked(task: Task | None = None, **kwargs: object) -> None:
    """A worker keeps its database connection from task to task (CELERY_DB_REUSE_MAX), so each task starts
    as a request does: a connection that failed or outlived CONN_MAX_AGE is dropped, and the next query
    checks the connection first (CONN_HEALTH_CHECKS). A task run eagerly is left alone, as Celery leaves it."""
    if task is None or task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()
