"""Independent review of the engine's US tax rules: hand-worked examples, one rule per test.

Each docstring names the rule and shows the arithmetic. Sources: /work/shared/TAX_TABLES.md, DESIGN.md
("Domain rules"), IRC §§1091, 1015, 1223, 170(e), Treas. Reg. §1.1001-7, Rev. Rul. 56-602, 70-231, 2008-5,
IRS Pub. 544/550/551.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal, localcontext

import pytest
from taxengine_kit import (
    ASSETS,
    BTC,
    ETF,
    ETH,
    ROTH,
    TAXABLE,
    TAXABLE2,
    TRAD,
    USD,
    WBTC,
    D,
    Ledger,
    accounts,
    day,
)

from taxes.engine import (
    BasisMethod,
    Event,
    EventType,
    Result,
    Term,
    compute,
)

SHORT, LONG = Term.SHORT, Term.LONG
MONEY = D("1e-18")  # money is kept to 18 places (money.py docstring)


def _buy_then_sell(bought: str, sold: str) -> Result:
    led = Ledger()
    led.buy(bought, 1, 100)
    led.sell(sold, 1, 110)
    return led.run()


# ---- 1. holding period by the calendar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bought", "sold", "term"),
    [
        ("2024-02-29", "2025-02-28", SHORT),  # leap day: the anniversary is Feb 28
        ("2024-02-29", "2025-03-01", LONG),
        ("2023-02-28", "2024-02-28", SHORT),  # the anniversary itself, even in a leap year
        ("2023-02-28", "2024-02-29", LONG),  # the day after the anniversary is Feb 29
        ("2024-01-31", "2025-01-31", SHORT),
        ("2024-01-31", "2025-02-01", LONG),
        ("2024-12-31", "2025-12-31", SHORT),
        ("2024-12-31", "2026-01-01", LONG),
        ("2025-03-31", "2026-03-31", SHORT),
        ("2025-03-31", "2026-04-01", LONG),
        ("2023-03-01", "2024-02-29", SHORT),  # 365 days, still inside the year
        ("2023-03-01", "2024-03-01", SHORT),  # 366 days but the anniversary: short
        ("2023-03-01", "2024-03-02", LONG),
    ],
)
def test_holding_period_by_the_calendar(bought: str, sold: str, term: Term) -> None:
    """Rule: long-term when held more than one year, counted from the day after acquisition by the calendar.

    Anniversary = same month/day next year (Feb 29 -> Feb 28); a sale on it is short, the day after long.
    E.g. 2024-02-29 -> anniversary 2025-02-28 (short), 2025-03-01 long; 2023-02-28 -> 2024-02-28 short,
    2024-02-29 long (not "365 days": 2023-03-01 -> 2024-02-29 is 365 days and still short).
    """
    (d,) = _buy_then_sell(bought, sold).disposals
    assert d.term is term
    assert (d.acquired, d.disposed) == (day(bought), day(sold))
    assert (d.proceeds, d.basis, d.gain) == (D(110), D(100), D(10))


@pytest.mark.parametrize(
    ("acquired", "long_term_from"),
    [
        ("2024-02-29", "2025-03-01"),
        ("2023-02-28", "2024-02-29"),
        ("2024-01-31", "2025-02-01"),
        ("2024-12-31", "2026-01-01"),
        ("2025-03-31", "2026-04-01"),
    ],
)
def test_open_lot_reports_the_first_long_term_day(acquired: str, long_term_from: str) -> None:
    """Rule: holding period — an open lot's long_term_from is the day after its anniversary."""
    led = Ledger()
    led.buy(acquired, 1, 100)
    (lot,) = led.run().lots
    assert (lot.acquired, lot.long_term_from) == (day(acquired), day(long_term_from))
    assert lot.term_on(day(long_term_from) - timedelta(days=1)) is SHORT
    assert lot.term_on(day(long_term_from)) is LONG


def test_tax_date_is_the_callers_date_not_the_utc_day() -> None:
    """Rule: the owner's time zone decides the tax date; the engine uses Event.date as given.

    Bought 2023-12-31. Sold 2024-12-31T23:30-05:00 = 2025-01-01T04:30Z: tax date 2024-12-31, the
    anniversary -> short-term, tax year 2024. Had the UTC day (2025-01-01) been used it would be long-term.
    as_of 2024-12-31 must also accept the event (compared with its tax date, not its UTC day).
    """
    buy = Event(
        id=1,
        timestamp=datetime(2023, 12, 31, 17, 0, tzinfo=UTC),
        date=date(2023, 12, 31),
        type=EventType.BUY,
        account=TAXABLE,
        asset=BTC,
        quantity=D(1),
        unit_price=D(100),
    )
    sell = Event(
        id=2,
        timestamp=datetime(2025, 1, 1, 4, 30, tzinfo=UTC),
        date=date(2024, 12, 31),
        type=EventType.SELL,
        account=TAXABLE,
        asset=BTC,
        quantity=D(1),
        unit_price=D(150),
    )
    res = compute([buy, sell], accounts=accounts(), assets=ASSETS, as_of=date(2024, 12, 31))
    (d,) = res.disposals
    assert (d.disposed, d.term, d.gain) == (date(2024, 12, 31), SHORT, D(50))


# ---- 2. fees, trades, fee events -------------------------------------------------------------------------


def test_buy_fee_adds_to_basis_sell_fee_reduces_proceeds() -> None:
    """Rule: fees (§1.1001-7) — a cash fee on a buy adds to basis; on a sale it reduces proceeds.

    Buy 2 @ 100 + fee 4 -> basis 204 (102 a unit). Sell 1 @ 150 - fee 3 -> proceeds 147; basis 102;
    gain 45. The open unit keeps basis 102.
    """
    led = Ledger()
    led.buy("2024-01-10", 2, 100, fee=4)
    led.sell("2024-02-01", 1, 150, fee=3)
    res = led.run()
    (d,) = res.disposals
    assert (d.proceeds, d.basis, d.gain, d.term) == (D(147), D(102), D(45), SHORT)
    (lot,) = res.lots
    assert (lot.quantity, lot.basis) == (D(1), D(102))


