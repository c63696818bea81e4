"""CoinTracker's import template (one wallet) and transaction history export (every wallet)."""

from __future__ import annotations

from tests.portfolios.importers.importers_testkit import brief, converted, errors_at


def test_template() -> None:
    c = converted("cointracker_template.csv")
    assert c.errors == []
    assert [brief(r) for r in c.rows] == [
        ("deposit", "CoinTracker", "", "5000", "", "", "", "", ""),
        ("buy", "CoinTracker", "BTC", "0.1", "30000", "5", "", "", ""),
        ("transfer", "CoinTracker", "BTC", "0.01", "", "", "", "", "In transit"),
        ("sell", "CoinTracker", "BTC", "0.01", "50000", "0", "", "", ""),
    ]
    assert c.skipped == [(6, "stake: staking that keeps the asset, nothing to record")]
    assert c.rows[0].when.isoformat() == "2024-01-02T10:00:00+00:00"


def test_template_errors() -> None:
    c = converted("cointracker_errors.csv")
    assert errors_at(c) == [
        (4, "Received Quantity"),  # staking with no USD value
        (5, "Date"),  # February 30th
        (6, "Sent Quantity"),  # BTC for ETH with no USD value
        (7, "Tag"),  # a gift received needs the donor's basis
        (8, "Tag"),  # lost
    ]


def test_export_values_from_cost_basis_and_realized_return() -> None:
    """What was received cost its cost basis (the fair value then); what was sent was worth its basis plus
    the return realized on it: 0.05 ETH donated with basis 125 and return 50 is worth 3,500 per ETH."""
    c = converted("cointracker_export.csv")
    assert c.errors == []
    assert [brief(r) for r in c.rows] == [
        ("deposit", "Test Exchange", "", "5000", "", "", "", "", ""),
        ("buy", "Test Exchange", "BTC", "0.1", "30000", "5", "", "", ""),
        ("fee", "Test Exchange", "BTC", "0.0001", "42000", "", "", "", ""),
        ("transfer", "Test Exchange", "BTC", "0.05", "", "", "", "", "Cold Wallet"),
        ("trade", "Test Exchange", "BTC", "0.02", "50000", "", "ETH", "0.4", ""),
        ("staking", "Cold Wallet", "ETH", "0.01", "3500", "", "", "", ""),
        ("donation", "Test Exchange", "ETH", "0.05", "3500", "", "", "", ""),
    ]
    assert c.rows[1].external_id == "cointracker:ct-0002"
    assert c.skipped == [(8, "a note, not a transaction: '...'")]
