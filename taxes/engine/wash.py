"""Wash sales (IRC §1091): a loss sale matched to replacement shares acquired within 30 days either side.

A loss looks back when it is realised (`after_loss`) and waits for purchases in the 30 days after
(`replacement_arrived`); each match disallows that share of the loss and moves it into the replacement.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from datetime import date, timedelta
from decimal import Decimal

from .lots import OpenLot, split_off
from .money import MONEY
from .state import WASH_WINDOW, EngineState, Loss
from .types import TaxTreatment, WashSale

_TAXABLE = TaxTreatment.TAXABLE
_NO_DAYS = timedelta(0)
# A dead replacement candidate is dropped lazily from the queue's front; the queue is rebuilt only once so
# many have piled up behind the front that skipping them costs more than the rebuild.
_STALE_BEFORE_REBUILD = 32


def after_loss(state: EngineState, day: date, asset: int, losses: list[Loss]) -> None:
    """Match new losses to replacement shares bought in the 30 days before; the rest wait for buys."""
    cutoff = day - WASH_WINDOW
    fully_matched = 0
    candidates = state.replacements.get(asset)
    if candidates:
        while candidates:
            first = candidates[0]
            if first.in_book and first.can_replace and first.received >= cutoff:
                break
            candidates.popleft()
        stale = 0
        count = len(losses)
        # Losses are matched in order, so the fully matched ones form a growing prefix: skip it.
        start = 0
        for lot in candidates:
            if not (lot.in_book and lot.can_replace) or lot.received < cutoff:
                stale += 1
                continue
            acquisition_order = lot.acquisition_order
            for at in range(start, count):
                loss = losses[at]
                unmatched = loss.unmatched_quantity
                if not unmatched:
                    if at == start:
                        start += 1
                    continue
                if loss.acquisition_order == acquisition_order:
                    continue  # the rest of the very purchase sold is not its own replacement
                match(state, loss, lot, unmatched if unmatched < lot.quantity else lot.quantity)
                if not loss.unmatched_quantity:
                    fully_matched += 1
                    if at == start:
                        start += 1
                if not lot.can_replace:
                    break
            if fully_matched == count:
                break
        if stale > _STALE_BEFORE_REBUILD and 2 * stale > len(candidates):
            state.replacements[asset] = deque(
                lot for lot in candidates if lot.in_book and lot.can_replace and lot.received >= cutoff
            )
    if fully_matched < len(losses):
        waiting = state.pending_losses.get(asset)
        if waiting is None:
            waiting = state.pending_losses[asset] = deque()
        for loss in losses:
            if loss.unmatched_quantity:
                waiting.append(loss)


def replacement_arrived(state: EngineState, lot: OpenLot, day: date) -> None:
    """A purchase of a wash-sale asset: first the replacement of earlier losses still in their window."""
    asset = lot.asset
    cutoff = day - WASH_WINDOW
    waiting = state.pending_losses.get(asset)
    if waiting:
        while waiting and (not waiting[0].unmatched_quantity or waiting[0].sale_date < cutoff):
            waiting.popleft()
        for loss in waiting:
            unmatched = loss.unmatched_quantity
            if not unmatched:
                continue
            match(state, loss, lot, unmatched if unmatched < lot.quantity else lot.quantity)
            if not lot.can_replace:
                break
    if lot.can_replace:
        candidates = state.replacements.get(asset)
        if candidates is None:
            candidates = state.replacements[asset] = deque()
        while candidates and candidates[0].received < cutoff:
            candidates.popleft()
        candidates.append(lot)


def replacement_moved(state: EngineState, piece: OpenLot) -> None:
    """A piece of a replacement candidate moved to another account: it stays a candidate, in its
    acquisition's place in the queue (which is kept in acquisition order)."""
    candidates = state.replacements.get(piece.asset)
    if candidates is not None:
        at = bisect_right(
            candidates,
            (piece.acquisition_order, piece.creation_order),
            key=lambda lot: (lot.acquisition_order, lot.creation_order),
        )
        candidates.insert(at, piece)


def match(state: EngineState, loss: Loss, lot: OpenLot, quantity: Decimal) -> None:
    """`quantity` shares of `lot` replace as many loss shares: that much loss is disallowed and moves to them."""
    unmatched_quantity = loss.unmatched_quantity
    unmatched_loss = loss.unmatched_loss
    if quantity == unmatched_quantity:
        disallowed = unmatched_loss
    else:
        disallowed = (unmatched_loss * quantity / unmatched_quantity).quantize(MONEY)
    loss.unmatched_quantity = unmatched_quantity - quantity
    loss.unmatched_loss = unmatched_loss - disallowed
    disposal = loss.disposal
    disposal.wash_disallowed += disallowed
    disposal.gain += disallowed
    book = state.books[(lot.account, lot.asset)]
    if quantity < lot.quantity:
        # Only the matched shares become the replacement; they leave as a piece of their own, which can
        # replace no other loss.
        basis_out, loss_basis_out, wash_adjustment_out = split_off(lot, quantity)
        state.lots_created += 1
        piece_index = loss.piece_index
        piece = OpenLot(
            f"{lot.lot_id}/w{loss.event_id}.{piece_index}"
            if piece_index
            else f"{lot.lot_id}/w{loss.event_id}",
            lot.origin,
            lot.account,
            lot.asset,
            quantity,
            basis_out,
            lot.acquired,
            lot.received,
            lot.long_term_from,
            lot.source,
            loss_basis_out,
            wash_adjustment_out,
            state.lots_created,
            lot.acquisition_order,
            lot.hifo_key,
            False,
        )
        is_new = True
    else:
        piece = lot
        piece.can_replace = False
        piece.checkpoint_form = None
        is_new = False
    added_to_basis = state.accounts[piece.account].treatment == _TAXABLE
    if added_to_basis:
        # The disallowed loss goes into the replacement's basis and the loss shares' holding period is
        # tacked on to the replacement's.
        piece.basis += disallowed
        piece.wash_adjustment += disallowed
        # Tack on the days the sold shares were held, less the days both were held at once (a replacement
        # bought before the sale): counting those twice could make a lot long-term too early.
        sale_date = loss.sale_date
        loss_acquired = loss.acquired
        piece_acquired = piece.acquired
        held = sale_date - loss_acquired
        overlap = sale_date - (piece_acquired if piece_acquired > loss_acquired else loss_acquired)
        acquired = piece_acquired - (held - overlap if overlap > _NO_DAYS else held)
        piece.acquired = acquired
        piece.long_term_from = None if loss.always_long_term else state.long_term_from(acquired)
        piece.hifo_key = None
    if is_new:
        book.push(piece)
        lots_by_origin = book.lots_by_origin
        if lots_by_origin is not None:
            lots_by_origin.setdefault(piece.origin, []).append(piece)
    elif added_to_basis:
        # Its date and basis changed, so its place in the book did too.
        book.push(piece)
    state.wash_sales.append(
        (
            loss.order_key,
            WashSale(
                loss.event_id, loss.lot_id, piece.origin, piece.lot_id, quantity, disallowed, added_to_basis
            ),
        )
    )
