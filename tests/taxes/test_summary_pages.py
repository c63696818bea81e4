"""The Taxes pages and downloads, and `manage.py tax_summary`: the page's totals equal the files' totals."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from portfolios.services import TransactionData, transaction_record
from taxes.models import TaxProfile
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def rec(account, kind: str, day: str, qty: str, price: str, asset) -> None:  # type: ignore[no-untyped-def]
    when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
    data = TransactionData(
        account=account, type=kind, timestamp=when, quantity=D(qty), unit_price=D(price), asset=asset
    )
    transaction_record(portfolio=account.portfolio, data=data)


@pytest.fixture
def ann(client):  # type: ignore[no-untyped-def]
    """2025: on Coinbase (1099-DA with basis) BTC bought at 100.004 x 3, sold at 150.005 x 3 in March
    (short-term, box G): each row prints proceeds 150.01, cost 100.00, gain 50.01; box G totals 450.03,
    300.00, 150.03. In the wallet (no 1099-DA) 1 ETH bought 2023-01-10 at 1,000 sold 2025-02-01 at 3,000:
    long-term, box L, gain 2,000."""
    user = UserFactory(username="ann")
    book = PortfolioFactory(owner=user, name="Book")
    coinbase = AccountFactory(portfolio=book, name="Coinbase", kind="exchange", reporting="basis_reported")
    wallet = AccountFactory(portfolio=book, name="Wallet", kind="wallet")
    btc = AssetFactory(symbol="BTC", asset_class="crypto")
    eth = AssetFactory(symbol="ETH", asset_class="crypto")
    with time_machine.travel(NOW, tick=False):
        for day in ("2025-01-02", "2025-01-03", "2025-01-04"):
            rec(coinbase, "buy", day, "1", "100.004", btc)
        for day in ("2025-03-02", "2025-03-03", "2025-03-04"):
            rec(coinbase, "sell", day, "1", "150.005", btc)
        rec(wallet, "buy", "2023-01-10", "1", "1000", eth)
        rec(wallet, "sell", "2025-02-01", "1", "3000", eth)
    TaxProfile.objects.create(owner=user, year=2025, other_ordinary_income=D(50000))
    client.force_login(user)
    return user


def _page_totals(html: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for box, body in re.findall(r'<tr data-box="(\w)">(.*?)</tr>', html, re.S):
        out[box] = dict(re.findall(r'data-col="(\w+)">([^<]*)<', body))
    return out


@time_machine.travel(NOW, tick=False)
def test_page_totals_equal_every_files_totals(client, ann) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("taxes:summary", args=[2025]))
    assert page.status_code == 200
    html = page.content.decode()
    totals = _page_totals(html)
    assert totals == {
        "G": {"proceeds": "450.03", "cost": "300.00", "adjustment": "0.00", "gain": "150.03"},
        "L": {"proceeds": "3,000.00", "cost": "1,000.00", "adjustment": "0.00", "gain": "2,000.00"},
    }
    assert "TXF has no codes for Form 8949 boxes G-L" in html

    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("taxes:download", args=[2025, "csv"])).content.decode())
        )
    )
    by_box: dict[str, D] = {}
    for row in rows:
        gain_key = next(k for k in row if k.startswith("(h)") or k.lower().startswith("gain"))
        by_box[row["box"]] = by_box.get(row["box"], D(0)) + D(row[gain_key])
    assert by_box == {"G": D("150.03"), "L": D("2000.00")}

    pdf = client.get(reverse("taxes:download", args=[2025, "pdf"]))
    assert pdf["Content-Type"].startswith("application/pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for figure in ("450.03", "300.00", "150.03", "3,000.00", "2,000.00"):
        assert figure in text, figure

    data = json.loads(client.get(reverse("taxes:download", args=[2025, "json"])).content)
    assert data["year"] == 2025 or data.get("metadata", {}).get("year") == 2025

    txf = client.get(reverse("taxes:download", args=[2025, "txf"])).content.decode("ascii")
    assert "G-L" in txf
    assert "\nTD" not in txf.replace("\r\n", "\n")  # no A-F sales this year: no records


@time_machine.travel(NOW, tick=False)
def test_tax_summary_command_writes_the_same_files(ann, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "summary.csv"
    call_command("tax_summary", "--user", "ann", "--year", "2025", "--format", "csv", "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert sorted({r["box"] for r in rows}) == ["G", "L"]
    pdf = tmp_path / "summary.pdf"
    call_command("tax_summary", "--user", "ann", "--year", "2025", "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


@time_machine.travel(NOW, tick=False)
def test_profile_page_saves_and_changes_the_estimate(client, ann) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("taxes:profile", args=[2025]),
        {
            "filing_status": "mfj",
            "other_ordinary_income": "120000",
            "state": "ca",
            "state_rate": "5",
            "carryforward_short": "",
            "carryforward_long": "",
        },
    )
    assert response.status_code == 302
    profile = TaxProfile.objects.get(owner=ann, year=2025)
    assert (profile.filing_status, profile.state, profile.state_rate) == ("mfj", "CA", D("0.05"))
    html = client.get(reverse("taxes:summary", args=[2025])).content.decode()
    assert "Filing status: Married filing jointly" in html
    bad = client.post(reverse("taxes:profile", args=[2025]), {"filing_status": "mfj", "state_rate": "abc"})
    assert bad.status_code == 200
    assert "is not a number" in bad.content.decode()


def test_other_users_cannot_see_or_download(client, ann) -> None:  # type: ignore[no-untyped-def]
    """Bob's Taxes page is his own return: none of Ann's rows; a portfolio filter on hers is a 404."""
    bob = UserFactory(username="bob")
    client.force_login(bob)
    html = client.get(reverse("taxes:summary", args=[2025])).content.decode()
    assert "No taxable sales in 2025" in html
    book = ann.portfolios.get()
    assert client.get(reverse("taxes:summary", args=[2025]) + f"?portfolio={book.pk}").status_code == 404
    assert (
        client.get(reverse("taxes:download", args=[2025, "csv"]) + f"?portfolio={book.pk}").status_code == 404
    )
    assert client.get(reverse("taxes:summary", args=[1999])).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_summary_and_downloads_by_api(ann) -> None:  # type: ignore[no-untyped-def]
    """The API gives the same summary (exact strings) and files; another user sees only their own return."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(ann)
    data = api.get("/api/taxes/2025/summary/").json()
    text = json.dumps(data)
    assert "150.03" in text
    assert "2000" in text
    csv_file = api.get("/api/taxes/2025/download/csv/")
    assert csv_file.status_code == 200
    assert "attachment" in csv_file["Content-Disposition"]
    txf = api.get("/api/taxes/2025/download/txf/")
    assert "G-L" in txf["X-Lotwise-Warning"]
    assert api.get("/api/taxes/2025/download/xls/").status_code == 404
    assert api.get("/api/taxes/1999/summary/").status_code == 404
    bob = APIClient()
    bob.force_authenticate(UserFactory(username="bob"))
    assert "150.03" not in json.dumps(bob.get("/api/taxes/2025/summary/").json())
    book = ann.portfolios.get()
    assert bob.get(f"/api/taxes/2025/summary/?portfolio={book.pk}").status_code == 404
    assert APIClient().get("/api/taxes/2025/summary/").status_code in (401, 403)
