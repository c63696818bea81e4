"""Lots leaving an account without a sale: transfers between the owner's accounts, donations and gifts."""

from __future__ import annotations

from decimal import Decimal

from .errors import event_error
from .handlers import dispose, new_lot
from .lots import OpenLot
from .money import MONEY
from .state import WASH_WINDOW, EngineState
from .types import ZERO, AccountInfo, AssetInfo, Event, EventType, TaxTreatment, Term, Transfer
from .wash import replacement_arrived, replacement_moved

_TAXABLE = TaxTreatment.TAXABLE
_LONG = Term.LONG
_SHORT = Term.SHORT


def transfer(state: EngineState, event: Event) -> None:
    """Between accounts of the same tax treatment the lots move as they are, with their dates and basis."""
    account = state.account_of(event)
    asset = state.checked_asset(event)
    to = event.to_account
    if to is None:
        raise event_error(event, "to_account", "a transfer needs the destination account")
    if to == account.id:
        raise event_error(event, "to_account", "a transfer must go to a different account")
    destination = state.accounts.get(to)
    if destination is None:
        raise event_error(event, "to_account", f"unknown account {to}")
    if asset.is_cash:
        return
    if destination.treatment != account.treatment:
        transfer_across(state, event, account, destination, asset)
        return
    quantity = event.quantity
    pieces = state.book_for_sale(account, asset.id, event.date).take(event, quantity)
    destination_book = state.book(to, asset.id)
    fee = event.fee
    fee_left = fee
    last = len(pieces) - 1
    wash = asset.wash_sale
    cutoff = event.date - WASH_WINDOW
    for i, (lot, piece_quantity, basis, loss_basis, wash_adjustment, whole) in enumerate(pieces):
        if fee:
            if i == last:
                fee_share = fee_left
            else:
                fee_share = (fee * piece_quantity / quantity).quantize(MONEY)
                fee_left -= fee_share
        else:
            fee_share = ZERO
        if whole:
            lot.in_book = True
            lot.account = to
            lot.checkpoint_form = None
            if fee_share:
                lot.basis += fee_share
                if lot.loss_basis is not None:
                    lot.loss_basis += fee_share
                lot.hifo_key = None
            destination_book.add(lot)
        else:
            state.lots_created += 1
            moved = OpenLot(
                f"{lot.lot_id}/t{event.id}",
                lot.origin,
                to,
                lot.asset,
                piece_quantity,
                basis + fee_share,
                lot.acquired,
                lot.received,
                lot.long_term_from,
                lot.source,
                None if loss_basis is None else loss_basis + fee_share,
                wash_adjustment,
                state.lots_created,
                lot.acquisition_order,
                None if fee_share else lot.hifo_key,
                lot.can_replace,
            )
            destination_book.add(moved)
            # A whole lot keeps its place in the replacement queue; a piece cut off needs one of its own.
            if wash and moved.can_replace and moved.received >= cutoff:
                replacement_moved(state, moved)


def transfer_across(
    state: EngineState, event: Event, account: AccountInfo, destination: AccountInfo, asset: AssetInfo
) -> None:
    """A transfer between accounts of different tax treatment: nothing of the old lot's basis or date
    carries over, so it needs the fair value that day.

    - Out of a tax-advantaged account into a taxable one: a distribution. The taxable lot's basis is the
      fair value (plus the fee) and its holding period starts the next day; the distribution is recorded
      for the owner to reconcile with the custodian's 1099-R. It is not a purchase, so it replaces no
      wash-sale loss.
    - Out of a taxable account into a tax-advantaged one: a sale at fair value (the gain or loss is
      realized and reported; the fee comes off the proceeds), and the new lot's basis is that value. A
      loss on a security whose shares land in the IRA this way is disallowed for good (Rev. Rul. 2008-5).
    - Out of a tax-deferred account into a tax-free one: a conversion, ordinary income at the fair value;
      the new lot's basis is that value.
    - Out of a tax-free account into a tax-deferred one: refused, no such rollover exists.
    """
    if account.treatment == TaxTreatment.TAX_FREE and destination.treatment == TaxTreatment.TAX_DEFERRED:
        raise event_error(
            event,
            "to_account",
            "a transfer from a tax-free account (Roth, HSA) into a tax-deferred one is not possible; "
            "record a sale in one account and a buy in the other",
        )
    if event.unit_price is None:
        raise event_error(
            event,
            "unit_price",
            f"a transfer from a {account.treatment.value.replace('_', '-')} into a "
            f"{destination.treatment.value.replace('_', '-')} account needs the fair value in USD per unit "
            "that day",
        )
    price = state.price_of(event)
    quantity = event.quantity
    day = event.date
    value = quantity * price
    if account.treatment == _TAXABLE:
        dispose(state, event, "transfer", account, asset, quantity, (value - event.fee).quantize(MONEY))
        lot = new_lot(
            state,
            event,
            destination,
            asset.id,
            quantity,
            value.quantize(MONEY),
            day,
            state.long_term_from(day),
            "transfer",
            None,
            True,
        )
        if asset.wash_sale:
            replacement_arrived(state, lot, day)
        return
    kind = "distribution" if destination.treatment == _TAXABLE else "conversion"
    _leave_advantaged(state, event, account, destination, asset, price, kind)


