"""Open lots and the book that holds them: one per account and asset, ordered by the account's basis method."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from heapq import heappop, heappush
from typing import Any

from .errors import event_error, plain_number
from .money import MONEY
from .types import ZERO, BasisMethod, Event, Lot

# The order in which a book gives up its lots. Small ints, not the BasisMethod enum: `push` compares them
# on every acquisition.
OLDEST_FIRST, NEWEST_FIRST, HIGHEST_BASIS_FIRST = 0, 1, 2
ORDER_OF_METHOD = {
    BasisMethod.FIFO: OLDEST_FIRST,
    BasisMethod.LIFO: NEWEST_FIRST,
    BasisMethod.HIFO: HIGHEST_BASIS_FIRST,
    BasisMethod.SPECIFIC_ID: OLDEST_FIRST,  # without picks, the legal default absent identification
}


class OpenLot:
    """A lot plus the engine's bookkeeping.

    - `creation_order`: the order in which the engine made the lot (or piece of a lot).
    - `acquisition_order`: the creation order of the acquisition it comes from. It is the wash-sale
      chronology and breaks ties between lots acquired on the same date; `creation_order` then breaks ties
      between pieces of one acquisition.
    - `hifo_key`: the unit basis the HIGHEST_BASIS_FIRST order sorts by, fixed once computed so that the
      order does not drift as the lot is cut; reset to None when its basis changes otherwise.
    - `heap_version`: which of the lot's heap entries is current. Entries are never removed from the middle
      of a heap: a lot that changes place is pushed again and its older entries are skipped as they surface.
    - `in_book`: False once the lot has been taken whole.
    - `can_replace`: whether its shares can still replace a wash-sale loss.
    - `checkpoint_form`: the lot as a checkpoint writes it, cached; every change to a field the checkpoint
      stores must reset it to None.
    """

    __slots__ = (
        "account",
        "acquired",
        "acquisition_order",
        "asset",
        "basis",
        "can_replace",
        "checkpoint_form",
        "creation_order",
        "heap_version",
        "hifo_key",
        "in_book",
        "long_term_from",
        "loss_basis",
        "lot_id",
        "origin",
        "quantity",
        "received",
        "source",
        "wash_adjustment",
    )

    def __init__(
        self,
        lot_id: str,
        origin: int,
        account: int,
        asset: int,
        quantity: Decimal,
        basis: Decimal,
        acquired: date,
        received: date,
        long_term_from: date | None,
        source: str,
        loss_basis: Decimal | None,
        wash_adjustment: Decimal,
        creation_order: int,
        acquisition_order: int,
        hifo_key: Decimal | None,
        can_replace: bool,
    ) -> None:
        self.lot_id = lot_id
        self.origin = origin
        self.account = account
        self.asset = asset
        self.quantity = quantity
        self.basis = basis
        self.acquired = acquired
        self.received = received
        self.long_term_from = long_term_from
        self.source = source
        self.loss_basis = loss_basis
        self.wash_adjustment = wash_adjustment
        self.creation_order = creation_order
        self.acquisition_order = acquisition_order
        self.hifo_key = hifo_key
        self.can_replace = can_replace
        self.heap_version = 0
        self.in_book = True
        self.checkpoint_form: dict[str, Any] | None = None

    def public(self) -> Lot:
        return Lot(
            self.lot_id,
            self.origin,
            self.account,
            self.asset,
            self.quantity,
            self.basis,
            self.acquired,
            self.received,
            self.long_term_from,
            self.source,
            self.loss_basis,
            self.wash_adjustment,
        )


# What leaves a book for one lot: (lot, quantity, basis, loss basis, wash adjustment, whole lot?). A plain
# tuple because millions are built; when the lot was cut, the three amounts are what was cut off it.
Piece = tuple[OpenLot, Decimal, Decimal, "Decimal | None", Decimal, bool]


def split_off(lot: OpenLot, quantity: Decimal) -> tuple[Decimal, Decimal | None, Decimal]:
    """Take `quantity` (< lot.quantity) out of `lot` and return the basis, loss basis and wash adjustment
    that leave with it: pro rata, while what stays is the exact rest, so nothing is lost to rounding."""
    lot_quantity = lot.quantity
    basis = lot.basis
    basis_out = (basis * quantity / lot_quantity).quantize(MONEY)
    lot.basis = basis - basis_out
    loss_basis = lot.loss_basis
    loss_basis_out: Decimal | None = None
    if loss_basis is not None:
        loss_basis_out = (loss_basis * quantity / lot_quantity).quantize(MONEY)
        lot.loss_basis = loss_basis - loss_basis_out
    wash_adjustment = lot.wash_adjustment
    wash_adjustment_out = ZERO
    if wash_adjustment:
        wash_adjustment_out = (wash_adjustment * quantity / lot_quantity).quantize(MONEY)
        lot.wash_adjustment = wash_adjustment - wash_adjustment_out
    lot.quantity = lot_quantity - quantity
    lot.checkpoint_form = None
    return basis_out, loss_basis_out, wash_adjustment_out


def _unindex(lots_by_origin: dict[int, list[OpenLot]], lot: OpenLot) -> None:
    lots = lots_by_origin.get(lot.origin)
    if lots is not None:
        lots.remove(lot)
        if not lots:
            del lots_by_origin[lot.origin]


class Book:
    """The lots of one asset in one account, in a heap ordered by the account's basis method."""

    __slots__ = ("account", "asset", "heap", "lots_by_origin", "order", "quantity")

    def __init__(self, account: int, asset: int, order: int) -> None:
        self.account = account
        self.asset = asset
        self.order = order
        self.heap: list[tuple[Any, ...]] = []
        self.quantity = ZERO
        # Only specific identification needs lots by origin, so the index is built on the first pick.
        self.lots_by_origin: dict[int, list[OpenLot]] | None = None

    def push(self, lot: OpenLot) -> None:
        """Give `lot` its (new) place in the heap; any older entry of it goes stale."""
        version = lot.heap_version = lot.heap_version + 1
        order = self.order
        # A piece split off a lot (by a transfer or a wash sale) keeps its acquisition's place: ties on the
        # date go by the acquisition's order, never by when the piece was cut (§1.1012-1(c)(1)). The
        # creation order and the version make every entry unique, so a heap never compares two lots.
        if order == OLDEST_FIRST:
            heappush(self.heap, (lot.acquired, lot.acquisition_order, lot.creation_order, version, lot))
        elif order == NEWEST_FIRST:
            heappush(
                self.heap,
                (-lot.acquired.toordinal(), -lot.acquisition_order, -lot.creation_order, version, lot),
            )
        else:
            key = lot.hifo_key
            if key is None:
                key = lot.hifo_key = lot.basis / lot.quantity
                lot.checkpoint_form = None
            heappush(self.heap, (-key, lot.acquired, lot.acquisition_order, lot.creation_order, version, lot))

    def reorder(self, order: int) -> None:
        """Put the book in another order (a basis-method change took effect): every current lot again."""
        lots = self.current_lots()
        self.order = order
        self.heap = []
        for lot in lots:
            self.push(lot)

    def add(self, lot: OpenLot) -> None:
        self.quantity += lot.quantity
        self.push(lot)
        lots_by_origin = self.lots_by_origin
        if lots_by_origin is not None:
            lots_by_origin.setdefault(lot.origin, []).append(lot)

    def current_lots(self) -> list[OpenLot]:
        return [entry[-1] for entry in self.heap if entry[-1].in_book and entry[-2] == entry[-1].heap_version]

    def origin_index(self) -> dict[int, list[OpenLot]]:
        lots_by_origin = self.lots_by_origin
        if lots_by_origin is None:
            lots_by_origin = {}
            for lot in self.current_lots():
                lots_by_origin.setdefault(lot.origin, []).append(lot)
            self.lots_by_origin = lots_by_origin
        return lots_by_origin

    def take(self, event: Event, quantity: Decimal) -> list[Piece]:
        """Take `quantity` out of the book: the picked lots if the event names any, else in the book's order."""
        if quantity > self.quantity:
            raise event_error(
                event,
                "quantity",
                f"quantity {plain_number(quantity)} is more than the {plain_number(self.quantity)} "
                "the account holds",
            )
        if event.lot_picks:
            return self.take_picks(event, quantity)
        heap = self.heap
        pieces: list[Piece] = []
        remaining = quantity
        lots_by_origin = self.lots_by_origin
        while True:
            entry = heap[0]
            lot = entry[-1]
            if entry[-2] != lot.heap_version or not lot.in_book:
                heappop(heap)
                continue
            lot_quantity = lot.quantity
            if lot_quantity <= remaining:
                heappop(heap)
                lot.in_book = False
                if lots_by_origin is not None:
                    _unindex(lots_by_origin, lot)
                pieces.append((lot, lot_quantity, lot.basis, lot.loss_basis, lot.wash_adjustment, True))
                remaining -= lot_quantity
                if not remaining:
                    break
            else:
                basis_out, loss_basis_out, wash_adjustment_out = split_off(lot, remaining)
                pieces.append((lot, remaining, basis_out, loss_basis_out, wash_adjustment_out, False))
                break
        self.quantity -= quantity
        return pieces

    def take_picks(self, event: Event, quantity: Decimal) -> list[Piece]:
        """Specific identification: take from the lots of the acquisitions the event names."""
        need: dict[int, Decimal] = {}
        total = ZERO
        for pick in event.lot_picks:
            if not pick.quantity > 0:
                raise event_error(
                    event, "lot_picks", f"picked quantity must be positive, got {plain_number(pick.quantity)}"
                )
            need[pick.origin_event_id] = need.get(pick.origin_event_id, ZERO) + pick.quantity
            total += pick.quantity
        if total != quantity:
            raise event_error(
                event,
                "lot_picks",
                f"picked lots add up to {plain_number(total)}, not the quantity {plain_number(quantity)}",
            )
        lots_by_origin = self.origin_index()
        for origin, needed in need.items():
            lots = lots_by_origin.get(origin)
            if not lots:
                raise event_error(
                    event, "lot_picks", f"no open lot from event {origin} in this account and asset"
                )
            held = sum((lot.quantity for lot in lots), ZERO)
            if needed > held:
                raise event_error(
                    event,
                    "lot_picks",
                    f"picked {plain_number(needed)} from the lots of event {origin}, "
                    f"which hold {plain_number(held)}",
                )
        pieces: list[Piece] = []
        # Picks naming the same origin are taken together, so no lot is cut twice by one event.
        for origin, remaining in need.items():
            lots = lots_by_origin[origin]
            lots.sort(key=lambda lot: (lot.acquired, lot.acquisition_order, lot.creation_order))
            while remaining:
                lot = lots[0]
                lot_quantity = lot.quantity
                if lot_quantity <= remaining:
                    # Its heap entry stays behind, skipped as stale when it surfaces.
                    lot.in_book = False
                    del lots[0]
                    pieces.append((lot, lot_quantity, lot.basis, lot.loss_basis, lot.wash_adjustment, True))
                    remaining -= lot_quantity
                else:
                    basis_out, loss_basis_out, wash_adjustment_out = split_off(lot, remaining)
                    pieces.append((lot, remaining, basis_out, loss_basis_out, wash_adjustment_out, False))
                    remaining = ZERO
            if not lots:
                del lots_by_origin[origin]
        self.quantity -= quantity
        return pieces
