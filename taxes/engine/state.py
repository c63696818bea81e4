"""The state of one engine run: the books, the records produced so far, and the wash-sale queues of
replacement candidates and of losses waiting for replacements."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter, itemgetter

from .errors import event_error, plain_number
from .holding import holding_long_term_from
from .lots import ORDER_OF_METHOD, Book, OpenLot
from .types import (
    AccountInfo,
    AssetInfo,
    Disposal,
    EngineError,
    Event,
    IncomeRecord,
    OrderKey,
    Result,
    Transfer,
    WashSale,
)

WASH_WINDOW = timedelta(days=30)


class Loss:
    """A piece of a taxable loss sale of a wash-sale asset whose loss is not yet fully matched to replacements.

    `record_marks` are the lengths of the disposal, income, transfer and wash-sale lists when its event
    started: a checkpoint keeps every record from the earliest open loss's marks on, since matching can still
    change them. `acquisition_order` is the acquisition the sold shares came from: the unsold rest of that
    same purchase is not a replacement (Rev. Rul. 56-602). It only matters while the sale itself looks back,
    so checkpoints omit it.
    """

    __slots__ = (
        "acquired",
        "acquisition_order",
        "always_long_term",
        "asset",
        "disposal",
        "event_id",
        "lot_id",
        "order_key",
        "piece_index",
        "record_marks",
        "sale_date",
        "unmatched_loss",
        "unmatched_quantity",
    )

    def __init__(
        self,
        event_id: int,
        order_key: OrderKey,
        sale_date: date,
        asset: int,
        lot_id: str,
        piece_index: int,
        acquired: date,
        always_long_term: bool,
        unmatched_quantity: Decimal,
        unmatched_loss: Decimal,
        disposal: Disposal,
        record_marks: tuple[int, int, int, int],
        acquisition_order: int = -1,
    ) -> None:
        self.event_id = event_id
        self.order_key = order_key
        self.sale_date = sale_date
        self.asset = asset
        self.lot_id = lot_id
        self.piece_index = piece_index  # of the piece within its sale, to name a replacement piece
        self.acquired = acquired  # the start of the sold shares' holding period, tacked on to replacements
        self.always_long_term = always_long_term  # the sold lot had no long_term_from (inherited)
        self.unmatched_quantity = unmatched_quantity
        self.unmatched_loss = unmatched_loss
        self.disposal = disposal
        self.record_marks = record_marks
        self.acquisition_order = acquisition_order


class EngineState:
    """Everything an event handler reads and changes; `compute()` makes one per run."""

    def __init__(self, accounts: Mapping[int, AccountInfo], assets: Mapping[int, AssetInfo]) -> None:
        self.accounts = accounts
        self.assets = assets
        self.books: dict[tuple[int, int], Book] = {}
        self.lots_created = 0  # the last creation order handed out
        self.disposals: list[Disposal] = []
        self.income: list[IncomeRecord] = []
        self.transfers: list[Transfer] = []
        # (loss event's order key, record) in the order matched; the result sorts them by loss event.
        self.wash_sales: list[tuple[OrderKey, WashSale]] = []
        # Per wash-sale asset: recent acquisitions that may replace a later loss, in acquisition order;
        # those taken, already matched or out of the window are dropped lazily.
        self.replacements: dict[int, deque[OpenLot]] = {}
        # Per wash-sale asset: losses still waiting for replacement shares, oldest sale first.
        self.pending_losses: dict[int, deque[Loss]] = {}
        self._long_term_from: dict[date, date] = {}

    def long_term_from(self, acquired: date) -> date:
        # Cached: a ledger has far fewer distinct dates than lots.
        day = self._long_term_from.get(acquired)
        if day is None:
            day = self._long_term_from[acquired] = holding_long_term_from(acquired)
        return day

    def book(self, account: int, asset: int) -> Book:
        book = self.books.get((account, asset))
        if book is None:
            info = self.accounts.get(account)
            if info is None:
                raise EngineError(f"unknown account {account}", field="account")
            book = self.books[(account, asset)] = Book(account, asset, ORDER_OF_METHOD[info.basis_method])
        return book

    def book_for_sale(self, account: AccountInfo, asset: int, day: date) -> Book:
        """The book, in the order of the basis method in force on `day` for that account."""
        book = self.book(account.id, asset)
        if account.method_changes:
            order = ORDER_OF_METHOD[account.method_on(day)]
            if order != book.order:
                book.reorder(order)
        return book

    # ---- checked reads of an event ------------------------------------------------------------------------

    def account_of(self, event: Event) -> AccountInfo:
        info = self.accounts.get(event.account)
        if info is None:
            raise event_error(event, "account", f"unknown account {event.account}")
        return info

    def checked_asset(self, event: Event) -> AssetInfo:
        """The event's asset, once the quantity (positive) and fee (not negative) have been checked."""
        if event.asset is None:
            raise event_error(event, "asset", "an asset is required")
        info = self.assets.get(event.asset)
        if info is None:
            raise event_error(event, "asset", f"unknown asset {event.asset}")
        quantity = event.quantity
        if not quantity > 0:
            raise event_error(event, "quantity", f"quantity must be positive, got {plain_number(quantity)}")
        if event.fee < 0:
            raise event_error(event, "fee", f"fee must not be negative, got {plain_number(event.fee)}")
        return info

    @staticmethod
    def price_of(event: Event) -> Decimal:
        price = event.unit_price
        if price is None:
            raise event_error(event, "unit_price", f"a unit price (fair value) is required for {event.type}")
        if price < 0:
            raise event_error(
                event, "unit_price", f"unit price must not be negative, got {plain_number(price)}"
            )
        return price

    # ---- what a run hands back ----------------------------------------------------------------------------

    def open_lots(self) -> list[OpenLot]:
        return [lot for book in self.books.values() for lot in book.current_lots() if lot.quantity > 0]

    def open_losses(self, day: date) -> list[Loss]:
        """Losses whose wash-sale window is still open for an event dated `day` or later."""
        cutoff = day - WASH_WINDOW
        return [
            loss
            for waiting in self.pending_losses.values()
            for loss in waiting
            if loss.unmatched_quantity and loss.sale_date >= cutoff
        ]

    def result(self) -> Result:
        lots = [lot.public() for lot in self.open_lots()]
        lots.sort(key=attrgetter("account", "asset", "acquired", "lot_id"))
        wash_sales = [record for _, record in sorted(self.wash_sales, key=itemgetter(0))]
        return Result(
            lots=lots,
            disposals=self.disposals,
            income=self.income,
            transfers=self.transfers,
            wash_sales=wash_sales,
        )
