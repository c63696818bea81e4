"""Year planner helpers: room in the 0% band, Roth conversion room, tax saved by waiting, harvest savings."""

from __future__ import annotations

from decimal import Decimal

from taxes.rules import (
    BracketRoom,
    GainRoom,
    estimate,
    roth_conversion_room,
    tax_change,
    tax_saved_by_waiting,
    zero_rate_band_room,
    zero_rate_room,
)

D = Decimal


def test_zero_rate_band_room_is_the_band_top_less_taxable_income() -> None:
    """Rev. Proc. 2024-40 §3.03: single 2025 0% band to 48,350. Taxable 30,000 → 18,350 left."""
    assert zero_rate_band_room(2025, "single", taxable_income=D(30000)) == D(18350)
    assert zero_rate_band_room(2025, "mfj", taxable_income=D(100000)) == 0
    assert zero_rate_band_room(2024, "hoh", taxable_income=D(-10)) == D(63000)


def test_zero_rate_room_from_an_estimate() -> None:
    """Single 2025, wages 40,000 and LT 5,000 so far: AGI 45,000 less 15,750 = 29,250 taxable.
    Room at 0%: 48,350 - 29,250 = 19,100. Re-running the estimate agrees: 19,100 more costs nothing,
    one dollar more costs 15 cents."""
    est = estimate(2025, "single", ordinary_income=D(40000), long_term_net=D(5000))
    room = zero_rate_room(est)
    assert room == GainRoom(losses_first=D(0), zero_rate=D(19100))
    assert tax_change(est, long_term=D(19100)) == 0
    assert tax_change(est, long_term=D(19101)) == D("0.15")


def test_zero_rate_room_counts_unused_deduction() -> None:
    """MFJ 2026, wages 20,000: 12,200 of the 32,200 deduction unused, plus the 98,900 band: 111,100."""
    est = estimate(2026, "mfj", ordinary_income=D(20000))
    assert zero_rate_room(est).zero_rate == D(111100)
    assert tax_change(est, long_term=D(111100)) == 0


def test_zero_rate_room_after_losses_are_cancelled() -> None:
    """Single 2025, wages 40,000, ST -2,000 and LT -1,000: the 3,000 net loss is deducted (AGI 37,000).
    The first 3,000 of new LT gain cancels that loss (line 16 back to 0) and so raises ordinary income:
    12% x 3,000 = 360. After it, AGI 40,000, taxable 24,250, so 48,350 - 24,250 = 24,100 goes at 0%."""
    est = estimate(2025, "single", ordinary_income=D(40000), short_term_net=D(-2000), long_term_net=D(-1000))
    assert est.agi == D(37000)
    room = zero_rate_room(est)
    assert room == GainRoom(losses_first=D(3000), zero_rate=D(24100))
    assert tax_change(est, long_term=D(3000)) == D(360)
    assert tax_change(est, long_term=D(27100)) == D(360)
    assert tax_change(est, long_term=D(27101)) == D("360.15")


def test_roth_conversion_room_fills_the_current_bracket() -> None:
    """Single 2025, wages 100,000: ordinary taxable 84,250 in the 22% bracket (to 103,350).
    Room 103,350 - 84,250 = 19,100; its tax 22% x 19,100 = 4,202."""
    est = estimate(2025, "single", ordinary_income=D(100000))
    assert roth_conversion_room(est) == BracketRoom(
        rate=D("0.22"), room=D(19100), bracket_top=D(103350), tax_on_room=D(4202)
    )


def test_roth_conversion_pushes_gains_out_of_the_zero_band() -> None:
    """Single 2025, wages 30,000, LT 20,000: ordinary taxable 14,250 (12%), gains 14,250-34,250 all at 0%.
    Room to the 12% top: 48,475 - 14,250 = 34,225, taxed 12% = 4,107. It also lifts the gain to
    48,475-68,475, all above 48,350, so 15% x 20,000 = 3,000 more. Whole cost 7,107."""
    est = estimate(2025, "single", ordinary_income=D(30000), long_term_net=D(20000))
    room = roth_conversion_room(est)
    assert (room.rate, room.room, room.tax_on_room) == (D("0.12"), D(34225), D(7107))


def test_roth_conversion_room_includes_unused_deduction() -> None:
    """Single 2025, wages 10,000: 5,750 of deduction unused, then the 10% bracket to 11,925: 17,675,
    taxed 10% x 11,925 = 1,192.50."""
    est = estimate(2025, "single", ordinary_income=D(10000))
    room = roth_conversion_room(est)
    assert (room.rate, room.room, room.tax_on_room) == (D("0.10"), D(17675), D("1192.50"))


def test_roth_conversion_room_in_the_top_bracket_is_open() -> None:
    est = estimate(2024, "mfj", ordinary_income=D(1000000))
    assert roth_conversion_room(est) == BracketRoom(
        rate=D("0.37"), room=None, bracket_top=None, tax_on_room=None
    )


def test_tax_saved_by_waiting_for_long_term() -> None:
    """Single 2025, wages 100,000 (taxable 84,250), a lot with a 10,000 gain.
    Sold short-term: 22% x 10,000 = 2,200 (taxable 94,250 stays under 103,350).
    Sold long-term: on top of 84,250, all in the 15% band = 1,500. Waiting saves 700."""
    est = estimate(2025, "single", ordinary_income=D(100000))
    assert tax_change(est, short_term=D(10000)) == D(2200)
    assert tax_change(est, long_term=D(10000)) == D(1500)
    assert tax_saved_by_waiting(est, D(10000)) == D(700)


def test_tax_saved_by_waiting_above_the_niit_threshold() -> None:
    """Single 2025, wages 250,000 (taxable 234,250, 32% bracket; MAGI over 200,000).
    Short-term: 32% x 10,000 + 3.8% x 10,000 = 3,580. Long-term: 15% + 3.8% = 1,880. Saved 1,700."""
    est = estimate(2025, "single", ordinary_income=D(250000))
    assert est.short_term_rate == D("0.358")
    assert tax_change(est, short_term=D(10000)) == D(3580)
    assert tax_saved_by_waiting(est, D(10000)) == D(1700)


def test_harvest_saving_is_minus_the_tax_change() -> None:
    """Single 2025, wages 100,000 and 10,000 of short-term gains: a 4,000 short-term loss harvested
    offsets 4,000 of those gains at 22% = 880 saved. A 15,000 loss saves the 10,000 gain's 2,200 plus the
    $3,000 limit against wages at 22% = 660: 2,860, and the other 2,000 carries forward."""
    est = estimate(2025, "single", ordinary_income=D(100000), short_term_net=D(10000))
    assert -tax_change(est, short_term=D(-4000)) == D(880)
    assert -tax_change(est, short_term=D(-15000)) == D(2860)
