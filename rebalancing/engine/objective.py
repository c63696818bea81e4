"""The weights of the objective that the greedy planner's program and the optimiser share."""

from __future__ import annotations

from decimal import localcontext

from .floats import solver_float
from .model import MONEY, WIDE, Bucket, Problem
from .types import ZERO

# All in money per unit of money (the programs divide both by the portfolio's value), so their sizes say
# what gives way to what: a band outweighs avoiding a wash-sale buy, which outweighs reaching the target;
# the epsilons only break ties.
#
# P_TARGET stays below 1/2. Every unit paid in fees is a unit less in the portfolio, and when a weight
# cannot reach its target (nothing can buy it, or only with a wash sale) a smaller portfolio is nearer to
# it: at most 2 units of deviation per unit destroyed, so below 1/2 that never pays for its fees. Moving a
# unit from an overweight asset to an underweight one removes 2 units of deviation, so the target still
# wins over the tax and fees of the move as long as they stay below 90% of it.
P_BAND = 100.0
P_WASH = 2.0  # above 2 x P_TARGET: a wash-sale buy is made for a band, never for the target
P_TARGET = 0.45
P_CASH = 0.01  # cash left idle, on top of its deviation from a target of 0: above proportional fees below 1%


EPS_TURNOVER = 1e-6
EPS_DEVIATION = 5e-7  # below EPS_TURNOVER: inside the bands, nearing the target is no reason to trade
EPS_SAVING = 1e-6  # x a tax rate (< 1): below the turnover of any trade a saving could prompt
EPS_TAXABLE = 2e-7  # tax-advantaged accounts sell first when tax is equal


def band_margin(problem: Problem) -> float:
    """How far inside a band edge the programs aim (as a weight), so that rounding cannot carry a weight
    across the edge: quantities to their steps (whole-unit assets are exact in the program and add nothing)
    and money to the cent, which may trim a buy when the rounded fees leave a cent missing."""
    with localcontext(WIDE):
        rounding = sum(
            (
                problem.assets[a].quantity_step * problem.prices[a]
                for a in problem.asset_ids
                if problem.assets[a].quantity_step < 1
            ),
            ZERO,
        )
        orders = 2 * len(problem.accounts) * len(problem.asset_ids) + 1
        margin = (rounding * (len(problem.accounts) + 1) + MONEY * orders) / problem.scale()
    return solver_float(margin) + 1e-9


def program_band(bucket: Bucket, margin: float) -> tuple[float, float]:
    low, high = solver_float(bucket.low), solver_float(bucket.high)
    shrink = min(margin, (high - low) / 4)
    return (low + shrink if low > 0 else 0.0), high - shrink


def idle_cost(problem: Problem) -> float:
    """The objective's cost of a unit of cash above the reserve after trading."""
    return P_CASH + (P_TARGET if problem.to_target else EPS_DEVIATION)
