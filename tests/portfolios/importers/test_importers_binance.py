"""Binance transaction history: rows at one time are the legs of one trade; no USD values in the file."""

from __future__ import annotations

from tests.portfolios.importers.importers_testkit import brief, converted, errors_at


def test_legs_at_one_time_are_one_trade() -> None:
    """Hand-worked: 1,000 USD for 0.025 BTC less a 0.000025 BTC fee is a buy of 0.024975 BTC, basis 1,000;
    two fills of 0.2 and 0.1 ETH for 300 + 150 USD with a 0.45 USD fee are one buy of 0.3 at 1,500."""
    c = converted("binance_history.csv")
    assert c.errors == []
    assert [(r.lines, *brief(r)) for r in c.rows] == [
        ([2], "deposit", "Binance", "", "2000", "", "", "", "", ""),
        ([3, 4, 5], "buy", "Binance", "BTC", "0.024975", "40040.04004004004004004", "0", "", "", ""),
        ([6, 7, 8, 9, 10], "buy", "Binance", "ETH", "0.3", "1500", "0.45", "", "", ""),
        ([13, 14, 15], "sell", "Binance", "BTC", "0.01", "43000", "0.43", "", "", ""),
        ([16], "transfer", "Binance", "BTC", "0.005", "", "", "", "", "In transit"),
    ]
    assert [line for line, _ in c.skipped] == [11, 12]
    assert c.rows[1].external_id.startswith("binance:h:")


def test_what_binance_cannot_value_or_lotwise_cannot_import() -> None:
    c = converted("binance_errors.csv")
    assert errors_at(c) == [
        (5, "Change"),  # interest with no USD value
        (6, "Change"),  # BTC for ETH with no USD value
        (8, "Account"),  # futures
        (9, "Operation"),  # unknown operation
        (10, "Change"),  # several coins into BNB at once: not one trade
        (13, "Change"),  # EUR
    ]
    assert "lines 10, 11, 12 do not make one trade" in c.errors[4].message
    assert "EUR" in c.errors[5].message


def test_the_same_file_converts_to_the_same_ids() -> None:
    first = [r.external_id for r in converted("binance_history.csv").rows]
    assert first == [r.external_id for r in converted("binance_history.csv").rows]
    assert len(set(first)) == len(first)
