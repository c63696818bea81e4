"""Tax-loss harvest proposals: the sells of the loss lots the owner chose, and an optional rebuy.

A harvest is reviewed and accepted like a rebalance proposal (`rebalancing.services.proposal_accept`
records the sells with specific-ID picks of exactly these lots). The losses, the wash-sale windows and the
saving are the harvesting page's (`taxes.planning`), so the proposal says what the page said.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portfolios.assets import assets_of_owner
from portfolios.decimals import WIDE, exact_text
from portfolios.models import Asset, Portfolio, User
from portfolios.models.ledger import SECURITY_CLASSES, AssetClass, TaxTreatment
from portfolios.pricing.selectors import prices_latest
from portfolios.selectors import SnapshotPrices, snapshot_prices
from rebalancing.engine.tax import rate_for
from rebalancing.engine.types import Term
from rebalancing.models import ProposalKind, ProposalStatus, ProposedTrade, RebalanceProposal, Trigger
from rebalancing.selectors import policy_of
from rebalancing.selectors.request import account_cash, tax_rates_for
from taxes.models import TaxLot
from taxes.planning import HarvestRow, harvest_candidates, harvest_saving

ZERO = Decimal(0)
MONEY = Decimal("0.01")
# Rebuys are rounded down so that they never spend more than the sells raised; the owner corrects the
# executed quantity (whole shares at a broker without fractions) when accepting.
REBUY_QUANTUM = Decimal("0.00000001")
WASH_AFTER = timedelta(days=31)


class UnknownLot(Exception):
    """A lot id none of the owner's lots carries: to the owner it does not exist (a 404)."""


@dataclass(frozen=True)
class _Sale:
    lot: TaxLot
    row: HarvestRow
    quantity: Decimal
    price: Decimal
    proceeds: Decimal
    basis: Decimal

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.basis


def _find_lot(portfolio: Portfolio, key: str) -> TaxLot:
    """`key` is a lot id, or "lot id@account id" where one lot id is open in two accounts."""
    lot_id, _, account = key.partition("@")
    found = TaxLot.objects.filter(portfolio__owner=portfolio.owner, lot_id=lot_id).select_related(
        "account", "asset", "portfolio"
    )
    if account:
        found = found.filter(account_id=int(account) if account.isdigit() else -1)
    lots = list(found)
    if not lots:
        raise UnknownLot(key)
    here = [lot for lot in lots if lot.portfolio_id == portfolio.pk]
    if not here:
        raise ValidationError(
            f"Lot {lot_id} is in your portfolio {lots[0].portfolio.name}: a harvest proposal belongs to one "
            "portfolio, so harvest that portfolio's lots on their own."
        )
    if len(here) > 1:
        raise ValidationError(f"Lot {lot_id} is open in more than one account: name it as lot@account.")
    return here[0]


def _refusal(lot: TaxLot, prices: SnapshotPrices) -> str:
    """Why a lot the owner chose is not on the harvesting page's list."""
    name = f"Lot {lot.lot_id} ({lot.asset.symbol} in {lot.account.name})"
    if lot.account.tax_treatment != TaxTreatment.TAXABLE:
        return f"{name} is in a tax-advantaged account: a loss there is not deductible."
    quote = prices.price_of(lot.asset_id)
    if quote.price is None or quote.status != "ok":
        return f"{name} has no current price: refresh or enter its price, then harvest."
    value = (lot.quantity * quote.price).quantize(MONEY)
    return (
        f"{name} is not at a loss any more: worth ${value:,.2f} at the latest prices against a basis of "
        f"${lot.basis:,.2f}."
    )


def _sale(lot: TaxLot, row: HarvestRow, quantity: Decimal | None, price: Decimal) -> _Sale:
    whole = quantity is None or quantity == lot.quantity
    qty = lot.quantity if quantity is None else quantity
    if qty <= 0 or qty > lot.quantity:
        raise ValidationError(
            f"Lot {lot.lot_id}: sell more than 0 and at most the {exact_text(lot.quantity)} it holds."
        )
    with localcontext(WIDE):
        basis = lot.basis if whole else (lot.basis * qty / lot.quantity).quantize(MONEY)
        proceeds = (qty * price).quantize(MONEY)
    return _Sale(lot=lot, row=row, quantity=qty, price=price, proceeds=proceeds, basis=basis)


