"""Coinbase transaction history: every header variant, the preamble, `$` amounts, converts, and errors."""

from __future__ import annotations

from decimal import Decimal

from tests.portfolios.importers.importers_testkit import brief, converted, errors_at


def test_current_export_with_preamble_and_dollar_amounts() -> None:
    """Hand-worked: a buy's basis is its subtotal plus fees; a sale's proceeds are its subtotal less fees;
    a convert is a trade valued at the spot price with the fee taken off the proceeds."""
    c = converted("coinbase_2024.csv")
    assert c.label == "Coinbase transaction history"
    assert c.source_rows == 9
    assert [(r.line, *brief(r)) for r in c.rows] == [
        (6, "deposit", "Coinbase", "", "1000", "", "", "", "", ""),
        (7, "buy", "Coinbase", "BTC", "0.02", "40000", "10", "", "", ""),
        (8, "staking", "Coinbase", "ETH", "0.01", "2300", "", "", "", ""),
        (9, "trade", "Coinbase", "BTC", "0.005", "60000", "3", "ETH", "0.1", ""),
        (11, "sell", "Coinbase", "BTC", "0.005", "65000", "3", "", "", ""),
        (12, "buy", "Coinbase", "BTC", "0.001", "63000", "0.5", "", "", ""),
        (13, "transfer", "Coinbase", "ETH", "0.05", "", "", "", "", "In transit"),
        (14, "withdrawal", "Coinbase", "", "100", "", "", "", "", ""),
    ]
    assert c.errors == []
    assert c.skipped == [(10, "Retail Staking Transfer: a move inside Coinbase, nothing to record")]
    # The export's own ids make the rows' external ids, so a re-import finds them.
    assert c.rows[1].external_id == "coinbase:65a0000000000000000000a2"
    assert c.rows[3].becomes == "trade BTC → ETH"
    assert "destination not in this file" in c.rows[6].becomes
    assert all(isinstance(r.quantity, Decimal) for r in c.rows)


def test_2023_layout_with_spot_price_currency() -> None:
    c = converted("coinbase_2023.csv")
    assert [brief(r)[:6] for r in c.rows] == [
        ("buy", "Coinbase", "ETH", "0.5", "1600", "12"),
        ("staking", "Coinbase", "ETH", "0.001", "1650", ""),
        ("airdrop", "Coinbase", "GRT", "10", "0.12", ""),
        ("sell", "Coinbase", "ETH", "0.2", "1900", "4"),
    ]
    assert [r.line for r in c.rows] == [9, 10, 11, 12]


def test_2021_layout_with_usd_columns() -> None:
    c = converted("coinbase_2021.csv")
    assert [brief(r)[:6] for r in c.rows] == [
        ("buy", "Coinbase", "BTC", "0.1", "32000", "47.7"),
        ("airdrop", "Coinbase", "XLM", "5", "0.5", ""),
        ("sell", "Coinbase", "BTC", "0.04", "36000", "21.4"),
    ]


def test_oldest_layout_total_includes_fees_and_notes_span_lines() -> None:
    """The 2015-2019 export has only a total, fees included: it is the basis (buy) or the proceeds (sale).
    A note over three lines does not shift the next row's line number."""
    c = converted("coinbase_2018.csv")
    assert [(r.line, *brief(r)[:6]) for r in c.rows] == [
        (2, "buy", "Coinbase", "LTC", "2", "203.75", "0"),
        (5, "sell", "Coinbase", "LTC", "1", "58.9", "0"),
    ]
    assert c.rows[0].when.isoformat() == "2018-03-05T12:00:00+00:00"
    assert c.rows[0].external_id.startswith("coinbase:h:")


def test_errors_name_the_file_line_and_column() -> None:
    c = converted("coinbase_errors.csv")
    assert errors_at(c) == [
        (5, "Price Currency"),
        (6, "Timestamp"),
        (7, "Quantity Transacted"),
        (8, "Notes"),
        (9, "Transaction Type"),
    ]
    assert "EUR" in c.errors[0].message
    assert "'Margin Call'" in c.errors[4].message
    # Rows without a problem of their own still come out, so the lot check can run on them.
    assert [(r.line, r.type) for r in c.rows] == [(4, "buy"), (10, "sell")]


def test_advanced_trade_against_a_stablecoin_is_a_trade_valued_by_its_subtotal() -> None:
    text = (
        "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,"
        "Total (inclusive of fees and/or spread),Fees and/or Spread,Notes\n"
        'x1,2024-04-15 18:00:00 UTC,Advanced Trade Buy,ETH,0.1,USD,"$3,000.00",$300.00,$301.20,$1.20,'
        "Bought 0.1 ETH for 300 USDC on ETH-USDC\n"
    )
    from portfolios.importers import convert

    c = convert(text)
    assert c is not None
    assert c.errors == []
    (row,) = c.rows
    assert brief(row) == ("trade", "Coinbase", "USDC", "300", "1", "1.2", "ETH", "0.1", "")


def test_account_name_can_be_chosen() -> None:
    c = converted("coinbase_2021.csv", account="Coinbase (joint)")
    assert {r.account for r in c.rows} == {"Coinbase (joint)"}


def test_a_send_with_a_fee_in_usd_carries_it_on_the_transfer() -> None:
    from portfolios.importers import convert

    text = (
        "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,"
        "Total (inclusive of fees and/or spread),Fees and/or Spread,Notes\n"
        's1,2024-05-01 08:00:00 UTC,Send,BTC,-0.01,USD,"$60,000.00",-$600.00,-$601.50,$1.50,Sent 0.01 BTC\n'
    )
    c = convert(text)
    assert c is not None
    assert c.errors == []
    (row,) = c.rows
    assert brief(row) == ("transfer", "Coinbase", "BTC", "0.01", "", "1.5", "", "", "In transit")
    assert row.source("fee").column == "Fees and/or Spread"
