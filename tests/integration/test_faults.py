"""A worker SIGKILLed in the middle of an import, a recompute and a snapshot, with Redis as broker and the
production timings (visibility timeout, heartbeats, the watchdog's beat): right after each kill nothing of the
half-done work is visible; once a worker is back, each job ends, done or failed with a message, within a
minute, with all of its rows or none.

Each step is held open inside its transaction by a test-only hook (job_faults.py, snapshot_faults.py) in a
worker that is then killed; the three kills come one after another (SQLite has one writer at a time), then
one worker, with the beat scheduler, comes back for all three.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from worker_kit import wait_for

from portfolios.import_tasks import import_job_confirm, import_job_create
from portfolios.models import (
    Account,
    Asset,
    ImportJob,
    Portfolio,
    PortfolioSnapshot,
    PriceQuote,
    Transaction,
    User,
    ValuePoint,
)
from portfolios.services import TransactionData, transaction_record
from portfolios.snapshots import portfolio_snapshot_compute
from portfolios.tasks import snapshot_portfolio
from taxes.models import Disposal, TaxLot
from taxes.tasks import recompute_portfolio

pytestmark = pytest.mark.integration

D = Decimal
JOB_FAULTS = "tests.integration.job_faults"
HOLD_KEY = "lotwise-test:hold:{step}:{owner_id}"
HOLDING_KEY = "lotwise-test:holding:{step}:{owner_id}"
SNAPSHOT_WRITING = "lotwise-test:snapshot-writing:{portfolio_id}"
HOLD_SECONDS = "120"  # far longer than the worker lives
REACH = 30.0  # for a held step to be reached
WITHIN = 60.0  # the promise: a minute after a worker is back
START = datetime(2025, 1, 6, 15, tzinfo=UTC)
HEADER = "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,acquired_at,cost_basis,external_id,notes\n"
LEDGER = HEADER + "".join(
    f"2024-0{month}-02T15:00:00Z,Exchange,{kind},BTC,{qty},{price},0,,,,,,,\n"
    for month, kind, qty, price in ((1, "buy", "1", 40000), (2, "buy", "1", 50000), (3, "sell", "0.5", 60000))
)


def _record(account: Account, typ: str, when: datetime, qty: str, asset: Asset, price: int) -> None:
    data = TransactionData(
        account=account, type=typ, timestamp=when, quantity=D(qty), asset=asset, unit_price=D(price)
    )
    transaction_record(portfolio=account.portfolio, data=data)


def _owner_with_btc(name: str) -> tuple[Account, Asset]:
    owner = User.objects.create_user(username=name, password="x", timezone="UTC")
    account = Account.objects.create(
        portfolio=Portfolio.objects.create(owner=owner, name="Main"), name="Coinbase"
    )
    btc = Asset.objects.get_or_create(
        symbol="BTC", defaults={"name": "Bitcoin", "price_source_id": "bitcoin"}
    )[0]
    _record(account, "buy", START, "1", btc, 20000)
    _record(account, "buy", START + timedelta(days=1), "1", btc, 30000)
    _record(account, "sell", START + timedelta(days=2), "1", btc, 40000)
    return account, btc


def _derived(owner: User) -> list[tuple[Any, ...]]:
    lots = TaxLot.objects.filter(portfolio__owner=owner).order_by("id").values_list("id", "quantity", "basis")
    sold = (
        Disposal.objects.filter(portfolio__owner=owner).order_by("id").values_list("id", "quantity", "basis")
    )
    return [*lots, *sold]


@dataclass
class Scene:
    job: ImportJob
    recompute: Account
    snapshot: Portfolio
    previous: PortfolioSnapshot


def _scene() -> Scene:
    importer = User.objects.create_user(username="fault-import", password="x", timezone="UTC")
    job = import_job_create(user=importer, content=LEDGER, portfolio_name="Imported", basis_method="fifo")
    assert (job.status, job.error_count) == ("done", 0)  # the preview, run inline
    ImportJob.objects.filter(pk=job.pk).update(run_in_background=True)
    job.refresh_from_db()

    recompute, _ = _owner_with_btc("fault-recompute")
    assert Disposal.objects.get(portfolio=recompute.portfolio).basis == D(20000)  # FIFO
    # The standing order becomes HIFO behind the services' back: the stored lots are out of date until the
    # recompute replays the ledger (the sale then takes the 30000 lot).
    Account.objects.filter(pk=recompute.pk).update(basis_method="hifo")

    held, btc = _owner_with_btc("fault-snapshot")
    PriceQuote.objects.create(
        asset=btc, at=timezone.now() - timedelta(minutes=3), price=D(90000), source="coingecko"
    )
    previous = portfolio_snapshot_compute(portfolio_id=held.portfolio.pk)
    PriceQuote.objects.create(
        asset=btc, at=timezone.now() - timedelta(minutes=1), price=D(80000), source="coingecko"
    )
    return Scene(job=job, recompute=recompute, snapshot=held.portfolio, previous=previous)


def _kill_when(worker: Any, key: str) -> None:
    wait_for(lambda: cache.get(key), timeout=REACH, what=f"the worker to hold {key}")
    worker.kill()


def _import_ended(job: ImportJob) -> ImportJob | None:
    job.refresh_from_db()
    if job.status == "done" or (job.status == "failed" and job.errors and job.errors[0]["message"]):
        return job
    return None


def test_a_worker_killed_mid_import_recompute_and_snapshot(
    start_worker: Any, broker: Any, tmp_path: Path
) -> None:
    scene = _scene()
    importer, recomputer = scene.job.owner, scene.recompute.portfolio.owner
    broker.flushdb()  # drop the snapshot tasks the setup scheduled: only the three under test run
    derived_before = _derived(recomputer)
    points_before = list(ValuePoint.objects.filter(portfolio=scene.snapshot).values_list("date", "value"))

    # The import: killed after its rows are inserted, before they commit.
    cache.set(HOLD_KEY.format(step="import", owner_id=importer.pk), HOLD_SECONDS, timeout=300)
    worker = start_worker(modules=[JOB_FAULTS])
    import_job_confirm(job=scene.job)
    _kill_when(worker, HOLDING_KEY.format(step="import", owner_id=importer.pk))
    scene.job.refresh_from_db()
    assert (scene.job.status, scene.job.attempts) == ("running", 1)
    assert not Transaction.objects.filter(portfolio__owner=importer).exists()
    assert not Portfolio.objects.filter(owner=importer).exists()

    # The recompute: killed after the new lots replace the old, before that commits.
    cache.set(HOLD_KEY.format(step="recompute", owner_id=recomputer.pk), HOLD_SECONDS, timeout=300)
    worker = start_worker(modules=[JOB_FAULTS])
    recompute_portfolio.delay(scene.recompute.portfolio.pk)
    _kill_when(worker, HOLDING_KEY.format(step="recompute", owner_id=recomputer.pk))
    assert _derived(recomputer) == derived_before

    # The snapshot: killed after the new snapshot and history are written, before they commit.
    worker = start_worker(inject_faults=True, LOTWISE_SNAPSHOT_TEST_DELAY=HOLD_SECONDS)
    snapshot_portfolio.delay(scene.snapshot.pk)
    _kill_when(worker, SNAPSHOT_WRITING.format(portfolio_id=scene.snapshot.pk))
    assert list(PortfolioSnapshot.objects.filter(portfolio=scene.snapshot).values_list("pk", flat=True)) == [
        scene.previous.pk
    ]
    assert (
        list(ValuePoint.objects.filter(portfolio=scene.snapshot).values_list("date", "value"))
        == points_before
    )

    # A worker is back, with the beat scheduler (the watchdog over jobs): everything ends within a minute.
    start_worker(args=["--beat", f"--schedule={tmp_path / 'beat-schedule'}"])
    back_at = time.monotonic()
    job = wait_for(lambda: _import_ended(scene.job), timeout=WITHIN, what="the import to end")
    wait_for(
        lambda: Disposal.objects.filter(portfolio=scene.recompute.portfolio, basis=D(30000)).exists(),
        timeout=WITHIN - (time.monotonic() - back_at),
        what="the recompute to be redone",
    )
    redone = wait_for(
        lambda: PortfolioSnapshot.objects.filter(portfolio=scene.snapshot, pk__gt=scene.previous.pk).first(),
        timeout=WITHIN - (time.monotonic() - back_at),
        what="the snapshot to be redone",
    )

    # The import ran again and has every row; a second run was in hand, so it is done, not failed.
    assert (job.status, job.attempts, job.error_count, job.summary["new"]) == ("done", 2, 0, 3)
    assert Transaction.objects.filter(portfolio__owner=importer).count() == 3
    assert TaxLot.objects.filter(portfolio__owner=importer).count() == 2
    # The recompute replayed the whole ledger: HIFO sold the 30000 lot, the 20000 one is left.
    assert list(TaxLot.objects.filter(portfolio__owner=recomputer).values_list("quantity", "basis")) == [
        (D(1), D(20000))
    ]
    assert redone.total_value == D(80000)  # one BTC left, at the new price
    today = redone.as_of.astimezone(UTC).date()
    assert ValuePoint.objects.get(portfolio=scene.snapshot, date=today).value == redone.total_value