def test_crypto_to_crypto_trade_is_a_disposal_at_fair_value() -> None:
    """Rule: crypto-to-crypto trade — a disposal at fair value; the received lot's basis is that value.

    BTC bought 1 @ 20,000. Trade 1 BTC (fair value 30,000) for 10 ETH with a 50 USD fee: §1.1001-7 allocates
    the fee to the disposed asset -> proceeds 30,000 - 50 = 29,950, gain 9,950 (short). ETH lot basis =
    fair value received = 30,000 (the fee is not added a second time), acquired on the trade date.
    """
    led = Ledger()
    led.buy("2024-01-10", 1, 20000)
    t = led.add(EventType.TRADE, "2024-03-01", 1, 30000, fee=50, counter_asset=ETH, counter_quantity=D(10))
    res = led.run()
    (d,) = res.disposals
    assert (d.kind, d.asset, d.proceeds, d.basis, d.gain, d.term) == (
        "trade",
        BTC,
        D(29950),
        D(20000),
        D(9950),
        SHORT,
    )
    (lot,) = res.lots
    assert (lot.asset, lot.origin_event_id, lot.quantity, lot.basis) == (ETH, t, D(10), D(30000))
    assert (lot.acquired, lot.long_term_from) == (day("2024-03-01"), day("2025-03-02"))


def test_buying_with_cash_through_a_trade_adds_the_fee_to_basis() -> None:
    """Rule: fees — paying cash (USD) for crypto is a purchase: 1,000 USD + fee 5 -> BTC basis 1,005."""
    led = Ledger()
    led.add(
        EventType.TRADE,
        "2024-03-01",
        1000,
        1,
        asset=USD,
        fee=5,
        counter_asset=BTC,
        counter_quantity=D("0.02"),
    )
    res = led.run()
    assert res.disposals == []
    (lot,) = res.lots
    assert (lot.asset, lot.quantity, lot.basis) == (BTC, D("0.02"), D(1005))


def test_fee_paid_in_crypto_is_a_disposal() -> None:
    """Rule: crypto spent on a fee is itself a disposal at fair value.

    Buy 1 BTC @ 20,000. Spend 0.001 BTC (fair value 30,000/BTC) on a fee: proceeds 30, basis
    0.001 x 20,000 = 20, gain 10 short. Left: 0.999 BTC, basis 19,980.
    """
    led = Ledger()
    led.buy("2024-01-10", 1, 20000)
    led.add(EventType.FEE, "2024-03-01", "0.001", 30000)
    res = led.run()
    (d,) = res.disposals
    assert (d.kind, d.quantity, d.proceeds, d.basis, d.gain, d.term) == (
        "fee",
        D("0.001"),
        D(30),
        D(20),
        D(10),
        SHORT,
    )
    (lot,) = res.lots
    assert (lot.quantity, lot.basis) == (D("0.999"), D(19980))


# ---- 3. income ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sold", "term"), [("2025-03-10", SHORT), ("2025-03-11", LONG)])
def test_staking_income_is_ordinary_income_and_the_basis(sold: str, term: Term) -> None:
    """Rule: staking (Rev. Rul. 2023-14) — ordinary income at fair value when received = the lot's basis;
    holding starts the next day.

    0.5 ETH @ 2,000 on 2024-03-10 -> income 1,000, basis 1,000, long-term from 2025-03-11.
    Sold 0.5 @ 2,500 -> proceeds 1,250, gain 250; 2025-03-10 short, 2025-03-11 long.
    """
    led = Ledger()
    e = led.add(EventType.STAKING, "2024-03-10", "0.5", 2000, asset=ETH)
    led.sell(sold, "0.5", 2500, asset=ETH)
    res = led.run()
    (inc,) = res.income
    assert (inc.event_id, inc.kind, inc.date, inc.quantity, inc.value, inc.taxable) == (
        e,
        "staking",
        day("2024-03-10"),
        D("0.5"),
        D(1000),
        True,
    )
    (d,) = res.disposals
    assert (d.acquired, d.basis, d.proceeds, d.gain, d.term) == (
        day("2024-03-10"),
        D(1000),
        D(1250),
        D(250),
        term,
    )


def test_income_inside_a_roth_is_not_taxable_income() -> None:
    """Rule: tax-advantaged accounts — income received inside a Roth IRA is not taxable (taxable=False)."""
    led = Ledger()
    led.add(EventType.STAKING, "2024-03-10", "0.5", 2000, asset=ETH, account=ROTH)
    (inc,) = led.run().income
    assert (inc.value, inc.taxable) == (D(1000), False)


# ---- 4. donations, gifts, inheritance ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bought", "price", "term", "deduction"),
    [
        ("2023-01-01", 3000, LONG, 3000),  # long-term: fair value
        ("2023-01-01", 600, LONG, 600),  # long-term at a loss: fair value
        ("2024-01-01", 3000, SHORT, 1000),  # short-term: min(basis 1,000, FMV 3,000)
        ("2024-01-01", 600, SHORT, 600),  # short-term: min(basis 1,000, FMV 600)
        ("2023-06-01", 3000, SHORT, 1000),  # donated on the anniversary: still short
    ],
)
def test_donation_no_gain_and_deduction(bought: str, price: int, term: Term, deduction: int) -> None:
    """Rule: donation (§170(e)) — no gain realized; deduction = FMV if long-term, else min(basis, FMV).

    1 BTC bought for 1,000, donated 2024-06-01 at `price`.
    """
    led = Ledger()
    led.buy(bought, 1, 1000)
    led.add(EventType.DONATION, "2024-06-01", 1, price)
    res = led.run()
    assert res.disposals == []
    assert res.lots == []
    (t,) = res.transfers
    assert (t.kind, t.basis, t.fair_value, t.term, t.deduction) == (
        "donation",
        D(1000),
        D(price),
        term,
        D(deduction),
    )


