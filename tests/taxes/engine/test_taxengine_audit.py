"""Hand-worked cases for the rules an independent audit found broken: the place of a lot split off by a
transfer, wash sales across every account of the taxpayer, and transfers across tax treatments."""

from __future__ import annotations

from datetime import date

import pytest
from taxengine_kit import BTC, ETF, ROTH, TAXABLE, TAXABLE2, TRAD, WBTC, D, Ledger, accounts

from taxes.engine import AccountInfo, BasisMethod, EngineError, EventType, TaxTreatment, Term


def test_fifo_piece_moved_by_a_transfer_keeps_its_acquisition_place() -> None:
    """Rule: FIFO charges a sale against the earliest acquisition (Treas. Reg. §1.1012-1(c)(1), and per
    account from 2025, §1.1012-1(j)); a piece moved between the owner's accounts keeps its acquisition's
    date, time and order.

    W1 buys 1 BTC at 100 on 2024-01-02 09:00; W2 buys 1 at 200 the same day at 10:00; W1 moves 0.5 to W2 on
    01-05; W2 sells 1 at 300 on 02-01 (FIFO). The 09:00 half goes first: basis 0.5 x 100 = 50, proceeds 150,
    gain 100; then half the 10:00 lot: basis 100, proceeds 150, gain 50. Total basis 150, gain 150.
    """
    led = Ledger()
    led.buy("2024-01-02", 1, 100, account=TAXABLE)
    led.buy("2024-01-02", 1, 200, account=TAXABLE2)
    led.add(EventType.TRANSFER, "2024-01-05", "0.5", account=TAXABLE, to_account=TAXABLE2)
    led.sell("2024-02-01", 1, 300, account=TAXABLE2)
    res = led.run(accounts(BasisMethod.FIFO))
    got = [(d.lot_id, d.quantity, d.basis, d.gain) for d in res.disposals]
    assert got == [("1/t3", D("0.5"), D(50), D(100)), ("2", D("0.5"), D(100), D(50))]
    assert sum(d.basis for d in res.disposals) == 150
    assert sum(d.gain for d in res.disposals) == 150


def test_lifo_piece_moved_by_a_transfer_keeps_its_acquisition_place() -> None:
    """Rule: LIFO takes the latest acquisition first; a piece moved by a transfer on a later day is not a
    later acquisition (§1.1012-1(c)(1) identification by acquisition).

    Same-day buys: W1 1 at 100 (09:00), W2 1 at 200 (10:00); W1 moves 0.5 to W2 on 01-05; W2 sells 0.5 at
    300 under LIFO. The latest acquisition is W2's 10:00 lot: basis 100, gain 50 (not the moved 09:00 half,
    basis 50, gain 100).
    """
    led = Ledger()
    led.buy("2024-01-02", 1, 100, account=TAXABLE)
    led.buy("2024-01-02", 1, 200, account=TAXABLE2)
    led.add(EventType.TRANSFER, "2024-01-05", "0.5", account=TAXABLE, to_account=TAXABLE2)
    led.sell("2024-02-01", "0.5", 300, account=TAXABLE2)
    res = led.run(accounts(BasisMethod.LIFO))
    assert [(d.lot_id, d.basis, d.gain) for d in res.disposals] == [("2", D(100), D(50))]


def test_hifo_ties_on_unit_basis_go_by_acquisition_order() -> None:
    """Rule: HIFO takes the highest unit basis; between equal ones the earlier acquisition, whatever the
    order in which pieces arrived in the account.

    W1 buys 1 at 100 (first), W2 buys 1 at 100 (second), both on 2024-01-02; W1 moves 0.5 to W2 on 01-05;
    W2 sells 0.5: the moved piece of the first acquisition is taken (lot 1/t3), basis 50.
    """
    led = Ledger()
    led.buy("2024-01-02", 1, 100, account=TAXABLE)
    led.buy("2024-01-02", 1, 100, account=TAXABLE2)
    led.add(EventType.TRANSFER, "2024-01-05", "0.5", account=TAXABLE, to_account=TAXABLE2)
    led.sell("2024-02-01", "0.5", 120, account=TAXABLE2)
    res = led.run(accounts(BasisMethod.HIFO))
    assert [(d.lot_id, d.basis, d.gain) for d in res.disposals] == [("1/t3", D(50), D(10))]


def test_checkpoint_resume_keeps_the_moved_piece_in_place() -> None:
    """The order survives a checkpoint: resuming after the transfer gives the same disposals."""
    led = Ledger()
    led.buy("2024-01-02", 1, 100, account=TAXABLE)
    led.buy("2024-01-02", 1, 200, account=TAXABLE2)
    led.add(EventType.TRANSFER, "2024-01-05", "0.5", account=TAXABLE, to_account=TAXABLE2)
    led.sell("2024-02-01", 1, 300, account=TAXABLE2)
    full = led.run()
    cp = led.run(events=led.events[:3], checkpoint_every=3).checkpoints[-1]
    resumed = led.run(start=cp, events=led.events[3:])
    assert [(d.lot_id, d.basis) for d in resumed.disposals] == [(d.lot_id, d.basis) for d in full.disposals]


