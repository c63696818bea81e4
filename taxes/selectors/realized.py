"""Realized gains of a tax year, per portfolio view, and the years there are."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from portfolios.decimals import WIDE
from portfolios.models import Portfolio, Transaction, User
from portfolios.models.ledger import INCOME_TYPES
from taxes.models import Disposal, IncomeRecord, LedgerStatus, NonTaxableTransfer

ZERO = Decimal(0)


@dataclass
class TermTotals:
    proceeds: Decimal = ZERO
    cost_basis: Decimal = ZERO
    adjustments: Decimal = ZERO
    gain: Decimal = ZERO


@dataclass
class DisposalRow:
    portfolio: str
    account: str
    asset: str
    acquired: str
    disposed: str
    quantity: Decimal
    proceeds: Decimal
    cost_basis: Decimal
    adjustment: Decimal
    gain: Decimal
    term: str
    kind: str


@dataclass
class AdvantagedActivity:
    """Disposals inside a tax-advantaged account: listed for completeness, not taxable events."""

    account: str
    tax_treatment: str
    disposals: int = 0
    proceeds: Decimal = ZERO


@dataclass
class DistributionRow:
    """Assets that left a tax-advantaged account: into a taxable one (a distribution, for the owner to
    reconcile with the custodian's 1099-R) or into a Roth (a conversion). Not capital gains."""

    kind: str  # distribution, conversion
    account: str
    tax_treatment: str
    asset: str
    date: str
    quantity: Decimal
    value: Decimal


@dataclass
class RealizedYear:
    year: int
    short_term: TermTotals = field(default_factory=TermTotals)
    long_term: TermTotals = field(default_factory=TermTotals)
    income_total: Decimal = ZERO
    income_by_kind: dict[str, Decimal] = field(default_factory=dict)
    disposals: list[DisposalRow] = field(default_factory=list)
    tax_advantaged: list[AdvantagedActivity] = field(default_factory=list)
    distributions: list[DistributionRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def user_portfolios(*, user: User, name: str | None = None) -> list[Portfolio]:
    qs = Portfolio.objects.filter(owner=user)
    if name:
        qs = qs.filter(name=name)
    return list(qs)


def realized_for_year(*, portfolios: list[Portfolio], year: int) -> RealizedYear:
    """Realized gains and ordinary income of a tax year (tax dates in the owner's time zone).

    Taxable accounts make the totals; tax-advantaged accounts are listed apart with their activity.
    """
    # Sums of exact 18-place amounts can need more than the default context's 28 digits.
    with localcontext(WIDE):
        return _realized_for_year(portfolios=portfolios, year=year)


def _realized_for_year(*, portfolios: list[Portfolio], year: int) -> RealizedYear:
    out = RealizedYear(year=year)
    for status in LedgerStatus.objects.filter(portfolio__in=portfolios).exclude(error=""):
        out.problems.append(f"{status.portfolio.name}: the ledger could not be computed: {status.error}")
    disposals = (
        Disposal.objects.filter(portfolio__in=portfolios, disposed__year=year)
        .select_related("account", "asset", "portfolio")
        .order_by("disposed", "event_timestamp", "transaction_id", "id")
    )
    advantaged: dict[int, AdvantagedActivity] = {}
    for d in disposals:
        if not d.taxable:
            entry = advantaged.setdefault(
                d.account_id,
                AdvantagedActivity(account=d.account.name, tax_treatment=d.account.tax_treatment),
            )
            entry.disposals += 1
            entry.proceeds += d.proceeds
            continue
        totals = out.long_term if d.term == "long" else out.short_term
        totals.proceeds += d.proceeds
        totals.cost_basis += d.basis
        totals.adjustments += d.wash_disallowed
        totals.gain += d.gain
        out.disposals.append(
            DisposalRow(
                portfolio=d.portfolio.name,
                account=d.account.name,
                asset=d.asset.symbol,
                acquired=d.acquired.isoformat(),
                disposed=d.disposed.isoformat(),
                quantity=d.quantity,
                proceeds=d.proceeds,
                cost_basis=d.basis,
                adjustment=d.wash_disallowed,
                gain=d.gain,
                term=d.term,
                kind=d.kind,
            )
        )
    by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for income_kind in sorted(INCOME_TYPES):
        by_kind[str(income_kind)] = ZERO
    income = IncomeRecord.objects.filter(portfolio__in=portfolios, date__year=year, taxable=True)
    for kind, value in income.values_list("kind", "value"):
        by_kind[kind] += value
    out.income_by_kind = dict(by_kind)
    out.income_total = sum(by_kind.values(), ZERO)
    out.tax_advantaged = list(advantaged.values())
    moved_out = (
        NonTaxableTransfer.objects.filter(
            portfolio__in=portfolios, date__year=year, kind__in=("distribution", "conversion")
        )
        .select_related("account", "asset")
        .order_by("date", "event_timestamp", "transaction_id", "id")
    )
    merged: dict[int, DistributionRow] = {}
    for t in moved_out:
        row = merged.get(t.transaction_id)
        if row is None:
            merged[t.transaction_id] = DistributionRow(
                kind=t.kind,
                account=t.account.name,
                tax_treatment=t.account.tax_treatment,
                asset=t.asset.symbol,
                date=t.date.isoformat(),
                quantity=t.quantity,
                value=t.fair_value,
            )
        else:  # one row per transaction, whatever the number of lots it drew on
            row.quantity += t.quantity
            row.value += t.fair_value
    out.distributions = list(merged.values())
    return out


def realized_years(*, portfolio: Portfolio, today_year: int) -> list[int]:
    """Every tax year from the portfolio's first transaction to this one (a year with only income, or with
    nothing yet, can be chosen too), newest first."""
    first = (
        Transaction.objects.filter(portfolio=portfolio)
        .order_by("timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
    start = min(first.year, today_year) if first else today_year
    return list(range(today_year, start - 1, -1))


def last_disposal_year(*, portfolio: Portfolio) -> int | None:
    """The latest tax year with a disposal: what the Realized page opens on."""
    last = (
        Disposal.objects.filter(portfolio=portfolio).order_by("-disposed").values_list("disposed", flat=True)
    )
    day = last.first()
    return day.year if day else None