def test_gift_sent_realizes_nothing() -> None:
    """Rule: gift sent — no gain or loss, no deduction; the lot leaves with its basis (1,000)."""
    led = Ledger()
    led.buy("2023-01-01", 1, 1000)
    led.add(EventType.GIFT_SENT, "2024-06-01", 1, 3000)
    res = led.run()
    assert res.disposals == []
    assert res.lots == []
    (t,) = res.transfers
    assert (t.kind, t.basis, t.fair_value, t.deduction) == ("gift_sent", D(1000), D(3000), D(0))


def test_gift_received_carryover_basis_and_donor_holding_period() -> None:
    """Rule: gift received (§1015, §1223(2)) — carryover basis and the donor's holding period.

    Donor bought 2023-01-10 for 1,000; gift 2024-06-01 at FMV 1,500 (above basis: plain carryover).
    Sold 2024-07-01 @ 2,000 -> gain 1,000, long-term (donor's date: long from 2024-01-11).
    """
    led = Ledger()
    led.add(
        EventType.GIFT_RECEIVED, "2024-06-01", 1, 1500, acquired_date=day("2023-01-10"), cost_basis=D(1000)
    )
    led.sell("2024-07-01", 1, 2000)
    (d,) = led.run().disposals
    assert (d.acquired, d.basis, d.gain, d.term) == (day("2023-01-10"), D(1000), D(1000), LONG)


@pytest.mark.parametrize(
    ("price", "basis", "gain"),
    [
        (1200, 1000, 200),  # above the donor's basis: gain from the donor's basis
        (800, 800, 0),  # between FMV 600 and basis 1,000: no gain, no loss
        (600, 600, 0),  # at the FMV: no gain, no loss
        (500, 600, -100),  # below the FMV: loss from the FMV
    ],
)
def test_gift_received_dual_basis(price: int, basis: int, gain: int) -> None:
    """Rule: gift dual basis (§1015(a)) — FMV at gift 600 < donor's basis 1,000.

    Gain is measured from 1,000, a loss from 600; proceeds in between -> neither (basis shown = proceeds).
    The lot's carried basis (lot_basis) stays 1,000 whatever is reported.
    """
    led = Ledger()
    led.add(
        EventType.GIFT_RECEIVED, "2024-06-01", 1, 600, acquired_date=day("2020-01-01"), cost_basis=D(1000)
    )
    led.sell("2025-08-01", 1, price)
    (d,) = led.run().disposals
    assert (d.proceeds, d.basis, d.gain, d.lot_basis) == (D(price), D(basis), D(gain), D(1000))


def test_gift_dual_basis_loss_holding_period_starts_at_the_gift() -> None:
    """Rule: gift holding period (§1223(2); IRS Pub. 544/551) — the donor's period is tacked on only when the
    basis is figured from the donor's basis. When the FMV at the gift is the basis (a loss under the
    dual-basis rule) the holding period starts the day after the gift.

    Donor bought 2020-01-01 for 1,000; gift 2024-06-01 at FMV 600; sold 2024-08-01 @ 500 -> loss
    500 - 600 = -100, held by the donee 2 months -> SHORT-term (engine: LONG from the donor's 2020 date).
    """
    led = Ledger()
    led.add(
        EventType.GIFT_RECEIVED, "2024-06-01", 1, 600, acquired_date=day("2020-01-01"), cost_basis=D(1000)
    )
    led.sell("2024-08-01", 1, 500)
    (d,) = led.run().disposals
    assert d.gain == D(-100)
    assert d.term is SHORT


def test_gift_dual_basis_gain_keeps_the_donor_holding_period() -> None:
    """Rule: gift dual basis — a gain is figured from the donor's basis, so the donor's period is tacked:
    donor 2020-01-01, basis 1,000, FMV 600 at gift 2024-06-01, sold 2024-08-01 @ 1,200 -> +200 LONG.
    """
    led = Ledger()
    led.add(
        EventType.GIFT_RECEIVED, "2024-06-01", 1, 600, acquired_date=day("2020-01-01"), cost_basis=D(1000)
    )
    led.sell("2024-08-01", 1, 1200)
    (d,) = led.run().disposals
    assert (d.gain, d.term) == (D(200), LONG)


def test_inheritance_stepped_up_and_always_long_term() -> None:
    """Rule: inheritance (§1014, §1223(9)) — basis = FMV at death; long-term even when sold the next day.

    Inherited 1 BTC at FMV 5,000 on 2024-06-01 (death 2024-05-20); sold 2024-06-02 @ 5,200 -> +200 LONG.
    """
    led = Ledger()
    led.add(EventType.INHERITANCE, "2024-06-01", 1, 5000, acquired_date=day("2024-05-20"))
    (lot,) = led.run().lots
    assert (lot.basis, lot.long_term_from, lot.term_on(day("2024-06-02"))) == (D(5000), None, LONG)
    led.sell("2024-06-02", 1, 5200)
    (d,) = led.run().disposals
    assert (d.basis, d.proceeds, d.gain, d.term) == (D(5000), D(5200), D(200), LONG)


# ---- 5. transfers and per-account lots ---------------------------------------------------------------------


def test_transfer_keeps_dates_and_basis_and_lots_are_per_account() -> None:
    """Rule: basis per account (Rev. Proc. 2024-28) and transfers keep dates and basis.

    A: 1 BTC @ 100 on 2023-01-01. B: 1 BTC @ 200 on 2024-05-01. FIFO sale in B on 2024-06-01 @ 250 must
    take B's own lot (basis 200, short, +50), not A's older one. Then A's lot moves to B on 2024-07-01 and is
    sold 2024-08-01 @ 300: acquired 2023-01-01, basis 100 -> +200 LONG.
    """
    led = Ledger()
    a = led.buy("2023-01-01", 1, 100, account=TAXABLE)
    b = led.buy("2024-05-01", 1, 200, account=TAXABLE2)
    led.sell("2024-06-01", 1, 250, account=TAXABLE2)
    res = led.run()
    (d,) = res.disposals
    assert (d.account, d.origin_event_id, d.basis, d.gain, d.term) == (TAXABLE2, b, D(200), D(50), SHORT)
    assert [(lot.account, lot.origin_event_id) for lot in res.lots] == [(TAXABLE, a)]
    led.add(EventType.TRANSFER, "2024-07-01", 1, account=TAXABLE, to_account=TAXABLE2)
    led.sell("2024-08-01", 1, 300, account=TAXABLE2)
    res = led.run()
    assert res.lots == []
    second = res.disposals[1]
    assert (second.account, second.origin_event_id, second.acquired) == (TAXABLE2, a, day("2023-01-01"))
    assert (second.basis, second.gain, second.term) == (D(100), D(200), LONG)


