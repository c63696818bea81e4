"""Holds inside an import's and a recompute's transaction, loaded only into worker processes the fault tests
start, the way snapshot_faults.py is: `start_worker(modules=[JOB_FAULTS])` runs `celery worker --include
tests.integration.job_faults`, and this module wraps two steps in place before the worker forks its pool.
Production code carries no switch for any of this.

- An import's lots step (`portfolios.importing.lots_with_rows`): the file's rows are inserted, not committed.
- A recompute's store step (`taxes.services._store`): the old lots are deleted and the new ones written, not
  committed.

When the step is done for an owner whose cache key `lotwise-test:hold:<step>:<owner id>` holds a number of
seconds, the key is taken (so only one run holds), `lotwise-test:holding:<step>:<owner id>` says so, and the
step sleeps that long before its transaction can commit: a test kills the worker there.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache

from portfolios import importing
from taxes import services

logger = logging.getLogger("lotwise.tests.job_faults")

HOLD_KEY = "lotwise-test:hold:{step}:{owner_id}"
HOLDING_KEY = "lotwise-test:holding:{step}:{owner_id}"


def _hold(step: str, owner_id: int) -> None:
    key = HOLD_KEY.format(step=step, owner_id=owner_id)
    seconds = cache.get(key)
    if not seconds:
        return
    cache.delete(key)
    cache.set(HOLDING_KEY.format(step=step, owner_id=owner_id), os.getpid(), timeout=300)
    logger.warning("test hold: %s of owner %s holds its transaction open for %ss", step, owner_id, seconds)
    time.sleep(float(seconds))


def _after(
    step: str, owner_of: Callable[[dict[str, Any]], int]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            _hold(step, owner_of(kwargs))
            return result

        return wrapper

    return wrap


def _wrap(module: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(module, name, None)
    if original is None:
        # A silent no-op here would turn the fault tests into timeouts far from the cause.
        raise RuntimeError(f"{module.__name__}.{name} is gone: move the fault injection with it")
    setattr(module, name, make(original))


_wrap(importing, "lots_with_rows", _after("import", lambda kwargs: kwargs["portfolio"].owner_id))
_wrap(services, "_store", _after("recompute", lambda kwargs: kwargs["ctx"].owner.pk))
