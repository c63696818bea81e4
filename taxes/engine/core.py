"""The lot engine: replays ledger events in order and keeps per-account tax lots.

Money values (basis, proceeds, income, fair values, disallowed losses) are rounded half-even to 18 decimal
places, the precision the database stores; every split of a value into pieces hands the remainder to the last
piece, so the pieces always sum exactly to the whole. Quantities are never rounded.

Fees in USD add to basis on acquisitions (buy, transfer, gift received, inheritance) and reduce proceeds on
disposals (sell, trade, fee). A fee on an income event is ignored: the income value is the lot's basis.
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from heapq import heappop, heappush
from operator import attrgetter, itemgetter
from typing import Any

from .holding import holding_long_term_from
from .types import (
    INCOME_TYPES,
    ZERO,
    AccountInfo,
    AssetInfo,
    BasisMethod,
    Checkpoint,
    Disposal,
    EngineError,
    Event,
    EventType,
    IncomeRecord,
    Lot,
    OrderKey,
    Result,
    TaxTreatment,
    Term,
    Transfer,
    WashSale,
)

CONTEXT = Context(prec=80)
MONEY = Decimal("1e-18")
WASH_WINDOW = timedelta(days=30)

_FIFO, _LIFO, _HIFO = 0, 1, 2
_METHOD = {
    BasisMethod.FIFO: _FIFO,
    BasisMethod.LIFO: _LIFO,
    BasisMethod.HIFO: _HIFO,
    BasisMethod.SPECIFIC_ID: _FIFO,  # without picks, the legal default absent identification
}
_TAXABLE = TaxTreatment.TAXABLE
_LONG = Term.LONG
_SHORT = Term.SHORT
_ORDER = attrgetter("timestamp", "id")

# A piece taken from a lot: (lot, quantity, basis, loss_basis, wash_adjustment, whole lot?)
Piece = tuple["_Lot", Decimal, Decimal, "Decimal | None", Decimal, bool]


_NO_DAYS = timedelta(0)


class _Lot:
    """A lot plus the engine's bookkeeping.

    `seq` is the creation order (FIFO tie-break); `aseq` the creation order of the acquisition it comes from
    (the wash-sale chronology); `key` the HIFO unit basis, fixed once computed so that ordering never drifts;
    `ver` the heap entry that is current; `repl` whether its shares can still be a wash-sale replacement;
    `js` caches the checkpoint form: every change to a serialised field must reset it to None.
    """

    __slots__ = (
        "account",
        "acquired",
        "alive",
        "aseq",
        "asset",
        "basis",
        "js",
        "key",
        "loss_basis",
        "lot_id",
        "ltf",
        "origin",
        "quantity",
        "received",
        "repl",
        "seq",
        "source",
        "ver",
        "wash_adj",
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
        ltf: date | None,
        source: str,
        loss_basis: Decimal | None,
        wash_adj: Decimal,
        seq: int,
        aseq: int,
        key: Decimal | None,
        repl: bool,
    ) -> None:
        self.lot_id = lot_id
        self.origin = origin
        self.account = account
        self.asset = asset
        self.quantity = quantity
        self.basis = basis
        self.acquired = acquired
        self.received = received
        self.ltf = ltf
        self.source = source
        self.loss_basis = loss_basis
        self.wash_adj = wash_adj
        self.seq = seq
        self.aseq = aseq
        self.key = key
        self.repl = repl
        self.ver = 0
        self.alive = True
        self.js: dict[str, Any] | None = None  # its checkpoint form, until it changes

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
            self.ltf,
            self.source,
            self.loss_basis,
            self.wash_adj,
        )


class _Book:
    """The lots of one asset in one account, in a heap ordered by the account's basis method."""

    __slots__ = ("account", "asset", "by_origin", "heap", "method", "total")

    def __init__(self, account: int, asset: int, method: int) -> None:
        self.account = account
        self.asset = asset
        self.method = method
        self.heap: list[tuple[Any, ...]] = []
        self.total = ZERO
        self.by_origin: dict[int, list[_Lot]] | None = None  # built on the first specific identification


