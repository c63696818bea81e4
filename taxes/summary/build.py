"""Building a year's tax summary from the stored engine output (all of the owner's taxable accounts)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, localcontext
from importlib import metadata

from django.utils import timezone

from portfolios.decimals import WIDE, exact_text
from portfolios.models import Account, Asset, Portfolio, PriceQuote, Transaction, User
from portfolios.models.ledger import DIGITAL_CLASSES, INCOME_TYPES
from taxes import rules
from taxes.models import Disposal, IncomeRecord, LedgerStatus, NonTaxableTransfer, TaxProfile
from taxes.summary.types import (
    ZERO,
    BoxTotals,
    Form8949Row,
    GivenAway,
    MovedOut,
    ProfileUsed,
    YearSummary,
    printed,
)

# Investment income for NIIT among the income kinds (interest-like); staking and mining rewards are
# treated as ordinary income only.
INVESTMENT_KINDS = frozenset({"interest", "lending"})


def lotwise_version() -> str:
    try:
        return metadata.version("lotwise")
    except metadata.PackageNotFoundError:
        return "unknown"


def _profile(owner: User, year: int) -> tuple[TaxProfile | None, ProfileUsed]:
    profile = TaxProfile.objects.filter(owner=owner, year=year).first()
    if profile is None:
        return None, ProfileUsed("single", ZERO, "", ZERO, assumed=True)
    return profile, ProfileUsed(
        profile.filing_status, profile.other_ordinary_income, profile.state, profile.state_rate, assumed=False
    )


def printed_net_by_year(owner: User, before: int) -> dict[int, tuple[Decimal, Decimal]]:
    """Each earlier year's short- and long-term net of the whole return, summed from printed rows."""
    out: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    rows = Disposal.objects.filter(
        portfolio__owner=owner, taxable=True, disposed__year__lt=before
    ).values_list("disposed", "term", "proceeds", "basis", "wash_disallowed")
    for disposed, term, proceeds, basis, adjustment in rows:
        gain = printed(proceeds) - printed(basis) + printed(adjustment)
        out[disposed.year][0 if term == "short" else 1] += gain
    return {y: (v[0], v[1]) for y, v in out.items()}


def _ordinary_income(owner: User, year: int) -> tuple[Decimal, Decimal]:
    """Taxable income records and conversions of a year: (ordinary income, the investment part)."""
    total = investment = ZERO
    for kind, value in IncomeRecord.objects.filter(
        portfolio__owner=owner, date__year=year, taxable=True
    ).values_list("kind", "value"):
        total += value
        if kind in INVESTMENT_KINDS:
            investment += value
    for value in NonTaxableTransfer.objects.filter(
        portfolio__owner=owner, date__year=year, kind="conversion"
    ).values_list("fair_value", flat=True):
        total += value
    return total, investment


def estimate_for(
    owner: User, year: int, short: Decimal, long: Decimal, carry: rules.Carryover
) -> tuple[rules.TaxEstimate, ProfileUsed]:
    _, used = _profile(owner, year)
    income, investment = _ordinary_income(owner, year)
    est = rules.estimate(
        year,
        used.filing_status,
        ordinary_income=used.other_ordinary_income + income,
        short_term_net=short,
        long_term_net=long,
        ordinary_investment_income=investment,
        carryover=carry,
    )
    return est, used


def carryover_into(owner: User, year: int, notes: list[str]) -> tuple[rules.Carryover, str]:
    """The capital loss carried into `year`: the tax profile's figure for the first year Lotwise knows, then
    the Capital Loss Carryover Worksheet year by year from Lotwise's own figures."""
    first_table = min(rules.available_years())
    by_year = printed_net_by_year(owner, year)
    profile_years = sorted(
        y
        for y in TaxProfile.objects.filter(owner=owner, year__lte=year)
        .exclude(carryforward_short=0, carryforward_long=0)
        .values_list("year", flat=True)
    )
    known = sorted({*by_year, *profile_years})
    start = max(min(known, default=year), first_table)
    if any(y < first_table for y in by_year):
        notes.append(
            f"Sales before {first_table} are outside the tax tables here: enter any capital loss carried into "
            f"{first_table} in that year's tax profile."
        )
    profile, _ = _profile(owner, start)
    carry = rules.NO_CARRYOVER
    source = "none"
    if profile is not None and (profile.carryforward_short or profile.carryforward_long):
        carry = rules.Carryover(profile.carryforward_short, profile.carryforward_long)
        source = f"tax profile {start}"
    for later in profile_years:
        if later > start:
            notes.append(
                f"The carryforward entered for {later} is not used: Lotwise carries it forward from its own "
                f"figures since {start}."
            )
    for y in range(start, year):
        short, long = by_year.get(y, (ZERO, ZERO))
        est, _ = estimate_for(owner, y, short, long, carry)
        carry = est.schedule_d.carryover_out
        source = f"computed from {y}"
    return carry, source


