"""The greedy baseline: how much of each asset to trade, then lots taken in the Betterment-style order.

Amounts per asset come from a small linear program that ignores tax (the least turnover that meets the
bands, or the target). Sells are then placed in tax-advantaged accounts first, then in taxable accounts
lot by lot: losses first, then long-term gains from the highest basis, short-term gains last. Buys go where
the cash is. The optimiser must never do worse than this.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext

from .evaluate import Candidate, Pair, Plan, cash_after, evaluate, fit_cash, trade_money
from .floats import solver_float
from .model import MONEY, WIDE, Holding, LotView, Problem, Stage, to_steps
from .objective import EPS_TURNOVER, P_WASH, band_margin, idle_cost
from .program import INF, Program, allocation_rows, decimal_of
from .types import ZERO, Method


def plan_amounts(problem: Problem, stage: Stage) -> tuple[dict[int, Decimal], dict[int, Decimal], str]:
    """Value to buy and to sell of each asset, ignoring accounts and tax."""
    scale = problem.scale()
    program = Program()
    tradable = [k for k, acc in problem.accounts.items() if acc.tradable]
    rate = max((solver_float(problem.cost_rate(k)) for k in tradable), default=0.0)
    may_sell = stage is not Stage.BUY_ONLY and not problem.policy.buy_only
    buy_vars: dict[int, int] = {}
    sell_vars: dict[int, int] = {}
    delta: dict[int, dict[int, float]] = {}
    with localcontext(WIDE):
        for asset in problem.asset_ids:
            can_buy = stage is not Stage.SELL_ONLY and any(problem.can_buy(k, asset) for k in tradable)
            sellable = ZERO
            if may_sell:
                for holding in problem.asset_holdings(asset):
                    sellable += holding.open_quantity
            wash = P_WASH if asset in problem.buy_blocked else 0.0
            buy = buy_vars[asset] = program.var(rate + EPS_TURNOVER + wash, 0.0, INF if can_buy else 0.0)
            upper = solver_float(sellable * problem.prices[asset] / scale)
            sell = sell_vars[asset] = program.var(rate + EPS_TURNOVER, 0.0, upper)
            delta[asset] = {buy: 1.0, sell: -1.0}
        investable = solver_float(problem.investable() / scale)
    most = solver_float(problem.raise_cap() / scale) if stage is Stage.SELL_ONLY else INF
    left = program.var(idle_cost(problem), 0.0, most)
    cash_row = {sell_vars[a]: 1.0 - rate for a in problem.asset_ids}
    cash_row.update({buy_vars[a]: -(1.0 + rate) for a in problem.asset_ids})
    cash_row[left] = -1.0
    program.row(cash_row, -investable, -investable)
    fees = {var: rate for var in [*buy_vars.values(), *sell_vars.values()]}
    allocation_rows(program, problem, delta, left, fees, band_margin(problem))
    solution = program.solve(problem.time_limit)
    buys: dict[int, Decimal] = {}
    sells: dict[int, Decimal] = {}
    if solution.x is not None:
        with localcontext(WIDE):
            for asset in problem.asset_ids:
                buys[asset] = max(ZERO, decimal_of(solution.x[buy_vars[asset]]) * scale).quantize(MONEY)
                sells[asset] = max(ZERO, decimal_of(solution.x[sell_vars[asset]]) * scale).quantize(MONEY)
    return buys, sells, solution.status


def _rank(view: LotView) -> tuple[int, Decimal, date, str]:
    return view.rank


class _Placer:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.plan = Plan()
        self.left: dict[str, Decimal] = {}  # quantity left of each lot touched so far
        self.where: dict[str, int] = {}  # a lot's position among its pair's pieces

    def _order(self, holding: Holding) -> list[LotView]:
        views = holding.sellable()
        return sorted(views, key=_rank) if holding.account.taxable else views

    def take(self, pool: list[tuple[LotView, Pair]], quantity: Decimal) -> Decimal:
        """Take up to `quantity` from the lots in `pool`, in order; returns the quantity taken."""
        taken = ZERO
        for view, pair in pool:
            if taken >= quantity:
                break
            lot_id = view.lot.lot_id
            available = self.left.get(lot_id, view.quantity)
            piece = min(available, quantity - taken)
            if piece <= 0:
                continue
            self.left[lot_id] = available - piece
            pieces = self.plan.sells.setdefault(pair, [])
            at = self.where.get(lot_id)
            if at is None:
                self.where[lot_id] = len(pieces)
                pieces.append((view, piece))
            else:
                pieces[at] = (view, pieces[at][1] + piece)
            taken += piece
        return taken

    def raise_shortfalls(self, sells: dict[int, Decimal]) -> None:
        """A withdrawal leaves its account short of cash: sell there first, the planned sells and the most
        overweight assets before the rest."""
        problem = self.problem
        for account, cash in problem.cash.items():
            if cash >= 0 or not problem.accounts[account].tradable:
                continue
            need = -cash
            costs, rate = problem.costs[account], problem.cost_rate(account)
            holdings = [h for h in problem.holdings.values() if h.account.id == account]
            holdings.sort(key=lambda h: (-sells.get(h.asset.id, ZERO), -self._overweight(h.asset.id)))
            for holding in holdings:
                if need <= 0:
                    break
                price, step = problem.prices[holding.asset.id], holding.asset.quantity_step
                if holding.value < problem.policy.min_trade:
                    continue
                with localcontext(WIDE):
                    gross = max((need + costs.fee_fixed) / (1 - rate), problem.policy.min_trade)
                    quantity = to_steps(gross / price, step, ROUND_CEILING)
                    taken = self.take([(v, holding.key) for v in self._order(holding)], quantity)
                    value = taken * price
                    need -= value * (1 - rate) - costs.fee_fixed
                    asset = holding.asset.id
                    sells[asset] = max(ZERO, sells.get(asset, ZERO) - value)

    def _overweight(self, asset: int) -> Decimal:
        problem = self.problem
        for bucket in problem.buckets:
            if bucket.asset == asset:
                return problem.values[asset] - bucket.target * problem.invested
        return problem.values.get(asset, ZERO)

    def place_sells(self, sells: dict[int, Decimal]) -> None:
        problem = self.problem
        for asset in sorted(sells, key=lambda a: -sells[a]):
            if sells[asset] <= 0:
                continue
            price = problem.prices[asset]
            step = problem.assets[asset].quantity_step
            with localcontext(WIDE):
                quantity = to_steps(sells[asset] / price, step, ROUND_HALF_EVEN)
            holdings = [h for h in problem.asset_holdings(asset) if h.account.tradable]
            holdings.sort(key=lambda h: list(problem.accounts).index(h.account.id))
            for holding in holdings:
                if not holding.account.taxable:
                    quantity -= self.take([(v, holding.key) for v in self._order(holding)], quantity)
            pool = [(v, h.key) for h in holdings if h.account.taxable for v in h.sellable()]
            pool.sort(key=lambda item: item[0].rank)
            self.take(pool, quantity)

    def apply_minimum(self) -> None:
        """A sell below the minimum grows to it when the holding allows, else it is dropped."""
        problem = self.problem
        minimum = problem.policy.min_trade
        if minimum <= 0:
            return
        for pair in list(self.plan.sells):
            holding = problem.holdings[pair]
            price, step = problem.prices[pair[1]], holding.asset.quantity_step
            sold = self.plan.sold(pair)
            if trade_money(problem, pair[0], pair[1], sold)[0] >= minimum:
                continue
            sellable = holding.open_quantity
            with localcontext(WIDE):
                wanted = min(sellable, to_steps(minimum / price, step, ROUND_CEILING))
            if trade_money(problem, pair[0], pair[1], wanted)[0] >= minimum:
                self.take([(v, pair) for v in self._order(holding)], wanted - sold)
            else:
                for view, q in self.plan.sells.pop(pair):
                    self.left[view.lot.lot_id] += q
                    del self.where[view.lot.lot_id]

    def place_buys(self, buys: dict[int, Decimal]) -> None:
        problem = self.problem
        plan = self.plan
        spare = {k: c for k, c in cash_after(problem, plan).items() if problem.accounts[k].tradable}
        keep = problem.reserve
        order = [problem.flow_account] if problem.flow_account in spare else []
        for account in [*order, *(k for k in spare if k not in order)]:
            kept = min(keep, max(ZERO, spare[account]))
            spare[account] -= kept
            keep -= kept
        sold = {p for p in plan.sells if plan.sold(p) > 0}
        loss_sold = {  # a security sold at a loss is bought nowhere (a wash sale)
            pair[1]
            for pair, pieces in plan.sells.items()
            if problem.accounts[pair[0]].taxable and any(view.gain < 0 for view, _ in pieces)
        }

        def buy(account: int, asset: int, value: Decimal) -> Decimal:
            costs, rate = problem.costs[account], problem.cost_rate(account)
            with localcontext(WIDE):
                affordable = (spare[account] - costs.fee_fixed) / (1 + rate)
                value = min(value, affordable)
                if value <= 0 or value < problem.policy.min_trade:
                    return ZERO
                step = problem.assets[asset].quantity_step
                quantity = to_steps(value / problem.prices[asset], step, ROUND_FLOOR)
            paid, fee, slippage = trade_money(problem, account, asset, quantity)
            for _ in range(3):  # fees rounded to the cent can leave a cent or two missing
                excess = paid + fee + slippage - spare[account]
                if excess <= 0:
                    break
                with localcontext(WIDE):
                    unit = step * problem.prices[asset]
                    quantity -= (excess / unit).to_integral_value(rounding=ROUND_CEILING) * step
                paid, fee, slippage = trade_money(problem, account, asset, max(quantity, ZERO))
            if quantity <= 0 or paid < problem.policy.min_trade or paid + fee + slippage > spare[account]:
                return ZERO
            plan.buys[(account, asset)] = plan.buys.get((account, asset), ZERO) + quantity
            spare[account] -= paid + fee + slippage
            return paid

        def places(asset: int) -> list[int]:
            if asset in loss_sold and problem.assets[asset].security:
                return []
            ok = (k for k in spare if problem.can_buy(k, asset) and (k, asset) not in sold)
            return sorted(ok, key=lambda k: -spare[k])

        for asset in sorted(buys, key=lambda a: -buys[a]):
            need = buys[asset]
            for account in places(asset):
                if need <= 0:
                    break
                need -= buy(account, asset, need)
        if problem.class_mode:
            return
        # Cash the planned buys could not use (it sits where those assets cannot be bought) goes to
        # whatever that account can buy that is furthest below target.
        with localcontext(WIDE):
            values = dict(problem.values)
            for (_, asset), quantity in plan.buys.items():
                values[asset] += quantity * problem.prices[asset]
            for (_, asset), pieces in plan.sells.items():
                values[asset] -= sum((q for _, q in pieces), ZERO) * problem.prices[asset]
            total = sum(values.values(), ZERO) + sum(spare.values(), ZERO)
            for account in list(spare):
                for bucket in sorted(problem.buckets, key=lambda b: values[b.asset or 0] - b.target * total):
                    target_asset = bucket.asset
                    if target_asset is None or target_asset in problem.buy_blocked:
                        continue  # a wash-sale buy is made only when the bands need it (planned above)
                    if account not in places(target_asset):
                        continue
                    gap = bucket.target * total - values[target_asset]
                    if gap <= MONEY or spare[account] <= MONEY:
                        continue
                    values[target_asset] += buy(account, target_asset, gap)


def greedy_candidate(problem: Problem, stage: Stage) -> Candidate:
    buys, sells, status = plan_amounts(problem, stage)
    placer = _Placer(problem)
    if stage is not Stage.BUY_ONLY and not problem.policy.buy_only:
        placer.raise_shortfalls(sells)
        if stage is Stage.FULL:
            placer.place_sells(sells)
        placer.apply_minimum()
    if stage is not Stage.SELL_ONLY:
        placer.place_buys(buys)
    plan = placer.plan
    plan.sells = {p: pieces for p, pieces in plan.sells.items() if any(q > 0 for _, q in pieces)}
    fit_cash(problem, plan)
    return evaluate(problem, plan, Method.GREEDY, f"amounts: {status}")