class _Loss:
    """A wash-sale loss (one lot piece of a taxable loss sale) not yet fully matched to replacements.

    `marks` are the lengths of the disposal, income, transfer and wash-sale lists when its event started.
    `aseq` is the acquisition the sold shares came from: the unsold rest of that same purchase is not a
    replacement (Rev. Rul. 56-602). It only matters while the sale itself looks back, so checkpoints omit it.
    """

    __slots__ = (
        "acquired",
        "aseq",
        "asset",
        "date",
        "disposal",
        "event_id",
        "idx",
        "key",
        "lot_id",
        "ltf_none",
        "marks",
        "rem_loss",
        "rem_qty",
    )

    def __init__(
        self,
        event_id: int,
        key: OrderKey,
        day: date,
        asset: int,
        lot_id: str,
        idx: int,
        acquired: date,
        ltf_none: bool,
        rem_qty: Decimal,
        rem_loss: Decimal,
        disposal: Disposal,
        marks: tuple[int, int, int, int],
        aseq: int = -1,
    ) -> None:
        self.aseq = aseq
        self.event_id = event_id
        self.key = key
        self.date = day
        self.asset = asset
        self.lot_id = lot_id
        self.idx = idx
        self.acquired = acquired
        self.ltf_none = ltf_none
        self.rem_qty = rem_qty
        self.rem_loss = rem_loss
        self.disposal = disposal
        self.marks = marks


def _n(value: Decimal) -> str:
    """A number for a message: fixed point, no padding zeros (5, not 5.000000000000000000 or 5E+0)."""
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _err(ev: Event, field: str, message: str) -> EngineError:
    return EngineError(message, event_id=ev.id, field=field)


def _cut(lot: _Lot, m: Decimal) -> tuple[Decimal, Decimal | None, Decimal]:
    """Take `m` (< lot.quantity) out of `lot`; the basis leaves pro rata and what stays is the exact rest."""
    lq = lot.quantity
    b = lot.basis
    bt = (b * m / lq).quantize(MONEY)
    lot.basis = b - bt
    lb = lot.loss_basis
    lbt: Decimal | None = None
    if lb is not None:
        lbt = (lb * m / lq).quantize(MONEY)
        lot.loss_basis = lb - lbt
    wa = lot.wash_adj
    wat = ZERO
    if wa:
        wat = (wa * m / lq).quantize(MONEY)
        lot.wash_adj = wa - wat
    lot.quantity = lq - m
    lot.js = None
    return bt, lbt, wat


