"""A year with more taxable sales than the threshold is built by a worker: the download opens a page that
polls the job, the API answers 202 with the job's URL, and the file is the same as a direct download."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from portfolios.services import TransactionData, transaction_record
from taxes.exports import render
from taxes.models import ReportJob
from taxes.reports import report_job_run
from taxes.summary import year_summary
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def eager():  # type: ignore[no-untyped-def]
    """Celery's eager mode: .delay runs the task in the test, as a worker would."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def ann():  # type: ignore[no-untyped-def]
    """Three taxable sales in 2025: over a threshold of 2, under the default."""
    user = UserFactory(username="ann")
    coinbase = AccountFactory(portfolio=PortfolioFactory(owner=user, name="Book"), name="Coinbase")
    btc = AssetFactory(symbol="BTC", asset_class="crypto")
    with time_machine.travel(NOW, tick=False):
        for kind, day, price in (
            ("buy", "2025-01-02", "100"),
            ("sell", "2025-03-02", "150"),
            ("sell", "2025-03-03", "160"),
            ("sell", "2025-03-04", "170"),
        ):
            qty = "3" if kind == "buy" else "1"
            when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
            data = TransactionData(
                account=coinbase, type=kind, timestamp=when, quantity=D(qty), unit_price=D(price), asset=btc
            )
            transaction_record(portfolio=coinbase.portfolio, data=data)
    return user


def expected(user, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    return render(year_summary(owner=user, year=2025), fmt).content


@time_machine.travel(NOW, tick=False)
def test_a_small_year_downloads_at_once(client, ann) -> None:  # type: ignore[no-untyped-def]
    client.force_login(ann)
    response = client.get(reverse("taxes:download", args=[2025, "csv"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert not ReportJob.objects.exists()
    assert " download>" in client.get(reverse("taxes:summary", args=[2025])).content.decode()


@override_settings(TAX_REPORT_WORKER_DISPOSALS=2)
@time_machine.travel(NOW, tick=False)
def test_a_large_year_is_built_by_the_worker(client, ann, eager, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client.force_login(ann)
    page = client.get(reverse("taxes:summary", args=[2025])).content.decode()
    assert "built in the background" in page
    assert " download>" not in page  # the link opens the progress page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("taxes:download", args=[2025, "pdf"]))
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("taxes:report_job", args=[job.pk])
    assert (job.owner, job.year, job.format, job.portfolio) == (ann, 2025, "pdf", None)
    assert (job.status, job.progress, job.stage, job.error) == ("done", 100, "Ready", "")
    assert job.finished_at is not None

    html = client.get(response["Location"]).content.decode()
    assert reverse("taxes:report_job_status", args=[job.pk]) in html
    assert reverse("taxes:report_job_file", args=[job.pk]) in html
    status = client.get(reverse("taxes:report_job_status", args=[job.pk])).json()
    assert (status["status"], status["finished"], status["progress"]) == ("done", True, 100)
    assert status["file_url"] == reverse("taxes:report_job_file", args=[job.pk])
    file = client.get(status["file_url"])
    assert file.status_code == 200
    assert file["Content-Type"] == "application/pdf"
    assert file["Content-Disposition"] == 'attachment; filename="lotwise-2025-tax-summary.pdf"'
    assert file.content == expected(ann, "pdf")


@override_settings(TAX_REPORT_WORKER_DISPOSALS=2)
@time_machine.travel(NOW, tick=False)
def test_a_queued_job_shows_progress_and_is_not_queued_twice(client, ann) -> None:  # type: ignore[no-untyped-def]
    """Without the worker having run: the page polls, the file URL leads back to the page, and asking for
    the same file again finds the same job."""
    client.force_login(ann)
    first = client.get(reverse("taxes:download", args=[2025, "csv"]))
    again = client.get(reverse("taxes:download", args=[2025, "csv"]))
    assert first["Location"] == again["Location"]
    job = ReportJob.objects.get()
    status = client.get(reverse("taxes:report_job_status", args=[job.pk])).json()
    assert (status["status"], status["finished"], status["file_url"]) == ("queued", False, None)
    not_ready = client.get(reverse("taxes:report_job_file", args=[job.pk]))
    assert not_ready.status_code == 302
    # The worker's run, twice (a redelivered message): the file is built once and stays.
    assert report_job_run(job_id=job.pk) is not None
    assert report_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == "done"
    assert bytes(job.content) == expected(ann, "csv")
    # A finished job is not reused: the next request builds the file from the ledger as it is then.
    client.get(reverse("taxes:download", args=[2025, "csv"]))
    assert ReportJob.objects.count() == 2


@override_settings(TAX_REPORT_WORKER_DISPOSALS=2)
@time_machine.travel(NOW, tick=False)
def test_a_failure_ends_the_job_with_its_message(
    client, ann, eager, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    def broken(summary, fmt):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr("taxes.reports.render", broken)
    client.force_login(ann)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("taxes:download", args=[2025, "csv"]))
    job = ReportJob.objects.get()
    assert (job.status, job.error) == ("failed", "The file could not be built: disk full")
    assert job.content is None
    status = client.get(reverse("taxes:report_job_status", args=[job.pk])).json()
    assert (status["status"], status["finished"], status["file_url"]) == ("failed", True, None)
    assert "disk full" in client.get(reverse("taxes:report_job", args=[job.pk])).content.decode()


@override_settings(TAX_REPORT_WORKER_DISPOSALS=2)
@time_machine.travel(NOW, tick=False)
def test_another_users_job_is_a_404(client, ann) -> None:  # type: ignore[no-untyped-def]
    job = ReportJob.objects.create(owner=ann, year=2025, format="csv")
    report_job_run(job_id=job.pk)
    client.force_login(UserFactory(username="bob"))
    for name in ("taxes:report_job", "taxes:report_job_status", "taxes:report_job_file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    api = APIClient()
    api.force_authenticate(UserFactory(username="bob"))
    assert api.get(f"/api/taxes/reports/{job.pk}/").status_code == 404
    assert api.get(f"/api/taxes/reports/{job.pk}/file/").status_code == 404


@override_settings(TAX_REPORT_WORKER_DISPOSALS=2)
@time_machine.travel(NOW, tick=False)
def test_api_answers_202_with_the_jobs_url(ann, eager, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_authenticate(ann)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accepted = api.get("/api/taxes/2025/download/json/")
    assert accepted.status_code == 202
    job = ReportJob.objects.get()
    body = accepted.json()
    assert body["status_url"] == f"/api/taxes/reports/{job.pk}/" == accepted["Location"]
    assert (body["status"], body["file_url"]) == ("queued", None)
    assert api.get(f"/api/taxes/reports/{job.pk}/file/").status_code == 409
    for callback in callbacks:
        callback()
    state = api.get(body["status_url"]).json()
    assert (state["status"], state["progress"]) == ("done", 100)
    assert state["file_url"] == f"/api/taxes/reports/{job.pk}/file/"
    file = api.get(state["file_url"])
    assert file.status_code == 200
    assert file.content == expected(ann, "json")
