"""Integration fixtures: Redis as broker and cache, a real `celery worker` subprocess on the test database.

The worker is a separate process, so it sees only committed rows: the tests use `transactional_db`. It gets
the test database's own URL (pytest-django's test DB, read after it is set up) and the same Redis database
as this process, which is flushed at the start of every test. Every wait is bounded; the worker's whole
process group is killed in teardown, before the database is flushed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from worker_kit import wait_for

from config.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_DEFAULT = "redis://127.0.0.1:6379/15"
READY_TIMEOUT = 40.0


def database_url() -> str:
    """The URL of the database the tests run on (pytest-django's test database)."""
    db = django_settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{db['NAME']}"
    raise RuntimeError(f"no worker URL for database engine {db['ENGINE']}")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL") or REDIS_DEFAULT


@pytest.fixture
def broker(redis_url: str, settings: Any) -> Iterator[redis.Redis]:
    """A flushed Redis database as this process's broker and cache (the worker gets the same URL)."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"integration tests need Redis at {redis_url}: {exc}")
    client.flushdb()
    settings.SNAPSHOT_DEBOUNCE_SECONDS = 1
    saved = None
    if redis_url != django_settings.REDIS_URL:
        # pytest started without REDIS_URL: point this process's Celery app and cache at the worker's Redis.
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
        }
        conf = celery_app.conf
        saved = (conf.broker_url, conf.result_backend, conf.broker_transport_options)
        conf.broker_url = redis_url
        conf.result_backend = redis_url
        conf.broker_transport_options = {"visibility_timeout": 3600}
        _reset_producer_pool()
    try:
        yield client
    finally:
        if saved is not None:
            conf = celery_app.conf
            conf.broker_url, conf.result_backend, conf.broker_transport_options = saved
            _reset_producer_pool()
        client.close()


def _reset_producer_pool() -> None:
    # Drop the references only: kombu keeps one shared pool per broker URL, which must stay open.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


FAULTS_MODULE = "tests.integration.snapshot_faults"


class Worker:
    """One `celery -A config worker` process (and its pool child) in its own process group."""

    def __init__(
        self, *, env: dict[str, str], log_path: Path, include: Sequence[str] = (), args: Sequence[str] = ()
    ) -> None:
        self.log_path = log_path
        name = f"it-{uuid.uuid4().hex[:8]}@%h"
        cmd = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "-n", name,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if include:
            cmd.append(f"--include={','.join(include)}")
        cmd.extend(args)
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            cmd, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            return " ready." in self.log()

        wait_for(ready, timeout=timeout, what="the worker to be ready")

    def kill(self) -> None:
        """SIGKILL the whole group at once: main process and pool child die mid-whatever."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def start_worker(
    transactional_db: None, broker: redis.Redis, redis_url: str, tmp_path: Path
) -> Iterator[Any]:
    """start_worker(inject_faults=False, modules=(), args=(), **env) -> Worker, ready to consume. Every
    worker is killed in teardown. With inject_faults, the worker also loads
    tests/integration/snapshot_faults.py, which wraps the snapshot service with the faults and delays
    described there; `modules` names more such modules to load, `args` more `celery worker` options."""
    workers: list[Worker] = []

    def start(
        *,
        inject_faults: bool = False,
        modules: Sequence[str] = (),
        args: Sequence[str] = (),
        **extra_env: str,
    ) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "SNAPSHOT_DEBOUNCE_SECONDS": "1",
            "PRICES_OFFLINE": "false",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        worker = Worker(
            env=env,
            log_path=tmp_path / f"worker-{len(workers)}.log",
            include=[*([FAULTS_MODULE] if inject_faults else []), *modules],
            args=args,
        )
        workers.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()