def year_summary(*, owner: User, year: int, portfolio: Portfolio | None = None) -> YearSummary:
    """The year-end summary of `owner`'s return for `year`. With `portfolio`, the rows, income and gifts are
    that portfolio's (a view); Schedule D, the carryforward and the estimate are always the whole return's."""
    with localcontext(WIDE):
        return _year_summary(owner=owner, year=year, portfolio=portfolio)


def _year_summary(*, owner: User, year: int, portfolio: Portfolio | None) -> YearSummary:
    portfolios = [portfolio] if portfolio is not None else list(Portfolio.objects.filter(owner=owner))
    problems = [
        f"{s.portfolio.name}: the ledger could not be computed: {s.error}"
        for s in LedgerStatus.objects.filter(portfolio__owner=owner)
        .exclude(error="")
        .select_related("portfolio")
    ]
    notes: list[str] = []
    if year < min(rules.available_years()) or year > max(rules.available_years()):
        raise rules.TaxRulesError(
            f"no federal tax tables for {year}; years available: "
            + ", ".join(str(y) for y in rules.available_years()),
            field="year",
        )

    rows: list[Form8949Row] = []
    boxes: dict[str, BoxTotals] = {}
    # Plain tuples rather than model instances: a large year has 100k rows.
    account_info = {
        pk: (name, reporting, pname)
        for pk, name, reporting, pname in Account.objects.filter(portfolio__in=portfolios).values_list(
            "pk", "name", "reporting", "portfolio__name"
        )
    }
    disposals = (
        Disposal.objects.filter(portfolio__in=portfolios, taxable=True, disposed__year=year)
        .order_by("disposed", "event_timestamp", "transaction_id", "id")
        .values_list(
            "account_id",
            "asset_id",
            "term",
            "quantity",
            "acquired",
            "disposed",
            "proceeds",
            "basis",
            "wash_disallowed",
            "gain",
        )
    )
    asset_info = {
        pk: (symbol, asset_class in DIGITAL_CLASSES)
        for pk, symbol, asset_class in Asset.objects.filter(
            pk__in=Disposal.objects.filter(portfolio__in=portfolios, disposed__year=year).values("asset_id")
        ).values_list("pk", "symbol", "asset_class")
    }
    box_of: dict[tuple[str, bool, str], BoxTotals] = {}
    whole_short = whole_long = ZERO
    for account_id, asset_id, term, quantity, acquired, disposed, proceeds, basis, wash, gain in disposals:
        account, reporting, portfolio_name = account_info[account_id]
        symbol, digital = asset_info[asset_id]
        totals = box_of.get((term, digital, reporting))
        if totals is None:
            box = rules.form_8949_box(tax_year=year, term=term, is_digital_asset=digital, reporting=reporting)
            totals = boxes.get(box.value)
            if totals is None:
                totals = boxes[box.value] = BoxTotals(box.value, term, rules.schedule_d_line(box))
            box_of[(term, digital, reporting)] = totals
        row = Form8949Row(
            box=totals.box,
            part=term,
            description=f"{exact_text(quantity)} {symbol}",
            acquired=acquired,
            sold=disposed,
            proceeds=proceeds,
            cost=basis,
            code="W" if wash else "",
            adjustment=wash,
            gain=gain,
            portfolio=portfolio_name,
            account=account,
            asset=symbol,
            quantity=quantity,
            is_digital_asset=digital,
        )
        rows.append(row)
        totals.printed.add(row.printed_proceeds, row.printed_cost, row.printed_adjustment, row.printed_gain)
        totals.exact.add(proceeds, basis, wash, gain)

    # Schedule D is the whole return's, from printed rows, whatever the view.
    if portfolio is None:
        for b in boxes.values():
            if b.part == "short":
                whole_short += b.printed.gain
            else:
                whole_long += b.printed.gain
    else:
        for term, proceeds, basis, adjustment in Disposal.objects.filter(
            portfolio__owner=owner, taxable=True, disposed__year=year
        ).values_list("term", "proceeds", "basis", "wash_disallowed"):
            gain = printed(proceeds) - printed(basis) + printed(adjustment)
            if term == "short":
                whole_short += gain
            else:
                whole_long += gain
        notes.append(
            f"This is a view of the portfolio “{portfolio.name}”; Schedule D, the carryforward and the "
            "estimate are those of the whole return (all your portfolios)."
        )

    carry, carry_source = carryover_into(owner, year, notes)
    estimate, used = estimate_for(owner, year, whole_short, whole_long, carry)

    by_kind: dict[str, Decimal] = {str(k): ZERO for k in sorted(INCOME_TYPES)}
    by_month: dict[str, Decimal] = {f"{year}-{m:02d}": ZERO for m in range(1, 13)}
    investment = ZERO
    for kind, day, value in IncomeRecord.objects.filter(
        portfolio__in=portfolios, date__year=year, taxable=True
    ).values_list("kind", "date", "value"):
        by_kind[kind] = by_kind.get(kind, ZERO) + value
        by_month[f"{day:%Y-%m}"] += value
        if kind in INVESTMENT_KINDS:
            investment += value

    given: list[GivenAway] = []
    moved: list[MovedOut] = []
    for t in (
        NonTaxableTransfer.objects.filter(portfolio__in=portfolios, date__year=year)
        .select_related("account", "asset")
        .order_by("date", "event_timestamp", "transaction_id", "id")
    ):
        if t.kind in ("donation", "gift_sent"):
            given.append(
                GivenAway(
                    t.kind,
                    t.date,
                    t.account.name,
                    t.asset.symbol,
                    t.quantity,
                    t.basis,
                    t.fair_value,
                    t.term,
                    t.deduction,
                )
            )
        else:
            moved.append(MovedOut(t.kind, t.date, t.account.name, t.asset.symbol, t.quantity, t.fair_value))

    taxable_for_state = max(estimate.taxable_income, ZERO)
    accounts = (
        Account.objects.filter(portfolio__in=portfolios)
        .select_related("portfolio")
        .order_by("portfolio__name", "name")
    )
    asset_ids = Transaction.objects.filter(portfolio__in=portfolios).exclude(asset=None).values("asset_id")
    sources = sorted(set(PriceQuote.objects.filter(asset_id__in=asset_ids).values_list("source", flat=True)))
    status = LedgerStatus.objects.filter(portfolio__in=portfolios).exclude(computed_at=None)
    computed = max((s.computed_at for s in status if s.computed_at), default=None)
    if used.assumed:
        notes.append(
            f"No tax profile for {year}: the estimate assumes a single filer with no other income and no "
            "state tax. Enter your profile for a useful estimate."
        )
    return YearSummary(
        owner=owner.username,
        year=year,
        portfolio=portfolio.name if portfolio is not None else None,
        rows=rows,
        boxes=sorted(boxes.values(), key=lambda b: b.box),
        schedule_d=estimate.schedule_d,
        carryover_source=carry_source,
        income_by_kind=by_kind,
        income_by_month=by_month,
        income_total=sum(by_kind.values(), ZERO),
        investment_income=investment,
        given_away=given,
        moved_out=moved,
        conversions_total=sum((m.value for m in moved if m.kind == "conversion"), ZERO),
        estimate=estimate,
        state_estimate=(taxable_for_state * used.state_rate).quantize(Decimal("0.01")),
        profile=used,
        basis_methods={
            (
                f"{a.portfolio.name} / {a.name}" if len(portfolios) > 1 else a.name
            ): a.get_basis_method_display()
            for a in accounts
        },
        price_sources=["ledger unit prices (fair values as recorded)", *sources],
        computed_at=computed,
        generated_at=timezone.now(),
        version=lotwise_version(),
        problems=problems,
        notes=notes,
    )


def summary_years(*, owner: User, today: date) -> list[int]:
    """Tax years to offer: every year from the first transaction to this one that has tax tables."""
    first = (
        Transaction.objects.filter(portfolio__owner=owner)
        .order_by("timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
    start = first.year if first else today.year
    years = [y for y in range(start, today.year + 1) if y in rules.available_years()]
    return sorted(years, reverse=True) or [max(rules.available_years())]
