"""Heartbeats: a thread beats while the work runs and stops with it; a run is stale once its last beat (or,
before one, its claim) is older than STALE_SECONDS, and only its own beats count."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches

from config.heartbeat import STALE_SECONDS, Beat, Heartbeat, beat_progress, is_stale, read_beat, write_beat

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def own_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


def test_the_thread_beats_until_the_work_ends() -> None:
    with Heartbeat("hb:1", run="r1", progress=5, every=0.05) as beat:
        first = read_beat("hb:1")
        assert first is not None
        assert (first.run, first.progress, first.state) == ("r1", 5, "running")
        time.sleep(0.3)
        later = read_beat("hb:1")
        assert later is not None
        assert later.at > first.at
        beat.progress(45)
        assert beat_progress("hb:1", "r1") == 45
        beat.progress(40)  # progress never goes back within a run
        assert beat_progress("hb:1", "r1") == 45
    ended = read_beat("hb:1")
    time.sleep(0.2)
    assert read_beat("hb:1") == ended
    assert beat_progress("hb:1", "another run") is None


@time_machine.travel(T0, tick=False)
def test_a_run_is_stale_once_its_last_beat_is_older_than_the_threshold() -> None:
    claimed = T0 - timedelta(seconds=100)
    write_beat("hb:2", Beat(run="r2", at=T0.timestamp()))
    assert not is_stale(key="hb:2", run="r2", since=claimed, now=T0 + timedelta(seconds=STALE_SECONDS))
    assert is_stale(key="hb:2", run="r2", since=claimed, now=T0 + timedelta(seconds=STALE_SECONDS + 1))
    # Another run's beat says nothing of this one: only its claim counts.
    assert is_stale(key="hb:2", run="r3", since=claimed, now=T0)
    assert not is_stale(key="hb:2", run="r3", since=T0, now=T0 + timedelta(seconds=10))
    # No beat and no claim: nothing shows it alive.
    assert is_stale(key="hb:none", run="r2", since=None, now=T0)


@time_machine.travel(T0, tick=False)
def test_an_unreadable_cache_says_nothing_is_stale(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("cache down")

    monkeypatch.setattr(caches["default"], "get", down)
    assert not is_stale(key="hb:3", run="r", since=T0 - timedelta(hours=1), now=T0)
    assert beat_progress("hb:3", "r") is None
    monkeypatch.setattr(caches["default"], "set", down)
    with Heartbeat("hb:3", run="r", every=0.05):  # beating into a broken cache does not stop the work
        time.sleep(0.1)
