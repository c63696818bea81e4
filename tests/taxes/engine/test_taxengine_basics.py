"""Buys, sells, trades, fees, income, inheritance, cash and tax-advantaged accounts: hand-worked examples."""

from __future__ import annotations

import random
from datetime import date

from taxengine_kit import BTC, ETH, ROTH, TAXABLE, TAXABLE2, TRAD, USD, D, Ledger, day

from taxes.engine import EventType, Term


def test_buy_basis_is_cost_plus_fee() -> None:
    """Rule: BUY — lot basis = quantity * unit_price + fee; lot_id = str(event id)."""
    led = Ledger()
    led.buy("2024-03-05", "2", "100.50", fee="1.25")
    (lot,) = led.run().lots
    assert lot.lot_id == "1"
    assert lot.origin_event_id == 1
    assert (lot.account, lot.asset) == (TAXABLE, BTC)
    assert lot.quantity == D(2)
    assert lot.basis == D("202.25")
    assert lot.acquired == lot.received == date(2024, 3, 5)
    assert lot.long_term_from == date(2025, 3, 6)
    assert lot.source == "buy"
    assert lot.loss_basis is None
    assert lot.wash_adjustment == D(0)


def test_sell_splits_proceeds_pro_rata_and_takes_basis() -> None:
    """Rule: SELL — proceeds = q*price - fee split pro rata by quantity; partial lot basis = basis*q/lot q."""
    led = Ledger()
    led.buy("2024-01-10", "3", "10")  # basis 30
    led.buy("2024-02-10", "1", "40", fee="2")  # basis 42
    led.sell("2024-06-01", "3.5", "50", fee="7")  # proceeds 168
    res = led.run()
    first, second = res.disposals
    assert (first.lot_id, first.quantity, first.proceeds, first.basis, first.gain) == (
        "1",
        D(3),
        D(144),
        D(30),
        D(114),
    )
    assert (second.lot_id, second.quantity, second.proceeds, second.basis, second.gain) == (
        "2",
        D("0.5"),
        D(24),
        D(21),
        D(3),
    )
    assert first.kind == "sell"
    assert first.disposed == date(2024, 6, 1)
    assert first.term is Term.SHORT
    assert first.taxable is True
    assert first.lot_basis == D(30)
    (lot,) = res.lots
    assert (lot.lot_id, lot.quantity, lot.basis) == ("2", D("0.5"), D(21))


def test_sell_pieces_sum_exactly_last_takes_remainder() -> None:
    """Rule: SELL — the last piece takes the remainder so the proceeds pieces sum exactly to the total."""
    led = Ledger()
    for m in ("01", "02", "03"):
        led.buy(f"2024-{m}-01", 1, 10)
    led.sell("2024-06-01", 3, "33.33", fee="0.99")  # proceeds 99.99 - 0.99 = 99
    res = led.run()
    proceeds = [d.proceeds for d in res.disposals]
    assert proceeds == [D("33"), D("33"), D("33")]
    led = Ledger()
    for m in ("01", "02", "03"):
        led.buy(f"2024-{m}-01", 1, 10)
    led.sell("2024-06-01", 3, "33.34", fee="0.02")  # proceeds 100
    proceeds = [d.proceeds for d in led.run().disposals]
    assert proceeds == [D("33.333333333333333333"), D("33.333333333333333333"), D("33.333333333333333334")]
    assert sum(proceeds) == D(100)


def test_partial_lot_basis_is_conserved_exactly() -> None:
    """Rule: SELL — basis taken = basis*q/Q (18 places), the lot keeps basis - taken, exactly."""
    led = Ledger()
    led.buy("2024-01-10", 3, 10, fee="0.01")  # basis 30.01
    led.sell("2024-02-01", 1, 12)
    res = led.run()
    (disp,) = res.disposals
    (lot,) = res.lots
    assert disp.basis == D("10.003333333333333333")
    assert lot.basis == D("20.006666666666666667")
    assert disp.basis + lot.basis == D("30.01")
    assert lot.quantity == D(2)


def test_eighteen_decimal_quantities_are_exact() -> None:
    """Rule: SELL — quantities with 18 decimal places never lose a digit."""
    led = Ledger()
    led.buy("2024-01-10", "1.000000000000000001", 2000, asset=ETH)
    led.sell("2024-02-01", "0.999999999999999999", 2500, asset=ETH)
    res = led.run()
    (lot,) = res.lots
    assert lot.quantity == D("0.000000000000000002")
    (disp,) = res.disposals
    assert disp.quantity == D("0.999999999999999999")
    assert disp.proceeds == D("2499.9999999999999975")
    assert disp.basis + lot.basis == D("2000.000000000000002")


