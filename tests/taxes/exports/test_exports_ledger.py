"""The exports of a summary built by the real builder from a recorded ledger."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from exports_kit import pdf_money, read_dicts, read_txf
from pypdf import PdfReader

from portfolios.services import TransactionData, transaction_record
from taxes.exports import render
from taxes.summary import year_summary
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def record(account, asset, typ: str, when: datetime, qty: str, price: str):  # type: ignore[no-untyped-def]
    data = TransactionData(
        account=account, type=typ, timestamp=when, quantity=D(qty), asset=asset, unit_price=D(price)
    )
    return transaction_record(portfolio=account.portfolio, data=data)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 15, tzinfo=UTC)


@pytest.fixture
def ledger():  # type: ignore[no-untyped-def]
    """A crypto exchange with no 1099 (named like a formula) and a broker reporting basis on a 1099-B.

    BTC: 1 bought in 2022 and 1 in January 2024; 1.5 sold in March 2024 (FIFO: 1 long-term, 0.5
    short-term), the last 0.5 sold in February 2025 (long-term). VTI: 10 bought, sold at a $100 loss and bought back 14 days later: a wash sale.
    """
    user = UserFactory(username="erin")
    portfolio = PortfolioFactory(owner=user, name="Main")
    exchange = AccountFactory(portfolio=portfolio, name="=Exchange()", reporting="no_form")
    broker = AccountFactory(portfolio=portfolio, name="Broker", reporting="basis_reported")
    btc = AssetFactory(symbol="BTC", asset_class="crypto")
    vti = AssetFactory(symbol="VTI", asset_class="etf")
    record(exchange, btc, "buy", at(2022, 6, 1), "1", "20000")
    record(exchange, btc, "buy", at(2024, 1, 2), "1", "40000")
    record(exchange, btc, "sell", at(2024, 3, 1), "1.5", "60000.005")
    record(broker, vti, "buy", at(2024, 2, 1), "10", "100")
    record(broker, vti, "sell", at(2024, 5, 1), "10", "90")
    record(broker, vti, "buy", at(2024, 5, 15), "10", "92")
    record(exchange, btc, "sell", at(2025, 2, 1), "0.5", "70000")
    return user


def test_a_2024_ledger_exports_agree_with_the_summary(ledger) -> None:  # type: ignore[no-untyped-def]
    s = year_summary(owner=ledger, year=2024)
    boxes = {b.box: b for b in s.boxes}
    assert set(boxes) == {"A", "C", "F"}  # 2024 crypto without a 1099: C short, F long
    printed = {
        b: [t.printed.proceeds, t.printed.cost, t.printed.adjustment, t.printed.gain]
        for b, t in boxes.items()
    }
    assert printed["A"] == [D("900.00"), D("1000.00"), D("100.00"), D("0.00")]  # the loss is disallowed

    # TXF: codes 321 (A), 712 (C), 714 (F); the wash sale in record format 5; totals per code.
    txf = read_txf(render(s, "txf").content)
    per_code: dict[int, list[Decimal]] = defaultdict(lambda: [D(0)] * 4)
    for r in txf.records:
        cost, proceeds, *wash = r.amounts
        assert cost is not None
        assert proceeds is not None
        disallowed = wash[0] if wash and wash[0] is not None else D(0)
        for i, v in enumerate((proceeds, cost, disallowed, proceeds - cost + disallowed)):
            per_code[r.code][i] += v
    assert dict(per_code) == {321: printed["A"], 712: printed["C"], 714: printed["F"]}
    vti = next(r for r in txf.records if r.code == 321)
    assert vti.amounts == [D("1000.00"), D("900.00"), D("100.00")]
    assert render(s, "txf").warning == ""

    # Form 8949 CSV parses back to the same box totals; the account's formula is neutralised.
    rows = read_dicts(render(s, "csv").content)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [D(0)] * 4)
    columns = ("(d) proceeds", "(e) cost or other basis", "(g) adjustment", "(h) gain or (loss)")
    for r in rows:
        for i, c in enumerate(columns):
            sums[r["box"]][i] += D(r[c])
    assert dict(sums) == printed
    assert {r["account"] for r in rows} == {"'=Exchange()", "Broker"}
    assert next(r for r in rows if r["box"] == "A")["(f) code"] == "W"

    totals = read_dicts(render(s, "totals").content)
    box_lines = {
        t["box"]: [D(t[c]) for c in ("proceeds", "cost", "adjustment", "gain")]
        for t in totals
        if t["kind"] == "box"
    }
    assert box_lines == printed
    meta = {(t["label"], t["value"]) for t in totals if t["kind"] == "metadata"}
    assert {("basis_method", "'=Exchange(): FIFO"), ("basis_method", "Broker: FIFO")} <= meta

    # The PDF shows each box's totals as the summary prints them.
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render(s, "pdf").content)).pages)
    for box, b in boxes.items():
        n = b.printed.rows
        label = f"Totals, box {box} ({n} row{'s' if n != 1 else ''}) - to Schedule D line {b.schedule_d_line}"
        found = re.search(re.escape(label) + r"\s+(\S+)\s+(\S+)\s+(\S+)\s+(\(?[\d,]+\.\d\d\)?)", text)
        assert found, label
        assert list(found.groups()) == [pdf_money(v) for v in printed[box]]


def test_2025_digital_asset_sales_are_left_out_of_the_txf(ledger) -> None:  # type: ignore[no-untyped-def]
    s = year_summary(owner=ledger, year=2025)
    assert [b.box for b in s.boxes] == ["L"]  # long-term, no 1099-DA: box L, never F
    export = render(s, "txf")
    assert read_txf(export.content).records == []
    assert "boxes G-L" in export.warning
    assert "1 sale is not in this file" in export.warning
    # The CSV and PDF are the files that carry it.
    assert [r["box"] for r in read_dicts(render(s, "csv").content)] == ["L"]
