"""Donations, gifts sent and received (carryover and dual basis): hand-worked examples."""

from __future__ import annotations

from datetime import date

import pytest
from taxengine_kit import D, Ledger, day

from taxes.engine import Disposal, EventType, Term


def test_donation_long_term_deducts_fair_value() -> None:
    """Rule: DONATION — no gain; Transfer per piece, deduction = fair value when long-term."""
    led = Ledger()
    led.buy("2022-01-01", 1, 10000)
    led.add(EventType.DONATION, "2023-06-01", 1, 30000)
    res = led.run()
    assert res.disposals == []
    assert res.lots == []
    (t,) = res.transfers
    assert (t.event_id, t.kind, t.lot_id, t.quantity, t.acquired, t.date) == (
        2,
        "donation",
        "1",
        D(1),
        date(2022, 1, 1),
        date(2023, 6, 1),
    )
    assert (t.basis, t.fair_value, t.term, t.deduction) == (D(10000), D(30000), Term.LONG, D(30000))


@pytest.mark.parametrize(("price", "deduction"), [("30000", "10000"), ("8000", "8000")])
def test_donation_short_term_deducts_lesser_of_basis_and_fair_value(price: str, deduction: str) -> None:
    """Rule: DONATION — short-term: deduction = min(basis, fair value)."""
    led = Ledger()
    led.buy("2023-01-01", 1, 10000)
    led.add(EventType.DONATION, "2023-06-01", 1, price)
    (t,) = led.run().transfers
    assert t.term is Term.SHORT
    assert t.fair_value == D(price)
    assert t.deduction == D(deduction)


def test_donation_per_lot_piece() -> None:
    """Rule: DONATION — one Transfer record per lot piece, each with its own term and deduction."""
    led = Ledger()
    led.buy("2022-01-01", 1, 100)
    led.buy("2023-05-01", 2, 400)
    led.add(EventType.DONATION, "2023-06-01", 2, 500)
    res = led.run()
    assert [(t.lot_id, t.quantity, t.basis, t.fair_value, t.term, t.deduction) for t in res.transfers] == [
        ("1", D(1), D(100), D(500), Term.LONG, D(500)),
        ("2", D(1), D(400), D(500), Term.SHORT, D(400)),
    ]
    (lot,) = res.lots
    assert (lot.quantity, lot.basis) == (D(1), D(400))


def test_gift_sent_has_no_deduction() -> None:
    """Rule: GIFT_SENT — lots leave, no gain, Transfer with deduction 0."""
    led = Ledger()
    led.buy("2022-01-01", 2, 100)
    led.add(EventType.GIFT_SENT, "2023-06-01", "0.5", 300)
    res = led.run()
    assert res.disposals == []
    (t,) = res.transfers
    assert (t.kind, t.quantity, t.basis, t.fair_value, t.deduction) == (
        "gift_sent",
        D("0.5"),
        D(50),
        D(150),
        D(0),
    )


def test_gift_received_carries_over_basis_and_holding_period() -> None:
    """Rule: GIFT_RECEIVED — basis = donor's cost basis, acquired = donor's date, received = gift date."""
    led = Ledger()
    led.add(
        EventType.GIFT_RECEIVED, "2024-03-01", 2, 10000, cost_basis=D(5000), acquired_date=day("2020-01-01")
    )
    led.sell("2024-03-10", 1, 12000)
    res = led.run()
    (lot,) = res.lots
    assert (lot.basis, lot.loss_basis, lot.acquired, lot.received, lot.long_term_from, lot.source) == (
        D(2500),
        None,
        date(2020, 1, 1),
        date(2024, 3, 1),
        date(2021, 1, 2),
        "gift_received",
    )
    (disp,) = res.disposals
    assert (disp.basis, disp.gain, disp.term, disp.acquired) == (
        D(2500),
        D(9500),
        Term.LONG,
        date(2020, 1, 1),
    )


def test_gift_received_short_donor_holding_stays_short() -> None:
    """Rule: GIFT_RECEIVED — long_term_from is computed from the donor's acquisition date."""
    led = Ledger()
    led.add(EventType.GIFT_RECEIVED, "2024-03-01", 1, 100, cost_basis=D(50), acquired_date=day("2024-01-15"))
    led.sell("2025-01-15", 1, 120)
    led.add(EventType.GIFT_RECEIVED, "2024-03-01", 1, 100, cost_basis=D(50), acquired_date=day("2024-01-15"))
    led.sell("2025-01-16", 1, 120)
    res = led.run()
    assert [d.term for d in res.disposals] == [Term.SHORT, Term.LONG]


def dual_basis_gift(sale_price: str) -> list[Disposal]:
    led = Ledger()
    # The donor paid 10,000; the gift was worth 6,000: loss basis 6,000.
    led.add(
        EventType.GIFT_RECEIVED, "2024-03-01", 1, 6000, cost_basis=D(10000), acquired_date=day("2023-01-01")
    )
    led.sell("2024-06-01", 1, sale_price)
    res = led.run()
    return res.disposals


def test_dual_basis_lot_records_loss_basis() -> None:
    """Rule: GIFT_RECEIVED dual basis — fair value below donor basis sets loss_basis = fair value."""
    led = Ledger()
    led.add(
        EventType.GIFT_RECEIVED, "2024-03-01", 1, 6000, cost_basis=D(10000), acquired_date=day("2023-01-01")
    )
    (lot,) = led.run().lots
    assert (lot.basis, lot.loss_basis) == (D(10000), D(6000))


def test_dual_basis_gain_uses_donor_basis() -> None:
    """Rule: GIFT_RECEIVED dual basis — proceeds above the donor basis: gain from the donor basis."""
    (disp,) = dual_basis_gift("12000")
    assert (disp.proceeds, disp.basis, disp.gain, disp.lot_basis) == (D(12000), D(10000), D(2000), D(10000))


def test_dual_basis_loss_uses_fair_value_at_gift() -> None:
    """Rule: GIFT_RECEIVED dual basis — proceeds below the loss basis: loss from the fair value at the gift."""
    (disp,) = dual_basis_gift("4000")
    assert (disp.proceeds, disp.basis, disp.gain, disp.lot_basis) == (D(4000), D(6000), D(-2000), D(10000))


def test_dual_basis_in_between_is_no_gain_no_loss() -> None:
    """Rule: GIFT_RECEIVED dual basis — proceeds between the bases: gain 0 and reported basis = proceeds."""
    (disp,) = dual_basis_gift("8000")
    assert (disp.proceeds, disp.basis, disp.gain, disp.lot_basis) == (D(8000), D(8000), D(0), D(10000))


def test_dual_basis_partial_sale_splits_both_bases() -> None:
    """Rule: GIFT_RECEIVED dual basis — a partial sale takes both bases pro rata."""
    led = Ledger()
    led.add(
        EventType.GIFT_RECEIVED, "2024-03-01", 1, 6000, cost_basis=D(10000), acquired_date=day("2023-01-01")
    )
    led.sell("2024-06-01", "0.5", 4000)
    res = led.run()
    (disp,) = res.disposals
    assert (disp.proceeds, disp.basis, disp.gain, disp.lot_basis) == (D(2000), D(3000), D(-1000), D(5000))
    (lot,) = res.lots
    assert (lot.quantity, lot.basis, lot.loss_basis) == (D("0.5"), D(5000), D(3000))
