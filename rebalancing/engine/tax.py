"""Tax estimates: a lot's term on the trade date, and the change in this year's tax after netting.

Netting follows the US rules: short-term gains and losses net, long-term gains and losses net; a net loss
on one side offsets a net gain on the other; a net capital loss offsets ordinary income (taxed at the
short-term rate) up to the yearly limit, and the rest carries forward (worth nothing this year).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .types import ZERO, RealizedGains, TaxRates, Term


def term_on(long_term_from: date | None, day: date) -> Term:
    """A sale on `day` is long-term from `long_term_from` on (None: long-term from the start)."""
    if long_term_from is None or day >= long_term_from:
        return Term.LONG
    return Term.SHORT


def rate_for(term: Term, rates: TaxRates) -> Decimal:
    return rates.long if term is Term.LONG else rates.short


def year_tax(short: Decimal, long: Decimal, rates: TaxRates) -> Decimal:
    """Tax on a year's net short-term and net long-term capital gains (negative: income tax saved)."""
    if short >= 0 and long >= 0:
        return rates.short * short + rates.long * long
    net = short + long
    if net < 0:
        return -rates.short * min(rates.loss_offset_limit, -net)
    if short < 0:  # a short-term loss offsets the long-term gain
        return rates.long * net
    return rates.short * net  # a long-term loss offsets the short-term gain


def proposal_tax(short: Decimal, long: Decimal, realized: RealizedGains, rates: TaxRates) -> Decimal:
    """How much this year's tax changes when the proposal adds `short` and `long` net gains."""
    before = year_tax(realized.short_term, realized.long_term, rates)
    after = year_tax(realized.short_term + short, realized.long_term + long, rates)
    return after - before


def tax_and_cost(estimated_tax: Decimal, fees: Decimal, slippage: Decimal) -> Decimal:
    """What a proposal costs the owner now: tax it adds (a saving counts as nothing, so that selling for a
    loss is never a reason to trade), fees and slippage."""
    return max(ZERO, estimated_tax) + fees + slippage
