"""The impact page's figures: the portfolio against holding still since the target was set.

Assumptions, said on the page: the counterfactual holds the quantities held at the end of the day the
target was first set, valued at each day's close; the portfolio's own line takes out the deposits and
withdrawals made after that day, so both start from the same value and neither is credited with new cash.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

from portfolios.decimals import WIDE
from portfolios.models import Portfolio, Transaction, ValuePoint
from portfolios.pricing.selectors import price_history
from rebalancing.models import ProposalStatus, RebalanceProposal, TargetVersion

ZERO = Decimal(0)
OUT = ("sell", "fee", "donation", "gift_sent")
IN = ("buy", "staking", "lending", "airdrop", "mining", "interest", "gift_received", "inheritance")


@dataclass
class Stats:
    end_value: Decimal | None = None
    total_return: Decimal | None = None
    volatility: Decimal | None = None  # annualised, from daily returns
    max_drawdown: Decimal | None = None


@dataclass
class Impact:
    start: date | None = None
    dates: list[str] = field(default_factory=list)
    actual: list[Decimal] = field(default_factory=list)
    hold: list[Decimal | None] = field(default_factory=list)
    actual_stats: Stats = field(default_factory=Stats)
    hold_stats: Stats = field(default_factory=Stats)
    turnover: Decimal = ZERO
    taxes: Decimal = ZERO
    accepted: int = 0


def _stats(values: list[Decimal]) -> Stats:
    if not values:
        return Stats()
    out = Stats(end_value=values[-1])
    if values[0]:
        out.total_return = values[-1] / values[0] - 1
    returns = [b / a - 1 for a, b in itertools.pairwise(values) if a]
    if len(returns) > 1:
        mean = sum(returns, ZERO) / len(returns)
        var = sum(((r - mean) ** 2 for r in returns), ZERO) / (len(returns) - 1)
        out.volatility = (var * 365).sqrt()
    peak, worst = values[0], ZERO
    for v in values:
        peak = max(peak, v)
        if peak:
            worst = min(worst, v / peak - 1)
    out.max_drawdown = worst
    return out


def _held_at(portfolio: Portfolio, day: date) -> dict[int, Decimal]:
    held: dict[int, Decimal] = defaultdict(Decimal)
    tz = portfolio.owner.tzinfo
    rows = Transaction.objects.filter(portfolio=portfolio).values_list(
        "type", "asset_id", "quantity", "counter_asset_id", "counter_quantity", "timestamp"
    )
    for typ, asset, qty, counter, counter_qty, ts in rows:
        if ts.astimezone(tz).date() > day or asset is None:
            continue
        if typ in IN:
            held[asset] += qty
        elif typ in OUT:
            held[asset] -= qty
        elif typ == "trade":
            held[asset] -= qty
            if counter is not None and counter_qty is not None:
                held[counter] += counter_qty
    return {a: q for a, q in held.items() if q > 0}


def impact_get(*, portfolio: Portfolio) -> Impact:
    first = TargetVersion.objects.filter(target__portfolio=portfolio).order_by("number").first()
    out = Impact()
    if first is None:
        return out
    tz = portfolio.owner.tzinfo
    out.start = first.created_at.astimezone(tz).date()
    points = list(ValuePoint.objects.filter(portfolio=portfolio, date__gte=out.start).order_by("date"))
    accepted = RebalanceProposal.objects.filter(portfolio=portfolio, status=ProposalStatus.ACCEPTED)
    for proposal in accepted:
        out.accepted += 1
        out.taxes += Decimal(proposal.totals.get("estimated_tax") or 0)
        # Turnover as recorded: what the owner says was executed, not what was proposed.
        for qty, price in Transaction.objects.filter(
            pk__in=proposal.trades.values("executed_id")
        ).values_list("quantity", "unit_price"):
            out.turnover += qty * (price or ZERO)
    if not points:
        return out
    held = _held_at(portfolio, out.start)
    closes = price_history(asset_ids=list(held), start=out.start, end=points[-1].date)
    base_deposits = points[0].net_deposits
    with localcontext(WIDE):
        for p in points:
            out.dates.append(p.date.isoformat())
            out.actual.append(p.value - (p.net_deposits - base_deposits))
            total: Decimal | None = ZERO
            for asset, qty in held.items():
                close = closes.get(asset, {}).get(p.date)
                if close is None:
                    total = None
                    break
                total = (total or ZERO) + qty * close
            out.hold.append(total)
        out.actual_stats = _stats(out.actual)
        out.hold_stats = _stats([v for v in out.hold if v is not None])
    return out
