"""The CSV import page: upload -> preview (kept server-side) -> confirm; large files through the task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolios import import_tasks
from portfolios.import_tasks import LARGE_IMPORT_ROWS, import_ledger_job
from portfolios.models import Account, ImportJob, Portfolio, Transaction
from portfolios.services import TransactionData, transaction_delete, transaction_record
from taxes.models import TaxLot
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,acquired_at,cost_basis,external_id,notes\n"
GOOD = HEADER + (
    "2023-01-10T12:00:00+00:00,Exchange,buy,BTC,1,20000,10,,,,,,,first\n"
    "2023-06-01T12:00:00+00:00,Exchange,buy,BTC,1,30000,0,,,,,,,\n"
    "2024-03-01T12:00:00+00:00,Exchange,sell,BTC,1.5,60000,30,,,,,,,\n"
    "2024-04-01T00:00:00Z,Wallet,staking,ETH,0.123456789012345678,3000,0,,,,,,,\n"
)
BAD = GOOD.replace(
    "2024-03-01T12:00:00+00:00,Exchange,sell,BTC,1.5,", "2024-03-01T12:00:00+00:00,Exchange,sell,BTC,1.5.1,"
)


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory(username="ann")


@pytest.fixture
def portfolio(owner):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=owner, name="Main")


@pytest.fixture
def logged_in(client, owner):  # type: ignore[no-untyped-def]
    client.force_login(owner)
    return client


@pytest.fixture
def queued(monkeypatch):  # type: ignore[no-untyped-def]
    """Jobs sent to the worker, recorded instead of going to a broker."""
    sent: list[int] = []
    monkeypatch.setattr(import_ledger_job, "delay", lambda job_id: sent.append(job_id))
    return sent


@pytest.fixture
def eager():  # type: ignore[no-untyped-def]
    """Celery's eager mode: .delay runs the task in the test, as a worker would."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def upload(client, text: str, *, name: str = "ledger.csv", **fields: object):  # type: ignore[no-untyped-def]
    data = {
        "file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"),
        "basis_method": "fifo",
        **fields,
    }
    return client.post(reverse("portfolios:import_upload"), data)


def preview_url(job: ImportJob) -> str:
    return reverse("portfolios:import_preview", kwargs={"job_id": job.pk})


def status(client, job: ImportJob) -> dict[str, object]:  # type: ignore[no-untyped-def]
    response = client.get(reverse("portfolios:import_status", kwargs={"job_id": job.pk}))
    assert response.status_code == 200
    return response.json()