def test_partial_transfer_splits_basis_exactly() -> None:
    """Rule: transfer — a part of a lot moves pro rata: 3 units basis 100 (+ fee 0 on transfer), move 1 ->
    33.333333333333333333 moves, 66.666666666666666667 stays; together exactly 100.
    """
    led = Ledger()
    led.buy("2024-01-01", 3, D(100) / 3)  # 33.33... a unit, rounded basis 100.000...
    led.add(EventType.TRANSFER, "2024-02-01", 1, to_account=TAXABLE2)
    res = led.run()
    by_acct = {lot.account: lot for lot in res.lots}
    assert by_acct[TAXABLE].quantity == D(2)
    assert by_acct[TAXABLE2].quantity == D(1)
    assert by_acct[TAXABLE].acquired == by_acct[TAXABLE2].acquired == day("2024-01-01")
    total = (3 * (D(100) / 3)).quantize(D("1e-18"))
    assert by_acct[TAXABLE].basis + by_acct[TAXABLE2].basis == total


# ---- 6. basis methods ------------------------------------------------------------------------------------


def _three_lots(method: BasisMethod, picks: tuple[tuple[int, int], ...] = ()) -> Result:
    led = Ledger()
    led.buy("2024-01-01", 10, 100)  # 1: 1,000
    led.buy("2024-02-01", 10, 300)  # 2: 3,000
    led.buy("2024-03-01", 10, 200)  # 3: 2,000
    led.sell("2024-04-01", 15, 250, picks=picks)  # proceeds 3,750
    return led.run(accounts(method))


@pytest.mark.parametrize(
    ("method", "taken", "left"),
    [
        # FIFO: 10 of lot 1 (1,000; proceeds 2,500: +1,500), 5 of lot 2 (1,500; 1,250: -250)
        (BasisMethod.FIFO, [(1, 10, 1000, 1500), (2, 5, 1500, -250)], [(2, 5, 1500), (3, 10, 2000)]),
        # LIFO: 10 of lot 3 (2,000: +500), 5 of lot 2 (1,500: -250)
        (BasisMethod.LIFO, [(3, 10, 2000, 500), (2, 5, 1500, -250)], [(1, 10, 1000), (2, 5, 1500)]),
        # HIFO: 10 of lot 2 (3,000: -500), 5 of lot 3 (1,000: +250)
        (BasisMethod.HIFO, [(2, 10, 3000, -500), (3, 5, 1000, 250)], [(1, 10, 1000), (3, 5, 1000)]),
        # specific ID without a pick: FIFO
        (BasisMethod.SPECIFIC_ID, [(1, 10, 1000, 1500), (2, 5, 1500, -250)], [(2, 5, 1500), (3, 10, 2000)]),
    ],
)
def test_basis_methods_with_a_partial_lot(
    method: BasisMethod, taken: list[tuple[int, int, int, int]], left: list[tuple[int, int, int]]
) -> None:
    """Rule: standing basis method per account — FIFO / LIFO / HIFO, the last lot cut pro rata.

    Lots 10 @ 100, 10 @ 300, 10 @ 200; sell 15 @ 250 (proceeds 250 a unit).
    """
    res = _three_lots(method)
    got = [(d.origin_event_id, d.quantity, d.basis, d.gain) for d in res.disposals]
    assert got == [(o, D(q), D(b), D(g)) for o, q, b, g in taken]
    assert sum(d.proceeds for d in res.disposals) == D(3750)
    assert sorted((lot.origin_event_id, lot.quantity, lot.basis) for lot in res.lots) == [
        (o, D(q), D(b)) for o, q, b in left
    ]


@pytest.mark.parametrize("method", list(BasisMethod))
def test_specific_identification_overrides_the_standing_method(method: BasisMethod) -> None:
    """Rule: specific identification recorded by the sale overrides the standing method.

    Picks: 5 of lot 3 (basis 1,000, proceeds 1,250: +250) and 10 of lot 1 (1,000; 2,500: +1,500).
    Left: lot 2 whole (3,000) and 5 of lot 3 (1,000).
    """
    res = _three_lots(method, picks=((3, 5), (1, 10)))
    got = sorted((d.origin_event_id, d.quantity, d.basis, d.gain) for d in res.disposals)
    assert got == [(1, D(10), D(1000), D(1500)), (3, D(5), D(1000), D(250))]
    assert sorted((lot.origin_event_id, lot.quantity, lot.basis) for lot in res.lots) == [
        (2, D(10), D(3000)),
        (3, D(5), D(1000)),
    ]


# ---- 7. wash sales -------------------------------------------------------------------------------------


def _loss_sale(replacement_on: str, *, asset: int = ETF, account: int = TAXABLE) -> Result:
    """10 @ 100 on 2024-01-02 (lot 1), 10 more on `replacement_on` @ 85, FIFO sale of 10 @ 80 on 2024-03-01."""
    led = Ledger()
    led.buy("2024-01-02", 10, 100, asset=asset)
    events = [("2024-03-01", "sell"), (replacement_on, "buy")]
    for on, kind in sorted(events, key=lambda e: (e[0], e[1] == "buy")):
        if kind == "sell":
            led.sell(on, 10, 80, asset=asset)
        else:
            led.buy(on, 10, 85, asset=asset, account=account)
    return led.run()