def test_distribution_from_an_ira_starts_a_new_lot_at_fair_value() -> None:
    """Rule: assets moved out of a traditional IRA into a taxable account are a distribution; the taxable
    lot's basis is the fair value that day and its holding period starts the next day (nothing of the IRA
    lot's basis or date carries over; the distribution is reported on the custodian's 1099-R).

    IRA buys 1 BTC at 20,000 on 2022-03-01; moved to the taxable account on 2024-01-10 at 45,000 with a 10
    fee; sold on 2024-06-01 at 50,000. Taxable basis 45,010, acquired 2024-01-10, short-term; gain 4,990.
    The distribution is listed: fair value 45,000, the IRA lot's basis 20,000.
    """
    led = Ledger()
    led.buy("2022-03-01", 1, 20000, account=TRAD)
    led.add(EventType.TRANSFER, "2024-01-10", 1, 45000, account=TRAD, to_account=TAXABLE, fee=10)
    led.sell("2024-06-01", 1, 50000, account=TAXABLE)
    res = led.run()
    (sale,) = res.disposals
    assert (sale.acquired, sale.basis, sale.gain, sale.term, sale.taxable) == (
        date(2024, 1, 10),
        D(45010),
        D(4990),
        Term.SHORT,
        True,
    )
    (moved,) = res.transfers
    assert (moved.kind, moved.account, moved.fair_value, moved.basis, moved.deduction) == (
        "distribution",
        TRAD,
        D(45000),
        D(20000),
        D(0),
    )


def test_distribution_turns_long_term_a_year_after_the_transfer() -> None:
    """Rule: the holding period of a distributed asset starts the day after the distribution: moved on
    2024-01-10, a sale on 2025-01-10 is short-term, on 2025-01-11 long-term."""
    led = Ledger()
    led.buy("2020-03-01", 2, 5000, account=ROTH)
    led.add(EventType.TRANSFER, "2024-01-10", 2, 40000, account=ROTH, to_account=TAXABLE)
    led.sell("2025-01-10", 1, 60000, account=TAXABLE)
    led.sell("2025-01-11", 1, 60000, account=TAXABLE)
    res = led.run()
    assert [d.term for d in res.disposals] == [Term.SHORT, Term.LONG]
    assert [d.basis for d in res.disposals] == [D(40000), D(40000)]


def test_transfer_across_treatments_needs_a_fair_value() -> None:
    led = Ledger()
    led.buy("2022-03-01", 1, 20000, account=TRAD)
    led.add(EventType.TRANSFER, "2024-01-10", 1, account=TRAD, to_account=TAXABLE)
    with pytest.raises(EngineError) as exc:
        led.run()
    assert exc.value.field == "unit_price"
    assert exc.value.event_id == 2
    assert "fair value" in exc.value.message


def test_transfer_into_an_ira_is_a_sale_at_fair_value() -> None:
    """Choice (README): moving assets from a taxable account into an IRA is a sale at fair value — the gain
    is realized and reported, the fee comes off the proceeds — and the IRA lot's basis is that value.

    Taxable buys 2 BTC at 100 on 2024-01-02; moves both to the Roth on 2024-03-01 at 150 with a 2 fee:
    proceeds 298, basis 200, gain 98 (short-term); the Roth lot: 2 BTC, basis 300, acquired 2024-03-01.
    """
    led = Ledger()
    led.buy("2024-01-02", 2, 100)
    led.add(EventType.TRANSFER, "2024-03-01", 2, 150, to_account=ROTH, fee=2)
    res = led.run()
    (sale,) = res.disposals
    assert (sale.kind, sale.proceeds, sale.basis, sale.gain, sale.term, sale.taxable) == (
        "transfer",
        D(298),
        D(200),
        D(98),
        Term.SHORT,
        True,
    )
    (lot,) = res.lots
    assert (lot.account, lot.quantity, lot.basis, lot.acquired) == (ROTH, D(2), D(300), date(2024, 3, 1))


def test_security_moved_into_an_ira_at_a_loss_is_a_wash_sale_for_good() -> None:
    """Rule: a loss sale of a security whose replacement is acquired in the owner's IRA within 30 days is
    disallowed and not added to any basis (IRC §1091; Rev. Rul. 2008-5). Moving the shares into the IRA is
    both: the sale at fair value and the IRA's acquisition.

    Taxable buys 10 VTI at 100; moves all 10 to the Roth at 80: loss 200, disallowed 200, gain 0; the Roth
    lot keeps basis 800 (nothing added).
    """
    led = Ledger()
    led.buy("2024-01-02", 10, 100, asset=ETF)
    led.add(EventType.TRANSFER, "2024-03-01", 10, 80, asset=ETF, to_account=ROTH)
    res = led.run()
    (sale,) = res.disposals
    assert (sale.proceeds, sale.basis, sale.wash_disallowed, sale.gain) == (D(800), D(1000), D(200), D(0))
    (wash,) = res.wash_sales
    assert (wash.disallowed, wash.added_to_basis) == (D(200), False)
    (lot,) = res.lots
    assert (lot.account, lot.basis, lot.wash_adjustment) == (ROTH, D(800), D(0))


