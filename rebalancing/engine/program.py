"""A small builder for linear and mixed-integer programs solved by HiGHS through scipy.optimize.milp.

This is the one place floats live: the callers turn Decimals into floats to state a program and turn the
solution back into exact quantities, which the evaluation then re-checks. numpy and scipy are imported when
a program is solved, not with the module: a process that never optimises (a command, a page, most worker
tasks) does not pay for loading them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .floats import solver_float
from .model import Problem
from .objective import EPS_DEVIATION, P_BAND, P_TARGET, program_band
from .types import ZERO

INF = math.inf
_STATUS = {
    0: "optimal",
    1: "stopped at the time limit",
    2: "infeasible",
    3: "unbounded",
    4: "solver error",
}


@dataclass(frozen=True, slots=True)
class Solution:
    x: list[float] | None
    status: str

    @property
    def ok(self) -> bool:
        return self.x is not None


class Program:
    """Minimise the sum of `cost` x variable subject to rows lb <= sum(coef x variable) <= ub."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self._rows: list[int] = []
        self._cols: list[int] = []
        self._data: list[float] = []
        self._row_lower: list[float] = []
        self._row_upper: list[float] = []
        self._built: Any = None  # the constraint matrix, once the rows are all in

    def var(self, cost: float = 0.0, lower: float = 0.0, upper: float = INF, integer: bool = False) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(1 if integer else 0)
        return len(self.cost) - 1

    def binary(self, cost: float = 0.0) -> int:
        return self.var(cost, 0.0, 1.0, integer=True)

    def row(self, coefs: Mapping[int, float], lower: float = -INF, upper: float = INF) -> None:
        index = len(self._row_lower)
        for col, coef in coefs.items():
            if coef:
                self._rows.append(index)
                self._cols.append(col)
                self._data.append(coef)
        self._row_lower.append(lower)
        self._row_upper.append(upper)

    @property
    def size(self) -> tuple[int, int, int]:
        """(variables, integer variables, rows)."""
        return len(self.cost), sum(self.integer), len(self._row_lower)

    def solve(
        self,
        time_limit: float,
        gap: float = 1e-5,
        absolute_gap: float = 1e-8,
        rounding: Callable[[list[float]], Mapping[int, float]] | None = None,
    ) -> Solution:
        """Solve; `rounding` maps the relaxation's solution to values for the integer variables.

        The linear relaxation comes first (milliseconds). When it is integral, or when the integer variables
        set as `rounding` says (keeping the rest, or solving again for the rest) give a solution within the
        gap of the relaxation's bound, that solution is optimal and branch and bound is skipped:
        rebalancing programs are mostly of this kind, and HiGHS spends far longer proving it than the
        relaxation takes.
        """
        if not self.cost:
            return Solution([], "optimal")
        import numpy as np

        integer = np.array(self.integer)
        lower, upper = np.array(self.lower), np.array(self.upper)
        relaxed = self._run(np.zeros_like(integer), lower, upper, time_limit, gap)
        if relaxed.x is None or not integer.any():
            return Solution(None if relaxed.x is None else list(relaxed.x), relaxed.status)
        values = np.array(relaxed.x)
        ints = np.nonzero(integer)[0]
        if np.all(np.abs(values[ints] - np.round(values[ints])) <= 1e-9):
            return Solution(list(relaxed.x), relaxed.status)
        bound = relaxed.objective
        best: _Run | None = None
        if rounding is not None:
            fixed = rounding(list(relaxed.x))
            within = max(gap * abs(bound), absolute_gap)
            at_once = values.copy()
            at_once[list(fixed)] = list(fixed.values())
            if (
                self._feasible(at_once, lower, upper)
                and solver_float(np.dot(self.cost, at_once)) - bound <= within
            ):
                return Solution([solver_float(v) for v in at_once], "optimal (rounded relaxation)")
            lo, hi = lower.copy(), upper.copy()
            for var, value in fixed.items():
                lo[var] = hi[var] = value
            rounded = self._run(np.zeros_like(integer), lo, hi, time_limit, gap)
            if rounded.x is not None:
                best = rounded
                if rounded.objective - bound <= within:
                    return Solution(list(rounded.x), "optimal (rounded relaxation)")
        full = self._run(integer, lower, upper, time_limit, gap)
        if full.x is not None and (best is None or full.objective <= best.objective):
            best = full
        if best is None:
            return Solution(None, full.status)
        return Solution(list(best.x or []), full.status)

    def _matrix(self) -> Any:
        if self._built is None:
            import numpy as np
            from scipy.sparse import coo_array

            self._built = coo_array(
                (np.array(self._data), (np.array(self._rows), np.array(self._cols))),
                shape=(len(self._row_lower), len(self.cost)),
            ).tocsr()
        return self._built

    def _feasible(self, x: Any, lower: Any, upper: Any, tolerance: float = 1e-7) -> bool:
        import numpy as np

        if np.any(x < lower - tolerance) or np.any(x > upper + tolerance):
            return False
        if not self._row_lower:
            return True
        activity = self._matrix() @ x
        low, high = np.array(self._row_lower), np.array(self._row_upper)
        return bool(np.all(activity >= low - tolerance) and np.all(activity <= high + tolerance))

    def _run(self, integer: Any, lower: Any, upper: Any, time_limit: float, gap: float) -> _Run:
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp

        constraints = []
        if self._row_lower:
            matrix = self._matrix()
            constraints.append(LinearConstraint(matrix, np.array(self._row_lower), np.array(self._row_upper)))
        try:
            result = milp(
                c=np.array(self.cost),
                integrality=integer,
                bounds=Bounds(lower, upper),
                constraints=constraints,
                options={"time_limit": max(0.01, time_limit), "mip_rel_gap": gap, "presolve": True},
            )
        except (ValueError, RuntimeError) as exc:  # HiGHS refusing a program is a result, not a crash
            return _Run(None, INF, f"solver error: {exc}")
        status = _STATUS.get(int(result.status), f"status {result.status}")
        if result.x is None:
            return _Run(None, INF, status)
        return _Run([solver_float(v) for v in result.x], solver_float(result.fun), status)


