"""Heartbeats of running work, kept in the cache that web and worker processes share.

While a job or task runs, a small thread writes a beat every HEARTBEAT_SECONDS: which run it is, the
process running it (host and pid), the time and the progress. A run whose last beat is older than
STALE_SECONDS has stopped (its worker was killed, ran out of memory, lost its machine), and its work may be
taken over. Beats go through the cache rather than the database: an import writes nothing the others can
see until its transaction commits, and on SQLite that transaction holds the only write lock until then.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

logger = logging.getLogger("lotwise.tasks")

HEARTBEAT_SECONDS = 5.0
# Six missed beats. A thread beats even while the work holds the CPU, so only a stopped process misses them.
STALE_SECONDS = 30.0
# A beat outlives a few missed ones, then the cache drops it.
BEAT_TTL = int(STALE_SECONDS * 10)


def worker_name() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


@dataclass(frozen=True)
class Beat:
    run: str
    at: float  # seconds since the epoch
    progress: int = 0
    worker: str = ""
    state: str = "running"

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.at


class CacheUnreadable(Exception):
    """The cache did not answer: nothing can be said about the work's process."""


def read_beat(key: str) -> Beat | None:
    """The last beat written under `key`, or None. Raises CacheUnreadable when the cache fails."""
    try:
        value = caches["default"].get(key)
    except Exception as exc:
        raise CacheUnreadable(str(exc)) from exc
    if not isinstance(value, dict):
        return None
    try:
        return Beat(
            run=str(value["run"]),
            at=float(value["at"]),
            progress=int(value.get("progress") or 0),
            worker=str(value.get("worker") or ""),
            state=str(value.get("state") or "running"),
        )
    except (KeyError, TypeError, ValueError):
        return None


def write_beat(key: str, beat: Beat, *, ttl: int = BEAT_TTL, cache: BaseCache | None = None) -> None:
    """Best effort: a cache that fails is logged, and the work goes on."""
    value = {"run": beat.run, "at": beat.at, "progress": beat.progress, "worker": beat.worker}
    value["state"] = beat.state
    try:
        (cache or caches["default"]).set(key, value, timeout=ttl)
    except Exception:
        logger.warning("could not write the heartbeat %s", key, exc_info=True)


def forget_beat(key: str) -> None:
    try:
        caches["default"].delete(key)
    except Exception:
        logger.warning("could not delete the heartbeat %s", key, exc_info=True)


def is_stale(*, key: str, run: str, since: datetime | None, now: datetime) -> bool:
    """Whether the run `run` stopped beating: its last beat under `key` (or, before the first, `since`, when
    the run was claimed) is more than STALE_SECONDS old. A beat of another run does not count. When the
    cache cannot be read the run counts as alive: work is never taken over on no evidence."""
    try:
        beat = read_beat(key)
    except CacheUnreadable:
        logger.warning("heartbeat %s unreadable; the run counts as alive", key)
        return False
    last = since.timestamp() if since is not None else None
    if beat is not None and beat.run == run:
        last = beat.at if last is None else max(last, beat.at)
    return last is None or now.timestamp() - last > STALE_SECONDS


class Heartbeat:
    """`with Heartbeat(key, run=...) as beat:` beats at once and then every `every` seconds from a daemon
    thread until the block ends; `beat.progress(percent)` records progress and beats at once."""

    def __init__(self, key: str, *, run: str, progress: int = 0, every: float = HEARTBEAT_SECONDS) -> None:
        self.key = key
        self.run = run
        self.every = every
        self.worker = worker_name()
        self._progress = progress
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # The thread writes through this process's cache client: one connection pool, not one per thread.
        self._cache = caches["default"]

    def beat(self) -> None:
        with self._lock:
            beat = Beat(run=self.run, at=time.time(), progress=self._progress, worker=self.worker)
            write_beat(self.key, beat, cache=self._cache)

    def progress(self, percent: int) -> None:
        self._progress = max(self._progress, int(percent))
        self.beat()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat {self.key}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 5)

    def __repr__(self) -> str:
        return f"Heartbeat({self.key!r}, run={self.run!r})"


def beat_progress(key: str, run: str) -> int | None:
    """The progress the run `run` last reported under `key`, or None (no beat of that run, or no cache)."""
    try:
        beat = read_beat(key)
    except CacheUnreadable:
        return None
    return beat.progress if beat is not None and beat.run == run else None
