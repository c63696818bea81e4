"""Koinly universal CSV (one wallet) and the complete export (every wallet, transfers between them)."""

from __future__ import annotations

from portfolios.importers import convert
from tests.portfolios.importers.importers_testkit import brief, converted, errors_at


def test_universal_format() -> None:
    """Hand-worked: 0.02 BTC swapped for 0.5 ETH worth 900 USD is a trade at 45,000 per BTC; staking of
    0.01 ETH worth 25 USD is income at 2,500; a gift of 0.1 ETH worth 300 is valued at 3,000."""
    c = converted("koinly_universal.csv")
    assert c.label == "Koinly universal CSV"
    assert c.errors == []
    assert [brief(r) for r in c.rows] == [
        ("deposit", "Koinly", "", "5000", "", "", "", "", ""),
        ("buy", "Koinly", "BTC", "0.1", "30000", "5", "", "", ""),
        ("trade", "Koinly", "BTC", "0.02", "45000", "", "ETH", "0.5", ""),
        ("staking", "Koinly", "ETH", "0.01", "2500", "", "", "", ""),
        ("transfer", "Koinly", "BTC", "0.05", "", "", "", "", "In transit"),
        ("gift_sent", "Koinly", "ETH", "0.1", "3000", "", "", "", ""),
        ("sell", "Koinly", "BTC", "0.01", "65000", "1", "", "", ""),
    ]


def test_export_joins_a_transfer_between_two_wallets() -> None:
    """A withdrawal from one wallet and the deposit of the same quantity into another twenty minutes
    later are one transfer; a transfer row is one as it is, its BTC fee a disposal at its USD value."""
    c = converted("koinly_export.csv")
    assert c.label == "Koinly transaction export"
    assert [(r.lines, *brief(r)) for r in c.rows] == [
        ([2], "deposit", "Test Exchange", "", "5000", "", "", "", "", ""),
        ([3], "buy", "Test Exchange", "BTC", "0.1", "30000", "0", "", "", ""),
        ([4], "fee", "Test Exchange", "BTC", "0.0001", "42000", "", "", "", ""),
        ([4], "transfer", "Test Exchange", "BTC", "0.05", "", "", "", "", "Hardware Wallet"),
        ([5, 6], "transfer", "Test Exchange", "BTC", "0.02", "", "", "", "", "Hardware Wallet"),
        ([7], "staking", "Hardware Wallet", "ETH", "0.01", "3000", "", "", "", ""),
        ([8], "sell", "Test Exchange", "BTC", "0.01", "64000", "1", "", "", ""),
    ]
    assert c.rows[4].becomes == "transfer Test Exchange → Hardware Wallet (joined)"
    assert ">" in c.rows[4].external_id  # both legs' ids
    assert errors_at(c) == [(9, "Label")]  # "lost" has no Lotwise event


def test_values_in_another_currency_are_refused() -> None:
    text = (
        "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
        "Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n"
        "2024-03-01 00:00 UTC,,,0.01,ETH,,,25,EUR,staking,,\n"
    )
    c = convert(text)
    assert c is not None
    assert errors_at(c) == [(2, "Net Worth Currency")]


def test_unjoined_arrival_comes_from_in_transit_with_a_hint() -> None:
    text = (
        "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
        "Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n"
        "2024-04-02 10:00 UTC,,,0.05,BTC,,,,,,From my exchange,0xaaa3\n"
    )
    c = convert(text, account="Ledger")
    assert c is not None
    assert c.errors == []
    (row,) = c.rows
    assert brief(row) == ("transfer", "In transit", "BTC", "0.05", "", "", "", "", "Ledger")
    assert "import the file of the account it was sent from first" in row.hint