@dataclass(frozen=True, slots=True)
class _Run:
    x: list[float] | None
    objective: float
    status: str


def decimal_of(value: float) -> Decimal:
    """A solver float as the Decimal of its shortest repr (1e-17 noise stays noise, not 40 digits)."""
    return Decimal(repr(value))


def allocation_rows(
    program: Program,
    problem: Problem,
    delta: Mapping[int, Mapping[int, float]],
    idle: int,
    fees: Mapping[int, float],
    margin: float,
) -> None:
    """Band and target rows over the buckets, given each asset's change in value, the cash above the reserve
    (`idle`) and the fees paid (scaled) as program variables. Weights are shares of the holdings plus that
    cash after trading, which keeps the rows linear: low x total <= bucket <= high x total.

    Every unit paid in fees is a unit less in that total, which brings a weight up to a lower edge it could
    not otherwise reach: pointless round trips would pay for a band. So the lower rows measure against the
    total before fees. That only asks for more (after fees the weight is higher), so it never lets a
    weight below its band; the upper rows, where fees only make things harder, use the total after fees."""
    scale = solver_float(problem.scale())
    change: dict[int, int] = {}
    for asset in problem.asset_ids:
        dv = change[asset] = program.var(0.0, -INF, INF)
        coefs = {var: -coef for var, coef in delta.get(asset, {}).items()}
        coefs[dv] = 1.0
        program.row(coefs, 0.0, 0.0)
    before = {a: solver_float(problem.values[a]) / scale for a in problem.asset_ids}
    deviation_cost = P_TARGET if problem.to_target else EPS_DEVIATION
    for bucket in problem.buckets:
        low, high = program_band(bucket, margin)
        target = solver_float(bucket.target)
        for edge, sign in ((low, 1.0), (high, -1.0), (target, 0.0)):
            shares = {a: solver_float(bucket.exposure.get(a, ZERO)) - edge for a in problem.asset_ids}
            coefs = {change[a]: share for a, share in shares.items()}
            coefs[idle] = -edge
            held = sum(share * before[a] for a, share in shares.items())
            if sign > 0:  # bucket - low x (total + fees) + below >= 0
                # A band of no width is the target itself: there the upper row already makes any shrinking
                # of the total cost more than it gains, and a wider lower row could never be met.
                for var, fee in fees.items() if bucket.high > bucket.low else ():
                    coefs[var] = coefs.get(var, 0.0) - edge * fee
                coefs[program.var(P_BAND)] = 1.0
                program.row(coefs, lower=-held)
            elif sign < 0:  # bucket - high x total - above <= 0
                coefs[program.var(P_BAND)] = -1.0
                program.row(coefs, upper=-held)
            else:  # bucket - target x total = over - under
                coefs[program.var(deviation_cost)] = -1.0
                coefs[program.var(deviation_cost)] = 1.0
                program.row(coefs, -held, -held)
