"""Holding period: long-term when held more than one year, counted by the calendar from the next day."""

from __future__ import annotations

from datetime import date

import pytest
from taxengine_kit import D, Ledger, day

from taxes.engine import Term, holding_long_term_from


@pytest.mark.parametrize(
    ("acquired", "long_term_from"),
    [
        ("2024-02-29", "2025-03-01"),  # leap day: anniversary is Feb 28
        ("2023-02-28", "2024-02-29"),  # Feb 28 the year before a leap year
        ("2024-02-28", "2025-03-01"),
        ("2024-01-31", "2025-02-01"),  # month end
        ("2024-04-30", "2025-05-01"),
        ("2023-03-31", "2024-04-01"),
        ("2024-12-31", "2026-01-01"),  # year end
        ("2024-03-01", "2025-03-02"),
        ("2023-07-15", "2024-07-16"),
    ],
)
def test_long_term_from_calendar_dates(acquired: str, long_term_from: str) -> None:
    """Rule: holding period — long-term from (same month/day next year, Feb 29 -> Feb 28) + 1 day."""
    assert holding_long_term_from(day(acquired)) == day(long_term_from)


@pytest.mark.parametrize(
    ("bought", "sold", "term"),
    [
        ("2023-05-10", "2024-05-10", Term.SHORT),  # the anniversary is still short-term
        ("2023-05-10", "2024-05-11", Term.LONG),
        ("2024-02-29", "2025-02-28", Term.SHORT),
        ("2024-02-29", "2025-03-01", Term.LONG),
        ("2023-02-28", "2024-02-28", Term.SHORT),
        ("2023-02-28", "2024-02-29", Term.LONG),
        ("2024-01-31", "2025-01-31", Term.SHORT),
        ("2024-01-31", "2025-02-01", Term.LONG),
        ("2024-12-31", "2025-12-31", Term.SHORT),
        ("2024-12-31", "2026-01-01", Term.LONG),
        ("2024-06-01", "2024-06-01", Term.SHORT),  # same day
    ],
)
def test_disposal_term_on_and_after_anniversary(bought: str, sold: str, term: Term) -> None:
    """Rule: holding period — a disposal on the anniversary is short-term, the day after is long-term."""
    led = Ledger()
    led.buy(bought, 1, 100)
    led.sell(sold, 1, 150)
    res = led.run()
    (disp,) = res.disposals
    assert disp.term is term
    assert disp.acquired == day(bought)
    assert disp.gain == D(50)


def test_lot_carries_long_term_from() -> None:
    """Rule: holding period — the open lot reports the first long-term date."""
    led = Ledger()
    led.buy("2024-02-29", 1, 100)
    (lot,) = led.run().lots
    assert lot.long_term_from == date(2025, 3, 1)
    assert lot.term_on(date(2025, 2, 28)) is Term.SHORT
    assert lot.term_on(date(2025, 3, 1)) is Term.LONG
