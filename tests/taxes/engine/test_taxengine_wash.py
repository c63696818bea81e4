"""Wash sales (§1091): a loss is disallowed when substantially identical shares are bought within 30 days."""

from __future__ import annotations

from datetime import date

import pytest
from taxengine_kit import BTC, ETF, ETH, ROTH, TAXABLE, TAXABLE2, WBTC, D, Ledger, day

from taxes.engine import EventType, Term, WashSale


def test_wash_sale_buy_after_loss() -> None:
    """Rule: wash sale look-forward — a buy within 30 days after a loss sale takes the disallowed loss."""
    led = Ledger()
    led.buy("2024-01-02", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)
    led.buy("2024-02-15", 10, 85, asset=ETF)
    res = led.run()
    (disp,) = res.disposals
    assert (disp.proceeds, disp.basis, disp.wash_disallowed, disp.gain) == (D(800), D(1000), D(200), D(0))
    (lot,) = res.lots
    assert (lot.lot_id, lot.basis, lot.wash_adjustment) == ("3", D(1050), D(200))
    # Holding period of the loss shares (30 days) is tacked on: Feb 15 - 30 days.
    assert lot.acquired == date(2024, 1, 16)
    assert lot.received == date(2024, 2, 15)
    assert lot.long_term_from == date(2025, 1, 17)
    assert res.wash_sales == [WashSale(2, "1", 3, "3", D(10), D(200), True)]


def test_wash_sale_buy_before_loss() -> None:
    """Rule: wash sale look-back — an open lot bought within the 30 days before the loss sale is the replacement."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)  # 31 days before the sale: not a replacement itself
    led.buy("2024-01-20", 10, 90, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)  # FIFO: lot 1, loss 200
    res = led.run()
    (disp,) = res.disposals
    assert (disp.lot_id, disp.wash_disallowed, disp.gain) == ("1", D(200), D(0))
    (lot,) = res.lots
    assert (lot.lot_id, lot.basis, lot.wash_adjustment, lot.acquired, lot.long_term_from) == (
        "2",
        D(1100),
        D(200),
        date(2024, 1, 1),  # held alongside lot 1 since Jan 20: only Jan 1..Jan 20 is added, no day twice
        date(2025, 1, 2),
    )
    assert res.wash_sales == [WashSale(3, "1", 2, "2", D(10), D(200), True)]


@pytest.mark.parametrize(
    ("replacement", "disallowed"),
    [("2024-01-01", "0"), ("2024-01-02", "20"), ("2024-03-02", "20"), ("2024-03-03", "0")],
)
def test_wash_sale_window_is_30_days_inclusive(replacement: str, disallowed: str) -> None:
    """Rule: wash sale window — acquisitions 30 days before or after the sale date count, 31 days do not."""
    led = Ledger()
    led.buy("2023-12-01", 10, 100, asset=ETF)
    if replacement < "2024-02-01":
        led.buy(replacement, 1, 90, asset=ETF)
        led.sell("2024-02-01", 10, 80, asset=ETF)
    else:
        led.sell("2024-02-01", 10, 80, asset=ETF)
        led.buy(replacement, 1, 90, asset=ETF)
    res = led.run()
    (disp,) = res.disposals
    assert disp.wash_disallowed == D(disallowed)
    assert disp.gain == D(-200) + D(disallowed)


def test_wash_sale_partial_replacement() -> None:
    """Rule: wash sale partial — only as many loss shares as replacement shares are disallowed."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)  # loss 20 a share
    led.buy("2024-02-10", 4, 85, asset=ETF)
    res = led.run()
    (disp,) = res.disposals
    assert (disp.wash_disallowed, disp.gain) == (D(80), D(-120))
    (lot,) = res.lots
    assert (lot.lot_id, lot.basis, lot.acquired) == ("3", D(420), date(2024, 1, 10))
    assert res.wash_sales == [WashSale(2, "1", 3, "3", D(4), D(80), True)]


