"""A tax file whose worker stops: its heartbeat goes stale, and the job is run again or failed with a message,
never left "running"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from config.heartbeat import STALE_SECONDS, Beat, write_beat
from taxes import reports
from taxes.models import ReportJob
from taxes.reports import report_job_for, report_job_run, report_job_state, report_jobs_revive
from taxes.tasks import build_report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def own_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def sent(monkeypatch):  # type: ignore[no-untyped-def]
    """Jobs the watchdog hands to the worker, recorded (at once: the test's transaction never commits)."""
    jobs: list[int] = []
    monkeypatch.setattr(build_report, "delay", jobs.append)
    monkeypatch.setattr(reports, "transaction", SimpleNamespace(on_commit=lambda send: send()))
    return jobs


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory(username="ann")


def worker_takes(job: ReportJob) -> ReportJob:
    """A worker claims the job and beats once; then it dies."""
    claimed = reports._claim(job.pk)
    assert claimed is not None
    beat = Beat(run=str(claimed.attempts), at=datetime.now(UTC).timestamp(), worker="w1 pid 7")
    write_beat(reports.beat_key(job.pk), beat)
    return claimed


def state(job: ReportJob) -> dict[str, object]:
    return report_job_state(job, file_url="/file")


def test_a_job_whose_worker_stopped_is_run_again(owner, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job, created = report_job_for(owner=owner, year=2025, fmt="csv")
        assert created
        worker_takes(job)
        clock.shift(timedelta(seconds=STALE_SECONDS - 1))
        assert report_jobs_revive() == {"requeued": 0, "failed": 0, "resent": 0}
        assert report_job_run(job_id=job.pk) is None  # a redelivered copy: the run still beats
        assert report_job_for(owner=owner, year=2025, fmt="csv") == (job, False)

        clock.shift(timedelta(seconds=2))
        shown = state(ReportJob.objects.get(pk=job.pk))
        assert (shown["status"], shown["progress"], shown["stage"], shown["finished"]) == (
            "queued",
            0,
            "Queued",
            False,
        )
        assert sent == [job.pk]
        assert report_jobs_revive()["requeued"] == 0  # once

        done = report_job_run(job_id=job.pk)
    assert done is not None
    assert (done.status, done.attempts, done.stage, done.progress) == ("done", 2, "Ready", 100)


def test_a_job_whose_worker_stops_in_both_runs_fails_with_a_message(owner, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job, _ = report_job_for(owner=owner, year=2025, fmt="pdf")
        worker_takes(job)
        clock.shift(timedelta(seconds=STALE_SECONDS + 1))
        assert report_jobs_revive()["requeued"] == 1
        worker_takes(job)
        clock.shift(timedelta(seconds=STALE_SECONDS + 1))
        assert report_jobs_revive() == {"requeued": 0, "failed": 1, "resent": 0}
        shown = state(ReportJob.objects.get(pk=job.pk))
        assert (shown["status"], shown["finished"], shown["file_url"]) == ("failed", True, None)
        assert shown["error"] == "The worker stopped while building this file, 2 times. Try again."
        assert sent == [job.pk]
        # Asking for the file again starts a new job rather than reusing the failed one.
        again, created = report_job_for(owner=owner, year=2025, fmt="pdf")
    assert created
    assert again.pk != job.pk


def test_a_redelivered_task_fails_a_job_stopped_in_its_last_run(owner) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job, _ = report_job_for(owner=owner, year=2025, fmt="csv")
        ReportJob.objects.filter(pk=job.pk).update(attempts=1)
        worker_takes(job)
        clock.shift(timedelta(seconds=STALE_SECONDS + 1))
        failed = report_job_run(job_id=job.pk)
    assert failed is not None
    assert (failed.status, failed.error) == (
        "failed",
        "The worker stopped while building this file, 2 times. Try again.",
    )


def test_a_queued_job_whose_message_was_lost_is_sent_again(owner, sent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False) as clock:
        job, _ = report_job_for(owner=owner, year=2025, fmt="json")
        clock.shift(reports.RESEND_QUEUED + timedelta(seconds=1))
        assert report_jobs_revive()["resent"] == 1
        assert report_jobs_revive()["resent"] == 0
    assert sent == [job.pk]
