"""Checking a request and turning it into a `Problem`: values, lots as of the trade date, bands, cash and
wash-sale blocks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, localcontext

from rebalancing.bands import BandError, band_for

from .floats import solver_float
from .model import (
    BPS,
    MONEY,
    ORDER,
    WASH_WINDOW,
    WIDE,
    Bucket,
    Holding,
    LotView,
    Problem,
)
from .targets import validate_exposures, validate_weights
from .types import (
    ZERO,
    Account,
    Asset,
    Lot,
    Policy,
    RebalanceError,
    RebalanceRequest,
    RecentTrade,
    Term,
)

# --- checks --------------------------------------------------------------------------------------------


def _dec(name: str, value: object, *, positive: bool = False, non_negative: bool = False) -> Decimal:
    if not isinstance(value, Decimal):
        raise RebalanceError(f"must be a Decimal, got {type(value).__name__}", field=name)
    if not value.is_finite():
        raise RebalanceError(f"must be finite, got {value}", field=name)
    if positive and value <= 0:
        raise RebalanceError(f"must be positive, got {value}", field=name)
    if non_negative and value < 0:
        raise RebalanceError(f"must not be negative, got {value}", field=name)
    return value


def _check_policy(policy: Policy, accounts: Mapping[int, Account]) -> None:
    for name in ("band_absolute", "band_relative", "band_floor"):
        value = getattr(policy, name)
        if value is not None:
            _dec(f"policy.{name}", value, non_negative=True)
    if policy.band_floor is not None and policy.band_absolute is not None:
        raise RebalanceError(
            "a hybrid band (relative with a floor) cannot also have an absolute band", field="policy"
        )
    _dec("policy.min_trade", policy.min_trade, non_negative=True)
    _dec("policy.cash_reserve", policy.cash_reserve, non_negative=True)
    for key in policy.account_costs:
        if key not in accounts:
            raise RebalanceError(f"names unknown account {key}", field="policy.account_costs")
    for where, costs in [("policy.costs", policy.costs), *policy.account_costs.items()]:
        label = where if isinstance(where, str) else f"policy.account_costs[{where}]"
        for name in ("fee_bps", "slippage_bps"):
            value = _dec(f"{label}.{name}", getattr(costs, name), non_negative=True)
            if value >= BPS / 10:
                raise RebalanceError(f"must be below 1000 bps, got {value}", field=f"{label}.{name}")
        _dec(f"{label}.fee_fixed", costs.fee_fixed, non_negative=True)
    rates = policy.tax_rates
    for name in ("short", "long"):
        value = _dec(f"policy.tax_rates.{name}", getattr(rates, name), non_negative=True)
        if value > 1:
            raise RebalanceError(f"is a fraction (at most 1), got {value}", field=f"policy.tax_rates.{name}")
    _dec("policy.tax_rates.loss_offset_limit", rates.loss_offset_limit, non_negative=True)


def _band(target: Decimal, policy: Policy, name: str) -> tuple[Decimal, Decimal]:
    try:
        band = band_for(
            target, absolute=policy.band_absolute, relative=policy.band_relative, floor=policy.band_floor
        )
    except BandError as exc:
        raise RebalanceError(str(exc), field=name) from exc
    return band if band is not None else (target, target)


def _index(items: list[Account] | list[Asset], what: str) -> None:
    seen: set[int] = set()
    for item in items:
        if item.id in seen:
            raise RebalanceError(f"id {item.id} appears twice", field=what)
        seen.add(item.id)


# --- building ------------------------------------------------------------------------------------------


def _acquisition(lot: Lot) -> tuple[date, str]:
    return (lot.acquired, lot.lot_id)


def _lot_error(
    lot: Lot, seen: set[str], accounts: Mapping[int, Account], assets: Mapping[int, Asset]
) -> None:
    where = f"lots[{lot.lot_id}]"
    if lot.lot_id in seen:
        raise RebalanceError("lot id appears twice", field=where)
    if lot.account not in accounts:
        raise RebalanceError(f"unknown account {lot.account}", field=where)
    if lot.asset not in assets:
        raise RebalanceError(f"unknown asset {lot.asset}", field=where)
    _dec(f"{where}.quantity", lot.quantity, positive=True)
    _dec(f"{where}.basis", lot.basis, non_negative=True)


def build_problem(request: RebalanceRequest) -> Problem:
    """Check the request and pre-compute values, lots, bands, cash and wash-sale blocks."""
    as_of = request.as_of
    if not isinstance(as_of, date) or hasattr(as_of, "hour"):
        raise RebalanceError("must be a date (not a datetime)", field="as_of")
    account_list, asset_list = list(request.accounts), list(request.assets)
    _index(account_list, "accounts")
    _index(asset_list, "assets")
    accounts = {a.id: a for a in account_list}
    assets = {a.id: a for a in asset_list}
    policy = request.policy
    _check_policy(policy, accounts)
    for acc in account_list:
        _dec(f"accounts[{acc.id}].cash", acc.cash, non_negative=True)
    for asset in asset_list:
        _dec(f"assets[{asset.id}].quantity_step", asset.quantity_step, positive=True)

    target = request.target
    class_mode = bool(target.classes)
    if class_mode == bool(target.assets):
        raise RebalanceError("give target weights over assets or over classes (exactly one)", field="target")
    if class_mode:
        validate_weights(target.classes, what="target.classes")
        wanted = set(target.exposures)
    else:
        validate_weights(target.assets, what="target.assets")
        wanted = set(target.assets)
    unknown = sorted(wanted - set(assets))
    if unknown:
        raise RebalanceError(f"names assets not in `assets`: {unknown}", field="target")

    held: set[int] = set()
    lot_ids: set[str] = set()
    for lot in request.lots:
        quantity, basis = lot.quantity, lot.basis
        if (  # one cheap test per lot; the slow path says what is wrong
            lot.lot_id in lot_ids
            or lot.account not in accounts
            or lot.asset not in assets
            or not isinstance(quantity, Decimal)
            or not isinstance(basis, Decimal)
            or not quantity.is_finite()
            or not basis.is_finite()
            or quantity <= 0
            or basis < 0
        ):
            _lot_error(lot, lot_ids, accounts, assets)
        lot_ids.add(lot.lot_id)
        held.add(lot.asset)
    asset_ids = [a.id for a in asset_list if a.id in held or a.id in wanted]
    if class_mode:
        validate_exposures(target.exposures, target.classes, asset_ids)

    prices: dict[int, Decimal] = {}
    for aid in asset_ids:
        if aid not in request.prices:
            raise RebalanceError(f"no price for {assets[aid].symbol}", field=f"prices[{aid}]")
        prices[aid] = _dec(f"prices[{aid}]", request.prices[aid], positive=True)

    # Wash-sale windows: 30 days either side of the trade date.
    bought_recently: dict[int, date] = {}
    for trade in request.recent_purchases:
        if trade.asset in assets and assets[trade.asset].security and abs(trade.date - as_of) <= WASH_WINDOW:
            bought_recently[trade.asset] = max(trade.date, bought_recently.get(trade.asset, trade.date))
    for lot in request.lots:
        if assets[lot.asset].security and as_of - WASH_WINDOW <= lot.acquired <= as_of:
            bought_recently[lot.asset] = max(lot.acquired, bought_recently.get(lot.asset, lot.acquired))
    buy_blocked: dict[int, RecentTrade] = {}
    for trade in request.recent_loss_sales:
        if trade.asset in assets and assets[trade.asset].security and abs(trade.date - as_of) <= WASH_WINDOW:
            if trade.loss is not None:
                _dec("recent_loss_sales.loss", trade.loss)
            known = buy_blocked.get(trade.asset)
            if known is None or trade.date > known.date:
                buy_blocked[trade.asset] = trade

    holdings: dict[tuple[int, int], Holding] = {}
    values = dict.fromkeys(asset_ids, ZERO)
    is_taxable = {a.id: a.taxable for a in account_list}
    long, short = Term.LONG, Term.SHORT
    with localcontext(WIDE):
        for lot in sorted(request.lots, key=_acquisition):
            quantity, aid = lot.quantity, lot.asset
            value = quantity * prices[aid]
            turns = lot.long_term_from
            term = long if turns is None or as_of >= turns else short
            gain = value - lot.basis
            unit_basis = ORDER.divide(lot.basis, quantity)
            category = 0 if gain < 0 else (1 if term is long else 2)
            view = LotView(
                lot,
                quantity,
                term,
                unit_basis,
                gain,
                is_taxable[lot.account] and gain < 0 and aid in bought_recently,
                (category, -unit_basis, lot.acquired, lot.lot_id),
            )
            key = (lot.account, aid)
            holding = holdings.get(key)
            if holding is None:
                holding = holdings[key] = Holding(accounts[lot.account], assets[aid])
            holding.lots.append(view)
            holding.quantity += quantity
            holding.value += value
            values[aid] += value
        for holding in holdings.values():
            if holding.account.tradable:
                holding.open_lots = [view for view in holding.lots if not view.blocked]
                holding.open_quantity = sum((view.quantity for view in holding.open_lots), ZERO)
        invested = sum(values.values(), ZERO)
        # Trades cannot be finer than a step of each asset, and cash is counted to the cent per account.
        tolerance = sum((assets[a].quantity_step * prices[a] for a in asset_ids), ZERO)
        tolerance += MONEY * (len(account_list) + 1)

    buckets: list[Bucket] = []
    if class_mode:
        for name, weight in target.classes.items():
            exposure = {a: target.exposures[a].get(name, ZERO) for a in asset_ids}
            low, high = _band(weight, policy, f"target.classes[{name}]")
            buckets.append(Bucket(name, None, name, weight, low, high, exposure))
    else:
        for aid in asset_ids:
            weight = target.assets.get(aid, ZERO)
            low, high = _band(weight, policy, f"target.assets[{aid}]")
            buckets.append(Bucket(str(aid), aid, assets[aid].symbol, weight, low, high, {aid: Decimal(1)}))

    flow = _dec("cash_flow", request.cash_flow)
    flow_account = request.cash_flow_account
    if flow_account is not None and flow_account not in accounts:
        raise RebalanceError(f"unknown account {flow_account}", field="cash_flow_account")
    if flow and flow_account is None:
        tradable = [a for a in account_list if a.tradable]
        taxable = [a for a in tradable if a.taxable]
        if not tradable:
            raise RebalanceError("a contribution or withdrawal needs a tradable account", field="cash_flow")
        flow_account = (taxable or tradable)[0].id
    if flow and flow_account is not None and not accounts[flow_account].tradable:
        raise RebalanceError("cash cannot flow through an account that is not tradable", field="cash_flow")
    cash_before = {a.id: a.cash for a in account_list}
    cash = dict(cash_before)
    if flow and flow_account is not None:
        cash[flow_account] += flow

    realized = request.realized
    _dec("realized.short_term", realized.short_term)
    _dec("realized.long_term", realized.long_term)
    problem = Problem(
        as_of=as_of,
        policy=policy,
        accounts=accounts,
        assets=assets,
        asset_ids=asset_ids,
        prices=prices,
        holdings=holdings,
        values=values,
        invested=invested,
        buckets=buckets,
        class_mode=class_mode,
        cash_before=cash_before,
        cash=cash,
        flow_account=flow_account,
        cash_flow=flow,
        reserve=ZERO,
        spare_before=ZERO,
        costs={a.id: policy.costs_for(a.id) for a in account_list},
        buy_blocked=buy_blocked,
        bought_recently=bought_recently,
        realized_short=realized.short_term,
        realized_long=realized.long_term,
        tolerance=tolerance,
        time_limit=solver_float(request.time_limit),
    )
    problem.reserve = min(policy.cash_reserve, max(ZERO, problem.tradable_cash()))
    cash_now = sum((a.cash for a in account_list if a.tradable), ZERO)
    problem.spare_before = max(ZERO, cash_now - policy.cash_reserve)
    _check_withdrawal(problem)
    return problem


def raisable(problem: Problem, account: int) -> Decimal:
    """Cash that selling everything sellable in `account` would bring, after costs and the minimum trade."""
    if problem.policy.buy_only or not problem.accounts[account].tradable:
        return ZERO
    rate = problem.cost_rate(account)
    fixed = problem.costs[account].fee_fixed
    total = ZERO
    with localcontext(WIDE):
        for holding in problem.holdings.values():
            if holding.account.id != account:
                continue
            value = holding.open_quantity * problem.prices[holding.asset.id]
            if value > 0 and value >= problem.policy.min_trade:
                total += max(ZERO, value * (1 - rate) - fixed)
    return total


def _check_withdrawal(problem: Problem) -> None:
    for account, cash in problem.cash.items():
        if cash >= 0:
            continue
        can_raise = raisable(problem, account)
        if cash + can_raise < 0:
            label = problem.accounts[account].label
            how = (
                "buy-only mode never sells" if problem.policy.buy_only else f"sales can raise {can_raise:.2f}"
            )
            raise RebalanceError(
                f"the withdrawal needs {-cash:.2f} more than {label} holds in cash, and {how}",
                field="cash_flow",
            )