def _rebuy_price(asset: Asset, prices: SnapshotPrices) -> Decimal:
    quote = prices.price_of(asset.pk)
    if quote.price is not None and quote.status == "ok":
        return quote.price
    latest = prices_latest(asset_ids=[asset.pk], as_of=timezone.now()).get(asset.pk)
    if latest is None:
        raise ValidationError(f"No price for {asset.symbol}: the rebuy needs its latest price.")
    return latest.price


def _check_rebuy(portfolio: Portfolio, asset: Asset, sold: dict[int, Asset]) -> list[dict[str, str | None]]:
    """Refuse what can never be a replacement; flag what may be the same security under another row."""
    if asset.pk in sold:
        raise ValidationError(
            f"The replacement cannot be {asset.symbol} itself: buying back what you sell undoes the harvest "
            "(and for a security it is a wash sale)."
        )
    if asset.asset_class == AssetClass.CASH:
        raise ValidationError("Cash is not a replacement asset: leave the rebuy empty to keep the proceeds.")
    if not assets_of_owner(owner=portfolio.owner).filter(pk=asset.pk).exists():
        raise ValidationError(f"{asset.symbol} is not one of your assets: add it to a ledger first.")
    flags: list[dict[str, str | None]] = []
    for other in sold.values():
        if other.asset_class in SECURITY_CLASSES and other.symbol == asset.symbol:
            flags.append(
                {
                    "code": "same_security",
                    "message": f"{asset.label} carries the symbol of the {other.label} you sell: if it is the "
                    "same security, the rebuy makes the sale a wash sale and the loss is disallowed.",
                    "asset": asset.symbol,
                    "account": None,
                    "lot": None,
                    "date": None,
                    "amount": None,
                }
            )
    return flags


def _weights(
    portfolio: Portfolio, prices: SnapshotPrices, changes: dict[int, Decimal]
) -> tuple[dict[str, str], dict[str, str]]:
    """Each asset's share of the portfolio (lots at the latest prices plus tracked cash) before and after
    the trades (`changes`: value added per asset; the cash they raise or spend stays in the total)."""
    values: dict[int, Decimal] = defaultdict(Decimal)
    cash = sum(account_cash(portfolio).values(), ZERO)
    for asset_id, cls, quantity in TaxLot.objects.filter(portfolio=portfolio).values_list(
        "asset_id", "asset__asset_class", "quantity"
    ):
        price = prices.price_of(asset_id).price
        if price is None:
            continue
        if cls == AssetClass.CASH:
            cash += quantity * price
        else:
            values[asset_id] += quantity * price
    after = defaultdict(Decimal, values)
    for asset_id, change in changes.items():
        after[asset_id] += change
    total = sum(values.values(), ZERO) + cash
    if total <= 0:
        return {}, {}
    with localcontext(WIDE):
        before_w = {str(a): exact_text((v / total).quantize(REBUY_QUANTUM)) for a, v in values.items()}
        after_w = {
            str(a): exact_text((max(ZERO, v) / total).quantize(REBUY_QUANTUM)) for a, v in after.items()
        }
    return before_w, after_w


def _lot_json(sale: _Sale, term: Term, tax: Decimal) -> dict[str, str | int | None]:
    lot = sale.lot
    return {
        "lot": lot.lot_id,
        "origin": lot.origin_id,
        "quantity": exact_text(sale.quantity),
        "basis": exact_text(sale.basis),
        "proceeds": exact_text(sale.proceeds),
        "gain": exact_text(sale.gain),
        "term": str(term),
        "acquired": lot.acquired.isoformat(),
        "long_term_from": lot.long_term_from.isoformat() if lot.long_term_from else None,
        "estimated_tax": exact_text(tax),
    }


def _money(amount: Decimal) -> str:
    return f"${amount.quantize(MONEY):,.2f}"


