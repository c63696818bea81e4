"""The Lotwise project: settings, URLs and the Celery app.

The Celery app (`config.celery.app`, also `config.celery_app`) is created when first needed rather than with
every process that sets Django up: by `celery -A config` (worker, beat), and by the first tasks module a
process imports (each imports `config.celery`), so every task is sent with and run by this app.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "celery_app":
        from config.celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