def test_conversion_to_roth_records_the_fair_value() -> None:
    """Rule: moving assets from a traditional IRA to a Roth is a conversion, ordinary income at the fair
    value converted; the Roth lot's basis is that value. Traditional buys 1 BTC at 100, converted at 300."""
    led = Ledger()
    led.buy("2023-01-02", 1, 100, account=TRAD)
    led.add(EventType.TRANSFER, "2024-05-01", 1, 300, account=TRAD, to_account=ROTH)
    res = led.run()
    assert res.disposals == []
    (moved,) = res.transfers
    assert (moved.kind, moved.fair_value, moved.basis) == ("conversion", D(300), D(100))
    (lot,) = res.lots
    assert (lot.account, lot.basis, lot.acquired) == (ROTH, D(300), date(2024, 5, 1))


def test_roth_to_traditional_is_refused() -> None:
    led = Ledger()
    led.buy("2023-01-02", 1, 100, account=ROTH)
    led.add(EventType.TRANSFER, "2024-05-01", 1, 300, account=ROTH, to_account=TRAD)
    with pytest.raises(EngineError) as exc:
        led.run()
    assert exc.value.field == "to_account"


def test_wash_sale_sees_the_replacement_in_another_portfolio() -> None:
    """Rule: one person is one taxpayer (IRC §1091): a loss on a security in one account and a purchase in
    any other of the owner's accounts within 30 days is a wash sale. Accounts 1 and 2 stand for two
    portfolios of one owner; the engine runs over both.

    Account 1 buys 10 VTI at 100 on 2024-03-01, sells them at 80 on 2024-04-01 (loss 200); account 2 buys
    10 at 85 on 2024-04-15. Disallowed 200; the replacement's basis 850 + 200 = 1,050; its holding period
    is tacked: the 31 days the sold shares were held → acquired 2024-03-15.
    """
    led = Ledger()
    led.buy("2024-03-01", 10, 100, asset=ETF, account=TAXABLE)
    led.sell("2024-04-01", 10, 80, asset=ETF, account=TAXABLE)
    led.buy("2024-04-15", 10, 85, asset=ETF, account=TAXABLE2)
    res = led.run()
    (sale,) = res.disposals
    assert (sale.wash_disallowed, sale.gain) == (D(200), D(0))
    (lot,) = res.lots
    assert (lot.account, lot.basis, lot.wash_adjustment, lot.acquired) == (
        TAXABLE2,
        D(1050),
        D(200),
        date(2024, 3, 15),
    )


def test_crypto_wash_switch_is_the_loss_portfolios() -> None:
    """The proposed-law switch for digital assets belongs to a portfolio: a crypto loss in a portfolio with
    the switch off stays allowed even when another portfolio of the owner has it on."""
    led = Ledger()
    led.buy("2024-03-01", 1, 100, asset=WBTC, account=TAXABLE)
    led.sell("2024-04-01", 1, 80, asset=WBTC, account=TAXABLE)
    led.buy("2024-04-05", 1, 85, asset=WBTC, account=TAXABLE2)
    accts = accounts()
    switched_off = dict(accts)
    switched_off[TAXABLE] = AccountInfo(
        TAXABLE, TaxTreatment.TAXABLE, BasisMethod.FIFO, wash_sale_digital=False
    )
    assert led.run(accts).disposals[0].wash_disallowed == D(20)
    assert led.run(switched_off).disposals[0].wash_disallowed == D(0)
    # plain crypto: never matched
    led2 = Ledger()
    led2.buy("2024-03-01", 1, 100, asset=BTC)
    led2.sell("2024-04-01", 1, 80, asset=BTC)
    led2.buy("2024-04-05", 1, 85, asset=BTC, account=TAXABLE2)
    assert led2.run().disposals[0].gain == D(-20)


def test_basis_method_is_a_standing_order_from_its_date() -> None:
    """Rule (Rev. Proc. 2024-28): a basis method is a standing order; a change applies to sales from its
    effective date on and never rewrites earlier sales.

    FIFO until 2025-06-01, then HIFO. Buys: 1 BTC at 100 (2024-01-02), 1 at 200 (2024-02-01), 1 at 300
    (2024-03-01). A sale on 2025-05-01 (before the change) takes the oldest (basis 100); a sale on
    2025-07-01 takes the highest remaining (300). FIFO throughout would have taken 100 then 200.
    """
    from datetime import date as _date

    led = Ledger()
    led.buy("2024-01-02", 1, 100)
    led.buy("2024-02-01", 1, 200)
    led.buy("2024-03-01", 1, 300)
    led.sell("2025-05-01", 1, 400)
    led.sell("2025-07-01", 1, 400)
    accts = accounts()
    accts[TAXABLE] = AccountInfo(
        TAXABLE,
        TaxTreatment.TAXABLE,
        BasisMethod.FIFO,
        method_changes=((_date(2025, 6, 1), BasisMethod.HIFO),),
    )
    assert [d.basis for d in led.run(accts).disposals] == [D(100), D(300)]
    assert [d.basis for d in led.run().disposals] == [D(100), D(200)]
