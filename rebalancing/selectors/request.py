"""The engine's request from the stored rows: open lots, accounts and their cash, the latest snapshot's
prices, the target, the policy, this year's realized gains and the owner's recent purchases and loss sales.

Reads only; a constant number of queries per portfolio. Exact-decimal columns are text on SQLite, so sums
and comparisons happen in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from portfolios.models import Account, Asset, Portfolio, Transaction, User
from portfolios.models.ledger import SECURITY_CLASSES, AssetClass
from portfolios.selectors import snapshot_prices
from rebalancing import engine
from rebalancing.bands import policy_widths
from rebalancing.models import Policy, Target, TargetVersion, TradeTo
from taxes.models import Disposal, TaxLot

ZERO = Decimal(0)
WASH_WINDOW = timedelta(days=30)
ACQUIRING = ("buy", "trade")  # purchases and exchanges start a wash-sale window (IRC §1091); income does not


@dataclass(frozen=True)
class EngineInput:
    """The request with what is needed to store and explain its answer."""

    request: engine.RebalanceRequest
    snapshot_id: int | None
    target: Target
    target_version: TargetVersion | None
    assets: dict[int, Asset]
    accounts: dict[int, Account]
    origins: dict[str, int]  # engine lot id -> the lot's origin transaction id (for specific-ID picks)
    lot_ids: dict[str, str]  # engine lot id -> the stored lot id
    tax_rates_from: str  # "tax profile <year>" or "policy"
    notes: list[str] = field(default_factory=list)


def policy_of(portfolio: Portfolio) -> Policy:
    """The stored policy, or the defaults (unsaved) when the owner never set one."""
    try:
        return Policy.objects.get(portfolio=portfolio)
    except Policy.DoesNotExist:
        return Policy(portfolio=portfolio)


def target_of(portfolio: Portfolio) -> Target | None:
    return Target.objects.filter(portfolio=portfolio).first()


def target_weights(target: Target) -> dict[int, Decimal]:
    return dict(target.weights.values_list("asset_id", "weight"))


def _bands(policy: Policy, target: Target) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    return policy_widths(
        policy.band_mode,
        absolute=target.band_absolute,
        relative=target.band_relative,
        floor=policy.band_floor,
    )


def _costs(raw: object) -> engine.Costs:
    values = raw if isinstance(raw, dict) else {}
    return engine.Costs(
        fee_bps=Decimal(str(values.get("fee_bps") or 0)),
        fee_fixed=Decimal(str(values.get("fee_fixed") or 0)),
        slippage_bps=Decimal(str(values.get("slippage_bps") or 0)),
    )


def tax_rates_for(owner: User, policy: Policy, year: int) -> tuple[engine.TaxRates, str]:
    """The owner's marginal rates from this year's tax profile and gains so far, else the policy's own."""
    if owner.pk and owner.tax_profiles.filter(year=year).exists():
        from taxes import rules
        from taxes.summary.build import carryover_into, estimate_for, printed_net_by_year

        if year in rules.available_years():
            carry, _ = carryover_into(owner, year, [])
            short, long = printed_net_by_year(owner, year + 1).get(year, (ZERO, ZERO))
            est, used = estimate_for(owner, year, short, long, carry)
            limit = Decimal(1500) if used.filing_status == "mfs" else Decimal(3000)
            rates = engine.TaxRates(est.short_term_rate, est.long_term_rate, limit)
            return rates, f"tax profile {year}"
    return engine.TaxRates(policy.short_rate, policy.long_rate), "policy"