def test_wash_sale_splits_a_bigger_replacement_lot() -> None:
    """Rule: wash sale split — when only part of a lot is the replacement, that part becomes its own lot."""
    led = Ledger()
    led.buy("2024-01-01", 4, 100, asset=ETF)
    led.sell("2024-02-01", 4, 80, asset=ETF)  # loss 80
    led.buy("2024-02-10", 10, 85, asset=ETF)  # basis 850
    res = led.run()
    assert [(lot.lot_id, lot.quantity, lot.basis, lot.wash_adjustment, lot.acquired) for lot in res.lots] == [
        ("3/w2", D(4), D(420), D(80), date(2024, 1, 10)),
        ("3", D(6), D(510), D(0), date(2024, 2, 10)),
    ]
    assert res.wash_sales == [WashSale(2, "1", 3, "3/w2", D(4), D(80), True)]
    assert res.disposals[0].gain == D(0)


def test_wash_sale_replacement_in_ira_loses_the_loss() -> None:
    """Rule: wash sale IRA replacement (Rev. Rul. 2008-5) — disallowed permanently, nothing added to basis."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)
    led.buy("2024-02-10", 10, 85, asset=ETF, account=ROTH)
    res = led.run()
    (disp,) = res.disposals
    assert (disp.wash_disallowed, disp.gain) == (D(200), D(0))
    (lot,) = res.lots
    assert (lot.account, lot.basis, lot.wash_adjustment, lot.acquired) == (
        ROTH,
        D(850),
        D(0),
        date(2024, 2, 10),
    )
    assert res.wash_sales == [WashSale(2, "1", 3, "3", D(10), D(200), False)]


def test_wash_sale_replacement_in_another_taxable_account() -> None:
    """Rule: wash sale — replacements in ANY account of the portfolio count."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)
    led.buy("2024-02-10", 10, 85, asset=ETF, account=TAXABLE2)
    res = led.run()
    (lot,) = res.lots
    assert (lot.account, lot.basis, lot.wash_adjustment) == (TAXABLE2, D(1050), D(200))


def test_crypto_without_wash_sale_switch_is_never_washed() -> None:
    """Rule: wash sale crypto off — AssetInfo.wash_sale False: losses stay allowed."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=BTC)
    led.sell("2024-02-01", 10, 80, asset=BTC)
    led.buy("2024-02-10", 10, 85, asset=BTC)
    res = led.run()
    assert res.wash_sales == []
    assert (res.disposals[0].gain, res.disposals[0].wash_disallowed) == (D(-200), D(0))
    assert res.lots[0].basis == D(850)


def test_crypto_with_wash_sale_switch_is_washed() -> None:
    """Rule: wash sale crypto on — the proposed-law switch makes crypto losses wash like securities."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=WBTC)
    led.sell("2024-02-01", 10, 80, asset=WBTC)
    led.buy("2024-02-10", 10, 85, asset=WBTC)
    res = led.run()
    assert res.wash_sales == [WashSale(2, "1", 3, "3", D(10), D(200), True)]
    assert res.lots[0].basis == D(1050)


def test_loss_inside_ira_is_not_a_wash_sale() -> None:
    """Rule: wash sale — only taxable disposals at a loss are washed."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF, account=ROTH)
    led.sell("2024-02-01", 10, 80, asset=ETF, account=ROTH)
    led.buy("2024-02-10", 10, 85, asset=ETF)
    res = led.run()
    assert res.wash_sales == []
    assert res.disposals[0].gain == D(-200)


def test_gain_is_not_washed() -> None:
    """Rule: wash sale — a sale at a gain disallows nothing."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 120, asset=ETF)
    led.buy("2024-02-10", 10, 85, asset=ETF)
    res = led.run()
    assert res.wash_sales == []
    assert res.lots[0].basis == D(850)


