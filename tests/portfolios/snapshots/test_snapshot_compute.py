"""Snapshot values on the hand-worked portfolio (tests/portfolios/snapshots/conftest.py).

Open lots after the ledger (FIFO):
  Coinbase  BTC  0.06  basis 2406   (0.1 bought 2024-01-10 for 4000 + 10 fee; 0.04 sold 2025-10-01)  long
  Coinbase  BTC  0.05  basis 5000   (2025-06-01; long-term from 2026-06-02: 93 days after 2026-03-01)   short
  Coinbase  ETH  2     basis 5000   (2025-09-15)                                                        short
  Coinbase  ETH  0.01  basis 30     (staking 2025-12-01, income 30)                                     short
  Coinbase  ADA  1000  basis 500    (2024-03-01) - price 2 days old: stale                              long
  Roth IRA  BTC  0.05  basis 2100   (2024-02-01)                                                        long
  Roth IRA  SOL  10    basis 2000   (2025-02-01) - no price: missing                                    long
Prices at as_of: BTC 90000, ETH 3000.
Values: BTC 5400 + 4500 + 4500 = 14400; ETH 6000 + 30 = 6030; total 20430 (ADA and SOL left out, not zero).
Cost basis (all lots) 17036. Unrealized: long 2994 + 2400 = 5394; short -500 + 1000 + 0 = 500; total 5894.
Weights: BTC 14400/20430 = 0.704846, ETH 6030/20430 = 0.295154.
Bands (5/25): BTC 0.5 -> [0.45, 0.55] outside; ETH 0.3 -> [0.25, 0.35] inside; SOL/ADA 0.1 -> [0.075, 0.125].
Yesterday (2026-02-28 closes BTC 85000, ETH 2900, ADA 0.8 carried from the 27th): 13600 + 5829 + 800 = 20229.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from snapshot_testkit import AS_OF, quote, record, utc

from portfolios.models import PortfolioSnapshot, ValuePoint
from portfolios.pricing.offline import OFFLINE_NOTICE
from portfolios.snapshots import KEEP_SNAPSHOTS, portfolio_snapshot_compute
from taxes.models import LedgerStatus, TaxLot
from tests.factories import AccountFactory, AssetFactory, TransactionFactory

pytestmark = pytest.mark.django_db

D = Decimal


def by_symbol(rows):  # type: ignore[no-untyped-def]
    return {row["symbol"]: row for row in rows}


def test_headline_numbers(hand_worked) -> None:  # type: ignore[no-untyped-def]
    snap = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF)
    assert snap.total_value == D(20430)
    assert snap.cost_basis == D(17036)
    assert snap.unrealized_gain == D(5894)
    assert snap.has_missing_prices
    assert snap.has_stale_prices
    assert snap.oldest_price_at == utc(2026, 2, 27, 0)
    data = snap.data
    assert data["as_of"] == "2026-03-01T17:00:00+00:00"
    assert data["total_value"] == "20430"
    assert data["cost_basis"] == "17036"
    assert data["unrealized"] == {"short": "500", "long": "5394", "total": "5894"}
    assert data["prices"] == {
        "oldest_at": "2026-02-27T00:00:00+00:00",
        "missing": ["SOL"],
        "stale": ["ADA"],
        "offline": False,
        "notice": "",
    }
    assert data["target"] == {
        "name": "Crypto index",
        "band_absolute": "0.05",
        "band_relative": "0.25",
        "band_floor": None,
    }
    assert data["ledger"]["error"] == ""
    assert data["ledger"]["computed_at"] is not None


def test_assets_weights_and_bands(hand_worked) -> None:  # type: ignore[no-untyped-def]
    data = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF).data
    assets = by_symbol(data["assets"])
    assert [row["symbol"] for row in data["assets"]] == ["BTC", "ETH", "ADA", "SOL"]  # by value, unknown last
    btc, eth, ada, sol = assets["BTC"], assets["ETH"], assets["ADA"], assets["SOL"]
    assert (btc["quantity"], btc["price"], btc["value"], btc["cost_basis"], btc["unrealized"]) == (
        "0.16",
        "90000",
        "14400",
        "9506",
        "4894",
    )
    assert (btc["price_status"], btc["price_source"], btc["price_at"]) == (
        "ok",
        "coingecko",
        "2026-03-01T16:55:00+00:00",
    )
    assert (btc["weight"], btc["target_weight"], btc["drift"]) == ("0.704846", "0.5", "0.204846")
    assert (btc["band_low"], btc["band_high"], btc["outside_band"]) == ("0.45", "0.55", True)
    assert (eth["quantity"], eth["value"], eth["weight"], eth["drift"]) == (
        "2.01",
        "6030",
        "0.295154",
        "-0.004846",
    )
    assert (eth["band_low"], eth["band_high"], eth["outside_band"]) == ("0.25", "0.35", False)
    # Stale: the price is shown, but the value is unknown and stays out of the total - never zero.
    assert (ada["price_status"], ada["price"], ada["value"], ada["weight"], ada["unrealized"]) == (
        "stale",
        "0.8",
        None,
        None,
        None,
    )
    assert (ada["band_low"], ada["band_high"], ada["drift"], ada["outside_band"]) == (
        "0.075",
        "0.125",
        None,
        False,
    )
    assert (sol["price_status"], sol["price"], sol["price_at"], sol["value"], sol["weight"]) == (
        "missing",
        None,
        None,
        None,
        None,
    )
    assert (sol["quantity"], sol["cost_basis"]) == ("10", "2000")


def test_accounts(hand_worked) -> None:  # type: ignore[no-untyped-def]
    data = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF).data
    coinbase, roth = data["accounts"]
    assert (coinbase["name"], coinbase["tax_treatment"], coinbase["kind"]) == (
        "Coinbase",
        "taxable",
        "exchange",
    )
    assert (coinbase["value"], coinbase["cost_basis"], coinbase["unrealized"]) == ("15930", "12936", "3494")
    assert coinbase["has_missing_prices"] is True  # ADA is stale
    assert by_symbol(coinbase["holdings"]) == {
        "ADA": {
            "asset_id": hand_worked.ada.pk,
            "symbol": "ADA",
            "quantity": "1000",
            "value": None,
            "cost_basis": "500",
        },
        "BTC": {
            "asset_id": hand_worked.btc.pk,
            "symbol": "BTC",
            "quantity": "0.11",
            "value": "9900",
            "cost_basis": "7406",
        },
        "ETH": {
            "asset_id": hand_worked.eth.pk,
            "symbol": "ETH",
            "quantity": "2.01",
            "value": "6030",
            "cost_basis": "5030",
        },
    }
    assert (roth["name"], roth["tax_treatment"], roth["kind"]) == ("Roth IRA", "tax_free", "roth_ira")
    assert (roth["value"], roth["cost_basis"], roth["unrealized"], roth["has_missing_prices"]) == (
        "4500",
        "4100",
        "2400",
        True,
    )
    # Accounts add up to the total exactly.
    assert D(coinbase["value"]) + D(roth["value"]) == D(data["total_value"])


def test_lots_terms_in_owner_time_zone(hand_worked) -> None:  # type: ignore[no-untyped-def]
    data = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF).data
    lots = {(lot["account"], lot["symbol"], lot["acquired"]): lot for lot in data["lots"]}
    assert len(lots) == 7
    first = lots[("Coinbase", "BTC", "2024-01-10")]
    assert (first["quantity"], first["basis"], first["value"], first["unrealized"], first["term"]) == (
        "0.06",
        "2406",
        "5400",
        "2994",
        "long",
    )
    assert first["days_to_long_term"] is None
    recent = lots[("Coinbase", "BTC", "2025-06-01")]
    assert (recent["term"], recent["long_term_from"], recent["days_to_long_term"], recent["unrealized"]) == (
        "short",
        "2026-06-02",
        93,
        "-500",
    )
    assert lots[("Roth IRA", "SOL", "2025-02-01")]["value"] is None
    assert lots[("Coinbase", "ADA", "2024-03-01")]["unrealized"] is None
    assert {lot["lot_id"] for lot in data["lots"]} == set(
        TaxLot.objects.filter(portfolio=hand_worked.portfolio).values_list("lot_id", flat=True)
    )

    # 02:00 UTC on June 2 is still June 1 in New York: the lot is short-term for one more day.
    late = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=utc(2026, 6, 2, 2)).data
    lot = next(lot for lot in late["lots"] if lot["acquired"] == "2025-06-01")
    assert (lot["term"], lot["days_to_long_term"]) == ("short", 1)
    later = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=utc(2026, 6, 2, 5)).data
    lot = next(lot for lot in later["lots"] if lot["acquired"] == "2025-06-01")
    assert (lot["term"], lot["days_to_long_term"]) == ("long", None)


def test_income_to_date(hand_worked) -> None:  # type: ignore[no-untyped-def]
    record(hand_worked.coinbase, "staking", utc(2026, 1, 5), "0.02", hand_worked.eth, unit_price=D(3200))
    record(hand_worked.coinbase, "staking", utc(2026, 1, 20), "0.01", hand_worked.eth, unit_price=D(3300))
    data = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF).data
    assert data["income"] == {
        "total": "127",
        "by_kind": {"staking": "127"},
        "by_month": [
            {"month": "2025-12", "total": "30", "by_kind": {"staking": "30"}},
            {"month": "2026-01", "total": "97", "by_kind": {"staking": "97"}},
        ],
    }
    # Income after as_of is not "to date".
    early = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=utc(2026, 1, 10)).data
    assert early["income"]["total"] == "94"


def test_value_history_and_day_change(hand_worked) -> None:  # type: ignore[no-untyped-def]
    snap = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF)
    points = {p.date: p for p in ValuePoint.objects.filter(portfolio=hand_worked.portfolio)}
    # One point a day from the first deposit/lot through as_of (New York dates).
    assert min(points) == date(2024, 1, 10)
    assert max(points) == date(2026, 3, 1)
    assert len(points) == (date(2026, 3, 1) - date(2024, 1, 10)).days + 1
    today, yesterday = points[date(2026, 3, 1)], points[date(2026, 2, 28)]
    assert (today.value, today.cost_basis, today.net_deposits) == (D(20430), D(17036), D(16000))
    assert (yesterday.value, yesterday.cost_basis, yesterday.net_deposits) == (D(20229), D(17036), D(16000))
    # Before the first price there is nothing to value (no made-up prices), but deposits and basis count.
    early = points[date(2024, 2, 1)]
    assert (early.value, early.cost_basis, early.net_deposits) == (D(0), D(6110), D(16000))
    # Before the sale of 0.04 BTC (basis 1604) on 2025-10-01 the basis was higher.
    assert points[date(2025, 9, 30)].cost_basis == D(17036 + 1604 - 30)
    assert points[date(2025, 10, 1)].cost_basis == D(17036 - 30)
    assert snap.data["day_change"] == {"value": "201", "pct": "0.009936"}


def test_history_is_incremental_until_the_ledger_changes(hand_worked) -> None:  # type: ignore[no-untyped-def]
    pid = hand_worked.portfolio.pk
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    # Tamper with an old point: an incremental update does not look at it ...
    ValuePoint.objects.filter(portfolio_id=pid, date=date(2025, 1, 1)).update(value=D(1))
    quote(hand_worked.btc, utc(2026, 3, 1, 23), "91000")  # 3-1 closes higher
    quote(hand_worked.btc, utc(2026, 3, 2, 16), "92000")
    quote(hand_worked.eth, utc(2026, 3, 2, 16), "3100")
    second = portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF + timedelta(days=1))
    assert ValuePoint.objects.get(portfolio_id=pid, date=date(2025, 1, 1)).value == D(1)
    # ... but brings the last day (now with its close) and the new day up to date.
    march1 = ValuePoint.objects.get(portfolio_id=pid, date=date(2026, 3, 1))
    assert march1.value == D("0.16") * 91000 + D("2.01") * 3000 + 1000 * D("0.8")  # ADA close carried
    assert ValuePoint.objects.get(portfolio_id=pid, date=date(2026, 3, 2)).value == second.total_value
    assert second.total_value == D("0.16") * 92000 + D("2.01") * 3100
    # A ledger change redoes the history from the checkpoint before it (2024-12-31).
    record(hand_worked.coinbase, "buy", utc(2025, 1, 1, 12), "0.01", hand_worked.btc, unit_price=D(95000))
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF + timedelta(days=1))
    assert ValuePoint.objects.get(portfolio_id=pid, date=date(2025, 1, 1)).value == D(0)
    assert ValuePoint.objects.get(portfolio_id=pid, date=date(2025, 1, 1)).cost_basis == D(
        4010 + 500 + 2100 + 950
    )


def test_offline_prices_are_announced(hand_worked) -> None:  # type: ignore[no-untyped-def]
    quote(hand_worked.sol, utc(2026, 3, 1, 0), "150", source="offline")
    data = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF).data
    assert data["prices"]["offline"] is True
    assert data["prices"]["notice"] == OFFLINE_NOTICE
    sol = by_symbol(data["assets"])["SOL"]
    assert (sol["price_status"], sol["price_source"], sol["value"]) == ("ok", "offline", "1500")
    assert data["prices"]["missing"] == []
    assert data["total_value"] == "21930"


def test_target_asset_not_held_has_zero_weight(hand_worked) -> None:  # type: ignore[no-untyped-def]
    dot = AssetFactory(symbol="DOT")
    hand_worked.portfolio.target.weights.create(asset=dot, weight=D("0"))
    data = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF).data
    row = by_symbol(data["assets"])["DOT"]
    assert (row["quantity"], row["value"], row["weight"], row["price_status"]) == ("0", "0", "0", "missing")
    assert "DOT" not in data["prices"]["missing"]  # nothing held: the total is complete without it


def test_no_target_no_band(hand_worked) -> None:  # type: ignore[no-untyped-def]
    hand_worked.portfolio.target.delete()
    data = portfolio_snapshot_compute(portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF).data
    assert data["target"] is None
    for row in data["assets"]:
        assert (row["target_weight"], row["drift"], row["band_low"], row["band_high"]) == (
            None,
            None,
            None,
            None,
        )
        assert row["outside_band"] is False


def test_missing_lots_are_computed_through_the_tax_services(db) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory()
    tx = TransactionFactory(account=account, quantity=D(2), unit_price=D(100))  # raw row: no lots yet
    assert not LedgerStatus.objects.filter(portfolio=account.portfolio).exists()
    quote(tx.asset, datetime(2024, 1, 3, tzinfo=UTC), "150")
    snap = portfolio_snapshot_compute(
        portfolio_id=account.portfolio.pk, as_of=datetime(2024, 1, 3, 1, tzinfo=UTC)
    )
    assert snap.total_value == D(300)
    assert snap.cost_basis == D(200)
    assert LedgerStatus.objects.get(portfolio=account.portfolio).computed_at is not None


def test_empty_portfolio(db) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory()
    snap = portfolio_snapshot_compute(portfolio_id=account.portfolio.pk, as_of=AS_OF)
    assert (snap.total_value, snap.cost_basis, snap.unrealized_gain) == (0, 0, 0)
    assert snap.data["assets"] == []
    assert snap.data["lots"] == []
    assert snap.data["day_change"] is None
    assert not ValuePoint.objects.filter(portfolio=account.portfolio).exists()


def test_only_the_latest_snapshots_are_kept(hand_worked, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("portfolios.snapshots.compute.KEEP_SNAPSHOTS", 3)
    ids = [
        portfolio_snapshot_compute(
            portfolio_id=hand_worked.portfolio.pk, as_of=AS_OF + timedelta(minutes=i)
        ).pk
        for i in range(5)
    ]
    assert (
        list(PortfolioSnapshot.objects.filter(portfolio=hand_worked.portfolio).values_list("id", flat=True))
        == ids[:1:-1]
    )
    assert KEEP_SNAPSHOTS == 30


def test_query_count_does_not_grow_with_lots(hand_worked, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    pid = hand_worked.portfolio.pk
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    # The portfolio, the rest of what it holds in one statement, the prices; the snapshot and the pruning.
    with django_assert_max_num_queries(7):
        portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF + timedelta(minutes=5))
    for day in range(40):
        record(
            hand_worked.coinbase,
            "buy",
            utc(2025, 11, 1) + timedelta(days=day),
            "0.001",
            hand_worked.btc,
            unit_price=D(100000),
        )
    # The history from the checkpoint before the change: it, the pieces and deposits since, the stored
    # points and the closes since; the points, checkpoint and state written.
    with django_assert_max_num_queries(17):
        portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF + timedelta(minutes=10))


def test_a_batch_reads_with_a_fixed_number_of_queries(hand_worked, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from snapshot_testkit import build_hand_worked

    from portfolios.snapshots import portfolios_snapshot_compute

    others = [build_hand_worked(f"batch-{i}", with_prices=False).portfolio.pk for i in range(4)]
    ids = [hand_worked.portfolio.pk, *others]
    first = portfolios_snapshot_compute(portfolio_ids=ids, as_of=AS_OF)  # builds every history
    assert [s.portfolio_id for s in first] == ids
    assert len({s.total_value for s in first}) == 1  # the same ledger and the same (global) prices
    with django_assert_max_num_queries(7):  # the same count as for one portfolio
        again = portfolios_snapshot_compute(portfolio_ids=ids, as_of=AS_OF + timedelta(minutes=5))
    assert [s.data["total_value"] for s in again] == [s.data["total_value"] for s in first]
    assert ValuePoint.objects.filter(portfolio_id__in=ids).count() == 5 * len(
        ValuePoint.objects.filter(portfolio_id=hand_worked.portfolio.pk)
    )
