"""The entry point: a request in, a proposal out.

Inside every band and with no cash flow, nothing is proposed. Otherwise cash-flow rebalancing comes first:
with a contribution (or spare cash) the engine tries buys alone, and with a withdrawal sells alone; when
that brings every weight inside its band it is the proposal. If not (or when nothing flows) it rebalances in
full. At each step the optimiser's plan is kept only when it is at least as good as the greedy baseline's
(nearer the bands, else no dearer), so the optimiser never makes a proposal worse.
"""

from __future__ import annotations

from .build import build_problem
from .evaluate import Candidate, better
from .greedy import greedy_candidate
from .model import Problem, Stage
from .optimise import optimiser_candidate
from .report import build_proposal, reasons_before, unmet_flags
from .types import Comparison, Flag, FlagCode, Proposal, RebalanceRequest


def _stages(problem: Problem) -> list[Stage]:
    if any(c < 0 for k, c in problem.cash.items() if problem.accounts[k].tradable):
        first: list[Stage] = [Stage.SELL_ONLY]
    elif problem.investable() > problem.tolerance:
        first = [Stage.BUY_ONLY]
    else:
        first = []
    if problem.policy.buy_only:
        return [s for s in first if s is Stage.BUY_ONLY]
    return [*first, Stage.FULL]


def _choose(problem: Problem, stage: Stage) -> tuple[Candidate, Comparison]:
    greedy = greedy_candidate(problem, stage)
    optimiser = optimiser_candidate(problem, stage)
    if optimiser is None:
        status = "no solution"
        chosen = greedy
    elif optimiser.problems:
        status = f"{optimiser.status}; not used: {optimiser.problems[0]}"
        chosen = greedy
    elif better(problem, optimiser, greedy):
        status = optimiser.status
        chosen = optimiser
    else:
        status = f"{optimiser.status}; not used: the greedy baseline is better"
        chosen = greedy
    usable = optimiser is not None and not optimiser.problems
    comparison = Comparison(
        chosen=chosen.method,
        greedy=greedy.totals,
        optimiser=optimiser.totals if usable and optimiser is not None else None,
        optimiser_status=status,
    )
    return chosen, comparison


def propose(request: RebalanceRequest) -> Proposal:
    """Trades that bring every weight inside its band (or to target) at the least tax plus cost."""
    problem = build_problem(request)
    reasons = reasons_before(problem)
    breached = any(problem.outside(b, problem.values, problem.spare_before) for b in problem.buckets)
    if not breached and not problem.cash_flow:
        message = "Every weight is inside its band: no trade is needed."
        if not problem.invested and not problem.spare_before:
            message = "Nothing is held and no cash comes in: no trade is needed."
        flag = Flag(FlagCode.INSIDE_BANDS, message)
        return build_proposal(problem, None, [flag.message], [flag], None)
    stages = _stages(problem)
    if not stages:
        flags = unmet_flags(problem, problem.values, problem.spare_before, [])
        return build_proposal(problem, None, reasons, flags, None)
    chosen: Candidate | None = None
    comparison: Comparison | None = None
    for stage in stages:
        chosen, comparison = _choose(problem, stage)
        if not chosen.problems and chosen.bands_met(problem):
            break
    if chosen is None or chosen.problems:
        detail = chosen.problems[0] if chosen is not None and chosen.problems else "no plan"
        flag = Flag(FlagCode.BANDS_UNMET, f"No proposal keeps every rule ({detail}); nothing is proposed.")
        return build_proposal(problem, None, reasons, [flag], comparison)
    return build_proposal(problem, chosen, reasons, [], comparison)
