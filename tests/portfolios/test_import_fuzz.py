"""Bad files and bad values never crash an import, the form or the API: each is refused with the line and
field it is about, and nothing is saved. One test per crash class of the fuzz (year-1 timestamps with an
offset, a cell over the CSV reader's limit, lot picks out of range, NUL bytes, CR-only line endings, bytes
that are not UTF-8), through the command, the import page and the API; then a few hundred generated inputs
(the full run is bench/fuzz_import.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from portfolios import import_tasks
from portfolios.models import ImportJob, LotPick, Transaction
from portfolios.services import TransactionData, transaction_errors, transaction_record
from taxes.models import TaxLot
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory
from tests.portfolios.fuzz_inputs import cases
from tests.portfolios.fuzz_targets import Harness, counts

pytestmark = pytest.mark.django_db

HEADER = "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,acquired_at,cost_basis,external_id,notes,lot_picks\n"
BUY = "2024-01-10T12:00:00+00:00,Exchange,buy,BTC,1,20000,0,,,,,,b1,,\n"
SELL = "2024-02-10T12:00:00+00:00,Exchange,sell,BTC,0.5,30000,0,,,,,,s1,,{picks}\n"
SAVE_AS = "save it as CSV UTF-8 (in Excel: Save As, then 'CSV UTF-8 (Comma delimited)')"


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory(username="ann", timezone="America/New_York")


@pytest.fixture
def portfolio(owner):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=owner, name="Main")


@pytest.fixture
def logged_in(client, owner):  # type: ignore[no-untyped-def]
    client.force_login(owner)
    return client


def command(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run import_ledger on `content`; the errors it printed, without the file name."""
    path = tmp_path / "ledger.csv"
    path.write_bytes(content)
    before = counts()
    with pytest.raises(CommandError, match=r"Import rejected: \d+ problem\(s\); nothing was saved."):
        call_command("import_ledger", str(path), "--user", "ann", "--portfolio", "Main")
    assert counts() == before
    return [line.removeprefix(f"{path}: ") for line in capsys.readouterr().err.splitlines()]


def upload(client, content: bytes, portfolio, *, background: bool = False):  # type: ignore[no-untyped-def]
    """Upload through the page; run the worker's task for a background job. The job, or the response of a
    refused upload."""
    data = {
        "file": SimpleUploadedFile("ledger.csv", content),
        "portfolio": portfolio.pk,
        "basis_method": "fifo",
    }
    response = client.post(reverse("portfolios:import_upload"), data)
    if response.status_code != 302:
        return response
    job = ImportJob.objects.get()
    assert job.run_in_background is background
    if background:
        import_tasks.import_ledger_job(job.pk)
        job.refresh_from_db()
    page = client.get(reverse("portfolios:import_preview", args=[job.pk]))
    assert page.status_code == 200
    return job


def job_errors(job: ImportJob) -> list[tuple[int, str, str]]:
    assert job.status == ImportJob.Status.FAILED
    return [(e["line"], e["field"], e["message"]) for e in job.errors]


# Year-1 (and year-9999) timestamps with an offset: OverflowError when turned into UTC.


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        (
            "0001-01-01T00:00:00+05:00",
            "'0001-01-01T00:00:00+05:00' is out of range: dates run from 1900-01-01 to today.",
        ),
        (
            "9999-12-31T23:59:59-05:00",
            "'9999-12-31T23:59:59-05:00' is out of range: dates run from 1900-01-01 to today.",
        ),
        ("0001-01-01T00:00:00+00:00", "timestamp is before 1900-01-01, the earliest date Lotwise keeps."),
    ],
)
def test_year_one_timestamp_through_the_command(tmp_path, capsys, portfolio, stamp, message) -> None:  # type: ignore[no-untyped-def]
    content = HEADER + BUY.replace("2024-01-10T12:00:00+00:00", stamp)
    assert command(tmp_path, content.encode(), capsys) == [f"line 2, timestamp: {message}"]


def test_year_one_timestamp_in_an_export_names_its_column(tmp_path, capsys, portfolio) -> None:  # type: ignore[no-untyped-def]
    content = (
        "Timestamp,Transaction Type,Asset,Quantity Transacted,USD Spot Price at Transaction,USD Subtotal\n"
    )
    content += "0001-01-01T00:00:00+05:00,Buy,BTC,0.1,32000,3200\n"
    expected = (
        "line 2, Timestamp: '0001-01-01T00:00:00+05:00' is out of range: dates run from 1900-01-01 to today."
    )
    assert command(tmp_path, content.encode(), capsys) == [expected]