@pytest.mark.parametrize(
    ("replacement_on", "washed", "acquired"),
    [
        # held 2024-01-02 -> 2024-03-01 = 59 days. A replacement bought after the sale moves back 59 days; one
        # bought before it was held alongside, so only the days not already overlapping are added: it starts
        # when the sold lot did.
        ("2024-01-30", False, "2024-01-30"),  # 31 days before
        ("2024-01-31", True, "2024-01-02"),  # exactly 30 days before (2024 is a leap year)
        ("2024-02-20", True, "2024-01-02"),  # 10 days before
        ("2024-03-01", True, "2024-01-02"),  # the same day, after the sale
        ("2024-03-11", True, "2024-01-12"),  # 10 days after
        ("2024-03-31", True, "2024-02-01"),  # exactly 30 days after
        ("2024-04-01", False, "2024-04-01"),  # 31 days after
    ],
)
def test_wash_sale_window(replacement_on: str, washed: bool, acquired: str) -> None:
    """Rule: §1091 window — 30 days before through 30 days after the sale date, both ends included.

    Sale: 10 @ 80 of a lot bought for 1,000 -> loss 200. Washed: gain 0, disallowed 200, replacement basis
    850 + 200 = 1,050 and its date moves back by the 59 days the sold shares were held.
    """
    res = _loss_sale(replacement_on)
    (d,) = res.disposals
    (repl,) = res.lots
    if washed:
        assert (d.gain, d.wash_disallowed) == (D(0), D(200))
        assert (repl.basis, repl.wash_adjustment, repl.acquired) == (D(1050), D(200), day(acquired))
        (w,) = res.wash_sales
        assert (w.loss_event_id, w.quantity, w.disallowed, w.added_to_basis) == (
            d.event_id,
            D(10),
            D(200),
            True,
        )
    else:
        assert (d.gain, d.wash_disallowed) == (D(-200), D(0))
        assert (repl.basis, repl.acquired) == (D(850), day(acquired))
        assert res.wash_sales == []


def test_wash_sale_partial_replacement() -> None:
    """Rule: §1091 / Reg. 1.1091-1(c) — fewer shares bought than sold: only that many losses are disallowed.

    Sell 100 bought @ 10 for 7 -> loss 300. Buy 40 @ 7.5 within 30 days -> 40/100 = 40% disallowed = 120;
    allowed loss 180; replacement basis 40 x 7.5 + 120 = 420.
    """
    led = Ledger()
    led.buy("2024-01-02", 100, 10, asset=ETF)
    led.sell("2024-03-01", 100, 7, asset=ETF)
    led.buy("2024-03-15", 40, "7.5", asset=ETF)
    res = led.run()
    (d,) = res.disposals
    assert (d.proceeds, d.basis, d.wash_disallowed, d.gain) == (D(700), D(1000), D(120), D(-180))
    (lot,) = res.lots
    assert (lot.quantity, lot.basis, lot.wash_adjustment) == (D(40), D(420), D(120))


def test_wash_sale_rev_rul_70_231_only_loss_shares_are_washed() -> None:
    """Rule: Rev. Rul. 70-231 — 100 @ 158, 100 @ 100, 100 @ 95 (1967) all sold 1969-12-22 @ 125; 250 bought
    1970-01-08. Only the 100 loss shares are washed: 100 x (158 - 125) = 3,300 disallowed; the gains 2,500 and
    3,000 stand. 100 of the 250 new shares (@ 120) get basis 12,000 + 3,300 = 15,300 and a tacked date
    1970-01-08 - 1,027 days = 1967-03-18; the other 150 keep 18,000 and 1970-01-08.
    """
    led = Ledger()
    led.buy("1967-03-01", 100, 158, asset=ETF)
    led.buy("1967-06-01", 100, 100, asset=ETF)
    led.buy("1967-09-01", 100, 95, asset=ETF)
    led.sell("1969-12-22", 300, 125, asset=ETF)
    led.buy("1970-01-08", 250, 120, asset=ETF)
    res = led.run()
    assert [(d.gain, d.wash_disallowed) for d in res.disposals] == [
        (D(0), D(3300)),
        (D(2500), D(0)),
        (D(3000), D(0)),
    ]
    assert sorted(
        (lot.quantity, lot.basis, lot.acquired, lot.term_on(day("1970-01-09"))) for lot in res.lots
    ) == [
        (D(100), D(15300), day("1967-03-18"), LONG),
        (D(150), D(18000), day("1970-01-08"), SHORT),
    ]


def test_wash_sale_replacement_in_an_ira_loses_the_loss_for_good() -> None:
    """Rule: Rev. Rul. 2008-5 — replacement bought in an IRA: the loss is disallowed and NOT added to the
    IRA shares' basis. Loss 200 -> gain 0; Roth lot keeps basis 850 and its own date, no adjustment.
    """
    res = _loss_sale("2024-03-11", account=ROTH)
    (d,) = res.disposals
    assert (d.gain, d.wash_disallowed, d.taxable) == (D(0), D(200), True)
    (lot,) = res.lots
    assert (lot.account, lot.basis, lot.wash_adjustment, lot.acquired) == (
        ROTH,
        D(850),
        D(0),
        day("2024-03-11"),
    )
    (w,) = res.wash_sales
    assert (w.disallowed, w.added_to_basis) == (D(200), False)


def test_wash_sale_replacement_bought_before_in_an_ira() -> None:
    """Rule: Rev. Rul. 2008-5 applies to the 30 days before too: IRA buy 2024-02-20, taxable loss sale
    2024-03-01 -> 200 disallowed, nothing added to the Roth lot (basis 850)."""
    res = _loss_sale("2024-02-20", account=ROTH)
    (d,) = res.disposals
    assert (d.gain, d.wash_disallowed) == (D(0), D(200))
    (lot,) = res.lots
    assert (lot.basis, lot.wash_adjustment) == (D(850), D(0))


