"""Contribution limits by year and age (../shared/TAX_TABLES.md; HSA from Rev. Procs. 2023-23, 2024-25,
2025-19)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from taxes.rules import (
    ContributionLimit,
    Plan,
    TaxRulesError,
    age_at_year_end,
    contribution_limit,
    contribution_room,
)

D = Decimal


@pytest.mark.parametrize(
    ("year", "plan", "age", "base", "catch_up"),
    [
        (2024, Plan.IRA, 49, 7000, 0),
        (2024, Plan.IRA, 50, 7000, 1000),
        (2025, Plan.IRA, 70, 7000, 1000),
        (2026, Plan.IRA, 30, 7500, 0),
        (2026, Plan.IRA, 55, 7500, 1100),
        (2024, Plan.K401, 45, 23000, 0),
        (2024, Plan.K401, 61, 23000, 7500),  # no ages 60-63 catch-up before 2025
        (2025, Plan.K401, 50, 23500, 7500),
        (2025, Plan.K401, 59, 23500, 7500),
        (2025, Plan.K401, 60, 23500, 11250),
        (2025, Plan.K401, 63, 23500, 11250),
        (2025, Plan.K401, 64, 23500, 7500),
        (2026, Plan.K401, 52, 24500, 8000),
        (2026, Plan.K401, 62, 24500, 11250),
        (2024, Plan.HSA_SELF_ONLY, 54, 4150, 0),
        (2024, Plan.HSA_FAMILY, 55, 8300, 1000),
        (2025, Plan.HSA_SELF_ONLY, 40, 4300, 0),
        (2025, Plan.HSA_FAMILY, 40, 8550, 0),
        (2026, Plan.HSA_SELF_ONLY, 58, 4400, 1000),
        (2026, Plan.HSA_FAMILY, 30, 8750, 0),
    ],
)
def test_limits(year: int, plan: Plan, age: int, base: int, catch_up: int) -> None:
    assert contribution_limit(year, plan, age=age) == ContributionLimit(D(base), D(catch_up))


def test_age_is_the_age_attained_by_december_31() -> None:
    """Born 1975-12-31: turns 50 on the last day of 2025, so the 2025 catch-up applies."""
    assert age_at_year_end(date(1975, 12, 31), 2025) == 50
    assert contribution_limit(2025, "ira", age=age_at_year_end(date(1975, 12, 31), 2025)).total == D(8000)
    with pytest.raises(TaxRulesError):
        age_at_year_end(date(2030, 1, 1), 2025)


def test_room_left() -> None:
    assert contribution_room(2025, "401k", age=61, contributed=D(30000)) == D(4750)
    assert contribution_room(2026, "ira", age=40, contributed=D(9000)) == 0


def test_bad_inputs() -> None:
    with pytest.raises(TaxRulesError, match="unknown plan"):
        contribution_limit(2025, "sep", age=40)
    with pytest.raises(TaxRulesError, match="age"):
        contribution_limit(2025, "ira", age=-1)
