"""An import whose worker stops: its heartbeat goes stale, and the job is run again or failed with a message,
never left "running"; the progress shown is always the current run's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from config.heartbeat import STALE_SECONDS, Beat, read_beat, write_beat
from portfolios import import_tasks, import_watch
from portfolios.import_tasks import import_job_confirm, import_job_run, import_jobs_revive, import_ledger_job
from portfolios.models import ImportJob, Portfolio, Transaction
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
HEADER = "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,acquired_at,cost_basis,external_id,notes\n"
GOOD = HEADER + (
    "2023-01-10T12:00:00+00:00,Exchange,buy,BTC,1,20000,10,,,,,,,\n"
    "2023-06-01T12:00:00+00:00,Exchange,buy,BTC,1,30000,0,,,,,,,\n"
    "2024-03-01T12:00:00+00:00,Exchange,sell,BTC,1.5,60000,30,,,,,,,\n"
)
STOPPED = "The worker stopped while importing this file, 2 times; nothing was saved. Try again, or split the file into smaller ones."


@pytest.fixture(autouse=True)
def own_cache(settings):  # type: ignore[no-untyped-def]
    """Heartbeats in a cache of this test's own, not the Redis database other test runs share."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def sent(monkeypatch):  # type: ignore[no-untyped-def]
    """Jobs the watchdog hands to the worker, recorded instead of going to a broker (at once: the test's
    transaction never commits)."""
    jobs: list[int] = []
    monkeypatch.setattr(import_ledger_job, "delay", jobs.append)
    monkeypatch.setattr(import_watch, "transaction", SimpleNamespace(on_commit=lambda send: send()))
    return jobs


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory(username="ann")


@pytest.fixture
def client_of(client, owner):  # type: ignore[no-untyped-def]
    client.force_login(owner)
    return client


def background_job(owner, *, confirmed: bool) -> ImportJob:  # type: ignore[no-untyped-def]
    return ImportJob.objects.create(
        owner=owner,
        portfolio_name="Main",
        content=GOOD,
        row_count=3,
        run_in_background=True,
        confirmed=confirmed,
        heartbeat_at=T0,
    )


def worker_takes(job: ImportJob, *, progress: int) -> ImportJob:
    """A worker claims the job and beats once with this progress; then it dies (no more beats)."""
    claimed = import_tasks._claim(job.pk)
    assert claimed is not None
    write_beat(
        import_watch.beat_key(job.pk),
        Beat(
            run=import_watch.run_of(claimed), at=datetime.now(UTC).timestamp(), progress=progress, worker="w1"
        ),
    )
    return claimed


def status(client, job: ImportJob) -> dict[str, object]:  # type: ignore[no-untyped-def]
    response = client.get(reverse("portfolios:import_status", kwargs={"job_id": job.pk}))
    assert response.status_code == 200
    return response.json()


