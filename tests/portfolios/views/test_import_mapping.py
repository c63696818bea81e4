"""The mapping step of a brokerage CSV on the import page: the preview shows the columns read for each
meaning, the owner changes them and previews again, and the confirmed import reads the file the same way."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portfolios.models import ImportJob, Transaction
from tests.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "importers" / "samples"
# Two dates: the usual names make "Date" the trade date, but this broker's "Date" is when the order was
# entered and the owner wants the settlement date.
TWO_DATES = (
    "Date,Settle Date,Action,Symbol,Quantity,Price,Amount\n"
    "2024-01-02,2024-01-04,Buy,VTI,10,230,-2300\n"
    "2024-02-01,2024-02-05,Sell,VTI,4,240,960\n"
)


@pytest.fixture
def ann(client: Client) -> Any:
    user = UserFactory(username="ann")
    PortfolioFactory(owner=user, name="Main")
    client.force_login(user)
    return user


def _upload(client: Client, name: str, text: str) -> ImportJob:
    response = client.post(
        reverse("portfolios:import_upload"),
        {
            "file": SimpleUploadedFile(name, text.encode()),
            "portfolio": "",
            "new_portfolio": "Main2",
            "basis_method": "fifo",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("pk")


def _page(client: Client, job: ImportJob) -> str:
    return client.get(reverse("portfolios:import_preview", args=[job.pk])).content.decode()


def _selected(page: str, meaning: str) -> str:
    """The column selected in the mapping step's select for `meaning`."""
    start = page.index(f'name="map_{meaning}"')
    select = page[start : page.index("</select>", start)]
    marker = select.index(" selected>")
    return select[select.rindex('value="', 0, marker) + 7 : marker - 1]


def _map(client: Client, job: ImportJob, mapping: dict[str, str]) -> Any:
    data = {"action": "mapping", **{f"map_{m}": c for m, c in mapping.items()}}
    return client.post(reverse("portfolios:import_preview", args=[job.pk]), data)


def test_detected_brokerage_file_shows_its_mapping_and_the_owner_changes_it(client: Client, ann: Any) -> None:
    job = _upload(client, "broker.csv", TWO_DATES)
    assert job.status == "done"
    page = _page(client, job)
    assert 'id="mapping-form"' in page
    proposed = {m: _selected(page, m) for m in ("date", "action", "symbol", "quantity", "price", "amount")}
    assert proposed == {
        "date": "Date",
        "action": "Action",
        "symbol": "Symbol",
        "quantity": "Quantity",
        "price": "Price",
        "amount": "Amount",
    }
    assert _selected(page, "fees") == ""  # the file has none
    assert [row["timestamp"][:10] for row in job.summary["preview"]] == ["2024-01-02", "2024-02-01"]

    response = _map(client, job, {**proposed, "date": "Settle Date"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.error_count) == ("done", 0)
    assert (job.mapping["date"], job.mapping["fees"]) == ("Settle Date", "")
    assert [row["timestamp"][:10] for row in job.summary["preview"]] == ["2024-01-04", "2024-02-05"]
    page = _page(client, job)
    assert _selected(page, "date") == "Settle Date"
    assert "The columns as you mapped them." in page

    # Confirmed, the file is read with the owner's mapping.
    response = client.post(reverse("portfolios:import_preview", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.confirmed, job.status) == (True, "done")
    got = [
        (t.timestamp.date().isoformat(), t.type, t.quantity)
        for t in Transaction.objects.filter(portfolio__name="Main2").order_by("timestamp")
    ]
    assert got == [("2024-01-04", "buy", Decimal(10)), ("2024-02-05", "sell", Decimal(4))]


def test_unrecognised_header_like_a_brokerage_is_mapped_by_hand(client: Client, ann: Any) -> None:
    """No usual names for the date, action or price: the preview fails, shows what it could propose, and
    the owner's mapping makes the file importable."""
    job = _upload(client, "custom.csv", (SAMPLES / "brokerage_custom.csv").read_text())
    assert job.status == "failed"
    page = _page(client, job)
    assert 'id="import-errors"' in page
    assert 'id="mapping-form"' in page
    assert (_selected(page, "symbol"), _selected(page, "quantity"), _selected(page, "date")) == (
        "Ticker",
        "Shares",
        "",
    )
    mapping = {
        "date": "When",
        "action": "Kind",
        "symbol": "Ticker",
        "quantity": "Shares",
        "price": "Cost Per Share",
        "fees": "Charges",
        "amount": "Net Cash",
        "id": "Ref",
    }
    _map(client, job, mapping)
    job.refresh_from_db()
    assert (job.status, job.error_count, job.summary["format"], job.summary["new"]) == (
        "done",
        0,
        "brokerage",
        3,
    )
    assert "AAPL" in job.summary["assets_created"]
    client.post(reverse("portfolios:import_preview", args=[job.pk]))
    job.refresh_from_db()
    assert (job.confirmed, job.status) == (True, "done")
    rows = Transaction.objects.filter(portfolio__name="Main2").order_by("timestamp")
    assert [(t.type, t.external_id) for t in rows] == [
        ("deposit", "brokerage:r-1"),
        ("buy", "brokerage:r-2"),
        ("sell", "brokerage:r-3"),
    ]


def test_a_column_the_file_lacks_is_refused(client: Client, ann: Any) -> None:
    job = _upload(client, "broker.csv", TWO_DATES)
    response = _map(
        client, job, {"date": "Nope", "action": "Action", "symbol": "Symbol", "quantity": "Quantity"}
    )
    assert response.status_code == 400
    assert "Not a column of the file: Nope." in response.content.decode()
    job.refresh_from_db()
    assert job.mapping == {}


def test_other_formats_have_no_mapping_step(client: Client, ann: Any) -> None:
    coinbase = _upload(client, "coinbase.csv", (SAMPLES / "coinbase_2024.csv").read_text())
    lotwise = _upload(
        client,
        "ledger.csv",
        "timestamp,account,type,asset,quantity,unit_price,fee\n2024-01-02T10:00:00+00:00,Ex,buy,BTC,1,40000,0\n",
    )
    for job in (coinbase, lotwise):
        assert job.status == "done"
        assert 'id="mapping-form"' not in _page(client, job)
    response = _map(client, coinbase, {"date": "Timestamp"})
    assert response.status_code == 400
    assert "not a brokerage CSV" in response.content.decode()
