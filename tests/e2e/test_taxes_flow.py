"""In a browser: log in, open Taxes for 2025, download the CSV and the PDF; the files' totals equal the
page's, and both equal the hand-worked figures of a ledger that went through the real importer."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from portfolios.importing import ledger_import
from portfolios.models import Account
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
# 2025, one exchange that sends a 1099-DA with basis (box G/J) and a wallet (no 1099-DA: box I/L):
#   Coinbase: 1 BTC bought 2025-01-02 at 40,000.004 (fee 10), sold 2025-04-01 at 45,000.005 (fee 5):
#             proceeds 44,995.005 -> 44,995.01; cost 40,010.004 -> 40,010.00; gain 4,985.01 (box G).
#   Wallet:   2 ETH bought 2023-05-01 at 1,800, sold 2025-06-01 at 2,500: long-term, box L,
#             proceeds 5,000.00, cost 3,600.00, gain 1,400.00.
LEDGER = (
    "timestamp,account,type,asset,quantity,unit_price,fee\n"
    "2023-05-01T12:00:00+00:00,Wallet,buy,ETH,2,1800,0\n"
    "2025-01-02T12:00:00+00:00,Coinbase,buy,BTC,1,40000.004,10\n"
    "2025-04-01T12:00:00+00:00,Coinbase,sell,BTC,1,45000.005,5\n"
    "2025-06-01T12:00:00+00:00,Wallet,sell,ETH,2,2500,0\n"
)
EXPECTED = {
    "G": ("44,995.01", "40,010.00", "4,985.01"),
    "L": ("5,000.00", "3,600.00", "1,400.00"),
}


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("$", "").strip())


def test_taxes_page_and_downloads_agree(page: Any, live_server: Any, artifacts: Path) -> None:
    user = UserFactory(username="tess")
    ledger_import(user=user, file=io.StringIO(LEDGER), portfolio_name="Main")
    Account.objects.filter(name="Coinbase").update(reporting="basis_reported")
    # The reporting status decides the box; recompute is not needed (it is read when the summary is built).

    page.goto("/accounts/login/")
    page.fill("#id_username", "tess")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/taxes/2025/")
    page.screenshot(path=str(artifacts / "taxes-2025.png"), full_page=True)

    on_page = {}
    for box in ("G", "L"):
        row = page.locator(f'#box-totals tr[data-box="{box}"]')
        on_page[box] = tuple(
            row.locator(f'td[data-col="{col}"]').inner_text() for col in ("proceeds", "cost", "gain")
        )
    assert on_page == EXPECTED

    with page.expect_download() as got:
        page.click('a[data-format="csv"]')
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text())))
    gain_col = next(k for k in rows[0] if k.startswith("(h)") or k.lower().startswith("gain"))
    proceeds_col = next(k for k in rows[0] if k.startswith("(d)") or k.lower().startswith("proceeds"))
    from_csv: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        p, g = from_csv.get(row["box"], (Decimal(0), Decimal(0)))
        from_csv[row["box"]] = (p + Decimal(row[proceeds_col]), g + Decimal(row[gain_col]))
    assert from_csv == {box: (_money(v[0]), _money(v[2])) for box, v in EXPECTED.items()}

    with page.expect_download() as got:
        page.click('a[data-format="pdf"]')
    reader = PdfReader(got.value.path())
    text = "\n".join(p.extract_text() for p in reader.pages)
    for proceeds, cost, gain in EXPECTED.values():
        for figure in (proceeds, cost, gain):
            assert re.search(re.escape(figure), text), figure
