"""The optimiser: a mixed-integer program (HiGHS via scipy.optimize.milp) for the least tax plus cost.

Variables, all values as fractions of the portfolio (whole-unit assets count units instead):
- a sell variable per segment: the sellable lots of one account and asset, grouped by term and by gain or
  loss, sorted by gain per unit and cut into a few consecutive runs (one run per lot when there are few), so
  the program does not grow with every lot. A partly sold run is taken lot by lot in its order, which never
  costs more than the run's average that the program assumed;
- a buy variable per account and asset where it can be bought;
- binaries: an on/off switch per account, asset and side where orders have a minimum or a fixed fee; one
  per account and asset that lets it buy or sell, not both (across accounts the same asset may go both
  ways: a withdrawal may have to sell it in one account while the bands want it bought in another); per
  security sold at a loss in a taxable account, one that forbids buying it anywhere (a wash sale);
- the year's netting of short- and long-term gains with the realized gains so far, with three binaries that
  make it exact (signs of the two nets, and whether a net loss offsets ordinary income).
Band and target rows come from `program.allocation_rows`; cash rows keep every account solvent and the
reserve. The objective is the tax the proposal adds (a saving counts as nothing) plus fees and slippage,
with the penalties of `objective` for what it cannot meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext

from .evaluate import Candidate, Pair, Plan, evaluate, fit_cash
from .floats import solver_float
from .model import MONEY, WIDE, Holding, LotView, Problem, Stage, to_steps
from .objective import EPS_SAVING, EPS_TAXABLE, EPS_TURNOVER, P_WASH, band_margin, idle_cost
from .program import INF, Program, allocation_rows, decimal_of
from .tax import year_tax
from .types import ZERO, Method, Term

SEGMENT_BUDGET = 600  # sell variables the program may spend on lots; small portfolios get one per lot


@dataclass(slots=True)
class Segment:
    pair: Pair
    views: list[LotView]
    quantity: Decimal
    gain: Decimal
    term: Term
    taxable: bool
    var: int = -1
    upper: float = 0.0  # the variable's upper bound
    per_var: float = 1.0  # value (as a fraction of the portfolio) of one unit of the variable
    integer: bool = False


@dataclass(slots=True)
class _Side:
    pair: Pair
    vars: list[tuple[int, float]] = field(default_factory=list)  # (variable, value per unit)
    cap: float = 0.0
    switch: int = -1


def _groups(holding: Holding) -> list[list[LotView]]:
    views = holding.sellable()
    if not views:
        return []
    if not holding.account.taxable:
        return [views]
    groups: dict[tuple[Term, bool], list[LotView]] = {}
    for view in views:
        groups.setdefault((view.term, view.gain < 0), []).append(view)
    # Within a group the greedy rank is the order of gain per unit: (category, -basis per unit, ...).
    return [sorted(group, key=_rank) for _, group in sorted(groups.items())]


def _rank(view: LotView) -> tuple[int, Decimal, date, str]:
    return view.rank


def segments(problem: Problem, stage: Stage) -> list[Segment]:
    if stage is Stage.BUY_ONLY or problem.policy.buy_only:
        return []
    holdings = list(problem.holdings.values())
    if stage is Stage.SELL_ONLY:  # raising a withdrawal: only where the cash is missing
        holdings = [h for h in holdings if problem.cash[h.account.id] < 0]
    groups = [(h, g) for h in holdings for g in _groups(h)]
    runs = max(2, SEGMENT_BUDGET // max(1, len(groups)))
    out: list[Segment] = []
    with localcontext(WIDE):
        for holding, group in groups:
            chunks = min(runs, len(group))
            size, extra = divmod(len(group), chunks)
            start = 0
            for i in range(chunks):
                end = start + size + (1 if i < extra else 0)
                views = group[start:end]
                start = end
                out.append(
                    Segment(
                        pair=holding.key,
                        views=views,
                        quantity=sum((v.quantity for v in views), ZERO),
                        gain=sum((v.gain for v in views), ZERO),
                        term=views[0].term,
                        taxable=holding.account.taxable,
                    )
                )
    return out


def _netting(
    program: Program, problem: Problem, taxed: list[Segment], scale: Decimal
) -> list[tuple[int, int, int]]:
    """Tax = rs x A + rl x B - rs x C after netting, and T >= max(0, tax - tax already due)."""
    rates = problem.policy.tax_rates
    rs, rl = solver_float(rates.short), solver_float(rates.long)
    ytd_s, ytd_l = problem.realized_short, problem.realized_long
    base = solver_float(year_tax(ytd_s, ytd_l, rates) / scale)
    big = solver_float((abs(ytd_s) + abs(ytd_l) + sum((abs(s.gain) for s in taxed), ZERO)) / scale) + 1.0
    limit = solver_float(rates.loss_offset_limit / scale)
    sp, sn, lp, ln, x, y = (program.var() for _ in range(6))
    # The tax itself, with a weight too small to pay for any extra trade, prefers the lots that save
    # the most tax among plans that cost the same (the clipped tax below counts no saving).
    a, b, c = program.var(EPS_SAVING * rs), program.var(EPS_SAVING * rl), program.var(-EPS_SAVING * rs)
    z_s, z_l, w = program.binary(), program.binary(), program.binary()
    total = program.var(1.0)
    short = {sp: 1.0, sn: -1.0}
    long = {lp: 1.0, ln: -1.0}
    for seg in taxed:
        gain = solver_float(seg.gain / (seg.quantity * problem.prices[seg.pair[1]])) * seg.per_var
        (short if seg.term is Term.SHORT else long)[seg.var] = -gain
    program.row(short, solver_float(ytd_s / scale), solver_float(ytd_s / scale))
    program.row(long, solver_float(ytd_l / scale), solver_float(ytd_l / scale))
    program.row({sp: 1.0, z_s: -big}, upper=0.0)
    program.row({sn: 1.0, z_s: big}, upper=big)
    program.row({lp: 1.0, z_l: -big}, upper=0.0)
    program.row({ln: 1.0, z_l: big}, upper=big)
    program.row({x: 1.0, ln: -1.0}, upper=0.0)  # long-term loss used against short-term gain
    program.row({y: 1.0, sn: -1.0}, upper=0.0)  # short-term loss used against long-term gain
    program.row({a: 1.0, sp: -1.0, x: 1.0}, lower=0.0)
    program.row({b: 1.0, lp: -1.0, y: 1.0}, lower=0.0)
    program.row({c: 1.0, w: -limit}, upper=0.0)
    program.row({c: 1.0, sn: -1.0, y: 1.0, ln: -1.0, x: 1.0}, upper=0.0)
    program.row({a: 1.0, b: 1.0, w: big}, upper=big)  # ordinary income only after every gain is offset
    program.row({total: 1.0, a: -rs, b: -rl, c: rs}, lower=-base)
    # For rounding the relaxation: each binary with the variables that say which way it should go.
    return [(z_s, sp, sn), (z_l, lp, ln), (w, c, -1)]


def _buy_room(problem: Problem, scale: Decimal) -> dict[int, float]:
    """The most of each asset worth buying: past its band's upper edge (or any class band's it is part of)
    at the largest total the portfolio can reach, a buy only costs. What of the asset cannot be sold stays,
    so it counts against that room; what can be sold may be sold elsewhere in the same proposal (a
    withdrawal can force a sale in one account of what another account buys). A tight bound keeps the
    program's relaxation close to its integer solutions, which is what keeps it fast."""
    with localcontext(WIDE):
        most = problem.invested + max(ZERO, problem.tradable_cash())
        room: dict[int, float] = {}
        for asset in problem.asset_ids:
            sellable = sum((h.open_quantity for h in problem.asset_holdings(asset)), ZERO)
            stays = problem.values[asset] - sellable * problem.prices[asset]
            limits = [
                bucket.high * most / share - (stays if bucket.asset is not None else ZERO)
                for bucket in problem.buckets
                if (share := bucket.exposure.get(asset, ZERO)) > 0
            ]
            room[asset] = solver_float(max(ZERO, min(limits, default=most)) / scale) * 1.001 + 1e-9
    return room