@pytest.mark.parametrize(("sold", "term"), [("2024-06-15", SHORT), ("2024-06-16", LONG)])
def test_wash_sale_tacked_holding_period_makes_the_replacement_long_term_sooner(
    sold: str, term: Term
) -> None:
    """Rule: §1223(3) — the sold shares' holding period is tacked on to the replacement's.

    Lot bought 2023-06-01 @ 100 (x10), sold 2024-03-01 @ 80: held 274 days, loss 200. Replacement 10 @ 85 on
    2024-03-15: acquired 2024-03-15 - 274 days = 2023-06-15, long-term from 2024-06-16, basis 1,050.
    Sold @ 90 (proceeds 900): gain 900 - 1,050 = -150; short on 2024-06-15, long on 2024-06-16.
    """
    led = Ledger()
    led.buy("2023-06-01", 10, 100, asset=ETF)
    led.sell("2024-03-01", 10, 80, asset=ETF)
    led.buy("2024-03-15", 10, 85, asset=ETF)
    led.sell(sold, 10, 90, asset=ETF)
    second = led.run().disposals[1]
    assert (second.acquired, second.basis, second.gain, second.term) == (
        day("2023-06-15"),
        D(1050),
        D(-150),
        term,
    )


def test_wash_sale_chain() -> None:
    """Rule: §1091 chain — a washed replacement later sold at a loss and replaced again.

    E1 buy 100 @ 10 (2024-01-02). E2 sell @ 8 (2024-02-01): loss 200 (held 30 days).
    E3 buy 100 @ 9 (2024-02-15): basis 900 + 200 = 1,100, acquired 2024-02-15 - 30 = 2024-01-16.
    E4 sell @ 8.5 (2024-03-01): 850 - 1,100 = -250 (held 2024-01-16 -> 03-01 = 45 days).
    E5 buy 100 @ 8 (2024-03-20): basis 800 + 250 = 1,050, acquired 2024-03-20 - 45 = 2024-02-04.
    E6 sell @ 12 (2025-02-05, long from 2025-02-05): 1,200 - 1,050 = +150 LONG.
    Total: cash in 2,850 - cash out 2,700 = 150 = 0 + 0 + 150.
    """
    led = Ledger()
    led.buy("2024-01-02", 100, 10, asset=ETF)
    led.sell("2024-02-01", 100, 8, asset=ETF)
    led.buy("2024-02-15", 100, 9, asset=ETF)
    led.sell("2024-03-01", 100, "8.5", asset=ETF)
    led.buy("2024-03-20", 100, 8, asset=ETF)
    led.sell("2025-02-05", 100, 12, asset=ETF)
    res = led.run()
    got = [(d.origin_event_id, d.acquired, d.basis, d.wash_disallowed, d.gain, d.term) for d in res.disposals]
    assert got == [
        (1, day("2024-01-02"), D(1000), D(200), D(0), SHORT),
        (3, day("2024-01-16"), D(1100), D(250), D(0), SHORT),
        (5, day("2024-02-04"), D(1050), D(0), D(150), LONG),
    ]
    assert [(w.loss_event_id, w.replacement_event_id, w.disallowed) for w in res.wash_sales] == [
        (2, 3, D(200)),
        (4, 5, D(250)),
    ]
    assert res.lots == []


def test_crypto_without_the_switch_is_never_washed() -> None:
    """Rule: wash sales do not apply to spot crypto under current law (wash_sale False): loss 200 stays."""
    res = _loss_sale("2024-03-11", asset=BTC)
    (d,) = res.disposals
    assert (d.gain, d.wash_disallowed) == (D(-200), D(0))
    assert res.wash_sales == []
    assert res.lots[0].basis == D(850)


def test_crypto_with_the_switch_washes_like_a_security() -> None:
    """Rule: wash_sale True on a crypto asset (proposed law) -> same result as the ETF: 200 disallowed,
    replacement basis 1,050 acquired 2024-01-12."""
    res = _loss_sale("2024-03-11", asset=WBTC)
    (d,) = res.disposals
    assert (d.gain, d.wash_disallowed) == (D(0), D(200))
    (lot,) = res.lots
    assert (lot.basis, lot.acquired) == (D(1050), day("2024-01-12"))


def test_gain_sale_is_never_washed() -> None:
    """Rule: §1091 disallows losses only: sold @ 120 for +200 and rebought 5 days later -> nothing washed."""
    led = Ledger()
    led.buy("2024-01-02", 10, 100, asset=ETF)
    led.sell("2024-03-01", 10, 120, asset=ETF)
    led.buy("2024-03-06", 10, 110, asset=ETF)
    res = led.run()
    assert res.wash_sales == []
    assert (res.disposals[0].gain, res.lots[0].basis) == (D(200), D(1100))


def test_lot_sold_whole_is_not_its_own_replacement() -> None:
    """Rule: the shares sold are not their own replacement: bought 10 @ 100 on 2024-02-20, all sold
    2024-03-01 @ 80 -> loss 200 allowed, no wash (the only buy in the window is the lot sold)."""
    led = Ledger()
    led.buy("2024-02-20", 10, 100, asset=ETF)
    led.sell("2024-03-01", 10, 80, asset=ETF)
    res = led.run()
    assert res.wash_sales == []
    assert res.disposals[0].gain == D(-200)


def test_recent_lot_of_another_purchase_replaces_an_older_loss_lot() -> None:
    """Rule: look-back — a DIFFERENT purchase within 30 days before is a replacement even if partly sold.

    Lot 1: 10 @ 100 (2023-12-01). Lot 2: 10 @ 90 (2024-02-25). FIFO sale of 15 @ 80 on 2024-03-01:
    10 of lot 1 (loss 200), 5 of lot 2 (loss 50). Lot 2's 5 unsold shares replace 5 of lot 1's loss shares:
    disallowed 5/10 x 200 = 100.
    """
    led = Ledger()
    led.buy("2023-12-01", 10, 100, asset=ETF)
    led.buy("2024-02-25", 10, 90, asset=ETF)
    led.sell("2024-03-01", 15, 80, asset=ETF)
    res = led.run()
    first = res.disposals[0]
    assert (first.origin_event_id, first.wash_disallowed, first.gain) == (1, D(100), D(-100))
    (lot,) = res.lots
    assert (lot.quantity, lot.basis) == (D(5), D(550))


