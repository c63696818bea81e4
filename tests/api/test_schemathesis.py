"""Schemathesis against the API's own OpenAPI schema, in-process (Django's WSGI app): every operation,
with derandomized requests, valid and invalid (the coverage phase's boundary values, then 15 generated
ones), authenticated as a user with a small portfolio (lots, a sale, a snapshot, a target, a pending
proposal, an import preview). No answer may be a server error, and every answer must match the schema: a
documented status code, content type and body. `pytest -s` prints how many requests it made.

The portfolio is seeded once; each request runs in a savepoint that is rolled back, so every one sees the
same data. A generated id is the seeded object's when it is even (so those answers are real ones), and
the portfolio id always is."""

from __future__ import annotations

import base64
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portfolios.import_tasks import import_job_create
from portfolios.models import ImportJob
from rebalancing.services import proposal_create
from taxes.models import Disposal, TaxLot
from tests.rebalancing.kit import build_drifted, record

pytestmark = pytest.mark.django_db

EXAMPLES = 15
PASSWORD = "schemathesis-password"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            # Every boundary and every kind of invalid value each parameter and field can have, once;
            # no requests with methods an operation does not have.
            "coverage": {"enabled": True, "unexpected-methods": []},
            "stateful": {"enabled": False},
        },
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "mode": "all"},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)
CALLS: Counter[str] = Counter()
IMPORT_CSV = (
    "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,"
    "acquired_at,cost_basis,external_id,notes\n"
    "2024-03-01T10:00:00+00:00,Exchange,buy,BTC,0.01,50000,0,,,,,,,\n"
)


@dataclass
class Seeded:
    ids: dict[str, int]  # a path parameter (or "<collection>/id") -> the id of a seeded object
    authorization: str


class _Rollback(Exception):
    pass


def _seed() -> Seeded:
    drifted = build_drifted("alice", password=PASSWORD)
    record(
        drifted.account,
        "sell",
        datetime(2025, 3, 3, 15, 0, tzinfo=UTC),
        "0.1",
        drifted.assets["ETH"],
        unit_price=Decimal(3000),
    )
    proposal = proposal_create(portfolio=drifted.portfolio, contribution=Decimal(0))
    job = import_job_create(
        user=drifted.user, content=IMPORT_CSV, portfolio_name="Index", basis_method="fifo"
    )
    assert job.status == ImportJob.Status.DONE, job.errors
    portfolio = drifted.portfolio
    ids = {
        "portfolio_id": portfolio.pk,
        "proposal_id": proposal.pk,
        "portfolios/id": portfolio.pk,
        "accounts/id": drifted.account.pk,
        "transactions/id": drifted.buys["BTC"].pk,
        "lots/id": TaxLot.objects.filter(portfolio=portfolio).order_by("pk").first().pk,
        "disposals/id": Disposal.objects.filter(portfolio=portfolio).get().pk,
        "assets/id": drifted.assets["BTC"].pk,
        "imports/id": job.pk,
        "year": 2025,
    }
    token = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    return Seeded(ids, f"Basic {token}")


@pytest.fixture(scope="module")
def seeded_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[Seeded]:
    """Seeded once for the module, in a transaction that is rolled back after its last test: each test's
    own transaction (and each example's savepoint) nests inside it."""
    # Django's WSGI handler closes the connection after each request; the test client does not, and the
    # seeded data lives in a transaction on that connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(seeded_once: Seeded, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    # Hundreds of requests a minute: the throttle has its own test.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    return seeded_once


def _seeded_path(case: Any, seeded: Seeded) -> None:
    """Half the generated integer ids (the even ones) become the seeded objects' ids."""
    params = case.path_parameters or {}
    for name, value in params.items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if name == "id":
            collection = case.path.rstrip("/").split("/{id}")[0].rsplit("/", 1)[-1]
            key = f"{collection}/id"
        else:
            key = name
        if key in seeded.ids and (name == "portfolio_id" or value % 2 == 0):
            params[name] = seeded.ids[key]


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    """With -s: how many operations and requests the run made."""
    yield
    if CALLS:
        print(f"\nschemathesis: {len(CALLS)} operations, {sum(CALLS.values())} requests")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: Any, seeded: Seeded) -> None:
    _seeded_path(case, seeded)
    CALLS[case.operation.label] += 1
    try:
        with transaction.atomic():
            case.call_and_validate(headers={"Authorization": seeded.authorization}, checks=CHECKS)
            raise _Rollback
    except _Rollback:
        pass


def test_no_operation_answers_a_stranger() -> None:
    """Every operation in the schema refuses a request without credentials, whatever its ids."""
    client = APIClient()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        path = re.sub(r"{\w+}", "1", operation.path).replace("/1/download/1/", "/1/download/csv/")
        response = getattr(client, operation.method.lower())(path)
        assert response.status_code in (401, 403), f"{operation.method} {path}: {response.status_code}"
