"""Faults and delays for the snapshot task, loaded only into worker processes the integration tests start.

`start_worker(inject_faults=True)` runs `celery worker --include tests.integration.snapshot_faults`: Celery
imports this module after Django is set up and before the worker forks its pool, and the module wraps two
steps of the snapshot service in place, so the pool's processes run the wrapped steps. Production code
carries no switch for any of this.

- The snapshot's first read fails with a transient database error while the cache counter
  `lotwise-test:snapshot-faults:<portfolio id>` is positive (each attempt takes one), so the task's real
  retry path runs.
- With LOTWISE_SNAPSHOT_TEST_DELAY=<seconds> in the worker's environment, the write transaction is held
  open after the new rows are written and before commit, and the cache key
  `lotwise-test:snapshot-writing:<portfolio id>` says so, so a test can kill the worker there.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db import OperationalError

from portfolios.snapshots import compute

logger = logging.getLogger("lotwise.tests.snapshot_faults")

FAULTS_KEY = "lotwise-test:snapshot-faults:{portfolio_id}"
WRITING_KEY = "lotwise-test:snapshot-writing:{portfolio_id}"
DELAY_ENV = "LOTWISE_SNAPSHOT_TEST_DELAY"


def _fail_while_counted(portfolio_id: int) -> None:
    try:
        left = cache.decr(FAULTS_KEY.format(portfolio_id=portfolio_id))
    except ValueError:  # no counter set: no fault
        return
    if left >= 0:
        raise OperationalError(f"injected transient fault for portfolio {portfolio_id} ({left} more to come)")


def _hold_open(portfolio_id: int, seconds: float) -> None:
    cache.set(WRITING_KEY.format(portfolio_id=portfolio_id), os.getpid(), timeout=120)
    logger.warning(
        "test delay: holding the snapshot transaction of portfolio %s for %ss", portfolio_id, seconds
    )
    time.sleep(seconds)


def _failing_first_read(load_inputs: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(load_inputs)
    def wrapper(ids: Sequence[int], **kwargs: Any) -> Any:
        for pid in ids:
            _fail_while_counted(pid)
        return load_inputs(ids, **kwargs)

    return wrapper


def _slow_commit(seconds: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    # Pruning is the last write inside the snapshot's transaction: after it, only the commit is left.
    def wrap(prune: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(prune)
        def wrapper(portfolio_ids: list[int]) -> None:
            prune(portfolio_ids)
            for pid in portfolio_ids:
                _hold_open(pid, seconds)

        return wrapper

    return wrap


def _wrap(name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(compute, name, None)
    if original is None:
        # A silent no-op here would turn the fault tests into timeouts far from the cause.
        raise RuntimeError(f"portfolios.snapshots.compute.{name} is gone: move the fault injection with it")
    setattr(compute, name, make(original))


_wrap("load_inputs", _failing_first_read)
if os.environ.get(DELAY_ENV):
    _wrap("_prune", _slow_commit(float(os.environ[DELAY_ENV])))  # float ok: seconds of a test delay