@pytest.mark.parametrize("background", [False, True])
def test_year_one_timestamp_through_the_page(logged_in, portfolio, monkeypatch, background) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(import_tasks, "LARGE_IMPORT_ROWS", 0 if background else 2000)
    monkeypatch.setattr(import_tasks.import_ledger_job, "delay", lambda job_id: None)
    before = counts()
    job = upload(
        logged_in,
        (HEADER + BUY.replace("2024-01-10T12:00:00+00:00", "0001-01-01T00:00:00+05:00")).encode(),
        portfolio,
        background=background,
    )
    message = "'0001-01-01T00:00:00+05:00' is out of range: dates run from 1900-01-01 to today."
    assert job_errors(job) == [(2, "timestamp", message)]
    assert counts() == before


def test_year_one_timestamp_through_the_api_and_the_form(logged_in, owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio, name="Exchange")
    btc = AssetFactory(symbol="BTC")
    api = APIClient()
    api.force_authenticate(owner)
    url = f"/api/portfolios/{portfolio.pk}/transactions/"
    payload = {"account": account.pk, "type": "buy", "asset": "BTC", "quantity": "1", "unit_price": "10"}
    # Midnight UTC of year 1 is still year 0 in New York, the owner's zone.
    response = api.post(url, {**payload, "timestamp": "0001-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "timestamp": ["Timestamp is before 1900-01-01, the earliest date Lotwise keeps."]
    }
    response = api.post(url, {**payload, "timestamp": "0001-01-01T00:00:00+05:00"}, format="json")
    assert (response.status_code, response.json()) == (400, {"timestamp": ["Datetime value out of range."]})
    form = {
        "account": account.pk,
        "asset": btc.pk,
        "quantity": "1",
        "unit_price": "10",
        "timestamp": "0001-01-01T00:00:00",
    }
    add = reverse("portfolios:transaction_add", args=[portfolio.pk]) + "?type=buy"
    page = logged_in.post(add, form)
    assert page.status_code == 200
    assert page.context["form"].errors["timestamp"] == [
        "Timestamp is before 1900-01-01, the earliest date Lotwise keeps."
    ]
    gift = {
        **payload,
        "type": "gift_received",
        "timestamp": "2024-01-01T00:00:00Z",
        "acquired_at": "0001-01-01",
        "cost_basis": "5",
    }
    response = api.post(url, gift, format="json")
    assert response.json() == {
        "acquired_at": ["The date is before 1900-01-01, the earliest date Lotwise keeps."]
    }
    assert not Transaction.objects.exists()


def test_an_offset_postgresql_cannot_store_is_kept_as_utc_or_refused(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio, name="Exchange")
    add = reverse("portfolios:transaction_add", args=[portfolio.pk]) + "?type=deposit"
    form = {"account": account.pk, "quantity": "5", "timestamp": "2024-06-01T12:00:00-23:59"}
    assert logged_in.post(add, form).status_code == 302
    assert Transaction.objects.get().timestamp == datetime(2024, 6, 2, 11, 59, tzinfo=UTC)
    far = datetime(2024, 6, 1, 12, tzinfo=timezone(-timedelta(hours=23, minutes=59)))
    data = TransactionData(account=account, type="deposit", timestamp=far, quantity=Decimal(5))
    assert transaction_errors(portfolio=portfolio, data=data) == {
        "timestamp": "Timestamp's offset from UTC is out of range (at most 15:59 either way)."
    }


# A cell longer than the csv module's field limit (131,072 characters): csv.Error, a 500 on the page.

LONG = 'line 2, row: a value longer than 131,072 characters starts on this line; check for a quote (") that is opened and never closed.'


def test_huge_cell_through_the_command(tmp_path, capsys, portfolio) -> None:  # type: ignore[no-untyped-def]
    content = HEADER + BUY.replace(",b1,,", ",b1," + "x" * 140_000 + ",")
    assert command(tmp_path, content.encode(), capsys) == [LONG]


def test_unclosed_quote_swallowing_the_file_through_the_command(tmp_path, capsys, portfolio) -> None:  # type: ignore[no-untyped-def]
    content = HEADER + BUY + '2024-01-11T12:00:00+00:00,Exchange,buy,BTC,1,"20000\n' + BUY * 3000
    assert command(tmp_path, content.encode(), capsys) == [LONG.replace("line 2", "line 3")]


def test_huge_cell_through_the_page_is_refused_before_any_job(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    response = upload(
        logged_in, (HEADER + BUY.replace(",b1,,", ",b1," + "x" * 140_000 + ",")).encode(), portfolio
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [LONG]
    assert not ImportJob.objects.exists()


# Lot picks out of range: a database overflow (PostgreSQL) or an escaped ValidationError (18 places).


@pytest.mark.parametrize(
    ("picks", "message"),
    [
        ("b1:1e30", "the quantity picked from 'b1': must be less than 1,000,000,000,000,000 (10^15)."),
        ("b1:0.0000000000000000001", "the quantity picked from 'b1': at most 18 decimal places."),
        ("b1:-0.5", "the quantity picked from 'b1': must be greater than zero."),
    ],
)
def test_lot_picks_out_of_range_through_the_command(tmp_path, capsys, portfolio, picks, message) -> None:  # type: ignore[no-untyped-def]
    content = HEADER + BUY + SELL.format(picks=picks)
    assert command(tmp_path, content.encode(), capsys) == [f"line 3, lot_picks: {message}"]


def test_lot_picks_out_of_range_through_the_page(logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    job = upload(logged_in, (HEADER + BUY + SELL.format(picks="b1:1e30")).encode(), portfolio)
    message = "the quantity picked from 'b1': must be less than 1,000,000,000,000,000 (10^15)."
    assert job_errors(job) == [(3, "lot_picks", message)]
    assert not LotPick.objects.exists()
    assert not Transaction.objects.exists()


def test_lot_picks_out_of_range_through_the_api_and_the_form(logged_in, owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory(portfolio=portfolio, name="Exchange")
    btc = AssetFactory(symbol="BTC")
    when = datetime(2024, 1, 10, 17, tzinfo=UTC)
    data = TransactionData(
        account=account, type="buy", timestamp=when, quantity=Decimal(1), asset=btc, unit_price=Decimal(100)
    )
    bought = transaction_record(portfolio=portfolio, data=data)
    api = APIClient()
    api.force_authenticate(owner)
    url = f"/api/portfolios/{portfolio.pk}/transactions/"
    sale = {
        "account": account.pk,
        "type": "sell",
        "timestamp": "2024-02-01T10:00:00Z",
        "asset": "BTC",
        "quantity": "0.5",
        "unit_price": "200",
    }
    cases_sent = [
        (
            {"origin": bought.pk, "quantity": "999999999999999999999"},
            {
                "lot_picks": [
                    f"The quantity picked from lot #{bought.pk}: must be less than 1,000,000,000,000,000 (10^15)."
                ]
            },
        ),
        (
            {"origin": 2**63, "quantity": "0.5"},
            {
                "lot_picks": {
                    "0": {"origin": ["Ensure this value is less than or equal to 9223372036854775807."]}
                }
            },
        ),
        (
            {"origin": bought.pk, "quantity": "1e30"},
            {
                "lot_picks": {
                    "0": {
                        "quantity": ["Ensure that there are no more than 22 digits before the decimal point."]
                    }
                }
            },
        ),
    ]
    for pick, answer in cases_sent:
        response = api.post(url, {**sale, "lot_picks": [pick]}, format="json")
        assert (response.status_code, response.json()) == (400, answer)
    add = reverse("portfolios:transaction_add", args=[portfolio.pk]) + "?type=sell"
    form = {
        "account": account.pk,
        "asset": btc.pk,
        "quantity": "0.5",
        "unit_price": "200",
        "timestamp": "2024-02-01T10:00:00",
        f"lot_picks_{bought.pk}": "1e30",
    }
    page = logged_in.post(add, form)
    assert page.status_code == 200
    assert page.context["form"].errors["lot_picks"] == [
        f"The quantity picked from lot #{bought.pk}: must be less than 1,000,000,000,000,000 (10^15)."
    ]
    page = logged_in.post(add, {**form, f"lot_picks_{bought.pk}": "", "lot_picks_²": "1"})
    assert page.status_code == 302  # a name that is not a lot is ignored, as any unknown input
    assert Transaction.objects.count() == 2
    assert TaxLot.objects.get().quantity == Decimal("0.5")


# NUL bytes: PostgreSQL refuses them in text (DataError) after everything else was checked.


def test_nul_byte_through_the_command(tmp_path, capsys, portfolio) -> None:  # type: ignore[no-untyped-def]
    content = HEADER + BUY + BUY.replace(",b1,,", ",b2,no\x00te,")
    assert command(tmp_path, content.encode(), capsys) == [
        "line 3, file: contains a NUL character; this is not a text CSV file."
    ]


def test_nul_byte_through_the_page_and_the_api(logged_in, owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    response = upload(logged_in, (HEADER + BUY.replace("Exchange", "Ex\x00change")).encode(), portfolio)
    assert response.context["form"].errors["file"] == [
        "line 2, file: contains a NUL character; this is not a text CSV file."
    ]
    account = AccountFactory(portfolio=portfolio, name="Exchange")
    api = APIClient()
    api.force_authenticate(owner)
    payload = {"account": account.pk, "type": "deposit", "timestamp": "2024-01-01T00:00:00Z", "quantity": "5"}
    url = f"/api/portfolios/{portfolio.pk}/transactions/"
    response = api.post(url, {**payload, "notes": "a\x00b"}, format="json")
    assert (response.status_code, response.json()) == (400, {"notes": ["Null characters are not allowed."]})
    # JSON can also carry a lone surrogate, which no database or response can hold.
    response = api.post(url, '{"type": "\\ud800", "quantity": "1"}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == [
        "Holds a character that is not valid text (an unpaired surrogate such as \\ud800)."
    ]
    assert not ImportJob.objects.exists()
    assert not Transaction.objects.exists()


# Line endings and encodings: CR-only files were a 500 on the page; bytes that are not UTF-8 name their line.


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_any_line_ending_imports_with_the_same_line_numbers(
    tmp_path, capsys, logged_in, portfolio, ending
) -> None:  # type: ignore[no-untyped-def]
    bad = (HEADER + BUY + SELL.format(picks="b1:1e30")).replace("\n", ending)
    assert command(tmp_path, bad.encode(), capsys) == [
        "line 3, lot_picks: the quantity picked from 'b1': must be less than 1,000,000,000,000,000 (10^15)."
    ]
    good = ("\ufeff" + HEADER + BUY + SELL.format(picks="b1:0.5")).replace("\n", ending)
    job = upload(logged_in, good.encode(), portfolio)
    assert (job.status, job.row_count) == (ImportJob.Status.DONE, 2)
    assert logged_in.post(reverse("portfolios:import_preview", args=[job.pk])).status_code == 302
    assert list(Transaction.objects.order_by("timestamp").values_list("external_id", flat=True)) == [
        "b1",
        "s1",
    ]
    assert LotPick.objects.get().quantity == Decimal("0.5")


def test_bytes_that_are_not_utf8_name_their_line(tmp_path, capsys, logged_in, portfolio) -> None:  # type: ignore[no-untyped-def]
    content = (HEADER + BUY + BUY.replace(",b1,,", ",b2,café,")).encode("latin-1")
    message = f"line 3, file: byte 0xE9 is not UTF-8 text; {SAVE_AS}."
    assert command(tmp_path, content, capsys) == [message]
    response = upload(logged_in, b"\xef\xbb\xbf" + content.replace(b"\n", b"\r"), portfolio)
    assert response.context["form"].errors["file"] == [message]
    response = upload(logged_in, (HEADER + BUY).encode("utf-16"), portfolio)
    assert response.context["form"].errors["file"] == [
        f"line 1, file: the file is UTF-16 or UTF-32 text, not UTF-8; {SAVE_AS}."
    ]
    assert not ImportJob.objects.exists()


# A few hundred generated inputs through all four targets (bench/fuzz_import.py sends ten thousand).


def test_generated_inputs_never_crash() -> None:
    harness = Harness(seed=3)
    mix = {"command": 0.35, "page": 0.25, "form": 0.2, "api": 0.2}
    with harness.quiet():
        for target, case in cases(3, 300, harness.context, mix=mix):
            harness.run(target, case)
    tally = harness.tally
    assert tally.details == []
    assert sum(tally.crashes.values()) == 0
    for target in mix:
        assert tally.accepted[target] > 0, target
        assert tally.rejected[target] > 0, target
    assert sum(tally.total(t) for t in mix) == 300