def test_rest_of_the_same_purchase_is_not_a_replacement() -> None:
    """Rule: Rev. Rul. 56-602 — selling part of a lot bought less than 30 days before is not a wash sale
    as to the retained shares of that same lot ("a bona fide sale made to reduce holdings").

    Buy 100 @ 10 on 2024-03-01; sell 50 @ 8 on 2024-03-10 -> loss 100 allowed; the 50 kept keep basis 500
    and acquired 2024-03-01. Engine: disallowed 100, gain 0, kept lot basis 600 acquired 2024-02-21 (the lot
    tacked on to itself).
    """
    led = Ledger()
    led.buy("2024-03-01", 100, 10, asset=ETF)
    led.sell("2024-03-10", 50, 8, asset=ETF)
    res = led.run()
    (d,) = res.disposals
    assert (d.wash_disallowed, d.gain) == (D(0), D(-100))
    assert res.wash_sales == []
    (lot,) = res.lots
    assert (lot.basis, lot.acquired) == (D(500), day("2024-03-01"))


def test_same_purchase_moved_to_another_account_is_not_a_replacement() -> None:
    """Rule: Rev. Rul. 56-602 — buy 100 @ 10 on 2024-03-01, move 50 to account B on 03-05, sell A's 50 @ 8
    on 03-10: loss 100 allowed (B's shares are the same purchase). Engine: 100 disallowed onto B's lot."""
    led = Ledger()
    led.buy("2024-03-01", 100, 10, asset=ETF)
    led.add(EventType.TRANSFER, "2024-03-05", 50, asset=ETF, to_account=TAXABLE2)
    led.sell("2024-03-10", 50, 8, asset=ETF)
    res = led.run()
    assert res.wash_sales == []
    assert res.disposals[0].gain == D(-100)


def test_piece_split_off_by_a_wash_match_is_not_replaced_by_its_own_purchase() -> None:
    """Rule: Rev. Rul. 56-602 again, after a split. Lot 1: 4 @ 100 (2024-01-02) sold 2024-02-01 @ 80 (loss 80).
    Buy 10 @ 85 on 2024-02-10 (event 3): 4 of them replace the loss -> piece "3/w2" basis 340 + 80 = 420.
    Sell that piece (FIFO, tacked date 2024-01-12) 2024-02-20 @ 70: 280 - 420 = -140. The only purchase in the
    window is event 3 itself, whose other 6 shares are the same lot: the 140 loss must be allowed.
    """
    led = Ledger()
    led.buy("2024-01-02", 4, 100, asset=ETF)
    led.sell("2024-02-01", 4, 80, asset=ETF)
    led.buy("2024-02-10", 10, 85, asset=ETF)
    led.sell("2024-02-20", 4, 70, asset=ETF)
    res = led.run()
    second = res.disposals[1]
    assert (second.basis, second.proceeds) == (D(420), D(280))
    assert (second.wash_disallowed, second.gain) == (D(0), D(-140))


# ---- 8. tax-advantaged accounts ----------------------------------------------------------------------


@pytest.mark.parametrize("account", [ROTH, TRAD])
def test_disposals_inside_ira_are_not_taxable_and_never_wash(account: int) -> None:
    """Rule: trades inside tax-advantaged accounts are not taxable events; a loss there disallows nothing.

    IRA: 10 @ 100, sold @ 80 (-200, taxable False); taxable buy 5 days later -> no wash, basis 850.
    """
    led = Ledger()
    led.buy("2024-01-02", 10, 100, asset=ETF, account=account)
    led.sell("2024-03-01", 10, 80, asset=ETF, account=account)
    led.buy("2024-03-06", 10, 85, asset=ETF)
    res = led.run()
    (d,) = res.disposals
    assert (d.taxable, d.gain, d.wash_disallowed) == (False, D(-200), D(0))
    assert res.wash_sales == []
    assert res.lots[0].basis == D(850)


# ---- 9. conservation and precision ------------------------------------------------------------------------


def _conservation_ledger() -> tuple[Ledger, Decimal]:
    """A mixed ledger with awkward numbers; returns it and the basis that came in (computed by hand)."""
    led = Ledger()
    inn = D(0)
    led.buy("2023-01-03", 3, 1, fee="0.01")  # BTC 3.01
    inn += D("3.01")
    led.buy("2023-02-01", "0.000000000000000007", "123.4", fee=0)
    inn += (D("0.000000000000000007") * D("123.4")).quantize(MONEY)  # 8.638e-16 -> 18 places
    led.sell("2023-03-01", 1, "1.7", fee="0.003")
    led.add(EventType.FEE, "2023-03-02", "0.3", "1.9")
    led.add(
        EventType.TRADE, "2023-04-01", "0.7", "2.1", fee="0.02", counter_asset=ETH, counter_quantity=D("0.31")
    )
    inn += D("0.7") * D("2.1")  # ETH lot 1.47
    led.add(EventType.STAKING, "2023-05-01", "0.013", "1.07", asset=ETH)
    inn += D("0.013") * D("1.07")
    led.add(
        EventType.GIFT_RECEIVED,
        "2023-06-01",
        2,
        "0.5",
        fee="0.07",
        acquired_date=day("2021-01-01"),
        cost_basis=D("1.33"),
    )
    inn += D("1.33") + D("0.07")
    led.add(EventType.INHERITANCE, "2023-07-01", 1, "2.2", fee="0.01", asset=ETH)
    inn += D("2.2") + D("0.01")
    led.add(EventType.TRANSFER, "2023-08-01", "1.1", fee="0.013", to_account=TAXABLE2)
    inn += D("0.013")
    led.add(EventType.DONATION, "2023-09-01", "0.4", 3)
    led.add(EventType.GIFT_SENT, "2023-09-02", "0.1", 3, asset=ETH)
    led.sell("2023-10-01", "0.9", "0.3", account=TAXABLE2)
    # securities with wash sales, one replacement in an IRA
    led.buy("2023-01-05", 7, "10.01", asset=ETF, fee="0.07")
    inn += 7 * D("10.01") + D("0.07")
    led.sell("2023-02-01", 7, "9.37", asset=ETF, fee="0.05")
    led.buy("2023-02-10", 3, "9.11", asset=ETF)
    inn += 3 * D("9.11")
    led.buy("2023-02-11", 2, "9.13", asset=ETF, account=ROTH)
    inn += 2 * D("9.13")
    led.sell("2023-02-20", 1, "8.9", asset=ETF)
    led.buy("2023-02-25", "0.3", "8.8", asset=ETF, account=TAXABLE2)
    inn += D("0.3") * D("8.8")
    return led, inn