def optimiser_candidate(problem: Problem, stage: Stage) -> Candidate | None:
    scale = problem.scale()
    program = Program()
    policy = problem.policy
    minimum = solver_float(policy.min_trade / scale)
    tradable = [k for k, acc in problem.accounts.items() if acc.tradable]
    segs = segments(problem, stage)
    sells: dict[Pair, _Side] = {}
    buys: dict[Pair, _Side] = {}
    delta: dict[int, dict[int, float]] = {}
    loss_vars: dict[int, list[tuple[int, float]]] = {}

    def cost_terms(account: int) -> tuple[float, float]:
        return solver_float(problem.cost_rate(account)), solver_float(
            problem.costs[account].fee_fixed / scale
        )

    with localcontext(WIDE):
        for seg in segs:
            account, asset = seg.pair
            price = problem.prices[asset]
            step = problem.assets[asset].quantity_step
            rate, _ = cost_terms(account)
            extra = EPS_TAXABLE if seg.taxable else 0.0
            unit_cost = rate + EPS_TURNOVER + extra
            if step >= 1:
                seg.integer, seg.per_var = True, solver_float(step * price / scale)
                upper = solver_float((seg.quantity / step).to_integral_value(rounding=ROUND_FLOOR))
            else:
                upper = solver_float(seg.quantity * price / scale)
            seg.upper = upper
            seg.var = program.var(unit_cost * seg.per_var, 0.0, upper, integer=seg.integer)
            side = sells.setdefault(seg.pair, _Side(seg.pair))
            side.vars.append((seg.var, seg.per_var))
            side.cap += upper * seg.per_var
            delta.setdefault(asset, {})[seg.var] = -seg.per_var
            if seg.taxable and seg.gain < 0 and problem.assets[asset].security:
                loss_vars.setdefault(asset, []).append((seg.var, seg.per_var))
        room = _buy_room(problem, scale)
        if stage is not Stage.SELL_ONLY:
            for account in tradable:
                sellable = sum((s.cap for p, s in sells.items() if p[0] == account), 0.0)
                cap = max(0.0, solver_float(problem.cash[account] / scale)) + sellable
                if cap <= 0:
                    continue
                rate, _ = cost_terms(account)
                for asset in problem.asset_ids:
                    if not problem.can_buy(account, asset) or room[asset] <= 0:
                        continue
                    step = problem.assets[asset].quantity_step
                    wash = P_WASH if asset in problem.buy_blocked else 0.0
                    unit_cost = rate + EPS_TURNOVER + wash
                    side = buys[(account, asset)] = _Side((account, asset), cap=min(cap, room[asset]))
                    if step >= 1:
                        per_var = solver_float(step * problem.prices[asset] / scale)
                        upper = solver_float(int(side.cap / per_var) + 1)
                        var = program.var(unit_cost * per_var, 0.0, upper, integer=True)
                    else:
                        per_var = 1.0
                        var = program.var(unit_cost, 0.0, side.cap)
                    side.vars.append((var, per_var))
                    delta.setdefault(asset, {})[var] = per_var

    directions: list[tuple[int, list[tuple[int, float]], list[tuple[int, float]]]] = []
    # Order switches where an order has a minimum or a fixed fee: off, or at least the minimum and paying
    # the fee.
    for pair, side in [*sells.items(), *buys.items()]:
        _, fixed = cost_terms(pair[0])
        if minimum <= 0 and fixed <= 0:
            continue
        side.switch = program.binary(fixed)
        coefs = {var: per for var, per in side.vars}
        program.row({**coefs, side.switch: -side.cap * 1.01}, upper=0.0)
        if minimum > 0:
            step_value = solver_float(problem.assets[pair[1]].quantity_step * problem.prices[pair[1]] / scale)
            program.row({**coefs, side.switch: -(minimum * (1 + 1e-9) + step_value)}, lower=0.0)

    def one_way(bought: list[tuple[int, float]], sold: list[tuple[int, float]], buy_cap: float) -> None:
        """A binary that lets either `bought` or `sold` trade, never both."""
        buying = program.binary()
        directions.append((buying, bought, sold))
        sell_cap = sum(per * program.upper[var] for var, per in sold) * 1.01
        program.row({**dict(sold), buying: sell_cap}, upper=sell_cap)
        program.row({**dict(bought), buying: -buy_cap * 1.01}, upper=0.0)

    # Buy or sell, not both, in each account.
    for pair, sell in sells.items():
        if pair in buys:
            one_way(buys[pair].vars, sell.vars, buys[pair].cap)
    # No wash sale inside the proposal: a security sold at a loss in a taxable account is bought nowhere.
    for asset, losses in loss_vars.items():
        bought = [v for p, s in buys.items() if p[1] == asset for v in s.vars]
        if bought:
            one_way(bought, losses, room[asset])

    # Cash: every account stays solvent; buys leave the reserve.
    total_row: dict[int, float] = {}
    cash_total = 0.0
    for account in tradable:
        rate, fixed = cost_terms(account)
        row: dict[int, float] = {}
        for pair, side in sells.items():
            if pair[0] == account:
                row.update({var: per * (1 - rate) for var, per in side.vars})
                if side.switch >= 0:
                    row[side.switch] = -fixed
        for pair, side in buys.items():
            if pair[0] == account:
                row.update({var: -per * (1 + rate) for var, per in side.vars})
                if side.switch >= 0:
                    row[side.switch] = -fixed
        cash = solver_float(problem.cash[account] / scale)
        cash_total += cash
        if row:
            # Raising a withdrawal sells what it needs and no more: the rest waits for a full rebalance.
            most = solver_float(problem.raise_slack() / scale) - cash if stage is Stage.SELL_ONLY else INF
            program.row(row, lower=-cash, upper=most)
            total_row.update(row)
    # Cash above the reserve after trading: buys never spend the reserve.
    reserve = solver_float(problem.reserve / scale)
    idle = program.var(idle_cost(problem), 0.0 if buys else -INF, INF)
    level = cash_total - reserve
    program.row({**{v: -c for v, c in total_row.items()}, idle: 1.0}, level, level)
    fees: dict[int, float] = {}
    for pair, side in [*sells.items(), *buys.items()]:
        rate, fixed = cost_terms(pair[0])
        fees.update({var: per * rate for var, per in side.vars})
        if side.switch >= 0:
            fees[side.switch] = fixed
    allocation_rows(program, problem, delta, idle, fees, band_margin(problem))
    taxed = [s for s in segs if s.taxable]
    signs = _netting(program, problem, taxed, scale) if taxed else []

    def rounding(x: list[float]) -> dict[int, float]:
        """Integer values suggested by the relaxation: an order is on when it trades at least half the
        minimum, an asset is bought when it buys more than it sells, netting signs follow the totals."""
        fixed: dict[int, float] = {}
        for side in [*sells.values(), *buys.values()]:
            traded = sum(per * x[var] for var, per in side.vars)
            if side.switch >= 0:
                fixed[side.switch] = 1.0 if traded > max(minimum / 2, 1e-12) else 0.0
            for var, _ in side.vars:
                if program.integer[var]:
                    fixed[var] = solver_float(round(x[var]))
        for buying, bought_vars, sold_vars in directions:
            bought = sum(per * x[v] for v, per in bought_vars)
            sold = sum(per * x[v] for v, per in sold_vars)
            fixed[buying] = 1.0 if bought > sold else 0.0
        for binary, plus, minus in signs:
            fixed[binary] = 1.0 if x[plus] > (x[minus] if minus >= 0 else 1e-12) else 0.0
        return fixed

    solution = program.solve(problem.time_limit, rounding=rounding)
    if solution.x is None:
        return None
    plan = _plan(problem, segs, buys, solution.x, scale)
    fit_cash(problem, plan)
    return evaluate(problem, plan, Method.OPTIMISER, solution.status)


