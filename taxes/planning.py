"""This year's tax planning for one owner: losses to harvest and the year planner.

Reads the stored lots (valued at each portfolio's latest snapshot prices), this year's realized gains and
the tax profile, and asks `taxes.rules` what each move would change, by re-running the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext

from portfolios.decimals import WIDE
from portfolios.models import Portfolio, Transaction, User
from portfolios.models.ledger import SECURITY_CLASSES, TaxTreatment
from portfolios.selectors import snapshot_prices
from taxes import rules
from taxes.models import TaxLot
from taxes.summary.build import carryover_into, estimate_for, printed_net_by_year

ZERO = Decimal(0)
WASH_WINDOW = timedelta(days=30)
ACQUIRING = ("buy", "trade")  # purchases or exchanges (IRC §1091); income and gifts are not


@dataclass(frozen=True)
class HarvestRow:
    portfolio: str
    account: str
    asset: str
    lot_id: str
    origin_id: int
    portfolio_id: int
    account_id: int
    asset_id: int
    quantity: Decimal
    basis: Decimal
    value: Decimal
    loss: Decimal  # positive
    term: str
    acquired: date
    saving: Decimal  # estimated federal tax saved by selling this lot alone, now
    wash_rule: bool  # does §1091 apply to this asset here
    recent_purchase: date | None  # the latest purchase in the owner's accounts within 30 days
    clean_from: date | None  # the first day a sale no longer meets that purchase in the window


@dataclass
class Harvest:
    year: int
    rows: list[HarvestRow] = field(default_factory=list)
    total_loss: Decimal = ZERO
    total_saving: Decimal = ZERO  # all of them together (the $3,000 limit binds here)
    short_rate: Decimal = ZERO
    long_rate: Decimal = ZERO
    crypto_note: str = ""
    assumed_profile: bool = True
    unpriced: int = 0


def _estimate_now(owner: User, year: int) -> rules.TaxEstimate:
    notes: list[str] = []
    carry, _ = carryover_into(owner, year, notes)
    short, long = printed_net_by_year(owner, year + 1).get(year, (ZERO, ZERO))
    est, _ = estimate_for(owner, year, short, long, carry)
    return est


def _purchases(owner: User, today: date) -> dict[int, list[tuple[date, int]]]:
    """Purchases per asset in any of the owner's accounts (IRAs included) in the last 30 days, as
    (date, transaction id)."""
    since = today - WASH_WINDOW
    found: dict[int, list[tuple[date, int]]] = {}
    rows = Transaction.objects.filter(portfolio__owner=owner, type__in=ACQUIRING, timestamp__date__gte=since)
    for pk, typ, asset_id, counter_id, ts in rows.values_list(
        "pk", "type", "asset_id", "counter_asset_id", "timestamp"
    ):
        got = counter_id if typ == "trade" else asset_id
        day = ts.astimezone(owner.tzinfo).date()
        if got is not None and since <= day <= today:
            found.setdefault(got, []).append((day, pk))
    return found


def harvest_candidates(*, owner: User, today: date) -> Harvest:
    """Open lots in taxable accounts whose value at the latest prices is below their basis."""
    with localcontext(WIDE):
        return _harvest(owner, today)


def _harvest(owner: User, today: date) -> Harvest:
    year = today.year
    est = _estimate_now(owner, year)
    out = Harvest(year=year, short_rate=est.short_term_rate, long_rate=est.long_term_rate)
    out.assumed_profile = not owner.tax_profiles.filter(year=year).exists()
    purchases = _purchases(owner, today)
    crypto_switch = False
    shorts = longs = ZERO
    for portfolio in Portfolio.objects.filter(owner=owner).order_by("name"):
        crypto_switch = crypto_switch or portfolio.wash_sale_crypto
        prices = snapshot_prices(portfolio=portfolio)
        lots = (
            TaxLot.objects.filter(portfolio=portfolio, account__tax_treatment=TaxTreatment.TAXABLE)
            .select_related("account", "asset")
            .order_by("asset__symbol", "acquired", "lot_id")
        )
        for lot in lots:
            quote = prices.price_of(lot.asset_id)
            if quote.price is None or quote.status != "ok":
                out.unpriced += 1
                continue
            value = lot.quantity * quote.price
            if value >= lot.basis:
                continue
            loss = lot.basis - value
            long_term = lot.long_term_from is None or today >= lot.long_term_from
            security = lot.asset.asset_class in SECURITY_CLASSES
            wash = security or portfolio.wash_sale_crypto
            # The purchase that made this very lot is not its own replacement (Rev. Rul. 56-602).
            others = (
                [day for day, pk in purchases.get(lot.asset_id, ()) if pk != lot.origin_id] if wash else []
            )
            bought = max(others, default=None)
            saving = -rules.tax_change(est, **{"long_term" if long_term else "short_term": -loss})
            out.rows.append(
                HarvestRow(
                    portfolio=portfolio.name,
                    account=lot.account.name,
                    asset=lot.asset.symbol,
                    lot_id=lot.lot_id,
                    origin_id=lot.origin_id,
                    portfolio_id=portfolio.pk,
                    account_id=lot.account_id,
                    asset_id=lot.asset_id,
                    quantity=lot.quantity,
                    basis=lot.basis,
                    value=value,
                    loss=loss,
                    term="long" if long_term else "short",
                    acquired=lot.acquired,
                    saving=saving,
                    wash_rule=wash,
                    recent_purchase=bought,
                    clean_from=bought + WASH_WINDOW + timedelta(days=1) if bought else None,
                )
            )
            out.total_loss += loss
            if long_term:
                longs += loss
            else:
                shorts += loss
    out.rows.sort(key=lambda r: r.saving, reverse=True)
    if out.rows:
        out.total_saving = -rules.tax_change(est, short_term=-shorts, long_term=-longs)
    if not crypto_switch:
        out.crypto_note = (
            "The wash-sale rule does not apply to crypto under current law: a crypto loss can be harvested "
            "and the asset bought back at once. (Switch on “apply wash-sale rules to crypto” in a "
            "portfolio's settings to model proposed law.)"
        )
    return out


def harvest_saving(*, owner: User, today: date, short_loss: Decimal, long_loss: Decimal) -> Decimal:
    """The estimated federal tax saved this year by realizing these losses (positive amounts) together,
    as the harvesting page figures it."""
    with localcontext(WIDE):
        est = _estimate_now(owner, today.year)
        return -rules.tax_change(est, short_term=-short_loss, long_term=-long_loss)


@dataclass(frozen=True)
class SoonLongTerm:
    portfolio: str
    account: str
    asset: str
    lot_id: str
    quantity: Decimal
    gain: Decimal
    long_term_from: date
    saved_by_waiting: Decimal


@dataclass(frozen=True)
class Contribution:
    plan: str
    label: str
    contributed: Decimal
    limit: Decimal


@dataclass
class Planner:
    year: int
    today: date
    realized_short: Decimal
    realized_long: Decimal
    estimate: rules.TaxEstimate
    zero_rate: rules.GainRoom
    conversion: rules.BracketRoom
    soon_long_term: list[SoonLongTerm]
    contributions: list[Contribution]
    assumed_profile: bool


# Cash deposits into these kinds of account count against the year's contribution limits.
PLAN_OF_KIND = {
    "traditional_ira": (rules.Plan.IRA, "IRAs (traditional and Roth together)"),
    "roth_ira": (rules.Plan.IRA, "IRAs (traditional and Roth together)"),
    "401k": (rules.Plan.K401, "401(k) elective deferrals"),
    "roth_401k": (rules.Plan.K401, "401(k) elective deferrals"),
    "hsa": (rules.Plan.HSA_SELF_ONLY, "HSA (self-only coverage)"),
}


def year_planner(*, owner: User, today: date) -> Planner:
    with localcontext(WIDE):
        return _planner(owner, today)


def _planner(owner: User, today: date) -> Planner:
    year = today.year
    est = _estimate_now(owner, year)
    short, long = printed_net_by_year(owner, year + 1).get(year, (ZERO, ZERO))
    year_end = date(year, 12, 31)
    soon: list[SoonLongTerm] = []
    for portfolio in Portfolio.objects.filter(owner=owner).order_by("name"):
        prices = snapshot_prices(portfolio=portfolio)
        lots = TaxLot.objects.filter(
            portfolio=portfolio,
            account__tax_treatment=TaxTreatment.TAXABLE,
            long_term_from__gt=today,
            long_term_from__lte=year_end,
        ).select_related("account", "asset")
        for lot in lots:
            quote = prices.price_of(lot.asset_id)
            if quote.price is None or quote.status != "ok" or lot.long_term_from is None:
                continue
            gain = lot.quantity * quote.price - lot.basis
            if gain <= 0:
                continue
            soon.append(
                SoonLongTerm(
                    portfolio=portfolio.name,
                    account=lot.account.name,
                    asset=lot.asset.symbol,
                    lot_id=lot.lot_id,
                    quantity=lot.quantity,
                    gain=gain,
                    long_term_from=lot.long_term_from,
                    saved_by_waiting=rules.tax_saved_by_waiting(est, gain),
                )
            )
    soon.sort(key=lambda s: s.long_term_from)
    made: dict[rules.Plan, Decimal] = {}
    labels: dict[rules.Plan, str] = {}
    deposits = Transaction.objects.filter(
        portfolio__owner=owner, type="deposit", account__kind__in=PLAN_OF_KIND, timestamp__year=year
    ).values_list("account__kind", "quantity")
    for kind, amount in deposits:
        plan, label = PLAN_OF_KIND[kind]
        made[plan] = made.get(plan, ZERO) + amount
        labels[plan] = label
    contributions = [
        Contribution(
            plan=str(plan),
            label=labels[plan],
            contributed=amount,
            limit=rules.contribution_limit(year, plan, age=0).total,
        )
        for plan, amount in made.items()
    ]
    return Planner(
        year=year,
        today=today,
        realized_short=short,
        realized_long=long,
        estimate=est,
        zero_rate=rules.zero_rate_room(est),
        conversion=rules.roth_conversion_room(est),
        soon_long_term=soon,
        contributions=contributions,
        assumed_profile=not owner.tax_profiles.filter(year=year).exists(),
    )
