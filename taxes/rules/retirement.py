"""Contribution limits for IRAs, 401(k) elective deferrals and HSAs, from the year's tables.

Sources: IRC §219(b)(5) (IRA, catch-up at 50), §402(g) and §414(v) (401(k) deferrals, catch-up at 50 and,
from 2025, the larger catch-up at ages 60-63 under SECURE 2.0 §109), §223(b) (HSA, catch-up at 55); the
amounts come from the year's IRS notices (see each data file's "source"). Ages are those attained by the
end of the tax year, which is when each catch-up test is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .tables import load_tables
from .types import ZERO, TaxRulesError, money


class Plan(StrEnum):
    IRA = "ira"  # traditional and Roth IRAs together share one limit
    K401 = "401k"  # employee elective deferrals (pre-tax and Roth together); also 403(b) and most 457(b)
    HSA_SELF_ONLY = "hsa_self_only"
    HSA_FAMILY = "hsa_family"


@dataclass(frozen=True, slots=True)
class ContributionLimit:
    base: Decimal
    catch_up: Decimal

    @property
    def total(self) -> Decimal:
        return self.base + self.catch_up


def age_at_year_end(birth_date: date, year: int) -> int:
    """The age attained on December 31 of `year`."""
    if birth_date.year > year:
        raise TaxRulesError(f"born {birth_date.isoformat()}, after {year}", field="birth_date")
    return year - birth_date.year


def contribution_limit(year: int, plan: Plan | str, *, age: int) -> ContributionLimit:
    """The most one person may contribute to `plan` for `year`, given the age attained by December 31.

    An IRA contribution is also capped by the year's taxable compensation, and a deductible traditional IRA
    or a Roth IRA by income phase-outs; those depend on the return and are not applied here.
    """
    try:
        plan = Plan(plan)
    except ValueError:
        raise TaxRulesError(f"unknown plan {plan!r}", field="plan") from None
    if isinstance(age, bool) or not isinstance(age, int) or age < 0:
        raise TaxRulesError(f"expected an age in whole years, got {age!r}", field="age")
    limits = load_tables(year).retirement
    if plan is Plan.IRA:
        return ContributionLimit(limits.ira, limits.ira_catch_up_50 if age >= 50 else ZERO)
    if plan is Plan.K401:
        if 60 <= age <= 63 and limits.k401_catch_up_60_63 is not None:
            return ContributionLimit(limits.k401, limits.k401_catch_up_60_63)
        return ContributionLimit(limits.k401, limits.k401_catch_up_50 if age >= 50 else ZERO)
    base = limits.hsa_self_only if plan is Plan.HSA_SELF_ONLY else limits.hsa_family
    return ContributionLimit(base, limits.hsa_catch_up_55 if age >= 55 else ZERO)


def contribution_room(year: int, plan: Plan | str, *, age: int, contributed: Decimal) -> Decimal:
    """What may still be contributed for `year` after `contributed` so far (never below zero)."""
    made = money(contributed, "contributed", non_negative=True)
    return max(ZERO, contribution_limit(year, plan, age=age).total - made)
