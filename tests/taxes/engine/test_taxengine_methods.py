"""Lot selection (FIFO, LIFO, HIFO, specific identification) and transfers between own accounts."""

from __future__ import annotations

from datetime import date

from taxengine_kit import BTC, ETH, TAXABLE, TAXABLE2, D, Ledger, accounts, day

from taxes.engine import BasisMethod, EventType, Term


def three_lots() -> Ledger:
    led = Ledger()
    led.buy("2024-01-01", 1, 10)  # 1
    led.buy("2024-02-01", 1, 30)  # 2
    led.buy("2024-03-01", 1, 20)  # 3
    return led


def test_fifo_takes_earliest_acquired_first() -> None:
    """Rule: lot selection FIFO — earliest `acquired` first."""
    led = three_lots()
    led.sell("2024-04-01", "1.5", 40)
    res = led.run(accounts(BasisMethod.FIFO))
    assert [(d.lot_id, d.quantity, d.basis) for d in res.disposals] == [
        ("1", D(1), D(10)),
        ("2", D("0.5"), D(15)),
    ]


def test_fifo_orders_by_acquired_date_not_arrival() -> None:
    """Rule: lot selection FIFO — a gift received later but acquired earlier by the donor goes first."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.add(EventType.GIFT_RECEIVED, "2024-02-01", 1, 50, cost_basis=D(5), acquired_date=day("2021-06-01"))
    led.sell("2024-03-01", 1, 60)
    (disp,) = led.run().disposals
    assert (disp.lot_id, disp.basis, disp.acquired, disp.term) == ("2", D(5), date(2021, 6, 1), Term.LONG)


def test_fifo_ties_go_by_creation_order() -> None:
    """Rule: lot selection FIFO — same acquired date: the lot created first goes first."""
    led = Ledger()
    led.buy("2024-01-01", 1, 30)
    led.buy("2024-01-01", 1, 10)
    led.sell("2024-03-01", 1, 60)
    (disp,) = led.run().disposals
    assert disp.lot_id == "1"


def test_lifo_takes_latest_first() -> None:
    """Rule: lot selection LIFO — latest `acquired` first (ties: latest created first)."""
    led = three_lots()
    led.buy("2024-03-01", 1, 25)  # 4: same day as 3, created later
    led.sell("2024-04-01", "2.5", 40)
    res = led.run(accounts(BasisMethod.LIFO))
    assert [(d.lot_id, d.quantity, d.basis) for d in res.disposals] == [
        ("4", D(1), D(25)),
        ("3", D(1), D(20)),
        ("2", D("0.5"), D(15)),
    ]


def test_hifo_takes_highest_unit_basis_first() -> None:
    """Rule: lot selection HIFO — highest basis per unit first (fees included)."""
    led = three_lots()
    led.sell("2024-04-01", "1.5", 40)
    res = led.run(accounts(BasisMethod.HIFO))
    assert [(d.lot_id, d.quantity, d.basis) for d in res.disposals] == [
        ("2", D(1), D(30)),
        ("3", D("0.5"), D(10)),
    ]
    led = Ledger()
    led.buy("2024-01-01", 2, 105)  # 105 per unit
    led.buy("2024-02-01", 1, 100, fee=10)  # 110 per unit
    led.sell("2024-04-01", 1, 120)
    (disp,) = led.run(accounts(BasisMethod.HIFO)).disposals
    assert (disp.lot_id, disp.basis) == ("2", D(110))


def test_hifo_ties_go_fifo() -> None:
    """Rule: lot selection HIFO — equal unit basis: earliest acquired first, then creation order."""
    led = Ledger()
    led.buy("2024-02-01", 2, 50)
    led.buy("2024-01-01", 1, 50)
    led.buy("2024-01-01", 3, 50)
    led.sell("2024-04-01", 5, 60)
    res = led.run(accounts(BasisMethod.HIFO))
    assert [(d.lot_id, d.quantity) for d in res.disposals] == [("2", D(1)), ("3", D(3)), ("1", D(1))]


def test_hifo_partial_lot_stays_first() -> None:
    """Rule: lot selection HIFO — a partly sold lot keeps its unit basis and is taken first next time."""
    led = Ledger()
    led.buy("2024-01-01", 3, 10, fee="0.01")  # 10.00333.. per unit
    led.buy("2024-01-02", 3, 10)
    led.sell("2024-02-01", 1, 12)
    led.sell("2024-02-02", 2, 12)
    res = led.run(accounts(BasisMethod.HIFO))
    assert [d.lot_id for d in res.disposals] == ["1", "1"]
    assert res.disposals[0].basis + res.disposals[1].basis == D("30.01")


def test_specific_id_uses_picks() -> None:
    """Rule: SPECIFIC_ID — the event's lot_picks name the lots, in pick order."""
    led = three_lots()
    led.sell("2024-04-01", "1.5", 40, picks=[(3, "1"), (2, "0.5")])
    res = led.run(accounts(BasisMethod.SPECIFIC_ID))
    assert [(d.lot_id, d.quantity, d.basis) for d in res.disposals] == [
        ("3", D(1), D(20)),
        ("2", D("0.5"), D(15)),
    ]
    assert [(lot.lot_id, lot.quantity, lot.basis) for lot in res.lots] == [
        ("1", D(1), D(10)),
        ("2", D("0.5"), D(15)),
    ]