def test_events_are_processed_in_order_key_not_input_order() -> None:
    """Rule: events are sorted by (timestamp, id) — shuffled input gives the same result."""
    led = Ledger()
    led.buy("2024-01-10", 1, 10)
    led.buy("2024-01-11", 1, 20)
    led.sell("2024-02-01", 1, 30)
    led.buy("2024-02-02", 1, 40)
    led.sell("2024-03-01", 2, 50)
    expected = led.run()
    shuffled = list(led.events)
    random.Random(4).shuffle(shuffled)
    got = led.run(events=shuffled)
    assert got == expected
    assert [d.basis for d in got.disposals] == [D(10), D(20), D(40)]


def test_cash_never_makes_lots_and_deposits_produce_nothing() -> None:
    """Rule: cash assets never make lots; deposit/withdrawal produce nothing (asset may be None)."""
    led = Ledger()
    led.add(EventType.DEPOSIT, "2024-01-02", 1000, asset=None)
    led.add(EventType.DEPOSIT, "2024-01-02", 1000, 1, asset=USD)
    led.buy("2024-01-03", 500, 1, asset=USD)
    led.sell("2024-01-04", 200, 1, asset=USD)
    led.add(EventType.WITHDRAWAL, "2024-01-05", 300, asset=None)
    led.add(EventType.TRANSFER, "2024-01-06", 100, 1, asset=USD, to_account=TAXABLE2)
    res = led.run()
    assert res.lots == []
    assert res.disposals == []
    assert res.income == []
    assert res.transfers == []


def test_interest_in_cash_is_income_without_a_lot() -> None:
    """Rule: income — interest paid in a cash asset is an IncomeRecord but makes no lot."""
    led = Ledger()
    led.add(EventType.INTEREST, "2024-05-01", "12.34", 1, asset=USD)
    res = led.run()
    assert res.lots == []
    (inc,) = res.income
    assert (inc.kind, inc.value, inc.quantity) == ("interest", D("12.34"), D("12.34"))


def test_income_events_record_value_and_make_a_lot_at_that_basis() -> None:
    """Rule: income (staking, lending, airdrop, mining, interest) — income = q*price, new lot with that basis."""
    led = Ledger()
    kinds = ["staking", "lending", "airdrop", "mining", "interest"]
    for k in kinds:
        led.add(k, "2024-04-10", "0.5", "2000.10", asset=ETH)
    res = led.run()
    assert [r.kind for r in res.income] == kinds
    for i, rec in enumerate(res.income, start=1):
        assert rec.event_id == i
        assert rec.value == D("1000.05")
        assert rec.date == date(2024, 4, 10)
        assert rec.taxable is True
    assert [lot.source for lot in res.lots] == kinds
    for lot in res.lots:
        assert lot.basis == D("1000.05")
        assert lot.acquired == date(2024, 4, 10)
        assert lot.long_term_from == date(2025, 4, 11)  # the holding period starts the next day


def test_inheritance_is_stepped_up_and_always_long_term() -> None:
    """Rule: INHERITANCE — basis = q*price (stepped up), long_term_from None: always long-term."""
    led = Ledger()
    led.add(EventType.INHERITANCE, "2024-08-01", 2, 30000)
    led.sell("2024-08-08", "0.5", 31000)
    res = led.run()
    (lot,) = res.lots
    assert lot.long_term_from is None
    assert lot.basis == D(45000)
    assert lot.source == "inheritance"
    (disp,) = res.disposals
    assert disp.term is Term.LONG
    assert (disp.basis, disp.proceeds, disp.gain) == (D(15000), D(15500), D(500))


def test_trade_is_a_disposal_and_a_purchase_at_fair_value() -> None:
    """Rule: TRADE — disposal proceeds q*price - fee; new counter lot basis = q*price, acquired on the trade date."""
    led = Ledger()
    led.buy("2023-01-05", 1, 20000)
    led.add(EventType.TRADE, "2024-03-01", 1, 30000, fee=30, counter_asset=ETH, counter_quantity=D(15))
    res = led.run()
    (disp,) = res.disposals
    assert (disp.kind, disp.proceeds, disp.basis, disp.gain, disp.term) == (
        "trade",
        D(29970),
        D(20000),
        D(9970),
        Term.LONG,
    )
    (lot,) = res.lots
    assert (lot.asset, lot.quantity, lot.basis, lot.acquired, lot.source, lot.lot_id) == (
        ETH,
        D(15),
        D(30000),
        date(2024, 3, 1),
        "trade",
        "2",
    )


