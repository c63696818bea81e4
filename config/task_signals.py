"""Receivers of Celery's task signals, registered by the apps at start-up without loading Celery.

An app's ready() calls `on_task_postrun(receiver, dispatch_uid=...)`. The receiver is connected to
celery.signals.task_postrun once the Celery app exists (config.celery calls `connect`), or at once when it
already does: a worker creates the app before Django's apps are ready, a web process or a command only
when it first imports a tasks module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_POSTRUN: list[tuple[Callable[..., Any], str]] = []
_connected = False


def on_task_postrun(receiver: Callable[..., Any], *, dispatch_uid: str) -> None:
    _POSTRUN.append((receiver, dispatch_uid))
    if _connected:
        _connect()


def connect() -> None:
    """Connect every receiver registered so far, and from now on each as it is registered."""
    global _connected
    _connected = True
    _connect()


def _connect() -> None:
    from celery.signals import task_postrun

    for receiver, dispatch_uid in _POSTRUN:
        task_postrun.connect(receiver, weak=False, dispatch_uid=dispatch_uid)