def test_replacement_share_is_used_once_earliest_loss_first() -> None:
    """Rule: wash sale matching — one replacement share per loss share; earlier losses are matched first."""
    led = Ledger()
    led.buy("2024-01-01", 20, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)  # loss 200
    led.sell("2024-02-05", 10, 70, asset=ETF)  # loss 300
    led.buy("2024-02-10", 10, 75, asset=ETF)
    res = led.run()
    assert [(d.event_id, d.wash_disallowed, d.gain) for d in res.disposals] == [
        (2, D(200), D(0)),
        (3, D(0), D(-300)),
    ]
    (lot,) = res.lots
    assert (lot.basis, lot.acquired) == (D(950), date(2024, 1, 10))
    assert res.wash_sales == [WashSale(2, "1", 4, "4", D(10), D(200), True)]


def test_shares_sold_are_not_their_own_replacement() -> None:
    """Rule: wash sale — shares disposed in the same sale are not replacements of themselves."""
    led = Ledger()
    led.buy("2024-01-20", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)
    res = led.run()
    assert res.wash_sales == []
    assert res.disposals[0].gain == D(-200)


def test_rest_of_the_same_purchase_is_not_a_replacement() -> None:
    """Rule: wash sale (Rev. Rul. 56-602) — selling part of one purchase at a loss, the unsold rest of that same
    purchase does not replace it: the loss of 4 x (100 - 80) = 80 stands and the rest keeps its basis and date."""
    led = Ledger()
    led.buy("2024-01-20", 10, 100, asset=ETF)
    led.sell("2024-02-01", 4, 80, asset=ETF)
    res = led.run()
    assert (res.disposals[0].wash_disallowed, res.disposals[0].gain) == (D(0), D(-80))
    assert res.wash_sales == []
    assert [(lot.lot_id, lot.quantity, lot.basis, lot.acquired) for lot in res.lots] == [
        ("1", D(6), D(600), date(2024, 1, 20)),
    ]


