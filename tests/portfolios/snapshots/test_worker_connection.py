"""A worker keeps its database connection from one snapshot task to the next (opening one per task cost more
than a snapshot of one portfolio), and drops it before a task when it failed or is older than CONN_MAX_AGE."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app, database_connection_checked


def task(*, eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_celery_keeps_the_connection_between_tasks() -> None:
    assert settings.CELERY_DB_REUSE_MAX == 1000
    assert app.conf.get("CELERY_DB_REUSE_MAX") == 1000  # what Celery's Django fix-up reads


@pytest.mark.django_db(transaction=True)
def test_a_task_starts_with_a_usable_connection() -> None:
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60  # as with CONN_MAX_AGE = 60 (the tests run with 0)
    database_connection_checked(task=task(eager=False))  # type: ignore[arg-type]
    assert connection.connection is not None  # a sound, recent connection is kept

    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    database_connection_checked(task=task(eager=True))  # type: ignore[arg-type]
    assert connection.connection is not None  # an eager task is left alone
    database_connection_checked(task=task(eager=False))  # type: ignore[arg-type]
    assert connection.connection is None
    with connection.cursor() as cursor:  # the task's first query opens a new one
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
