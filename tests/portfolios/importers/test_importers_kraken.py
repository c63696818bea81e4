"""Kraken ledgers: refid legs joined into one trade, deposits and withdrawals, staking, Kraken's names."""

from __future__ import annotations

import pytest

from portfolios.importers.kraken import symbol
from tests.portfolios.importers.importers_testkit import brief, converted, errors_at


def test_trades_join_their_legs_by_refid() -> None:
    """Hand-worked: 2,000 USD (fee 5.20) for 0.05 BTC is a buy at 40,000 with a 5.20 fee; two partial
    fills selling 0.01 BTC each for 450 + 455 USD (fees 0.72 + 0.73) are one sale of 0.02 at 45,250 with a
    1.45 fee; an instant buy's spend and receive rows are one buy."""
    c = converted("kraken_ledgers.csv")
    assert c.errors == []
    assert [(r.lines, *brief(r)) for r in c.rows] == [
        ([2], "deposit", "Kraken", "", "5000", "", "", "", "", ""),
        ([3, 4], "buy", "Kraken", "BTC", "0.05", "40000", "5.2", "", "", ""),
        ([5, 6, 7, 8], "sell", "Kraken", "BTC", "0.02", "45250", "1.45", "", "", ""),
        ([9, 10], "buy", "Kraken", "ETH", "0.1", "3000", "4.5", "", "", ""),
        ([13], "transfer", "Kraken", "BTC", "0.01", "", "", "", "", "In transit"),
        ([15], "withdrawal", "Kraken", "", "505", "", "", "", "", ""),
    ]
    assert c.rows[1].external_id == "kraken:TR0001-AAAAA-000001"
    assert c.rows[0].external_id == "kraken:LT0001-AAAAA-000001"
    assert [line for line, _reason in c.skipped] == [11, 12, 14]


def test_values_kraken_does_not_give_are_errors_on_their_line() -> None:
    """Staking, a crypto-to-crypto trade and a withdrawal fee in DOT need a USD value the file lacks."""
    c = converted("kraken_2023.csv")
    assert errors_at(c) == [(5, "amount"), (6, "amount"), (8, "fee"), (9, "type")]
    assert "staking income of 0.25 DOT needs its fair value in USD" in c.errors[0].message
    assert "a trade of DOT for ETH needs its fair value in USD" in c.errors[1].message
    assert "a fee of 0.05 DOT" in c.errors[2].message
    assert "'margin'" in c.errors[3].message
    # The rows stay (valued at zero) so the rest of the file is checked against the holdings.
    assert tuple(brief(r)[i] for r in c.rows if r.type == "trade" for i in (0, 2, 3, 4, 6, 7)) == (
        "trade",
        "DOT",
        "50",
        "0",
        "ETH",
        "0.14985",
    )


def test_usd_columns_value_staking_and_crypto_trades() -> None:
    c = converted("kraken_usd.csv")
    assert c.errors == []
    assert [brief(r) for r in c.rows] == [
        ("deposit", "Kraken", "", "1000", "", "", "", "", ""),
        ("buy", "Kraken", "DOT", "120", "7.5", "2", "", "", ""),
        ("staking", "Kraken", "DOT", "0.5", "7.5", "", "", "", ""),
        ("trade", "Kraken", "DOT", "40", "7", "", "ETH", "0.12", ""),
        ("fee", "Kraken", "DOT", "0.05", "7.6", "", "", "", ""),
        ("transfer", "Kraken", "DOT", "10", "", "", "", "", "In transit"),
    ]
    fee = c.rows[4]
    assert fee.external_id == "kraken:LU0007-CCCCC-000007:fee:DOT"  # its own id beside the transfer's


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("XXBT", "BTC"),
        ("XBT", "BTC"),
        ("ZUSD", "USD"),
        ("XETH", "ETH"),
        ("DOT.S", "DOT"),
        ("DOT28.S", "DOT"),
        ("ETH2.S", "ETH"),
        ("ETH2", "ETH"),
        ("XXDG", "DOGE"),
        ("1INCH", "1INCH"),
        ("USDC.M", "USDC"),
    ],
)
def test_kraken_asset_names(raw: str, name: str) -> None:
    assert symbol(raw) == name


def test_fee_credits_are_not_an_asset() -> None:
    from portfolios.importers import convert

    text = (
        "txid,refid,time,type,subtype,aclass,asset,amount,fee,balance\n"
        "L1,T1,2024-01-03 10:00:00,trade,,currency,ZUSD,-100.0000,0.0000,0\n"
        "L2,T1,2024-01-03 10:00:00,trade,,currency,XXBT,0.0025000000,0,0.0025\n"
        "L3,T1,2024-01-03 10:00:00,trade,,currency,KFEE,0.00,26.00,974.00\n"
    )
    c = convert(text)
    assert c is not None
    assert c.errors == []
    assert [brief(r) for r in c.rows] == [("buy", "Kraken", "BTC", "0.0025", "40000", "0", "", "", "")]