def test_a_job_whose_worker_stopped_beating_is_queued_again(owner, client_of, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job = background_job(owner, confirmed=True)
        worker_takes(job, progress=45)
        clock.shift(timedelta(seconds=STALE_SECONDS - 1))
        assert import_jobs_revive() == {"requeued": 0, "failed": 0, "resent": 0}
        assert (status(client_of, job)["status"], status(client_of, job)["progress"]) == ("running", 45)

        clock.shift(timedelta(seconds=2))
        assert import_jobs_revive() == {"requeued": 1, "failed": 0, "resent": 0}
        job.refresh_from_db()
        assert (job.status, job.progress, job.attempts, job.worker) == ("queued", 0, 1, "")
        assert sent == [job.pk]
        # The dead run's 45% is gone with it.
        assert (status(client_of, job)["status"], status(client_of, job)["progress"]) == ("queued", 0)

        assert import_ledger_job(job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts, job.error_count) == ("done", 100, 2, 0)
    assert Transaction.objects.filter(portfolio__owner=owner).count() == 3


def test_a_redelivered_task_waits_for_a_live_run_and_takes_over_a_stopped_one(owner, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job = background_job(owner, confirmed=True)
        worker_takes(job, progress=60)
        clock.shift(timedelta(seconds=20))
        assert import_ledger_job(job.pk) == "skipped"  # the first run still beats
        clock.shift(timedelta(seconds=STALE_SECONDS))
        assert import_ledger_job(job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert Transaction.objects.filter(portfolio__owner=owner).count() == 3
    assert sent == []


def test_a_job_whose_worker_stops_in_both_runs_fails_with_a_message(owner, client_of, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job = background_job(owner, confirmed=True)
        worker_takes(job, progress=30)
        clock.shift(timedelta(seconds=STALE_SECONDS + 1))
        assert import_jobs_revive()["requeued"] == 1
        worker_takes(job, progress=30)
        clock.shift(timedelta(seconds=STALE_SECONDS + 1))
        # The page finds it first: the job fails there and then, with its message.
        state = status(client_of, job)
    assert (state["status"], state["progress"], state["finished"]) == ("failed", 100, True)
    assert state["next"] == reverse("portfolios:import_preview", kwargs={"job_id": job.pk})
    job.refresh_from_db()
    assert (job.attempts, job.error_count, job.errors) == (
        2,
        1,
        [{"line": 0, "field": "import", "message": STOPPED}],
    )
    assert STOPPED in client_of.get(state["next"]).content.decode()
    assert sent == [job.pk]  # the one requeue; a failed job is not sent again
    assert import_ledger_job(job.pk) == "skipped"
    assert not Transaction.objects.exists()
    assert not Portfolio.objects.filter(owner=owner).exists()


def test_a_redelivered_task_fails_a_job_stopped_in_its_last_run(owner) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job = background_job(owner, confirmed=False)
        ImportJob.objects.filter(pk=job.pk).update(attempts=1)
        worker_takes(job, progress=10)
        clock.shift(timedelta(seconds=STALE_SECONDS + 1))
        assert import_ledger_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.errors[0]["message"].startswith("The worker stopped while checking this file, 2 times;")


def test_the_progress_shown_is_the_current_runs_never_the_previews(owner, client_of, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        job = background_job(owner, confirmed=False)
        import_job_run(job_id=job.pk)  # the preview's run, to its end
        job.refresh_from_db()
        assert (job.status, job.progress) == ("done", 100)
        last = read_beat(import_watch.beat_key(job.pk))
        assert last is not None
        assert (last.run, last.progress) == ("preview-1", 95)

        job = import_job_confirm(job=job)
        assert (job.status, job.progress, job.attempts) == ("queued", 0, 0)
        assert status(client_of, job)["progress"] == 0
        claimed = import_tasks._claim(job.pk)
        assert claimed is not None
        # The preview's last beat (95%) is still in the cache: it is not this run's.
        assert status(client_of, job)["progress"] == 5
        write_beat(
            import_watch.beat_key(job.pk),
            Beat(run=import_watch.run_of(claimed), at=T0.timestamp(), progress=60, worker="w2"),
        )
        assert status(client_of, job)["progress"] == 60


def test_a_queued_job_whose_message_was_lost_is_sent_again(owner, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job = background_job(owner, confirmed=False)
        clock.shift(import_watch.RESEND_QUEUED - timedelta(seconds=1))
        assert import_jobs_revive()["resent"] == 0
        clock.shift(timedelta(seconds=2))
        assert import_jobs_revive()["resent"] == 1
        assert import_jobs_revive()["resent"] == 0  # not again until another RESEND_QUEUED passes
    assert sent == [job.pk]
    job.refresh_from_db()
    assert job.status == "queued"
    # The spare message and the first one: one runs it, the other finds it done.
    assert import_ledger_job(job.pk) == "done"
    assert import_ledger_job(job.pk) == "skipped"


def test_a_run_whose_job_was_taken_over_commits_nothing(owner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A run that stopped beating for a while (a frozen process) and then goes on: the watchdog gave its job
    to another run meanwhile, so its rows roll back rather than land twice."""
    job = background_job(owner, confirmed=True)
    real_import = import_tasks.ledger_import

    def taken_over_meanwhile(**kwargs):  # type: ignore[no-untyped-def]
        summary = real_import(**kwargs)
        assert Transaction.objects.count() == 3  # written, not committed
        ImportJob.objects.filter(pk=job.pk).update(attempts=2)
        return summary

    monkeypatch.setattr(import_tasks, "ledger_import", taken_over_meanwhile)
    assert import_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    # (Here the takeover's own update was made in the run's transaction, so it rolled back too.)
    assert job.status == "running"
    assert not Transaction.objects.exists()
    assert not Portfolio.objects.filter(owner=owner).exists()


def test_without_a_readable_cache_a_running_job_is_left_alone(owner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import caches

    with time_machine.travel(T0, tick=False) as clock:
        job = background_job(owner, confirmed=True)
        worker_takes(job, progress=10)
        clock.shift(timedelta(minutes=10))

        def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError("cache down")

        monkeypatch.setattr(caches["default"], "get", unreachable)
        assert import_jobs_revive() == {"requeued": 0, "failed": 0, "resent": 0}
    job.refresh_from_db()
    assert job.status == "running"
