"""What the owner reads: weights, bands, reasons and flags around the chosen trades."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, localcontext

from .evaluate import Candidate
from .model import LONG_TERM_SOON, MONEY, WEIGHT, WIDE, Bucket, Problem
from .types import (
    ZERO,
    Band,
    Comparison,
    Flag,
    FlagCode,
    Method,
    Proposal,
    Side,
    Term,
    Totals,
    Trade,
)


def pct(weight: Decimal) -> str:
    text = format((weight * 100).quantize(Decimal("0.1")), "f")
    return f"{text.removesuffix('.0')}%"


def _money(amount: Decimal) -> str:
    return format(amount.quantize(MONEY), ",f")


def asset_weights(problem: Problem, values: Mapping[int, Decimal], spare: Decimal) -> dict[int, Decimal]:
    with localcontext(WIDE):
        total = sum(values.values(), ZERO) + spare
        return {a: (values[a] / total).quantize(WEIGHT) if total else ZERO for a in problem.asset_ids}


def class_weights(problem: Problem, values: Mapping[int, Decimal], spare: Decimal) -> dict[str, Decimal]:
    if not problem.class_mode:
        return {}
    with localcontext(WIDE):
        total = sum(values.values(), ZERO) + spare
        return {
            b.key: (problem.bucket_value(b, values) / total).quantize(WEIGHT) if total else ZERO
            for b in problem.buckets
        }


def _weight(problem: Problem, bucket: Bucket, values: Mapping[int, Decimal], spare: Decimal) -> Decimal:
    with localcontext(WIDE):
        total = sum(values.values(), ZERO) + spare
        return problem.bucket_value(bucket, values) / total if total else ZERO


def _band_text(bucket: Bucket) -> str:
    return f"its band {pct(bucket.low)} to {pct(bucket.high)} (target {pct(bucket.target)})"


def reasons_before(problem: Problem) -> list[str]:
    reasons = []
    for bucket in problem.buckets:
        if problem.outside(bucket, problem.values, problem.spare_before):
            weight = _weight(problem, bucket, problem.values, problem.spare_before)
            side = "above" if weight > bucket.high else "below"
            reasons.append(f"{bucket.label} is {pct(weight)}, {side} {_band_text(bucket)}.")
    if problem.cash_flow and problem.flow_account is not None:
        label = problem.accounts[problem.flow_account].label
        if problem.cash_flow > 0:
            reasons.append(f"A contribution of {_money(problem.cash_flow)} to {label} is invested.")
        else:
            reasons.append(f"A withdrawal of {_money(-problem.cash_flow)} from {label} is raised.")
    return reasons


def _unmet_reason(problem: Problem, bucket: Bucket, over: bool, trades: list[Trade]) -> str:
    assets = [a for a, share in bucket.exposure.items() if share > 0]
    symbols = ", ".join(problem.assets[a].symbol for a in assets)
    policy = problem.policy
    if over:
        holdings = [h for a in assets for h in problem.asset_holdings(a)]
        if policy.buy_only:
            return "buy-only mode never sells, and there is not enough cash to buy the rest up to it"
        locked = sorted({h.account.label for h in holdings if not h.account.tradable})
        if holdings and len(locked) == len({h.account.id for h in holdings}):
            return f"{symbols} is held only where it cannot be sold ({', '.join(locked)})"
        sellable = sum((h.open_quantity for h in holdings), ZERO)
        sold = sum((t.quantity for t in trades if t.side is Side.SELL and t.asset in assets), ZERO)
        blocked = [v for h in holdings if h.account.tradable for v in h.lots if v.blocked]
        if sellable - sold <= 0 and locked:
            return (
                f"all of {symbols} that can be sold is sold, and the rest is held where it cannot be sold "
                f"({', '.join(locked)})"
            )
        if sellable - sold <= 0 and blocked:
            bought = max(problem.bought_recently[v.lot.asset] for v in blocked)
            return (
                f"the lots that are left would be sold at a loss within 30 days of a purchase "
                f"(on {bought.isoformat()}), a wash sale"
            )
    else:
        tradable = [k for k, acc in problem.accounts.items() if acc.tradable]
        if not any(problem.can_buy(k, a) for k in tradable for a in assets):
            return f"{symbols} cannot be bought in any account that trades"
        if policy.buy_only:
            return f"buy-only mode has only {_money(max(ZERO, problem.investable()))} of cash to buy with"
    if policy.min_trade > 0:
        return (
            f"the trades that would fix it are not possible with a minimum trade of {_money(policy.min_trade)}"
            ", the cash in each account and what each account can buy"
        )
    return "the cash in each account and what each account can buy or sell do not allow it"


def unmet_flags(
    problem: Problem, values: Mapping[int, Decimal], spare: Decimal, trades: list[Trade]
) -> list[Flag]:
    flags = []
    for bucket in problem.buckets:
        if not problem.outside(bucket, values, spare):
            continue
        weight = _weight(problem, bucket, values, spare)
        over = weight > bucket.high
        reason = _unmet_reason(problem, bucket, over, trades)
        flags.append(
            Flag(
                FlagCode.BANDS_UNMET,
                f"The bands cannot be met: {bucket.label} would be {pct(weight)}, outside "
                f"{_band_text(bucket)}, because {reason}.",
                asset=bucket.asset,
                bucket=None if bucket.asset is not None else bucket.key,
            )
        )
    return flags


def _trade_flags(problem: Problem, trades: list[Trade]) -> tuple[list[Trade], list[Flag]]:
    rates = problem.policy.tax_rates
    flags: list[Flag] = []
    out: list[Trade] = []
    for trade in trades:
        symbol = problem.assets[trade.asset].symbol
        account = problem.accounts[trade.account]
        if trade.side is Side.SELL and account.taxable:
            for sale in trade.lots:
                turns = sale.long_term_from
                if sale.term is not Term.SHORT or sale.gain <= 0 or turns is None:
                    continue
                if turns - problem.as_of > LONG_TERM_SOON:
                    continue
                saved = (sale.gain * (rates.short - rates.long)).quantize(MONEY)
                days = (turns - problem.as_of).days
                flags.append(
                    Flag(
                        FlagCode.LONG_TERM_SOON,
                        f"Lot {sale.lot_id} of {symbol} in {account.label} turns long-term on "
                        f"{turns.isoformat()}, in {days} days: selling it then instead would save about "
                        f"{_money(saved)} of tax.",
                        asset=trade.asset,
                        account=trade.account,
                        lot_id=sale.lot_id,
                        date=turns,
                        amount=saved,
                    )
                )
        blocked = problem.buy_blocked.get(trade.asset)
        if trade.side is Side.BUY and blocked is not None:
            loss = f" of {_money(blocked.loss)}" if blocked.loss is not None else ""
            fate = (
                "added to the new lot's basis"
                if account.taxable
                else "lost for good (the buy is in a tax-advantaged account)"
            )
            note = (
                f"Wash sale: {symbol} was sold at a loss on {blocked.date.isoformat()}; buying it within 30 days "
                f"disallows that loss{loss}, which is {fate}. It is the only way back into the band."
            )
            trade = replace(trade, notes=(*trade.notes, note))
            flags.append(
                Flag(
                    FlagCode.WASH_SALE_BUY,
                    note,
                    asset=trade.asset,
                    account=trade.account,
                    date=blocked.date,
                    amount=blocked.loss,
                )
            )
        out.append(trade)
    return out, flags


def _blocked_flags(problem: Problem, trades: list[Trade]) -> list[Flag]:
    sold = {t.asset for t in trades if t.side is Side.SELL}
    over = {
        a
        for b in problem.buckets
        if problem.outside(b, problem.values, problem.spare_before)
        and _weight(problem, b, problem.values, problem.spare_before) > b.high
        for a, share in b.exposure.items()
        if share > 0
    }
    flags = []
    for asset in problem.asset_ids:
        if asset not in sold and asset not in over:
            continue
        blocked = [
            v for h in problem.asset_holdings(asset) if h.account.tradable for v in h.lots if v.blocked
        ]
        if not blocked:
            continue
        bought = problem.bought_recently[asset]
        symbol = problem.assets[asset].symbol
        flags.append(
            Flag(
                FlagCode.WASH_SALE_BLOCKED,
                f"{len(blocked)} lot(s) of {symbol} at a loss are not sold: {symbol} was bought on "
                f"{bought.isoformat()}, within 30 days, so selling them at a loss would be a wash sale.",
                asset=asset,
                date=bought,
            )
        )
    return flags


def build_proposal(
    problem: Problem,
    candidate: Candidate | None,
    reasons: list[str],
    flags: list[Flag],
    comparison: Comparison | None,
) -> Proposal:
    values_after = candidate.values_after if candidate is not None else problem.values
    spare_after = candidate.spare_after if candidate is not None else problem.spare_before
    cash_after = candidate.cash_after if candidate is not None else dict(problem.cash)
    trades: list[Trade] = list(candidate.trades) if candidate is not None else []
    totals = candidate.totals if candidate is not None else Totals()
    trades, trade_flags = _trade_flags(problem, trades)
    flags = [*flags, *trade_flags, *_blocked_flags(problem, trades)]
    if candidate is not None:
        flags.extend(unmet_flags(problem, values_after, spare_after, trades))
        own = sum((t.estimated_tax for t in trades), ZERO)
        if own != totals.estimated_tax:
            flags.append(
                Flag(
                    FlagCode.NETTING,
                    f"The estimated tax of {_money(totals.estimated_tax)} nets the proposal's gains and losses "
                    f"with each other and with this year's realized gains; the trades' own estimates sum to "
                    f"{_money(own)}.",
                    amount=totals.estimated_tax,
                )
            )
        if trades and spare_after > max(problem.policy.min_trade, Decimal(1)):
            flags.append(
                Flag(
                    FlagCode.CASH_LEFT,
                    f"{_money(spare_after)} of cash above the reserve stays uninvested (fees, minimum trades or what "
                    "each account can buy leave it there).",
                    amount=spare_after.quantize(MONEY),
                )
            )
    bands = {b.asset: Band(b.target, b.low, b.high) for b in problem.buckets if b.asset is not None}
    class_bands = {b.key: Band(b.target, b.low, b.high) for b in problem.buckets if b.asset is None}
    return Proposal(
        as_of=problem.as_of,
        trades=tuple(trades),
        reasons=tuple(reasons),
        flags=tuple(flags),
        weights_before=asset_weights(problem, problem.values, problem.spare_before),
        weights_after=asset_weights(problem, values_after, spare_after),
        bands=bands,
        class_weights_before=class_weights(problem, problem.values, problem.spare_before),
        class_weights_after=class_weights(problem, values_after, spare_after),
        class_bands=class_bands,
        cash_before=dict(problem.cash_before),
        cash_after=cash_after,
        totals=totals,
        bands_met=not any(problem.outside(b, values_after, spare_after) for b in problem.buckets),
        method=candidate.method if candidate is not None and trades else Method.NONE,
        comparison=comparison,
    )