class Engine:
    """Mutable engine state; `compute()` is the public entry point."""

    def __init__(self, accounts: Mapping[int, AccountInfo], assets: Mapping[int, AssetInfo]) -> None:
        self.accounts = accounts
        self.assets = assets
        self.books: dict[tuple[int, int], _Book] = {}
        self.seq = 0
        self.ver = 0
        self.disposals: list[Disposal] = []
        self.income: list[IncomeRecord] = []
        self.transfers: list[Transfer] = []
        self.wash: list[tuple[OrderKey, WashSale]] = []  # (loss event key, record), in emission order
        self.recent: dict[int, deque[_Lot]] = {}  # wash-sale assets: replacement candidates
        self.pending: dict[int, deque[_Loss]] = {}  # wash-sale assets: losses waiting for replacements
        self.ltf_cache: dict[date, date] = {}
        self.handlers: dict[str, Callable[[Event], None]] = {
            EventType.BUY: self.buy,
            EventType.SELL: self.sell,
            EventType.TRADE: self.trade,
            EventType.TRANSFER: self.transfer,
            EventType.DONATION: self.give,
            EventType.GIFT_SENT: self.give,
            EventType.GIFT_RECEIVED: self.gift_received,
            EventType.INHERITANCE: self.inheritance,
            EventType.DEPOSIT: self.nothing,
            EventType.WITHDRAWAL: self.nothing,
            EventType.FEE: self.fee,
        }
        for t in INCOME_TYPES:
            self.handlers[t] = self.income_event

    # ---- helpers -------------------------------------------------------------------------------------------

    def ltf(self, d: date) -> date:
        r = self.ltf_cache.get(d)
        if r is None:
            r = self.ltf_cache[d] = holding_long_term_from(d)
        return r

    def book(self, account: int, asset: int) -> _Book:
        b = self.books.get((account, asset))
        if b is None:
            info = self.accounts.get(account)
            if info is None:
                raise EngineError(f"unknown account {account}", field="account")
            b = self.books[(account, asset)] = _Book(account, asset, _METHOD[info.basis_method])
        return b

    def push(self, book: _Book, lot: _Lot) -> None:
        self.ver += 1
        v = lot.ver = self.ver
        m = book.method
        # A piece split off a lot (by a transfer or a wash sale) keeps its acquisition's place: ties on the
        # date go by the acquisition's order (`aseq`), never by when the piece was cut (§1.1012-1(c)(1)).
        if m == _FIFO:
            heappush(book.heap, (lot.acquired, lot.aseq, lot.seq, v, lot))
        elif m == _LIFO:
            heappush(book.heap, (-lot.acquired.toordinal(), -lot.aseq, -lot.seq, v, lot))
        else:
            k = lot.key
            if k is None:
                k = lot.key = lot.basis / lot.quantity
                lot.js = None
            heappush(book.heap, (-k, lot.acquired, lot.aseq, lot.seq, v, lot))

    def add(self, book: _Book, lot: _Lot) -> None:
        book.total += lot.quantity
        self.push(book, lot)
        idx = book.by_origin
        if idx is not None:
            idx.setdefault(lot.origin, []).append(lot)

    def origin_index(self, book: _Book) -> dict[int, list[_Lot]]:
        idx = book.by_origin
        if idx is None:
            idx = {}
            for entry in book.heap:
                lot = entry[-1]
                if lot.alive and entry[-2] == lot.ver:
                    idx.setdefault(lot.origin, []).append(lot)
            book.by_origin = idx
        return idx

    def account_of(self, ev: Event) -> AccountInfo:
        info = self.accounts.get(ev.account)
        if info is None:
            raise _err(ev, "account", f"unknown account {ev.account}")
        return info

    def checked_asset(self, ev: Event) -> AssetInfo:
        """The event's asset, once the quantity (positive) and fee (not negative) have been checked."""
        if ev.asset is None:
            raise _err(ev, "asset", "an asset is required")
        info = self.assets.get(ev.asset)
        if info is None:
            raise _err(ev, "asset", f"unknown asset {ev.asset}")
        q = ev.quantity
        if not q > 0:
            raise _err(ev, "quantity", f"quantity must be positive, got {_n(q)}")
        if ev.fee < 0:
            raise _err(ev, "fee", f"fee must not be negative, got {_n(ev.fee)}")
        return info

    @staticmethod
    def price_of(ev: Event) -> Decimal:
        p = ev.unit_price
        if p is None:
            raise _err(ev, "unit_price", f"a unit price (fair value) is required for {ev.type}")
        if p < 0:
            raise _err(ev, "unit_price", f"unit price must not be negative, got {_n(p)}")
        return p

    # ---- taking lots out of a book ---------------------------------------------------------------------

    def take(self, book: _Book, ev: Event, q: Decimal) -> list[Piece]:
        if q > book.total:
            raise _err(
                ev, "quantity", f"quantity {_n(q)} is more than the {_n(book.total)} the account holds"
            )
        if ev.lot_picks:
            return self.take_picks(book, ev, q)
        heap = book.heap
        pieces: list[Piece] = []
        rem = q
        idx = book.by_origin
        while True:
            entry = heap[0]
            lot = entry[-1]
            if entry[-2] != lot.ver or not lot.alive:
                heappop(heap)
                continue
            lq = lot.quantity
            if lq <= rem:
                heappop(heap)
                lot.alive = False
                if idx is not None:
                    self.unindex(idx, lot)
                pieces.append((lot, lq, lot.basis, lot.loss_basis, lot.wash_adj, True))
                rem -= lq
                if not rem:
                    break
            else:
                bt, lbt, wat = _cut(lot, rem)
                pieces.append((lot, rem, bt, lbt, wat, False))
                break
        book.total -= q
        return pieces

    @staticmethod
    def unindex(idx: dict[int, list[_Lot]], lot: _Lot) -> None:
        lots = idx.get(lot.origin)
        if lots is not None:
            lots.remove(lot)
            if not lots:
                del idx[lot.origin]

    def take_picks(self, book: _Book, ev: Event, q: Decimal) -> list[Piece]:
        need: dict[int, Decimal] = {}
        total = ZERO
        for p in ev.lot_picks:
            if not p.quantity > 0:
                raise _err(ev, "lot_picks", f"picked quantity must be positive, got {_n(p.quantity)}")
            need[p.origin_event_id] = need.get(p.origin_event_id, ZERO) + p.quantity
            total += p.quantity
        if total != q:
            raise _err(ev, "lot_picks", f"picked lots add up to {_n(total)}, not the quantity {_n(q)}")
        idx = self.origin_index(book)
        for origin, nq in need.items():
            lots = idx.get(origin)
            if not lots:
                raise _err(ev, "lot_picks", f"no open lot from event {origin} in this account and asset")
            held = sum((lot.quantity for lot in lots), ZERO)
            if nq > held:
                raise _err(
                    ev, "lot_picks", f"picked {_n(nq)} from the lots of event {origin}, which hold {_n(held)}"
                )
        pieces: list[Piece] = []
        # Picks naming the same origin are taken together, so no lot is cut twice by one event.
        for origin, rem in need.items():
            lots = idx[origin]
            lots.sort(key=lambda lot: (lot.acquired, lot.aseq, lot.seq))
            while rem:
                lot = lots[0]
                lq = lot.quantity
                if lq <= rem:
                    lot.alive = False
                    del lots[0]
                    pieces.append((lot, lq, lot.basis, lot.loss_basis, lot.wash_adj, True))
                    rem -= lq
                else:
                    bt, lbt, wat = _cut(lot, rem)
                    pieces.append((lot, rem, bt, lbt, wat, False))
                    rem = ZERO
            if not lots:
                del idx[origin]
        book.total -= q
        return pieces

    # ---- events --------------------------------------------------------------------------------------------

    def nothing(self, ev: Event) -> None:
        return None

    def new_lot(
        self,
        ev: Event,
        acct: AccountInfo,
        asset: int,
        quantity: Decimal,
        basis: Decimal,
        acquired: date,
        ltf: date | None,
        source: str,
        loss_basis: Decimal | None,
        repl: bool,
    ) -> _Lot:
        self.seq += 1
        s = self.seq
        lot = _Lot(
            str(ev.id),
            ev.id,
            acct.id,
            asset,
            quantity,
            basis,
            acquired,
            ev.date,
            ltf,
            source,
            loss_basis,
            ZERO,
            s,
            s,
            None,
            repl,
        )
        self.add(self.book(acct.id, asset), lot)
        return lot

    def buy(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        if asset.is_cash:
            return
        q = ev.quantity
        d = ev.date
        lot = self.new_lot(
            ev,
            acct,
            asset.id,
            q,
            (q * self.price_of(ev) + ev.fee).quantize(MONEY),
            d,
            self.ltf(d),
            "buy",
            None,
            True,
        )
        if asset.wash_sale:
            self.replacement_arrived(lot, d)

    def sell(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        if asset.is_cash:
            return
        q = ev.quantity
        self.dispose(ev, "sell", acct, asset, q, (q * self.price_of(ev) - ev.fee).quantize(MONEY))

    def fee(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        if asset.is_cash:
            return
        q = ev.quantity
        self.dispose(ev, "fee", acct, asset, q, (q * self.price_of(ev) - ev.fee).quantize(MONEY))

    def trade(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        ca = ev.counter_asset
        if ca is None:
            raise _err(ev, "counter_asset", "a trade needs the asset received")
        counter = self.assets.get(ca)
        if counter is None:
            raise _err(ev, "counter_asset", f"unknown asset {ca}")
        if ca == asset.id:
            raise _err(ev, "counter_asset", "a trade must receive a different asset")
        cq = ev.counter_quantity
        if cq is None:
            raise _err(ev, "counter_quantity", "a trade needs the quantity received")
        if not cq > 0:
            raise _err(ev, "counter_quantity", f"a trade needs a positive quantity received, got {_n(cq)}")
        q = ev.quantity
        value = q * self.price_of(ev)
        fee = ev.fee
        if not asset.is_cash:
            # §1.1001-7: the fee is allocated to the disposed asset.
            self.dispose(ev, "trade", acct, asset, q, (value - fee).quantize(MONEY))
        else:
            value += fee  # paid in cash: a purchase, and the fee adds to basis
        if not counter.is_cash:
            d = ev.date
            lot = self.new_lot(ev, acct, ca, cq, value.quantize(MONEY), d, self.ltf(d), "trade", None, True)
            if counter.wash_sale:
                self.replacement_arrived(lot, d)

    def income_event(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        q = ev.quantity
        value = (q * self.price_of(ev)).quantize(MONEY)
        kind = str(ev.type)
        d = ev.date
        self.income.append(
            IncomeRecord(ev.id, kind, acct.id, asset.id, d, q, value, acct.treatment == _TAXABLE)
        )
        if not asset.is_cash:
            self.new_lot(ev, acct, asset.id, q, value, d, self.ltf(d), kind, None, False)

    def gift_received(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        cost = ev.cost_basis
        if cost is None:
            raise _err(ev, "cost_basis", "a gift received needs the donor's cost basis")
        if cost < 0:
            raise _err(ev, "cost_basis", f"cost basis must not be negative, got {_n(cost)}")
        acquired = ev.acquired_date
        if acquired is None:
            raise _err(ev, "acquired_date", "a gift received needs the donor's acquisition date")
        if acquired > ev.date:
            raise _err(ev, "acquired_date", f"the donor's acquisition date {acquired} is after the gift")
        q = ev.quantity
        fv = (q * self.price_of(ev)).quantize(MONEY)
        if asset.is_cash:
            return
        fee = ev.fee
        basis = (cost + fee).quantize(MONEY)
        loss_basis = (fv + fee).quantize(MONEY) if fv < cost else None
        self.new_lot(
            ev, acct, asset.id, q, basis, acquired, self.ltf(acquired), "gift_received", loss_basis, False
        )

    def inheritance(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        q = ev.quantity
        basis = (q * self.price_of(ev) + ev.fee).quantize(MONEY)
        if asset.is_cash:
            return
        acquired = ev.acquired_date or ev.date
        if acquired > ev.date:
            raise _err(ev, "acquired_date", f"the date of death {acquired} is after the inheritance")
        self.new_lot(ev, acct, asset.id, q, basis, acquired, None, "inheritance", None, False)

    def transfer(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        to = ev.to_account
        if to is None:
            raise _err(ev, "to_account", "a transfer needs the destination account")
        if to == acct.id:
            raise _err(ev, "to_account", "a transfer must go to a different account")
        dest = self.accounts.get(to)
        if dest is None:
            raise _err(ev, "to_account", f"unknown account {to}")
        if asset.is_cash:
            return
        if dest.treatment != acct.treatment:
            self.transfer_across(ev, acct, dest, asset)
            return
        q = ev.quantity
        pieces = self.take(self.book(acct.id, asset.id), ev, q)
        dbook = self.book(to, asset.id)
        fee = ev.fee
        fee_left = fee
        last = len(pieces) - 1
        wash = asset.wash_sale
        cutoff = ev.date - WASH_WINDOW
        for i, (lot, pq, bt, lbt, wat, whole) in enumerate(pieces):
            if fee:
                if i == last:
                    f = fee_left
                else:
                    f = (fee * pq / q).quantize(MONEY)
                    fee_left -= f
            else:
                f = ZERO
            if whole:
                lot.alive = True
                lot.account = to
                lot.js = None
                if f:
                    lot.basis += f
                    if lot.loss_basis is not None:
                        lot.loss_basis += f
                    lot.key = None
                self.add(dbook, lot)
            else:
                self.seq += 1
                moved = _Lot(
                    f"{lot.lot_id}/t{ev.id}",
                    lot.origin,
                    to,
                    lot.asset,
                    pq,
                    bt + f,
                    lot.acquired,
                    lot.received,
                    lot.ltf,
                    lot.source,
                    None if lbt is None else lbt + f,
                    wat,
                    self.seq,
                    lot.aseq,
                    None if f else lot.key,
                    lot.repl,
                )
                self.add(dbook, moved)
                if wash and moved.repl and moved.received >= cutoff:
                    rq = self.recent.get(lot.asset)
                    if rq is not None:
                        at = bisect_right(rq, (moved.aseq, moved.seq), key=lambda x: (x.aseq, x.seq))
                        rq.insert(at, moved)

    def transfer_across(self, ev: Event, acct: AccountInfo, dest: AccountInfo, asset: AssetInfo) -> None:
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
        if acct.treatment == TaxTreatment.TAX_FREE and dest.treatment == TaxTreatment.TAX_DEFERRED:
            raise _err(
                ev,
                "to_account",
                "a transfer from a tax-free account (Roth, HSA) into a tax-deferred one is not possible; "
                "record a sale in one account and a buy in the other",
            )
        if ev.unit_price is None:
            raise _err(
                ev,
                "unit_price",
                f"a transfer from a {acct.treatment.value.replace('_', '-')} into a "
                f"{dest.treatment.value.replace('_', '-')} account needs the fair value in USD per unit that day",
            )
        price = self.price_of(ev)
        q = ev.quantity
        d = ev.date
        value = q * price
        if acct.treatment == _TAXABLE:
            self.dispose(ev, "transfer", acct, asset, q, (value - ev.fee).quantize(MONEY))
            lot = self.new_lot(
                ev, dest, asset.id, q, value.quantize(MONEY), d, self.ltf(d), "transfer", None, True
            )
            if asset.wash_sale:
                self.replacement_arrived(lot, d)
            return
        kind = "distribution" if dest.treatment == _TAXABLE else "conversion"
        pieces = self.take(self.book(acct.id, asset.id), ev, q)
        total = value.quantize(MONEY)
        rest = total
        last = len(pieces) - 1
        out = self.transfers
        for i, (lot, pq, bt, _lbt, _wat, _whole) in enumerate(pieces):
            if i == last:
                fv = rest
            else:
                fv = (total * pq / q).quantize(MONEY)
                rest -= fv
            ltf = lot.ltf
            term = _LONG if ltf is None or d >= ltf else _SHORT
            out.append(
                Transfer(ev.id, kind, acct.id, asset.id, lot.lot_id, pq, lot.acquired, d, bt, fv, term, ZERO)
            )
        basis = (value + ev.fee).quantize(MONEY) if kind == "distribution" else total
        self.new_lot(ev, dest, asset.id, q, basis, d, self.ltf(d), kind, None, False)

    def give(self, ev: Event) -> None:
        acct = self.account_of(ev)
        asset = self.checked_asset(ev)
        price = self.price_of(ev)
        if asset.is_cash:
            return
        kind = str(ev.type)
        donation = ev.type == EventType.DONATION
        d = ev.date
        pieces = self.take(self.book(acct.id, asset.id), ev, ev.quantity)
        out = self.transfers
        for lot, pq, bt, _lbt, _wat, _whole in pieces:
            fv = (pq * price).quantize(MONEY)
            ltf = lot.ltf
            term = _LONG if ltf is None or d >= ltf else _SHORT
            deduction = (fv if term is _LONG else min(bt, fv)) if donation else ZERO
            out.append(
                Transfer(
                    ev.id, kind, acct.id, asset.id, lot.lot_id, pq, lot.acquired, d, bt, fv, term, deduction
                )
            )

    def dispose(
        self, ev: Event, kind: str, acct: AccountInfo, asset: AssetInfo, q: Decimal, proceeds: Decimal
    ) -> None:
        out = self.disposals
        start = len(out)
        pieces = self.take(self.book(acct.id, asset.id), ev, q)
        d = ev.date
        taxable = acct.treatment == _TAXABLE
        wash = taxable and asset.wash_sale and (acct.wash_sale_digital or asset.is_security)
        losses: list[_Loss] | None = None
        last = len(pieces) - 1
        rest = proceeds
        eid = ev.id
        aid = asset.id
        for i, (lot, pq, bt, lbt, _wat, _whole) in enumerate(pieces):
            if i == last:
                pr = rest
            else:
                pr = (proceeds * pq / q).quantize(MONEY)
                rest -= pr
            if lbt is None or pr > bt:
                rb = bt
            elif pr < lbt:
                rb = lbt  # dual basis: a loss is measured from the fair value at the gift
            else:
                rb = pr  # between the two bases: neither gain nor loss
            gain = pr - rb
            ltf = lot.ltf
            acquired = lot.acquired
            if lbt is not None and pr < lbt and not pr > bt:
                # The donor's holding period comes with the donor's basis only (§1223(2)); a loss measured
                # from the fair value at the gift is held from the day of the gift.
                acquired = lot.received
                ltf = self.ltf(acquired)
            disp = Disposal(
                eid,
                kind,
                acct.id,
                aid,
                lot.lot_id,
                lot.origin,
                pq,
                acquired,
                d,
                pr,
                rb,
                gain,
                _LONG if ltf is None or d >= ltf else _SHORT,
                taxable,
                ZERO,
                bt,
            )
            out.append(disp)
            if wash and gain < 0:
                if losses is None:
                    losses = []
                losses.append(
                    _Loss(
                        eid,
                        (ev.timestamp, eid),
                        d,
                        aid,
                        lot.lot_id,
                        i,
                        acquired,
                        ltf is None,
                        pq,
                        -gain,
                        disp,
                        (start, len(self.income), len(self.transfers), len(self.wash)),
                        lot.aseq,
                    )
                )
        if losses is not None:
            self.wash_after_loss(d, aid, losses)

    # ---- wash sales ----------------------------------------------------------------------------------------

    def wash_after_loss(self, d: date, aid: int, losses: list[_Loss]) -> None:
        """Match new losses to replacement shares bought in the 30 days before; the rest wait for buys."""
        cutoff = d - WASH_WINDOW
        li = 0  # losses fully matched so far
        nl = len(losses)
        rq = self.recent.get(aid)
        if rq:
            while rq:
                f = rq[0]
                if f.alive and f.repl and f.received >= cutoff:
                    break
                rq.popleft()
            stale = 0
            for lot in rq:
                if not (lot.alive and lot.repl) or lot.received < cutoff:
                    stale += 1
                    continue
                for loss in losses:
                    rem = loss.rem_qty
                    if not rem or loss.aseq == lot.aseq:
                        continue  # the rest of the very purchase sold is not its own replacement
                    self.match(loss, lot, rem if rem < lot.quantity else lot.quantity)
                    if not loss.rem_qty:
                        li += 1
                    if not lot.repl:
                        break
                if li == nl:
                    break
            if stale > 32 and 2 * stale > len(rq):
                self.recent[aid] = deque(x for x in rq if x.alive and x.repl and x.received >= cutoff)
        if li < nl:
            pq = self.pending.get(aid)
            if pq is None:
                pq = self.pending[aid] = deque()
            for loss in losses:
                if loss.rem_qty:
                    pq.append(loss)

    def replacement_arrived(self, lot: _Lot, d: date) -> None:
        """A purchase of a wash-sale asset: first the replacement of earlier losses still in their window."""
        aid = lot.asset
        cutoff = d - WASH_WINDOW
        pq = self.pending.get(aid)
        if pq:
            while pq and (not pq[0].rem_qty or pq[0].date < cutoff):
                pq.popleft()
            for loss in pq:
                rem = loss.rem_qty
                if not rem:
                    continue
                self.match(loss, lot, rem if rem < lot.quantity else lot.quantity)
                if not lot.repl:
                    break
        if lot.repl:
            rq = self.recent.get(aid)
            if rq is None:
                rq = self.recent[aid] = deque()
            while rq and rq[0].received < cutoff:
                rq.popleft()
            rq.append(lot)

    def match(self, loss: _Loss, lot: _Lot, m: Decimal) -> None:
        """`m` shares of `lot` replace `m` loss shares: that much loss is disallowed and moves to them."""
        rem_qty = loss.rem_qty
        rem_loss = loss.rem_loss
        dis = rem_loss if m == rem_qty else (rem_loss * m / rem_qty).quantize(MONEY)
        loss.rem_qty = rem_qty - m
        loss.rem_loss = rem_loss - dis
        disp = loss.disposal
        disp.wash_disallowed += dis
        disp.gain += dis
        book = self.books[(lot.account, lot.asset)]
        if m < lot.quantity:
            bt, lbt, wat = _cut(lot, m)
            self.seq += 1
            piece = _Lot(
                f"{lot.lot_id}/w{loss.event_id}" + (f".{loss.idx}" if loss.idx else ""),
                lot.origin,
                lot.account,
                lot.asset,
                m,
                bt,
                lot.acquired,
                lot.received,
                lot.ltf,
                lot.source,
                lbt,
                wat,
                self.seq,
                lot.aseq,
                lot.key,
                False,
            )
            new = True
        else:
            piece = lot
            piece.repl = False
            piece.js = None
            new = False
        added = self.accounts[piece.account].treatment == _TAXABLE
        if added:
            # The disallowed loss goes into the replacement's basis and the loss shares' holding period is
            # tacked on to the replacement's.
            piece.basis += dis
            piece.wash_adj += dis
            # Tack on the days the sold shares were held, less the days both were held at once (a replacement
            # bought before the sale): counting those twice could make a lot long-term too early.
            held = loss.date - loss.acquired
            overlap = loss.date - max(piece.acquired, loss.acquired)
            acquired = piece.acquired - (held - overlap if overlap > _NO_DAYS else held)
            piece.acquired = acquired
            piece.ltf = None if loss.ltf_none else self.ltf(acquired)
            piece.key = None
        if new:
            self.push(book, piece)
            idx = book.by_origin
            if idx is not None:
                idx.setdefault(piece.origin, []).append(piece)
        elif added:
            self.push(book, piece)
        self.wash.append(
            (loss.key, WashSale(loss.event_id, loss.lot_id, piece.origin, piece.lot_id, m, dis, added))
        )

    # ---- run -----------------------------------------------------------------------------------------------

    def open_lots(self) -> list[_Lot]:
        lots = []
        for book in self.books.values():
            for entry in book.heap:
                lot = entry[-1]
                if lot.alive and entry[-2] == lot.ver and lot.quantity > 0:
                    lots.append(lot)
        return lots

    def result(self) -> Result:
        lots = [lot.public() for lot in self.open_lots()]
        lots.sort(key=attrgetter("account", "asset", "acquired", "lot_id"))
        wash = [w for _, w in sorted(self.wash, key=itemgetter(0))]
        return Result(
            lots=lots, disposals=self.disposals, income=self.income, transfers=self.transfers, wash_sales=wash
        )

    def open_losses(self, day: date) -> list[_Loss]:
        """Losses whose wash-sale window is still open for an event dated `day` or later."""
        cutoff = day - WASH_WINDOW
        return [loss for pq in self.pending.values() for loss in pq if loss.rem_qty and loss.date >= cutoff]


def compute(
    events: Sequence[Event],
    *,
    accounts: Mapping[int, AccountInfo],
    assets: Mapping[int, AssetInfo],
    as_of: date,
    start: Checkpoint | None = None,
    checkpoint_every: int = 0,
) -> Result:
    """Replay `events` (in order key order) and return the open lots and the records they produced.

    With `start`, resume from that checkpoint: `events` must be exactly those after `start.after`, and the
    result holds every open lot plus the records of every event with order key >= `start.replace_from`.
    With `checkpoint_every` > 0, a checkpoint is taken after every that many events of this run.
    """
    if checkpoint_every < 0:
        raise EngineError(f"checkpoint_every must not be negative, got {checkpoint_every}")
    ordered = sorted(events, key=_ORDER)
    # The engine allocates millions of long-lived objects and no reference cycles: the cyclic collector's
    # repeated passes over them would cost about a third of the run, so it is paused (and restored) here.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with localcontext(CONTEXT):
            return _run(ordered, accounts, assets, as_of, start, checkpoint_every)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(
    ordered: list[Event],
    accounts: Mapping[int, AccountInfo],
    assets: Mapping[int, AssetInfo],
    as_of: date,
    start: Checkpoint | None,
    every: int,
) -> Result:
    from .state import checkpoint_of, restore

    eng = Engine(accounts, assets)
    if start is not None:
        restore(eng, start)
        if ordered and _ORDER(ordered[0]) <= start.after:
            raise _err(ordered[0], "timestamp", "the event is not after the checkpoint it resumes from")
    handlers = eng.handlers
    seen: set[int] = set()
    checkpoints: list[Checkpoint] = []
    countdown = every
    for ev in ordered:
        if ev.date > as_of:
            raise _err(ev, "timestamp", f"the event is dated {ev.date}, after {as_of}")
        eid = ev.id
        if eid in seen:
            raise _err(ev, "id", "two events have the same id")
        seen.add(eid)
        handler = handlers.get(ev.type)
        if handler is None:
            raise _err(ev, "type", f"unknown event type {ev.type!r}")
        if countdown == 1:
            marks = (len(eng.disposals), len(eng.income), len(eng.transfers), len(eng.wash))
            handler(ev)
            checkpoints.append(checkpoint_of(eng, ev, marks))
            countdown = every
        else:
            handler(ev)
            countdown -= 1
    result = eng.result()
    result.checkpoints = checkpoints
    eng.handlers.clear()  # bound methods refer back to the engine: break the cycle
    return result
