"""A brokerage CSV: columns found by their usual names or the owner's mapping, actions read by their words."""

from __future__ import annotations

import pytest

from portfolios.importers import convert
from portfolios.importers.brokerage import classify, propose
from tests.portfolios.importers.importers_testkit import brief, converted, errors_at, sample


def test_newest_first_file_is_read_in_time_order() -> None:
    """Rows come out oldest first; on one day the file's own order (read bottom-up) is kept, so the
    dividend lands before the shares it bought. The total line is left out."""
    c = converted("brokerage_schwab_style.csv")
    assert c.errors == []
    assert [(r.line, *brief(r)[:6]) for r in c.rows] == [
        (10, "deposit", "Brokerage", "", "10000", "", ""),
        (9, "buy", "Brokerage", "BND", "10", "72.5", "1"),
        (8, "buy", "Brokerage", "VTI", "20", "230", "0"),
        (7, "withdrawal", "Brokerage", "", "12", "", ""),
        (6, "deposit", "Brokerage", "", "1.25", "", ""),
        (5, "deposit", "Brokerage", "", "100", "", ""),
        (4, "buy", "Brokerage", "VTI", "0.4", "250", "0"),
        (3, "sell", "Brokerage", "VTI", "10", "240", "0.05"),
        (2, "buy", "Brokerage", "VTI", "5", "255", "0"),
    ]
    assert "does not report dividends" in c.rows[5].becomes
    assert c.skipped == [(11, "the file's total line")]
    assert c.mapping["fees"] == "Fees & Comm"


def test_accounts_column_and_a_journal_between_two_accounts() -> None:
    c = converted("brokerage_fidelity_style.csv")
    assert c.errors == []
    assert [(r.lines, *brief(r)[:6], r.to_account) for r in c.rows] == [
        ([4], "deposit", "Taxable Test", "", "5000", "", "", ""),
        ([5], "buy", "Taxable Test", "VOO", "10", "430", "0.02", ""),
        ([6, 7], "transfer", "Taxable Test", "VOO", "4", "", "", "Roth Test"),
        ([8], "deposit", "Taxable Test", "", "9.8", "", "", ""),
        ([9], "sell", "Taxable Test", "VOO", "2", "470", "0.01", ""),
    ]
    assert c.mapping["date"] == "Run Date"
    assert c.mapping["price"] == "Price ($)"


def test_errors() -> None:
    c = converted("brokerage_errors.csv")
    assert errors_at(c) == [(4, "Action"), (5, "Symbol"), (7, "Action"), (8, "Quantity")]
    assert "split" in c.errors[0].message


def test_a_mapping_reads_any_header() -> None:
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
    c = convert(sample("brokerage_custom.csv"), mapping=mapping)
    assert c is not None
    assert c.errors == []
    assert [(*brief(r)[:6], r.external_id) for r in c.rows] == [
        ("deposit", "Brokerage", "", "5000", "", "", "brokerage:r-1"),
        ("buy", "Brokerage", "AAPL", "10", "185.5", "1", "brokerage:r-2"),
        ("sell", "Brokerage", "AAPL", "4", "190", "1", "brokerage:r-3"),
    ]


def test_an_incomplete_or_wrong_mapping_is_a_header_error() -> None:
    c = convert(sample("brokerage_custom.csv"), mapping={"date": "When", "colour": "Kind"})
    assert c is not None
    assert errors_at(c) == [(1, "header")]
    assert "needs action, symbol, quantity, price or amount" in c.errors[0].message
    assert "colour" in c.errors[0].message
    missing = convert(sample("brokerage_custom.csv"), mapping={"date": "Nope"})
    assert missing is not None
    assert errors_at(missing) == [(1, "header")]


def test_a_price_can_come_from_the_amount() -> None:
    text = "Date,Action,Symbol,Quantity,Fees,Amount\n2024-01-03,Buy,VTI,4,1.00,-1001.00\n2024-02-03,Sell,VTI,2,1.00,499.00\n"
    c = convert(text)
    assert c is not None
    assert c.errors == []
    assert [brief(r)[:6] for r in c.rows] == [
        ("buy", "Brokerage", "VTI", "4", "250", "1"),
        ("sell", "Brokerage", "VTI", "2", "250", "1"),
    ]


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("Buy", "buy"),
        ("YOU BOUGHT TEST ETF (VTI) (Cash)", "buy"),
        ("Reinvest Shares", "buy"),
        ("Sell", "sell"),
        ("YOU SOLD", "sell"),
        ("Reinvest Dividend", "income"),
        ("Qual Div Reinvest", "income"),
        ("Long Term Cap Gain Reinvest", "income"),
        ("Credit Interest", "income"),
        ("Advisor Fee", "charge"),
        ("Foreign Tax Paid", "charge"),
        ("Wire Sent", "withdrawal"),
        ("Wire Received", "deposit"),
        ("Journaled Shares", "move"),
        ("MoneyLink Transfer", "move"),
        ("Stock Split", "unsupported"),
        ("Reverse Split", "unsupported"),
        ("Stock Merger", "unsupported"),
        ("Spin-off", "unsupported"),
        ("Stock Div Dist", "unsupported"),
        ("Something", ""),
    ],
)
def test_actions(action: str, kind: str) -> None:
    assert classify(action) == kind


def test_proposed_mapping_needs_the_essentials() -> None:
    assert propose(["Date", "Action", "Symbol", "Quantity", "Price"]) is not None
    assert propose(["Date", "Action", "Symbol", "Price"]) is None
    assert propose(["Trade Date", "Type", "Ticker", "Shares", "Net Amount"]) == {
        "date": "Trade Date",
        "action": "Type",
        "symbol": "Ticker",
        "quantity": "Shares",
        "amount": "Net Amount",
    }