def test_basis_is_conserved_exactly() -> None:
    """Rule: conservation — basis in (buys + fees, trade lots, income, gifts, inheritances, transfer fees)
    + disallowed losses added to replacements = open basis + carried basis of disposals + basis given away.
    Exactly, to the last of 18 decimal places; and every disposal's gain = proceeds - basis + wash_disallowed.
    """
    led, inn = _conservation_ledger()
    res = led.run()
    washed_in = sum((w.disallowed for w in res.wash_sales if w.added_to_basis), D(0))
    out = (
        sum((lot.basis for lot in res.lots), D(0))
        + sum((d.lot_basis if d.lot_basis is not None else d.basis for d in res.disposals), D(0))
        + sum((t.basis for t in res.transfers), D(0))
    )
    assert res.wash_sales, "the ledger must exercise wash sales"
    assert any(not w.added_to_basis for w in res.wash_sales)
    assert inn + washed_in == out
    for d in res.disposals:
        assert d.gain == d.proceeds - d.basis + d.wash_disallowed
        assert D(0) <= d.wash_disallowed <= max(d.basis - d.proceeds, D(0))


def test_proceeds_and_quantities_are_conserved_exactly() -> None:
    """Rule: conservation — the pieces of one sale sum exactly to (quantity x price - fee), and the quantity
    of each asset in = open + disposed + given away (transfers between own accounts move, not leave)."""
    led, _ = _conservation_ledger()
    res = led.run()
    for ev in led.events:
        if ev.type in (EventType.SELL, EventType.FEE, EventType.TRADE):
            assert ev.unit_price is not None
            pieces = [d for d in res.disposals if d.event_id == ev.id]
            assert sum((d.quantity for d in pieces), D(0)) == ev.quantity
            assert sum((d.proceeds for d in pieces), D(0)) == ev.quantity * ev.unit_price - ev.fee
    for asset in (BTC, ETH, ETF):
        came = sum(
            (
                e.quantity
                for e in led.events
                if e.asset == asset and e.type not in _LEAVING and e.type != "transfer"
            ),
            D(0),
        ) + sum((e.counter_quantity or D(0) for e in led.events if e.counter_asset == asset), D(0))
        left = sum((lot.quantity for lot in res.lots if lot.asset == asset), D(0))
        gone = sum((d.quantity for d in res.disposals if d.asset == asset), D(0)) + sum(
            (t.quantity for t in res.transfers if t.asset == asset), D(0)
        )
        assert came == left + gone, asset


_LEAVING = {EventType.SELL, EventType.FEE, EventType.TRADE, EventType.DONATION, EventType.GIFT_SENT}


def test_thirds_split_without_losing_a_unit() -> None:
    """Rule: precision — 3 units for 3.01 sold one at a time, each piece pro rata of what is left, rounded
    half-even to 18 places, the rest staying in the lot:
    3.01/3 = 1.003333333333333333 (left 2.006666666666666667); 2.006666666666666667/2 = 1.0033333333333333335
    -> 1.003333333333333334 (left 1.003333333333333333); last 1.003333333333333333. Sum exactly 3.01;
    gains sum to 6 - 3.01 = 2.99.
    """
    led = Ledger()
    led.buy("2024-01-01", 3, 1, fee="0.01")
    for on in ("2024-02-01", "2024-02-02", "2024-02-03"):
        led.sell(on, 1, 2)
    res = led.run()
    assert [d.basis for d in res.disposals] == [
        D("1.003333333333333333"),
        D("1.003333333333333334"),
        D("1.003333333333333333"),
    ]
    assert sum((d.basis for d in res.disposals), D(0)) == D("3.01")
    assert sum((d.gain for d in res.disposals), D(0)) == D("2.99")
    assert res.lots == []


def test_eighteen_decimal_quantities_are_exact() -> None:
    """Rule: precision — quantities carry 18 decimals and are never rounded: 1.000000000000000001 ETH bought,
    0.000000000000000001 sold; 1 ETH stays."""
    led = Ledger()
    led.buy("2024-01-01", "1.000000000000000001", 2000, asset=ETH)
    led.sell("2024-02-01", "0.000000000000000001", 3000, asset=ETH)
    res = led.run()
    (lot,) = res.lots
    assert lot.quantity == D(1)
    (d,) = res.disposals
    assert d.quantity == D("0.000000000000000001")
    assert d.basis + lot.basis == D("2000.000000000000002")


def test_many_digit_values_are_not_rounded_by_the_decimal_context() -> None:
    """Rule: precision — a 30-significant-digit basis (beyond the 28-digit default context) survives:
    12,345,678,901.234567890123456789 x 1 unit; half sold -> the halves sum back exactly."""
    big = D("12345678901.234567890123456789")
    led = Ledger()
    led.buy("2024-01-01", 2, big)
    led.sell("2024-02-01", 1, big)
    res = led.run()
    (d,) = res.disposals
    (lot,) = res.lots
    with localcontext(Context(prec=60)):
        assert d.basis + lot.basis == 2 * big
        assert d.proceeds == big
        assert (d.basis, lot.basis) == (big, big)