def convert(state: EngineState, event: Event) -> None:
    """A Roth conversion: assets leave a tax-deferred account (traditional IRA, 401(k)) for a tax-free one.
    The fair value converted is ordinary income, no gain or loss is realized, and the Roth lot's basis is
    that value."""
    account = state.account_of(event)
    asset = state.checked_asset(event)
    to = event.to_account
    if to is None:
        raise event_error(event, "to_account", "a conversion needs the Roth account it goes into")
    destination = state.accounts.get(to)
    if destination is None:
        raise event_error(event, "to_account", f"unknown account {to}")
    if account.treatment != TaxTreatment.TAX_DEFERRED:
        raise event_error(
            event,
            "account",
            "a conversion comes out of a tax-deferred account (traditional IRA, 401(k)), "
            f"not a {account.treatment.value.replace('_', '-')} one",
        )
    if destination.treatment != TaxTreatment.TAX_FREE:
        raise event_error(
            event,
            "to_account",
            "a conversion goes into a tax-free account (Roth IRA, Roth 401(k)), "
            f"not a {destination.treatment.value.replace('_', '-')} one",
        )
    if asset.is_cash:
        # Cash is not held in lots, so nothing would record the income.
        raise event_error(event, "asset", "a conversion needs an investable asset, not cash")
    _leave_advantaged(state, event, account, destination, asset, state.price_of(event), "conversion")


def _leave_advantaged(
    state: EngineState,
    event: Event,
    account: AccountInfo,
    destination: AccountInfo,
    asset: AssetInfo,
    price: Decimal,
    kind: str,
) -> None:
    """Lots leaving a tax-advantaged account as a distribution or a conversion: a record per lot piece
    at its share of the fair value, and a new lot whose basis is that value (plus the fee for a
    distribution, which is a taxable acquisition)."""
    quantity = event.quantity
    day = event.date
    value = quantity * price
    pieces = state.book_for_sale(account, asset.id, event.date).take(event, quantity)
    total = value.quantize(MONEY)
    total_left = total
    last = len(pieces) - 1
    transfers = state.transfers
    for i, (lot, piece_quantity, basis, _loss_basis, _wash_adjustment, _whole) in enumerate(pieces):
        if i == last:
            fair_value = total_left
        else:
            fair_value = (total * piece_quantity / quantity).quantize(MONEY)
            total_left -= fair_value
        long_term_from = lot.long_term_from
        term = _LONG if long_term_from is None or day >= long_term_from else _SHORT
        transfers.append(
            Transfer(
                event.id,
                kind,
                account.id,
                asset.id,
                lot.lot_id,
                piece_quantity,
                lot.acquired,
                day,
                basis,
                fair_value,
                term,
                ZERO,
            )
        )
    basis = (value + event.fee).quantize(MONEY) if kind == "distribution" else total
    new_lot(
        state,
        event,
        destination,
        asset.id,
        quantity,
        basis,
        day,
        state.long_term_from(day),
        kind,
        None,
        False,
    )


def give(state: EngineState, event: Event) -> None:
    """A donation or a gift sent: the lots leave without a gain; a donation's deduction is recorded."""
    account = state.account_of(event)
    asset = state.checked_asset(event)
    price = state.price_of(event)
    if asset.is_cash:
        return
    kind = str(event.type)
    donation = event.type == EventType.DONATION
    day = event.date
    pieces = state.book_for_sale(account, asset.id, event.date).take(event, event.quantity)
    transfers = state.transfers
    for lot, piece_quantity, basis, _loss_basis, _wash_adjustment, _whole in pieces:
        fair_value = (piece_quantity * price).quantize(MONEY)
        long_term_from = lot.long_term_from
        term = _LONG if long_term_from is None or day >= long_term_from else _SHORT
        # §170(e)(1)(A): a donation of property held short-term deducts no more than its basis.
        deduction = (fair_value if term is _LONG else min(basis, fair_value)) if donation else ZERO
        transfers.append(
            Transfer(
                event.id,
                kind,
                account.id,
                asset.id,
                lot.lot_id,
                piece_quantity,
                lot.acquired,
                day,
                basis,
                fair_value,
                term,
                deduction,
            )
        )