def _plan(
    problem: Problem, segs: list[Segment], buys: dict[Pair, _Side], x: list[float], scale: Decimal
) -> Plan:
    """Exact quantities from the solver's floats: rounded to each asset's step, whole segments kept whole."""
    plan = Plan()
    with localcontext(WIDE):
        for seg in segs:
            asset = problem.assets[seg.pair[1]]
            step, price = asset.quantity_step, problem.prices[asset.id]
            if seg.integer:
                quantity = Decimal(round(x[seg.var])) * step
            else:
                quantity = to_steps(decimal_of(x[seg.var]) * scale / price, step, ROUND_HALF_EVEN)
            if quantity <= 0:
                continue
            if quantity >= seg.quantity - step / 2:
                quantity = seg.quantity
            pieces = plan.sells.setdefault(seg.pair, [])
            for view in seg.views:
                if quantity <= 0:
                    break
                piece = min(view.quantity, quantity)
                pieces.append((view, piece))
                quantity -= piece
        for pair, side in buys.items():
            asset = problem.assets[pair[1]]
            step, price = asset.quantity_step, problem.prices[asset.id]
            var, _ = side.vars[0]
            if step >= 1:
                quantity = Decimal(round(x[var])) * step
            else:
                quantity = to_steps(decimal_of(x[var]) * scale / price, step, ROUND_HALF_EVEN)
            if quantity > 0 and (quantity * price).quantize(MONEY) > 0:
                plan.buys[pair] = quantity
        # Solver noise can leave sells worth less than a cent; they are no trade at all.
        plan.sells = {
            p: pieces
            for p, pieces in plan.sells.items()
            if (sum((q for _, q in pieces), ZERO) * problem.prices[p[1]]).quantize(MONEY) > 0
        }
    return plan