def test_replacements_matched_in_chronological_order() -> None:
    """Rule: wash sale matching — replacement acquisitions are used in chronological order."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)  # loss 20 a share
    led.buy("2024-02-05", 6, 85, asset=ETF)  # 510
    led.buy("2024-02-08", 6, 86, asset=ETF)  # 516
    res = led.run()
    assert res.wash_sales == [
        WashSale(2, "1", 3, "3", D(6), D(120), True),
        WashSale(2, "1", 4, "4/w2", D(4), D(80), True),
    ]
    assert [(lot.lot_id, lot.quantity, lot.basis, lot.acquired) for lot in res.lots] == [
        ("3", D(6), D(630), date(2024, 1, 5)),
        ("4/w2", D(4), D(424), date(2024, 1, 8)),
        ("4", D(2), D(172), date(2024, 2, 8)),
    ]


def test_look_back_then_look_forward() -> None:
    """Rule: wash sale — open lots bought before are matched first, then buys after, until the window closes."""
    led = Ledger()
    led.buy("2023-12-01", 10, 100, asset=ETF)
    led.buy("2024-01-25", 3, 90, asset=ETF)  # 270
    led.sell("2024-02-01", 10, 80, asset=ETF)  # lot 1, loss 200 (20 a share), held 62 days
    led.buy("2024-02-20", 5, 82, asset=ETF)  # 410
    led.buy("2024-03-05", 2, 81, asset=ETF)  # after the window
    res = led.run()
    (disp,) = res.disposals
    assert (disp.wash_disallowed, disp.gain) == (D(160), D(-40))
    assert res.wash_sales == [
        WashSale(3, "1", 2, "2", D(3), D(60), True),
        WashSale(3, "1", 4, "4", D(5), D(100), True),
    ]
    assert [(lot.lot_id, lot.basis, lot.acquired) for lot in res.lots] == [
        ("2", D(330), date(2023, 12, 1)),  # bought before the sale: starts when lot 1 did
        ("4", D(510), date(2023, 12, 20)),  # bought after: Feb 20 less the 62 days lot 1 was held
        ("5", D(162), date(2024, 3, 5)),
    ]


def test_tacked_holding_period_makes_replacement_long_term() -> None:
    """Rule: wash sale — the replacement's acquired moves back by the loss lot's holding period."""
    led = Ledger()
    led.buy("2023-03-01", 10, 100, asset=ETF)
    led.sell("2024-01-15", 10, 80, asset=ETF)  # held 320 days, loss 200
    led.buy("2024-01-20", 10, 82, asset=ETF)
    led.sell("2024-03-07", 10, 90, asset=ETF)
    res = led.run()
    second = res.disposals[1]
    assert second.acquired == date(2023, 3, 6)
    assert second.term is Term.LONG  # long-term from 2024-03-07
    assert (second.basis, second.proceeds, second.gain) == (D(1020), D(900), D(-120))


def test_only_buys_and_trades_are_replacements() -> None:
    """Rule: wash sale — income, gifts, inheritance and transfers are not replacement acquisitions; trades are."""
    led = Ledger()
    led.buy("2023-01-01", 5, 100, asset=WBTC, account=TAXABLE2)  # 1
    led.buy("2023-12-01", 1, 50, asset=ETH)  # 2
    led.buy("2024-01-01", 1, 100, asset=WBTC)  # 3
    led.sell("2024-02-01", 1, 80, asset=WBTC)  # 4: loss 20
    led.add(EventType.STAKING, "2024-02-02", 1, 81, asset=WBTC)
    led.add(
        EventType.GIFT_RECEIVED,
        "2024-02-03",
        1,
        81,
        asset=WBTC,
        cost_basis=D(70),
        acquired_date=day("2023-01-01"),
    )
    led.add(EventType.INHERITANCE, "2024-02-04", 1, 81, asset=WBTC)
    led.add(EventType.TRANSFER, "2024-02-05", 5, 81, asset=WBTC, account=TAXABLE2, to_account=TAXABLE)
    assert not led.run().wash_sales
    led.add(EventType.TRADE, "2024-02-06", 1, 90, asset=ETH, counter_asset=WBTC, counter_quantity=D(1))  # 9
    res = led.run()
    assert res.wash_sales == [WashSale(4, "3", 9, "9", D(1), D(20), True)]
    (lot,) = [lot for lot in res.lots if lot.lot_id == "9"]
    assert lot.basis == D(110)


def test_trade_at_a_loss_is_washed() -> None:
    """Rule: wash sale — a taxable disposal by trade at a loss is washed by a rebuy."""
    led = Ledger()
    led.buy("2024-01-01", 1, 100, asset=WBTC)
    led.add(EventType.TRADE, "2024-02-01", 1, 80, asset=WBTC, counter_asset=ETH, counter_quantity=D(2))
    led.buy("2024-02-03", 1, 81, asset=WBTC)
    res = led.run()
    assert res.disposals[0].kind == "trade"
    assert res.disposals[0].wash_disallowed == D(20)
    assert [lot.basis for lot in res.lots if lot.asset == WBTC] == [D(101)]


def test_washed_replacement_sold_reports_adjusted_basis() -> None:
    """Rule: wash sale — a replacement lot's later disposal uses the adjusted basis and tacked date."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)
    led.sell("2024-02-01", 10, 80, asset=ETF)
    led.buy("2024-02-10", 10, 85, asset=ETF)
    led.sell("2024-06-01", 5, 120, asset=ETF)
    res = led.run()
    second = res.disposals[1]
    assert (second.lot_id, second.basis, second.proceeds, second.gain, second.acquired) == (
        "3",
        D(525),
        D(600),
        D(75),
        date(2024, 1, 10),
    )
    (lot,) = res.lots
    assert (lot.quantity, lot.basis, lot.wash_adjustment) == (D(5), D(525), D(100))