def test_specific_id_without_picks_falls_back_to_fifo() -> None:
    """Rule: SPECIFIC_ID — a sale without picks uses FIFO, the default absent identification."""
    led = three_lots()
    led.sell("2024-04-01", 1, 40)
    (disp,) = led.run(accounts(BasisMethod.SPECIFIC_ID)).disposals
    assert disp.lot_id == "1"


def test_picks_override_the_account_method() -> None:
    """Rule: lot_picks on a sale in any account override its method; later sales go back to the method."""
    led = three_lots()
    led.sell("2024-04-01", 1, 40, picks=[(2, 1)])
    led.sell("2024-04-02", 1, 40)
    res = led.run(accounts(BasisMethod.HIFO))
    assert [d.lot_id for d in res.disposals] == ["2", "3"]


def test_picks_on_a_transferred_lot_use_its_origin() -> None:
    """Rule: SPECIFIC_ID — a pick names the origin event; pieces of the same origin go by acquired date."""
    led = Ledger()
    led.buy("2024-01-01", 4, 10)  # 1
    led.add(EventType.TRANSFER, "2024-02-01", 1, 10, to_account=TAXABLE2)  # 1/t2 in account 2
    led.buy("2024-03-01", 1, 20, account=TAXABLE2)  # 3
    led.sell("2024-04-01", "1.5", 30, account=TAXABLE2, picks=[(3, "0.5"), (1, 1)])
    res = led.run(accounts(BasisMethod.SPECIFIC_ID))
    assert [(d.lot_id, d.quantity, d.basis) for d in res.disposals] == [
        ("3", D("0.5"), D(10)),
        ("1/t2", D(1), D(10)),
    ]


def test_transfer_moves_lots_with_dates_and_basis() -> None:
    """Rule: TRANSFER — lots leave by the source method and arrive keeping acquired/received and basis."""
    led = Ledger()
    led.buy("2023-01-10", 2, 100)  # 1
    led.buy("2023-06-10", 1, 300)  # 2
    led.add(EventType.TRANSFER, "2024-02-01", "2.5", 400, to_account=TAXABLE2)  # 3
    res = led.run()
    assert res.disposals == []
    assert res.transfers == []
    assert [
        (lot.account, lot.lot_id, lot.quantity, lot.basis, lot.acquired, lot.received) for lot in res.lots
    ] == [
        (TAXABLE, "2", D("0.5"), D(150), date(2023, 6, 10), date(2023, 6, 10)),
        (TAXABLE2, "1", D(2), D(200), date(2023, 1, 10), date(2023, 1, 10)),
        (TAXABLE2, "2/t3", D("0.5"), D(150), date(2023, 6, 10), date(2023, 6, 10)),
    ]
    assert res.lots[1].long_term_from == date(2024, 1, 11)