def engine_policy(
    policy: Policy, target: Target, owner: User, year: int, *, calendar: bool = False
) -> tuple[engine.Policy, str]:
    absolute, relative, floor = _bands(policy, target)
    if calendar:
        # On the calendar day every drift is rebalanced, however small (the minimum trade still holds).
        absolute = relative = floor = None
    rates, source = tax_rates_for(owner, policy, year)
    overrides = {int(k): _costs(v) for k, v in (policy.account_costs or {}).items() if str(k).isdigit()}
    return (
        engine.Policy(
            band_absolute=absolute,
            band_relative=relative,
            band_floor=floor,
            trade_to=engine.TradeTo(policy.trade_to or TradeTo.TARGET),
            min_trade=policy.min_trade,
            cash_reserve=policy.cash_reserve,
            costs=engine.Costs(policy.fee_bps, policy.fee_fixed, policy.slippage_bps),
            account_costs=overrides,
            buy_only=policy.buy_only,
            tax_rates=rates,
        ),
        source,
    )


def account_cash(portfolio: Portfolio) -> dict[int, Decimal]:
    """Cash per account from the ledger: deposits - withdrawals - buys + sells (fees included). An account
    whose ledger records no deposit keeps no cash accounting (exchange exports rarely carry the transfers
    that fund them), so its cash is 0; so is a negative balance (fees paid from outside the ledger)."""
    cash: dict[int, Decimal] = defaultdict(Decimal)
    funded: set[int] = set()
    rows = Transaction.objects.filter(
        portfolio=portfolio, type__in=("deposit", "withdrawal", "buy", "sell", "trade")
    )
    for account_id, typ, quantity, price, fee in rows.values_list(
        "account_id", "type", "quantity", "unit_price", "fee"
    ):
        fee = fee or ZERO
        if typ == "deposit":
            funded.add(account_id)
            cash[account_id] += quantity
        elif typ == "withdrawal":
            cash[account_id] -= quantity
        elif typ == "buy":
            cash[account_id] -= quantity * (price or ZERO) + fee
        elif typ == "sell":
            cash[account_id] += quantity * (price or ZERO) - fee
        else:
            cash[account_id] -= fee
    return {aid: max(ZERO, value) for aid, value in cash.items() if aid in funded}


def realized_this_year(owner: User, year: int) -> engine.RealizedGains:
    short = long = ZERO
    rows = Disposal.objects.filter(portfolio__owner=owner, taxable=True, disposed__year=year)
    for term, gain, disallowed in rows.values_list("term", "gain", "wash_disallowed"):
        amount = gain + (disallowed or ZERO)
        if term == "long":
            long += amount
        else:
            short += amount
    return engine.RealizedGains(short, long)


def recent_trades(owner: User, as_of: date) -> tuple[list[engine.RecentTrade], list[engine.RecentTrade]]:
    """Purchases and loss sales in all of the owner's accounts (IRAs included) in the 30 days to `as_of`."""
    since = as_of - WASH_WINDOW
    purchases = []
    rows = Transaction.objects.filter(
        portfolio__owner=owner, type__in=ACQUIRING, timestamp__date__gte=since - timedelta(days=1)
    )
    for typ, asset_id, counter_id, account_id, ts in rows.values_list(
        "type", "asset_id", "counter_asset_id", "account_id", "timestamp"
    ):
        got = counter_id if typ == "trade" else asset_id
        day = ts.astimezone(owner.tzinfo).date()
        if got is not None and since <= day <= as_of:
            purchases.append(engine.RecentTrade(asset=got, date=day, account=account_id))
    losses = []
    for asset_id, account_id, day, gain in Disposal.objects.filter(
        portfolio__owner=owner, disposed__gte=since, disposed__lte=as_of
    ).values_list("asset_id", "account_id", "disposed", "gain"):
        if gain < 0:
            losses.append(engine.RecentTrade(asset=asset_id, date=day, account=account_id, loss=-gain))
    return purchases, losses