def test_upload_page_offers_the_users_portfolios_and_basis_methods(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    PortfolioFactory(name="Someone else's")
    response = logged_in.get(reverse("portfolios:import_upload") + f"?portfolio={portfolio.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{portfolio.pk}" selected>Main</option>' in html
    assert "Someone else" not in html
    assert 'value="hifo"' in html
    assert 'enctype="multipart/form-data"' in html


def test_good_file_preview_then_confirm_saves_rows(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    response = upload(logged_in, GOOD, portfolio=portfolio.pk, basis_method="hifo")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == preview_url(job)
    assert (job.row_count, job.status, job.confirmed, job.run_in_background) == (4, "done", False, False)
    assert job.content == GOOD  # kept server-side for the confirmation
    # The preview saved nothing.
    assert not Transaction.objects.exists()
    assert not Account.objects.exists()

    page = logged_in.get(preview_url(job))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="import-new">4<' in html
    assert 'id="import-duplicates">0<' in html
    assert 'id="import-accounts">Exchange, Wallet<' in html
    assert "<td>2023-06-01T12:00:00+00:00</td>" in html  # a listed row, with its line number before it
    assert "<tr><td>3</td>" in html
    assert "0.123456789012345678" in html
    assert 'id="confirm-form"' in html

    confirmed = logged_in.post(preview_url(job))
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("portfolios:import_done", kwargs={"job_id": job.pk})
    assert Transaction.objects.filter(portfolio=portfolio).count() == 4
    assert set(Account.objects.filter(portfolio=portfolio).values_list("name", "basis_method")) == {
        ("Exchange", "hifo"),
        ("Wallet", "hifo"),
    }
    assert TaxLot.objects.filter(portfolio=portfolio).count() == 2
    done = logged_in.get(confirmed["Location"])
    assert done.status_code == 200
    assert 'id="import-created">4<' in done.content.decode()
    assert (
        reverse("portfolios:transaction_list", kwargs={"portfolio_id": portfolio.pk}) in done.content.decode()
    )
    # The preview page of a finished import goes to the result.
    assert logged_in.get(preview_url(job))["Location"] == confirmed["Location"]
    # Once imported, no second copy of the file is kept.
    job.refresh_from_db()
    assert job.content == ""


def test_new_portfolio_is_created_only_on_confirm(logged_in, owner) -> None:  # type: ignore[no-untyped-def]
    upload(logged_in, GOOD, new_portfolio="Crypto")
    job = ImportJob.objects.get()
    assert job.portfolio_name == "Crypto"
    assert not Portfolio.objects.filter(name="Crypto").exists()
    logged_in.post(preview_url(job))
    created = Portfolio.objects.get(owner=owner, name="Crypto")
    assert created.transactions.count() == 4
    job.refresh_from_db()
    assert job.portfolio == created


def test_file_with_one_bad_line_shows_the_line_and_cannot_be_confirmed(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    upload(logged_in, BAD, portfolio=portfolio.pk)
    job = ImportJob.objects.get()
    assert (job.status, job.error_count) == ("failed", 1)
    page = logged_in.get(preview_url(job))
    html = page.content.decode()
    assert "line 4, quantity: &#x27;1.5.1&#x27; is not a number." in html
    assert 'id="confirm-form"' not in html
    assert "nothing was saved" in html
    refused = logged_in.post(preview_url(job))
    assert refused.status_code == 400
    assert "cannot be confirmed" in refused.content.decode()
    assert not Transaction.objects.exists()
    assert not Account.objects.exists()
    job.refresh_from_db()
    assert not job.confirmed


def test_a_lot_error_is_found_by_the_preview(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    oversell = GOOD.replace(",sell,BTC,1.5,", ",sell,BTC,2.5,")
    upload(logged_in, oversell, portfolio=portfolio.pk)
    html = logged_in.get(preview_url(ImportJob.objects.get())).content.decode()
    assert "line 4, quantity: quantity 2.5 is more than the 2 the account holds" in html
    assert not Transaction.objects.exists()


def test_reupload_of_the_same_file_shows_duplicates_and_adds_nothing(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    upload(logged_in, GOOD, portfolio=portfolio.pk)
    logged_in.post(preview_url(ImportJob.objects.get()))
    assert Transaction.objects.count() == 4

    upload(logged_in, GOOD, portfolio=portfolio.pk)
    again = ImportJob.objects.latest("id")
    html = logged_in.get(preview_url(again)).content.decode()
    assert 'id="import-new">0<' in html
    assert 'id="import-duplicates">4<' in html
    assert "Every row is already in the portfolio" in html
    assert logged_in.post(preview_url(again)).status_code == 302
    assert Transaction.objects.count() == 4


def test_confirm_imports_the_stored_file_not_a_new_upload(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    upload(logged_in, GOOD, portfolio=portfolio.pk)
    job = ImportJob.objects.get()
    other = HEADER + "2023-02-01T00:00:00+00:00,Elsewhere,buy,DOGE,1000000,0.1,0,,,,,,,\n"
    logged_in.post(preview_url(job), {"file": SimpleUploadedFile("other.csv", other.encode())})
    assert Transaction.objects.count() == 4
    assert not Account.objects.filter(name="Elsewhere").exists()


def test_a_job_is_confirmed_once(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    upload(logged_in, GOOD, portfolio=portfolio.pk)
    job = ImportJob.objects.get()
    assert logged_in.post(preview_url(job)).status_code == 302
    assert logged_in.post(preview_url(job)).status_code == 400
    assert Transaction.objects.count() == 4


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "new_portfolio", "Name the new portfolio"),
        ({"portfolio": "PORTFOLIO", "new_portfolio": "X"}, "new_portfolio", "not both"),
        ({"portfolio": "999999"}, "portfolio", "Select a valid choice"),
        ({"new_portfolio": "X", "basis_method": "average"}, "basis_method", "Select a valid choice"),
    ],
)
def test_upload_form_errors(logged_in, portfolio, fields, field, message) -> None:  # type: ignore[no-untyped-def]
    fields = {k: (portfolio.pk if v == "PORTFOLIO" else v) for k, v in fields.items()}
    response = upload(logged_in, GOOD, **fields)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_utf8_text_is_refused(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    data = {
        "file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00b\x00a\x00d"),
        "portfolio": portfolio.pk,
        "basis_method": "fifo",
    }
    response = logged_in.post(reverse("portfolios:import_upload"), data)
    assert response.status_code == 200
    assert "not UTF-8" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_a_missing_header_is_reported_as_line_1(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    upload(logged_in, "when,what\n2024-01-01,buy\n", portfolio=portfolio.pk)
    html = logged_in.get(preview_url(ImportJob.objects.get())).content.decode()
    assert "line 1, header: missing columns: timestamp, account, type" in html


# --- large imports through the worker -----------------------------------------------------------------


def large_file(rows: int, *, start: datetime = datetime(2022, 1, 1, tzinfo=UTC), extra: str = "") -> str:
    lines = [HEADER]
    for i in range(rows):
        when = (start + timedelta(hours=i)).isoformat()
        lines.append(f"{when},Exchange,buy,BTC,0.001,{20000 + i},0,,,,,,,\n")
    return "".join(lines) + extra


def test_large_import_runs_in_the_task_with_progress(
    logged_in, portfolio, queued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    text = large_file(LARGE_IMPORT_ROWS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(logged_in, text, portfolio=portfolio.pk)
    job = ImportJob.objects.get()
    assert job.run_in_background
    assert job.row_count == LARGE_IMPORT_ROWS + 1
    assert queued == [job.pk]
    assert status(logged_in, job) == {
        "status": "queued",
        "status_label": "Queued",
        "progress": 0,
        "confirmed": False,
        "finished": False,
        "error_count": 0,
        "next": None,
    }
    page = logged_in.get(response["Location"])
    assert 'role="progressbar"' in page.content.decode()
    assert 'id="confirm-form"' not in page.content.decode()

    assert import_ledger_job(job.pk) == "done"  # the preview (dry run) in the worker
    s = status(logged_in, job)
    assert (s["status"], s["progress"], s["finished"], s["next"]) == ("done", 100, True, preview_url(job))
    assert not Transaction.objects.exists()
    html = logged_in.get(preview_url(job)).content.decode()
    assert f'id="import-new">{LARGE_IMPORT_ROWS + 1}<' in html
    assert 'id="confirm-form"' in html
    assert f"and {LARGE_IMPORT_ROWS + 1 - 20} more new rows" in html

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = logged_in.post(preview_url(job))
    assert confirmed["Location"] == preview_url(job)  # back to the progress bar
    assert queued == [job.pk, job.pk]
    assert status(logged_in, job)["progress"] == 0
    assert import_ledger_job(job.pk) == "done"
    s = status(logged_in, job)
    done_url = reverse("portfolios:import_done", kwargs={"job_id": job.pk})
    assert (s["status"], s["progress"], s["confirmed"], s["next"]) == ("done", 100, True, done_url)
    assert Transaction.objects.filter(portfolio=portfolio).count() == LARGE_IMPORT_ROWS + 1
    assert TaxLot.objects.filter(portfolio=portfolio).count() == LARGE_IMPORT_ROWS + 1
    # The task is idempotent: a redelivered message finds the job done and does nothing.
    assert import_ledger_job(job.pk) == "skipped"
    assert Transaction.objects.count() == LARGE_IMPORT_ROWS + 1


def test_large_import_is_all_or_nothing_when_the_import_fails(
    logged_in, portfolio, django_capture_on_commit_callbacks, eager
) -> None:  # type: ignore[no-untyped-def]
    """The preview passed, then the ledger changed under it: the worker's import fails and saves nothing."""
    account = AccountFactory(portfolio=portfolio, name="Exchange")
    btc = AssetFactory(symbol="BTC")
    data = TransactionData(
        account=account,
        type="buy",
        timestamp=datetime(2021, 6, 1, tzinfo=UTC),
        quantity=Decimal(5),
        asset=btc,
        unit_price=Decimal(30000),
    )
    early = transaction_record(portfolio=portfolio, data=data)
    sell_line = LARGE_IMPORT_ROWS + 2
    text = large_file(
        LARGE_IMPORT_ROWS, extra="2023-01-01T00:00:00+00:00,Exchange,sell,BTC,6,17000,0,,,,,,,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(logged_in, text, portfolio=portfolio.pk)
    job = ImportJob.objects.get()
    assert (job.status, job.progress, job.error_count) == ("done", 100, 0)

    transaction_delete(tx=early)  # now the file's sale of 6 BTC needs more than its 2 BTC of buys
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(preview_url(job))
    job.refresh_from_db()
    assert (job.confirmed, job.status, job.progress, job.error_count) == (True, "failed", 100, 1)
    assert job.errors[0]["line"] == sell_line
    assert job.errors[0]["field"] == "quantity"
    assert not Transaction.objects.filter(portfolio=portfolio).exists()
    assert not TaxLot.objects.filter(portfolio=portfolio).exists()
    s = status(logged_in, job)
    assert (s["finished"], s["next"]) == (True, preview_url(job))
    html = logged_in.get(preview_url(job)).content.decode()
    assert f"line {sell_line}, quantity:" in html
    assert "rolled back" in html


def test_a_large_preview_with_a_bad_line_fails_in_the_task(logged_in, portfolio, queued) -> None:  # type: ignore[no-untyped-def]
    text = large_file(LARGE_IMPORT_ROWS, extra="2023-01-01T00:00:00,Exchange,buy,BTC,1,1,0,,,,,,,\n")
    upload(logged_in, text, portfolio=portfolio.pk)
    job = ImportJob.objects.get()
    import_ledger_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress, job.errors[0]["line"], job.errors[0]["field"]) == (
        "failed",
        100,
        LARGE_IMPORT_ROWS + 2,
        "timestamp",
    )
    assert logged_in.post(preview_url(job)).status_code == 400
    assert not Transaction.objects.exists()


def test_a_job_lost_with_its_worker_runs_again(owner, portfolio, queued) -> None:  # type: ignore[no-untyped-def]
    job = ImportJob.objects.create(
        owner=owner,
        portfolio_name="Main",
        content=GOOD,
        row_count=4,
        run_in_background=True,
        status="running",
    )
    assert import_ledger_job(job.pk) == "skipped"  # another worker may still have it
    ImportJob.objects.filter(pk=job.pk).update(updated_at=datetime.now(UTC) - import_tasks.STALE_RUNNING * 2)
    assert import_ledger_job(job.pk) == "done"


def test_progress_is_reported_while_the_import_runs(logged_in, portfolio, queued, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Stages report progress through the cache, which the status view reads while the job is running."""
    from portfolios import import_tasks, importing

    text = large_file(LARGE_IMPORT_ROWS + 1)
    upload(logged_in, text, portfolio=portfolio.pk)
    job = ImportJob.objects.get()
    seen: list[int] = []
    real_import = importing.ledger_import

    def spying_import(**kwargs):  # type: ignore[no-untyped-def]
        report = kwargs["progress"]

        def recording(percent: int) -> None:
            report(percent)
            seen.append(status(logged_in, job)["progress"])

        return real_import(**{**kwargs, "progress": recording})

    monkeypatch.setattr(import_tasks, "ledger_import", spying_import)
    assert import_ledger_job(job.pk) == "done"
    assert seen[0] == 5
    assert seen == sorted(seen)
    assert {45, 60, 95} <= set(seen)
    assert status(logged_in, job)["progress"] == 100


def test_abandoned_previews_are_purged(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    """Uploads previewed but never imported are deleted after a week; imported ones stay as a record."""
    from datetime import timedelta

    from django.utils import timezone

    from portfolios.import_tasks import import_jobs_purge

    upload(logged_in, GOOD, portfolio=portfolio.pk)
    abandoned = ImportJob.objects.get()
    upload(logged_in, GOOD.replace("2023-", "2022-"), portfolio=portfolio.pk)
    imported = ImportJob.objects.exclude(pk=abandoned.pk).get()
    logged_in.post(preview_url(imported))
    now = timezone.now()
    assert import_jobs_purge(now=now + timedelta(days=6)) == 0
    assert import_jobs_purge(now=now + timedelta(days=8)) == 1
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [imported.pk]