def test_transfer_fee_adds_to_moved_basis_pro_rata() -> None:
    """Rule: TRANSFER — a USD fee on a transfer is added to the moved basis pro rata (remainder to the last)."""
    led = Ledger()
    led.buy("2024-01-10", 1, 100)
    led.buy("2024-01-11", 1, 100)
    led.buy("2024-01-12", 1, 100)
    led.add(EventType.TRANSFER, "2024-02-01", 3, 100, fee=1, to_account=TAXABLE2)
    res = led.run()
    assert [lot.basis for lot in res.lots] == [
        D("100.333333333333333333"),
        D("100.333333333333333333"),
        D("100.333333333333333334"),
    ]
    assert sum(lot.basis for lot in res.lots) == D(301)


def test_transfer_then_fifo_in_destination_by_original_date() -> None:
    """Rule: TRANSFER — in the destination, FIFO goes by the original acquired date, holding period kept."""
    led = Ledger()
    led.buy("2023-01-02", 1, 10, account=TAXABLE)  # 1
    led.buy("2024-02-01", 1, 20, account=TAXABLE2)  # 2
    led.add(EventType.TRANSFER, "2024-03-01", 1, 30, account=TAXABLE, to_account=TAXABLE2)
    led.sell("2024-04-01", 1, 40, account=TAXABLE2)
    res = led.run()
    (disp,) = res.disposals
    assert (disp.account, disp.lot_id, disp.basis, disp.acquired, disp.term) == (
        TAXABLE2,
        "1",
        D(10),
        date(2023, 1, 2),
        Term.LONG,
    )


def test_transfer_leaves_by_source_method() -> None:
    """Rule: TRANSFER — lots leave the source by the source account's method (HIFO here)."""
    led = three_lots()
    led.add(EventType.TRANSFER, "2024-04-01", 1, 30, to_account=TAXABLE2)
    led.sell("2024-05-01", 1, 40, account=TAXABLE2)
    res = led.run(accounts(BasisMethod.FIFO, a1=BasisMethod.HIFO))
    (disp,) = res.disposals
    assert (disp.lot_id, disp.basis) == ("2", D(30))


def test_transfer_of_part_of_an_asset_keeps_other_assets() -> None:
    """Rule: lots are per (account, asset) — a transfer of BTC leaves the ETH lots alone."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10, asset=ETH)
    led.buy("2024-01-01", 1, 10, asset=BTC)
    led.add(EventType.TRANSFER, "2024-02-01", 1, 10, asset=BTC, to_account=TAXABLE2)
    res = led.run()
    assert [(lot.account, lot.asset) for lot in res.lots] == [(TAXABLE, ETH), (TAXABLE2, BTC)]


def test_picks_naming_one_origin_twice_cut_the_lot_once() -> None:
    """Rule: SPECIFIC_ID — picks of the same origin are taken together: one piece, unique lot ids."""
    led = Ledger()
    led.buy("2024-01-01", 2, 10)  # 1
    led.add(
        EventType.TRANSFER, "2024-02-01", "0.5", 10, to_account=TAXABLE2, picks=[(1, "0.25"), (1, "0.25")]
    )
    res = led.run(accounts(BasisMethod.SPECIFIC_ID))
    assert [(lot.account, lot.lot_id, lot.quantity, lot.basis) for lot in res.lots] == [
        (TAXABLE, "1", D("1.5"), D(15)),
        (TAXABLE2, "1/t2", D("0.5"), D(5)),
    ]


def test_specific_id_donation_and_trade_use_picks() -> None:
    """Rule: SPECIFIC_ID — lot_picks also choose the lots given away or traded."""
    led = three_lots()
    led.add(EventType.DONATION, "2024-04-01", 1, 40, picks=[(3, 1)])
    led.add(EventType.TRADE, "2024-04-02", 1, 40, picks=[(2, 1)], counter_asset=ETH, counter_quantity=D(1))
    res = led.run(accounts(BasisMethod.SPECIFIC_ID))
    assert [t.lot_id for t in res.transfers] == ["3"]
    assert [d.lot_id for d in res.disposals] == ["2"]