def engine_input(
    *, portfolio: Portfolio, as_of: date, cash_flow: Decimal = ZERO, calendar: bool = False
) -> EngineInput:
    """Everything the engine needs for `portfolio`; ValidationError when a proposal cannot be made yet."""
    owner = portfolio.owner
    target = target_of(portfolio)
    weights = target_weights(target) if target else {}
    if target is None or not weights:
        raise ValidationError("Set a target allocation first: there is nothing to rebalance towards.")
    try:
        engine.validate_weights(weights)
    except engine.RebalanceError as exc:
        raise ValidationError(f"The target's weights are not usable: {exc}") from exc
    version = TargetVersion.objects.filter(target=target, number=target.version).first()
    policy = policy_of(portfolio)
    eng_policy, rates_from = engine_policy(policy, target, owner, as_of.year, calendar=calendar)
    prices = snapshot_prices(portfolio=portfolio)
    if not prices.exists:
        raise ValidationError("This portfolio has no snapshot yet: its prices are still being computed.")
    accounts = {a.pk: a for a in Account.objects.filter(portfolio=portfolio).order_by("name", "id")}
    lots = list(
        TaxLot.objects.filter(portfolio=portfolio).order_by("account_id", "asset_id", "acquired", "lot_id")
    )
    asset_ids = {lot.asset_id for lot in lots if lot.quantity > 0} | set(weights)
    assets = {a.pk: a for a in Asset.objects.filter(pk__in=asset_ids)}
    cash = account_cash(portfolio)
    notes: list[str] = []
    price_of: dict[int, Decimal] = {}
    missing = []
    for aid in sorted(asset_ids, key=lambda a: assets[a].symbol):
        quote = prices.price_of(aid)
        if quote.price is None:
            missing.append(assets[aid].symbol)
            continue
        if quote.status == "stale":
            notes.append(f"The price of {assets[aid].symbol} is stale ({quote.at:%Y-%m-%d %H:%M} UTC).")
        price_of[aid] = quote.price
    if missing:
        raise ValidationError(f"No price for {', '.join(missing)}: a proposal needs every asset priced.")
    crypto_too = portfolio.wash_sale_crypto
    eng_assets = []
    for aid, asset in assets.items():
        if asset.asset_class == AssetClass.CASH:
            continue
        security = asset.asset_class in SECURITY_CLASSES or (crypto_too and asset.is_digital)
        eng_assets.append(engine.Asset(id=aid, symbol=asset.symbol, security=security))
    eng_lots = []
    origins: dict[str, int] = {}
    lot_ids: dict[str, str] = {}
    seen: set[str] = set()
    for lot in lots:
        if lot.quantity <= 0:
            continue
        if assets[lot.asset_id].asset_class == AssetClass.CASH:
            cash[lot.account_id] = cash.get(lot.account_id, ZERO) + lot.quantity * price_of[lot.asset_id]
            continue
        key = lot.lot_id if lot.lot_id not in seen else f"{lot.lot_id}@{lot.account_id}"
        seen.add(key)
        origins[key] = lot.origin_id
        lot_ids[key] = lot.lot_id
        eng_lots.append(
            engine.Lot(
                lot_id=key,
                account=lot.account_id,
                asset=lot.asset_id,
                quantity=lot.quantity,
                basis=lot.basis,
                acquired=lot.acquired,
                long_term_from=lot.long_term_from,
            )
        )
    eng_accounts = [
        engine.Account(
            id=a.pk, treatment=engine.TaxTreatment(a.tax_treatment), cash=cash.get(a.pk, ZERO), name=a.name
        )
        for a in accounts.values()
    ]
    purchases, losses = recent_trades(owner, as_of)
    request = engine.RebalanceRequest(
        as_of=as_of,
        accounts=eng_accounts,
        assets=eng_assets,
        lots=eng_lots,
        prices={aid: p for aid, p in price_of.items() if assets[aid].asset_class != AssetClass.CASH},
        target=engine.Target(assets=weights),
        policy=eng_policy,
        cash_flow=cash_flow,
        realized=realized_this_year(owner, as_of.year),
        recent_purchases=purchases,
        recent_loss_sales=losses,
    )
    return EngineInput(
        request=request,
        snapshot_id=prices.snapshot_id,
        target=target,
        target_version=version,
        assets=assets,
        accounts=accounts,
        origins=origins,
        lot_ids=lot_ids,
        tax_rates_from=rates_from,
        notes=notes,
    )
