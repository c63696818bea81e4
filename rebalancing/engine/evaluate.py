"""Exact (Decimal) evaluation of a plan: trades with their lots, costs, tax, weights after, and hard checks.

Both the greedy baseline and the optimiser hand a `Plan` here, so they are judged by the same arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, localcontext

from .model import BPS, MONEY, WIDE, LotView, Problem
from .tax import proposal_tax, rate_for, tax_and_cost
from .types import ZERO, LotSale, Method, RealizedGains, Side, Term, Totals, Trade

Pair = tuple[int, int]  # (account, asset)


@dataclass(slots=True)
class Plan:
    """Quantities to trade: for each sell the lot pieces in the order taken, for each buy the quantity."""

    sells: dict[Pair, list[tuple[LotView, Decimal]]] = field(default_factory=dict)
    buys: dict[Pair, Decimal] = field(default_factory=dict)

    def sold(self, pair: Pair) -> Decimal:
        return sum((q for _, q in self.sells.get(pair, ())), ZERO)


@dataclass(slots=True)
class Candidate:
    method: Method
    plan: Plan
    trades: list[Trade]
    values_after: dict[int, Decimal]
    cash_after: dict[int, Decimal]
    spare_after: Decimal  # tradable cash above the reserve
    totals: Totals
    shortfall: Decimal  # exact value outside the bands, summed over buckets
    deviation: Decimal  # exact value away from target, summed over buckets
    problems: list[str]  # broken hard rules: a candidate with any is never proposed
    status: str = ""

    def bands_met(self, problem: Problem) -> bool:
        return not any(problem.outside(b, self.values_after, self.spare_after) for b in problem.buckets)


def trade_money(problem: Problem, account: int, asset: int, quantity: Decimal) -> tuple[Decimal, ...]:
    """(value, fee, slippage) of trading `quantity` of `asset` in `account`, each to the cent."""
    costs = problem.costs[account]
    with localcontext(WIDE):
        value = (quantity * problem.prices[asset]).quantize(MONEY)
        fee = (value * costs.fee_bps / BPS + costs.fee_fixed).quantize(MONEY)
        slippage = (value * costs.slippage_bps / BPS).quantize(MONEY)
    return value, fee, slippage


def cash_after(problem: Problem, plan: Plan) -> dict[int, Decimal]:
    cash = dict(problem.cash)
    for (account, asset), pieces in plan.sells.items():
        value, fee, slippage = trade_money(problem, account, asset, sum((q for _, q in pieces), ZERO))
        cash[account] += value - fee - slippage
    for (account, asset), quantity in plan.buys.items():
        value, fee, slippage = trade_money(problem, account, asset, quantity)
        cash[account] -= value + fee + slippage
    return cash


def _top_up(problem: Problem, plan: Plan, account: int, missing: Decimal) -> bool:
    """Sell a little more in `account` (its largest sale, continuing in that sale's lot order) to cover
    `missing`; False when nothing more can be sold there."""
    pairs = sorted((p for p in plan.sells if p[0] == account), key=lambda p: -plan.sold(p))
    for pair in pairs:
        holding = problem.holdings[pair]
        asset, price = holding.asset, problem.prices[pair[1]]
        with localcontext(WIDE):
            unit = asset.quantity_step * price * (1 - problem.cost_rate(account))
            wanted = (missing / unit).to_integral_value(rounding=ROUND_CEILING) * asset.quantity_step
        pieces = plan.sells[pair]
        taken = {view.lot.lot_id: i for i, (view, _) in enumerate(pieces)}
        order = [view for view, _ in pieces]
        rest = [v for v in holding.sellable() if v.lot.lot_id not in taken]
        order += sorted(rest, key=lambda v: v.rank) if holding.account.taxable else rest
        for view in order:
            if wanted <= 0:
                break
            at = taken.get(view.lot.lot_id)
            done = pieces[at][1] if at is not None else ZERO
            more = min(view.quantity - done, wanted)
            if more <= 0:
                continue
            if at is None:
                taken[view.lot.lot_id] = len(pieces)
                pieces.append((view, more))
            else:
                pieces[at] = (view, done + more)
            wanted -= more
        if wanted <= 0:
            return True
    return False


def fit_cash(problem: Problem, plan: Plan) -> None:
    """Make every account and the reserve covered after rounding, which may leave a few cents missing:
    trim buys (largest first, a step at a time; a buy trimmed below the minimum is dropped), or where an
    account has no buys, sell a step or two more."""
    for _ in range(10 * max(1, len(plan.buys)) + 10):
        cash = cash_after(problem, plan)
        short = {k: -c for k, c in cash.items() if c < 0 and problem.accounts[k].tradable}
        tradable_total = sum((c for k, c in cash.items() if problem.accounts[k].tradable), ZERO)
        reserve_short = problem.reserve - tradable_total
        if not short and reserve_short <= 0:
            return
        if short:
            account, missing = next(iter(short.items()))
            pairs = [p for p in plan.buys if p[0] == account]
            if not pairs:
                if _top_up(problem, plan, account, missing):
                    continue
                return
        else:
            missing, pairs = reserve_short, list(plan.buys)
        if not pairs:
            return
        pair = max(pairs, key=lambda p: plan.buys[p] * problem.prices[p[1]])
        asset = problem.assets[pair[1]]
        with localcontext(WIDE):
            unit = asset.quantity_step * problem.prices[pair[1]] * (1 + problem.cost_rate(pair[0]))
            steps = max(Decimal(1), (missing / unit).to_integral_value(rounding=ROUND_CEILING))
            left = plan.buys[pair] - steps * asset.quantity_step
        value = trade_money(problem, pair[0], pair[1], max(left, ZERO))[0]
        if left <= 0 or value < problem.policy.min_trade or value <= 0:
            del plan.buys[pair]
        else:
            plan.buys[pair] = left


def evaluate(problem: Problem, plan: Plan, method: Method, status: str = "") -> Candidate:
    rates = problem.policy.tax_rates
    trades: list[Trade] = []
    problems: list[str] = []
    short_gain = long_gain = ZERO
    values = dict(problem.values)
    taken: dict[str, Decimal] = {}
    account_order = {k: i for i, k in enumerate(problem.accounts)}
    asset_order = {a: i for i, a in enumerate(problem.asset_ids)}

    def order(pair: Pair) -> tuple[int, int]:
        return (account_order[pair[0]], asset_order[pair[1]])

    sold_pairs: set[Pair] = set()
    loss_sold: set[int] = set()
    with localcontext(WIDE):
        for pair in sorted(plan.sells, key=order):
            account, asset = pair
            pieces = [(view, q) for view, q in plan.sells[pair] if q > 0]
            if not pieces:
                continue
            quantity = sum((q for _, q in pieces), ZERO)
            value, fee, slippage = trade_money(problem, account, asset, quantity)
            price = problem.prices[asset]
            acc = problem.accounts[account]
            if not acc.tradable:
                problems.append(f"sells in {acc.label}, which is not tradable")
            if problem.policy.buy_only:
                problems.append("sells in buy-only mode")
            sales: list[LotSale] = []
            left = value
            for i, (view, q) in enumerate(pieces):
                lot = view.lot
                taken[lot.lot_id] = taken.get(lot.lot_id, ZERO) + q
                if taken[lot.lot_id] > lot.quantity:
                    problems.append(
                        f"sells {taken[lot.lot_id]} of lot {lot.lot_id}, which holds {lot.quantity}"
                    )
                if view.blocked:
                    problems.append(f"sells lot {lot.lot_id} at a loss within a wash-sale window")
                # The pieces' proceeds add up to the trade's value: the last one takes what rounding left.
                proceeds = left if i == len(pieces) - 1 else (q * price).quantize(MONEY)
                left -= proceeds
                whole = q == lot.quantity
                basis = (lot.basis if whole else lot.basis * q / lot.quantity).quantize(MONEY)
                gain = proceeds - basis
                tax = ZERO
                if acc.taxable:
                    tax = (gain * rate_for(view.term, rates)).quantize(MONEY)
                    if view.term is Term.SHORT:
                        short_gain += gain
                    else:
                        long_gain += gain
                    if gain < 0:
                        loss_sold.add(asset)
                sales.append(
                    LotSale(
                        lot_id=lot.lot_id,
                        quantity=q,
                        basis=basis,
                        proceeds=proceeds,
                        gain=gain,
                        term=view.term,
                        acquired=lot.acquired,
                        long_term_from=lot.long_term_from,
                        estimated_tax=tax,
                    )
                )
            values[asset] -= quantity * price
            sold_pairs.add(pair)
            trades.append(
                Trade(
                    account=account,
                    asset=asset,
                    side=Side.SELL,
                    quantity=quantity,
                    price=price,
                    value=value,
                    fee=fee,
                    slippage=slippage,
                    estimated_tax=sum((s.estimated_tax for s in sales), ZERO),
                    lots=tuple(sales),
                )
            )
        for pair in sorted(plan.buys, key=order):
            account, asset = pair
            quantity = plan.buys[pair]
            if quantity <= 0:
                continue
            value, fee, slippage = trade_money(problem, account, asset, quantity)
            if not problem.can_buy(account, asset):
                problems.append(f"buys {problem.assets[asset].symbol} where it cannot be bought")
            symbol = problem.assets[asset].symbol
            if pair in sold_pairs:
                problems.append(f"buys and sells {symbol} in {problem.accounts[account].label}")
            if asset in loss_sold and problem.assets[asset].security:
                problems.append(f"buys {symbol} while selling it at a loss (a wash sale)")
            values[asset] += quantity * problem.prices[asset]
            trades.append(
                Trade(
                    account=account,
                    asset=asset,
                    side=Side.BUY,
                    quantity=quantity,
                    price=problem.prices[asset],
                    value=value,
                    fee=fee,
                    slippage=slippage,
                    estimated_tax=ZERO,
                )
            )
        for trade in trades:
            if trade.value < problem.policy.min_trade:
                problems.append(f"a {trade.side} of {trade.value} is below the minimum trade")
        cash = cash_after(problem, plan)
        for account, amount in cash.items():
            if amount < 0 and problem.accounts[account].tradable:
                problems.append(f"{problem.accounts[account].label} would be {amount} short of cash")
        tradable_cash = sum((c for k, c in cash.items() if problem.accounts[k].tradable), ZERO)
        if trades and tradable_cash < problem.reserve and any(t.side is Side.BUY for t in trades):
            problems.append(f"buys spend the cash reserve ({tradable_cash} left of {problem.reserve})")
        spare = max(ZERO, tradable_cash - problem.reserve)
        total = sum(values.values(), ZERO) + spare
        shortfall = sum((problem.shortfall(b, values, spare) for b in problem.buckets), ZERO)
        deviation = spare + sum(  # idle cash is a holding with target 0
            (abs(problem.bucket_value(b, values) - b.target * total) for b in problem.buckets), ZERO
        )
        bought = sum((t.value for t in trades if t.side is Side.BUY), ZERO)
        sold = sum((t.value for t in trades if t.side is Side.SELL), ZERO)
        fees = sum((t.fee for t in trades), ZERO)
        slip = sum((t.slippage for t in trades), ZERO)
        realized = RealizedGains(problem.realized_short, problem.realized_long)
        tax = proposal_tax(short_gain, long_gain, realized, rates)
        tax = tax.quantize(MONEY)
    totals = Totals(
        turnover=bought + sold,
        bought=bought,
        sold=sold,
        estimated_tax=tax,
        fees=fees,
        slippage=slip,
        tax_and_cost=tax_and_cost(tax, fees, slip),
        band_shortfall=shortfall.quantize(MONEY),
        target_gap=deviation.quantize(MONEY),
    )
    return Candidate(
        method, plan, trades, values, cash, spare, totals, shortfall, deviation, problems, status
    )


def better(problem: Problem, optimiser: Candidate, greedy: Candidate) -> bool:
    """Whether the optimiser's candidate is at least as good as the greedy one: nearer the bands (then, when
    trading to target, nearer the target), else no dearer in tax plus cost, and at equal cost no more tax."""
    if optimiser.problems:
        return False
    if greedy.problems:
        return True
    mine_met, theirs_met = optimiser.bands_met(problem), greedy.bands_met(problem)
    if mine_met != theirs_met:
        return mine_met
    # Outcomes closer than rounding can tell apart (a step of each asset per account, a cent per trade)
    # are the same outcome.
    trades = max(len(optimiser.trades), len(greedy.trades)) + 1
    slack = problem.tolerance * (len(problem.accounts) + 1) + MONEY * trades
    if optimiser.shortfall > greedy.shortfall + slack:
        return False
    if optimiser.shortfall < greedy.shortfall - slack:
        return True
    if problem.to_target:
        if optimiser.deviation > greedy.deviation + slack:
            return False
        if optimiser.deviation < greedy.deviation - slack:
            return True
    mine, theirs = optimiser.totals, greedy.totals
    return (mine.tax_and_cost, mine.estimated_tax) <= (theirs.tax_and_cost, theirs.estimated_tax)