def test_trade_against_cash_legs() -> None:
    """Rule: TRADE — a cash leg makes no lot and no disposal; a cash fee on a purchase adds to basis."""
    led = Ledger()
    led.add(
        EventType.TRADE, "2024-03-01", 1000, 1, fee=5, asset=USD, counter_asset=ETH, counter_quantity=D("0.5")
    )
    led.add(
        EventType.TRADE,
        "2024-04-01",
        "0.2",
        2500,
        fee=1,
        asset=ETH,
        counter_asset=USD,
        counter_quantity=D(500),
    )
    res = led.run()
    (lot,) = res.lots
    assert (lot.quantity, lot.basis) == (D("0.3"), D("603"))
    (disp,) = res.disposals
    assert (disp.proceeds, disp.basis, disp.gain) == (D(499), D(402), D(97))


def test_fee_event_is_a_disposal_at_fair_value() -> None:
    """Rule: FEE — quantity of an asset spent on a fee is a disposal at q*price (kind "fee")."""
    led = Ledger()
    led.buy("2024-01-02", 1, 20000)
    led.add(EventType.FEE, "2024-05-01", "0.001", 30000)
    res = led.run()
    (disp,) = res.disposals
    assert (disp.kind, disp.quantity, disp.proceeds, disp.basis, disp.gain) == (
        "fee",
        D("0.001"),
        D(30),
        D(20),
        D(10),
    )
    (lot,) = res.lots
    assert (lot.quantity, lot.basis) == (D("0.999"), D(19980))


def test_tax_advantaged_accounts_keep_lots_but_nothing_is_taxable() -> None:
    """Rule: tax-advantaged accounts — lots and records exist with taxable=False."""
    led = Ledger()
    for acct in (ROTH, TRAD):
        led.buy("2024-01-02", 2, 100, account=acct)
        led.sell("2024-02-02", 1, 150, account=acct)
        led.add(EventType.STAKING, "2024-03-01", 1, 10, account=acct, asset=ETH)
    res = led.run()
    assert [d.taxable for d in res.disposals] == [False, False]
    assert [d.gain for d in res.disposals] == [D(50), D(50)]
    assert [r.taxable for r in res.income] == [False, False]
    assert [(lot.account, lot.asset, lot.quantity) for lot in res.lots] == [
        (ROTH, BTC, D(1)),
        (ROTH, ETH, D(1)),
        (TRAD, BTC, D(1)),
        (TRAD, ETH, D(1)),
    ]


def test_lots_are_per_account() -> None:
    """Rule: lots are per (account, asset) — a sale only consumes the selling account's lots."""
    led = Ledger()
    led.buy("2024-01-02", 1, 100, account=TAXABLE)
    led.buy("2024-01-03", 1, 200, account=TAXABLE2)
    led.sell("2024-02-01", 1, 300, account=TAXABLE2)
    res = led.run()
    (disp,) = res.disposals
    assert (disp.account, disp.basis) == (TAXABLE2, D(200))
    (lot,) = res.lots
    assert (lot.account, lot.basis) == (TAXABLE, D(100))


def test_result_lots_sorted_by_account_asset_acquired_lot_id() -> None:
    """Rule: Result.lots sorted by (account, asset, acquired, lot_id); records by event order."""
    led = Ledger()
    led.buy("2024-05-01", 1, 10, account=TAXABLE2, asset=ETH)
    led.buy("2024-03-01", 1, 10, account=TAXABLE2, asset=BTC)
    led.buy("2024-04-01", 1, 10, account=TAXABLE, asset=BTC)
    led.add(EventType.GIFT_RECEIVED, "2024-06-01", 1, 5, cost_basis=D(3), acquired_date=day("2020-01-01"))
    led.buy("2024-06-02", 1, 10, account=TAXABLE, asset=BTC)
    res = led.run()
    assert [(lot.account, lot.asset, lot.lot_id) for lot in res.lots] == [
        (TAXABLE, BTC, "4"),
        (TAXABLE, BTC, "3"),
        (TAXABLE, BTC, "5"),
        (TAXABLE2, BTC, "2"),
        (TAXABLE2, ETH, "1"),
    ]
