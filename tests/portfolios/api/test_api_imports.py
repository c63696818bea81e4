"""/api/imports/: upload, preview (rows, new accounts and assets, line-numbered errors), remap a brokerage
CSV, confirm once; the same services as the Import page, and only your own imports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from portfolios.models import Account, ImportJob, Portfolio, Transaction
from taxes.models import TaxLot
from tests.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,"
    "acquired_at,cost_basis,external_id,notes\n"
)
GOOD = HEADER + (
    "2023-01-10T12:00:00+00:00,Exchange,buy,BTC,1,20000,10,,,,,,b1,first\n"
    "2024-03-01T12:00:00+00:00,Exchange,sell,BTC,0.25,60000,0,,,,,,s1,\n"
)
TWO_DATES = (
    "Date,Settle Date,Action,Symbol,Quantity,Price,Amount\n"
    "2024-01-02,2024-01-04,Buy,VTI,10,230,-2300\n"
    "2024-02-01,2024-02-05,Sell,VTI,4,240,960\n"
)


@pytest.fixture
def ann() -> tuple[APIClient, Any]:
    user = UserFactory(username="ann")
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def upload(client: APIClient, text: str, **fields: Any) -> Any:
    data = {"file": SimpleUploadedFile("ledger.csv", text.encode()), **fields}
    return client.post("/api/imports/", data, format="multipart")


def test_upload_previews_then_confirm_imports_once(ann) -> None:  # type: ignore[no-untyped-def]
    client, _user = ann
    created = upload(client, GOOD, new_portfolio="Crypto", basis_method="hifo")
    assert created.status_code == 201, created.json()
    job = created.json()
    assert (job["status"], job["confirmed"], job["finished"], job["imported"]) == ("done", False, True, False)
    summary = job["summary"]
    assert (summary["rows"], summary["new"], summary["accounts_created"]) == (2, 2, ["Exchange"])
    assert [(r["line"], r["type"], r["quantity"]) for r in summary["preview"]] == [
        ("2", "buy", "1"),
        ("3", "sell", "0.25"),
    ]
    assert job["errors"] == []
    assert not Transaction.objects.exists()  # a preview saves nothing
    assert client.get(f"/api/imports/{job['id']}/").json()["summary"] == summary

    confirmed = client.post(f"/api/imports/{job['id']}/confirm/", {}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    assert (confirmed.json()["imported"], confirmed.json()["portfolio"]) == (
        True,
        Portfolio.objects.get(name="Crypto").pk,
    )
    assert Account.objects.get(name="Exchange").basis_method == "hifo"
    assert TaxLot.objects.get().quantity == Decimal("0.75")
    again = client.post(f"/api/imports/{job['id']}/confirm/", {}, format="json")
    assert again.status_code == 400
    assert "cannot be confirmed" in again.json()["non_field_errors"][0]
    assert Transaction.objects.count() == 2
    assert [j["id"] for j in client.get("/api/imports/").json()["results"]] == [job["id"]]


def test_errors_are_line_numbered_and_such_a_preview_cannot_be_confirmed(ann) -> None:  # type: ignore[no-untyped-def]
    client, user = ann
    book = PortfolioFactory(owner=user, name="Main")
    bad = HEADER + "2024-01-02T00:00:00Z,Exchange,buy,BTC,-1,100,0,,,,,,,\n"
    job = upload(client, bad, portfolio=book.pk).json()
    assert (job["status"], job["error_count"]) == ("failed", 1)
    assert (job["errors"][0]["line"], job["errors"][0]["field"]) == (2, "quantity")
    refused = client.post(f"/api/imports/{job['id']}/confirm/", {}, format="json")
    assert refused.status_code == 400
    assert not Transaction.objects.exists()


def test_the_upload_form_is_checked(ann) -> None:  # type: ignore[no-untyped-def]
    client, _user = ann
    other = PortfolioFactory(owner=UserFactory(username="bob"), name="Bob's")
    neither = upload(client, GOOD)
    assert neither.status_code == 400
    assert "new_portfolio" in neither.json()
    theirs = upload(client, GOOD, portfolio=other.pk)
    assert theirs.status_code == 400
    assert "portfolio" in theirs.json()
    not_text = client.post(
        "/api/imports/", {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")}, format="multipart"
    )
    assert not_text.status_code == 400
    assert "file" in not_text.json()
    no_file = client.post("/api/imports/", {"new_portfolio": "X"}, format="json")
    assert no_file.status_code == 400
    assert "file" in no_file.json()
    assert not ImportJob.objects.exists()


def test_a_brokerage_csv_is_remapped_and_new_assets_classed(ann) -> None:  # type: ignore[no-untyped-def]
    client, _user = ann
    job = upload(client, TWO_DATES, new_portfolio="Broker").json()
    step = job["mapping_step"]
    assert "Settle Date" in step["columns"]
    assert {r["meaning"]: r["column"] for r in step["rows"]}["date"] == "Date"
    mapping = {r["meaning"]: r["column"] for r in step["rows"]}
    remapped = client.post(
        f"/api/imports/{job['id']}/mapping/", {"mapping": {**mapping, "date": "Settle Date"}}, format="json"
    )
    assert remapped.status_code == 200, remapped.json()
    assert [r["timestamp"][:10] for r in remapped.json()["summary"]["preview"]] == [
        "2024-01-04",
        "2024-02-05",
    ]
    unknown = client.post(f"/api/imports/{job['id']}/mapping/", {"mapping": {"date": "Nope"}}, format="json")
    assert unknown.status_code == 400
    assert "Not a column of the file: Nope" in unknown.json()["non_field_errors"][0]
    bad_class = client.post(
        f"/api/imports/{job['id']}/confirm/", {"asset_classes": {"VTI": "gold"}}, format="json"
    )
    assert bad_class.status_code == 400
    done = client.post(f"/api/imports/{job['id']}/confirm/", {"asset_classes": {"VTI": "etf"}}, format="json")
    assert done.status_code == 200, done.json()
    got = [
        (t.timestamp.date().isoformat(), t.type, t.quantity, t.asset.asset_class)
        for t in Transaction.objects.order_by("timestamp")
    ]
    assert got == [("2024-01-04", "buy", Decimal(10), "etf"), ("2024-02-05", "sell", Decimal(4), "etf")]


def test_another_users_import_is_404(ann) -> None:  # type: ignore[no-untyped-def]
    client, _user = ann
    job = upload(client, GOOD, new_portfolio="Crypto").json()
    bob = APIClient()
    bob.force_authenticate(UserFactory(username="bob"))
    assert bob.get("/api/imports/").json()["results"] == []
    for action in ("confirm", "reclassify", "mapping"):
        assert bob.post(f"/api/imports/{job['id']}/{action}/", {}, format="json").status_code == 404
    assert bob.get(f"/api/imports/{job['id']}/").status_code == 404
    assert ImportJob.objects.get().confirmed is False