@transaction.atomic
def harvest_proposal_create(
    *,
    portfolio: Portfolio,
    lots: Sequence[tuple[str, Decimal | None]],
    rebuy_asset: Asset | None = None,
    as_of: date | None = None,
) -> RebalanceProposal:
    """A pending harvest proposal (superseding this portfolio's pending harvest) selling exactly these lots
    (quantity None: the whole lot) at the latest snapshot prices, and buying `rebuy_asset` with the
    proceeds in each account that sells. ValidationError when a lot is no longer a loss, is unpriced, or
    its wash-sale window is not clean; UnknownLot when a lot id is none of the owner's."""
    owner = portfolio.owner
    as_of = as_of or timezone.now().astimezone(owner.tzinfo).date()
    if not lots:
        raise ValidationError("Tick at least one loss lot to harvest.")
    keys = [key for key, _ in lots]
    if len(set(keys)) != len(keys):
        raise ValidationError("Each lot can be harvested once per proposal.")
    found = [(_find_lot(portfolio, key), qty) for key, qty in lots]
    prices = snapshot_prices(portfolio=portfolio)
    if not prices.exists:
        raise ValidationError("This portfolio has no snapshot yet: its prices are still being computed.")
    rows = {
        (r.account_id, r.lot_id): r
        for r in harvest_candidates(owner=owner, today=as_of).rows
        if r.portfolio_id == portfolio.pk
    }
    sales: list[_Sale] = []
    for lot, qty in found:
        row = rows.get((lot.account_id, lot.lot_id))
        if row is None:
            raise ValidationError(_refusal(lot, prices))
        if row.recent_purchase is not None:
            raise ValidationError(
                f"Lot {lot.lot_id} ({lot.asset.symbol}): {lot.asset.symbol} was bought on "
                f"{row.recent_purchase:%Y-%m-%d}, so selling it now is a wash sale and the loss is "
                f"disallowed. Its window is clean from {row.clean_from:%Y-%m-%d}."
            )
        price = prices.price_of(lot.asset_id).price
        assert price is not None  # the harvesting page lists priced lots only
        sale = _sale(lot, row, qty, price)
        if sale.gain >= 0:
            raise ValidationError(f"Lot {lot.lot_id}: this quantity realizes no loss at the latest price.")
        sales.append(sale)

    sold_assets = {s.lot.asset_id: s.lot.asset for s in sales}
    flags = _check_rebuy(portfolio, rebuy_asset, sold_assets) if rebuy_asset is not None else []
    rates, rates_from = tax_rates_for(owner, policy_of(portfolio), as_of.year)

    pending = RebalanceProposal.objects.select_for_update().filter(
        portfolio=portfolio, status=ProposalStatus.PENDING, kind=ProposalKind.HARVEST
    )
    now = timezone.now()
    for old in pending:
        old.status = ProposalStatus.SUPERSEDED
        old.decided_at = now
        old.save(update_fields=["status", "decided_at"])

    # One sell per (account, asset), its lots in the order the owner listed them.
    groups: dict[tuple[int, int], list[_Sale]] = {}
    for sale in sales:
        groups.setdefault((sale.lot.account_id, sale.lot.asset_id), []).append(sale)
    trades: list[ProposedTrade] = []
    proceeds_in: dict[int, Decimal] = defaultdict(Decimal)
    changes: dict[int, Decimal] = defaultdict(Decimal)
    short_loss = long_loss = ZERO
    for (account_id, asset_id), group in groups.items():
        lot_rows = []
        trade_tax = ZERO
        for sale in group:
            term = Term.LONG if sale.row.term == "long" else Term.SHORT
            # Adding zero drops the sign of a zero tax (a loss at a 0% rate), which would print as -0.00.
            tax = (sale.gain * rate_for(term, rates)).quantize(MONEY) + ZERO
            trade_tax += tax
            lot_rows.append(_lot_json(sale, term, tax))
            if term is Term.LONG:
                long_loss -= sale.gain
            else:
                short_loss -= sale.gain
        value = sum((s.proceeds for s in group), ZERO)
        proceeds_in[account_id] += value
        changes[asset_id] -= value
        trades.append(
            ProposedTrade(
                account_id=account_id,
                asset_id=asset_id,
                side="sell",
                quantity=sum((s.quantity for s in group), ZERO),
                price=group[0].price,
                value=value,
                estimated_tax=trade_tax,
                lots=lot_rows,
                notes=[],
            )
        )

    reasons = [
        f"Tax-loss harvest: sell the {len(sales)} lot{'s' if len(sales) != 1 else ''} you chose, realizing a "
        f"loss of {_money(short_loss + long_loss)} (short-term {_money(short_loss)}, long-term "
        f"{_money(long_loss)}).",
    ]
    saving = harvest_saving(owner=owner, today=as_of, short_loss=short_loss, long_loss=long_loss)
    reasons.append(
        f"Estimated federal tax saved in {as_of.year}: {_money(saving)}, as the harvesting page figures it "
        "(netted with your gains so far; a loss beyond the yearly limit carries forward)."
    )
    bought = ZERO
    price_of = {str(s.lot.asset_id): exact_text(s.price) for s in sales}
    if rebuy_asset is not None:
        rebuy_price = _rebuy_price(rebuy_asset, prices)
        price_of[str(rebuy_asset.pk)] = exact_text(rebuy_price)
        for account_id, proceeds in proceeds_in.items():
            with localcontext(WIDE):
                qty = (proceeds / rebuy_price).quantize(REBUY_QUANTUM, rounding=ROUND_DOWN)
                value = (qty * rebuy_price).quantize(MONEY)
            if qty <= 0:
                continue
            bought += value
            changes[rebuy_asset.pk] += value
            trades.append(
                ProposedTrade(
                    account_id=account_id,
                    asset_id=rebuy_asset.pk,
                    side="buy",
                    quantity=qty,
                    price=rebuy_price,
                    value=value,
                    lots=[],
                    notes=[],
                )
            )
        reasons.append(
            f"Buy {rebuy_asset.symbol} with the proceeds to stay invested. Whether it is similar but not "
            "substantially identical to what you sell is your call: if it is substantially identical, the "
            "loss is disallowed as a wash sale."
        )
    for asset in sold_assets.values():
        if any(s.row.wash_rule for s in sales if s.lot.asset_id == asset.pk):
            reasons.append(
                f"Do not buy {asset.symbol} in any of your accounts (IRAs included) before "
                f"{as_of + WASH_AFTER:%Y-%m-%d}: a purchase within 30 days after the sale makes it a wash sale."
            )
    if rates_from != "policy":
        reasons.append(f"Tax rates per lot from your {rates_from}.")

    sold = sum(proceeds_in.values(), ZERO)
    before, after = _weights(portfolio, prices, changes)
    proposal = RebalanceProposal.objects.create(
        portfolio=portfolio,
        kind=ProposalKind.HARVEST,
        trigger=Trigger.OWNER,
        snapshot_id=prices.snapshot_id,
        as_of=as_of,
        reasons=reasons,
        flags=flags,
        weights_before=before,
        weights_after=after,
        prices=price_of,
        totals={
            "turnover": exact_text(sold + bought),
            "bought": exact_text(bought),
            "sold": exact_text(sold),
            "estimated_tax": exact_text(-saving),
            "fees": "0",
            "slippage": "0",
            "tax_and_cost": "0",
            "band_shortfall": "0",
            "target_gap": "0",
        },
        fingerprint=hashlib.sha256(
            "|".join(
                sorted(f"{t.account_id}:{t.asset_id}:{t.side}:{exact_text(t.quantity)}" for t in trades)
            ).encode()
        ).hexdigest(),
    )
    for position, trade in enumerate(trades):
        trade.proposal = proposal
        trade.position = position
    ProposedTrade.objects.bulk_create(trades)
    return proposal


def rebuy_choices(*, owner: User) -> QuerySet[Asset]:
    """The assets the owner may name as a replacement: theirs, except cash."""
    return assets_of_owner(owner=owner).exclude(asset_class=AssetClass.CASH)
