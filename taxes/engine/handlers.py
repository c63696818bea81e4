"""What acquisitions, sales and income do to the lots (transfers between accounts and gifts out are in
`transfers`); `run.HANDLERS` maps each event type to its handler.

Fees in USD add to basis on acquisitions (buy, transfer, gift received, inheritance) and reduce proceeds on
disposals (sell, trade, fee). A fee on an income event is ignored: the income value is the lot's basis.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .errors import event_error, plain_number
from .lots import OpenLot
from .money import MONEY
from .state import EngineState, Loss
from .types import (
    ZERO,
    AccountInfo,
    AssetInfo,
    Disposal,
    Event,
    IncomeRecord,
    TaxTreatment,
    Term,
)
from .wash import after_loss, replacement_arrived

_TAXABLE = TaxTreatment.TAXABLE
_LONG = Term.LONG
_SHORT = Term.SHORT


def new_lot(
    state: EngineState,
    event: Event,
    account: AccountInfo,
    asset: int,
    quantity: Decimal,
    basis: Decimal,
    acquired: date,
    long_term_from: date | None,
    source: str,
    loss_basis: Decimal | None,
    can_replace: bool,
) -> OpenLot:
    """A lot acquired by `event`, added to its book; it starts an acquisition of its own.

    Only purchases (a buy, the received leg of a trade, the new lot of a sale into another tax treatment)
    `can_replace` a wash-sale loss; income, gifts, inheritances and distributions are not purchases.
    """
    state.lots_created += 1
    creation_order = state.lots_created
    lot = OpenLot(
        str(event.id),
        event.id,
        account.id,
        asset,
        quantity,
        basis,
        acquired,
        event.date,
        long_term_from,
        source,
        loss_basis,
        ZERO,
        creation_order,
        creation_order,
        None,
        can_replace,
    )
    state.book(account.id, asset).add(lot)
    return lot


def dispose(
    state: EngineState,
    event: Event,
    kind: str,
    account: AccountInfo,
    asset: AssetInfo,
    quantity: Decimal,
    proceeds: Decimal,
) -> None:
    """Take `quantity` out of the account's book and record each lot piece's gain or loss."""
    disposals = state.disposals
    disposals_before = len(disposals)
    pieces = state.book_for_sale(account, asset.id, event.date).take(event, quantity)
    day = event.date
    taxable = account.treatment == _TAXABLE
    wash = taxable and asset.wash_sale and (account.wash_sale_digital or asset.is_security)
    losses: list[Loss] | None = None
    last = len(pieces) - 1
    proceeds_left = proceeds
    event_id = event.id
    asset_id = asset.id
    account_id = account.id
    # Matching starts only after the loop, so every loss of this event shares one order key and one set of
    # record marks.
    order_key = (event.timestamp, event_id)
    marks = (disposals_before, len(state.income), len(state.transfers), len(state.wash_sales))
    for i, (lot, piece_quantity, basis, loss_basis, _wash_adjustment, _whole) in enumerate(pieces):
        if i == last:
            piece_proceeds = proceeds_left
        else:
            piece_proceeds = (proceeds * piece_quantity / quantity).quantize(MONEY)
            proceeds_left -= piece_proceeds
        long_term_from = lot.long_term_from
        acquired = lot.acquired
        if loss_basis is None or piece_proceeds > basis:
            reported_basis = basis
        elif piece_proceeds < loss_basis:
            reported_basis = loss_basis  # dual basis: a loss is measured from the fair value at the gift
            # The donor's holding period comes with the donor's basis only (§1223(2)); a loss measured
            # from the fair value at the gift is held from the day of the gift.
            acquired = lot.received
            long_term_from = state.long_term_from(acquired)
        else:
            reported_basis = piece_proceeds  # between the two bases: neither gain nor loss
        gain = piece_proceeds - reported_basis
        disposal = Disposal(
            event_id,
            kind,
            account_id,
            asset_id,
            lot.lot_id,
            lot.origin,
            piece_quantity,
            acquired,
            day,
            piece_proceeds,
            reported_basis,
            gain,
            _LONG if long_term_from is None or day >= long_term_from else _SHORT,
            taxable,
            ZERO,
            basis,
        )
        disposals.append(disposal)
        if wash and gain < 0:
            if losses is None:
                losses = []
            losses.append(
                Loss(
                    event_id,
                    order_key,
                    day,
                    asset_id,
                    lot.lot_id,
                    i,
                    acquired,
                    long_term_from is None,
                    piece_quantity,
                    -gain,
                    disposal,
                    marks,
                    lot.acquisition_order,
                )
            )
    if losses is not None:
        after_loss(state, day, asset_id, losses)


def buy(state: EngineState, event: Event) -> None:
    account = state.account_of(event)
    asset = state.checked_asset(event)
    if asset.is_cash:
        return
    quantity = event.quantity
    day = event.date
    lot = new_lot(
        state,
        event,
        account,
        asset.id,
        quantity,
        (quantity * state.price_of(event) + event.fee).quantize(MONEY),
        day,
        state.long_term_from(day),
        "buy",
        None,
        True,
    )
    if asset.wash_sale:
        replacement_arrived(state, lot, day)


def sell(state: EngineState, event: Event) -> None:
    account = state.account_of(event)
    asset = state.checked_asset(event)
    if asset.is_cash:
        return
    quantity = event.quantity
    proceeds = (quantity * state.price_of(event) - event.fee).quantize(MONEY)
    dispose(state, event, str(event.type), account, asset, quantity, proceeds)


def trade(state: EngineState, event: Event) -> None:
    account = state.account_of(event)
    asset = state.checked_asset(event)
    counter_id = event.counter_asset
    if counter_id is None:
        raise event_error(event, "counter_asset", "a trade needs the asset received")
    counter = state.assets.get(counter_id)
    if counter is None:
        raise event_error(event, "counter_asset", f"unknown asset {counter_id}")
    if counter_id == asset.id:
        raise event_error(event, "counter_asset", "a trade must receive a different asset")
    counter_quantity = event.counter_quantity
    if counter_quantity is None:
        raise event_error(event, "counter_quantity", "a trade needs the quantity received")
    if not counter_quantity > 0:
        raise event_error(
            event,
            "counter_quantity",
            f"a trade needs a positive quantity received, got {plain_number(counter_quantity)}",
        )
    quantity = event.quantity
    value = quantity * state.price_of(event)
    fee = event.fee
    if not asset.is_cash:
        # §1.1001-7: the fee is allocated to the disposed asset.
        dispose(state, event, "trade", account, asset, quantity, (value - fee).quantize(MONEY))
    else:
        value += fee  # paid in cash: a purchase, and the fee adds to basis
    if not counter.is_cash:
        day = event.date
        lot = new_lot(
            state,
            event,
            account,
            counter_id,
            counter_quantity,
            value.quantize(MONEY),
            day,
            state.long_term_from(day),
            "trade",
            None,
            True,
        )
        if counter.wash_sale:
            replacement_arrived(state, lot, day)


def income(state: EngineState, event: Event) -> None:
    account = state.account_of(event)
    asset = state.checked_asset(event)
    quantity = event.quantity
    value = (quantity * state.price_of(event)).quantize(MONEY)
    kind = str(event.type)
    day = event.date
    state.income.append(
        IncomeRecord(
            event.id, kind, account.id, asset.id, day, quantity, value, account.treatment == _TAXABLE
        )
    )
    if not asset.is_cash:
        new_lot(
            state,
            event,
            account,
            asset.id,
            quantity,
            value,
            day,
            state.long_term_from(day),
            kind,
            None,
            False,
        )


def gift_received(state: EngineState, event: Event) -> None:
    account = state.account_of(event)
    asset = state.checked_asset(event)
    cost = event.cost_basis
    if cost is None:
        raise event_error(event, "cost_basis", "a gift received needs the donor's cost basis")
    if cost < 0:
        raise event_error(event, "cost_basis", f"cost basis must not be negative, got {plain_number(cost)}")
    acquired = event.acquired_date
    if acquired is None:
        raise event_error(event, "acquired_date", "a gift received needs the donor's acquisition date")
    if acquired > event.date:
        raise event_error(
            event, "acquired_date", f"the donor's acquisition date {acquired} is after the gift"
        )
    quantity = event.quantity
    fair_value = (quantity * state.price_of(event)).quantize(MONEY)
    if asset.is_cash:
        return
    fee = event.fee
    basis = (cost + fee).quantize(MONEY)
    # Dual basis (§1015(a)): below the donor's basis, a later loss is measured from the fair value.
    loss_basis = (fair_value + fee).quantize(MONEY) if fair_value < cost else None
    new_lot(
        state,
        event,
        account,
        asset.id,
        quantity,
        basis,
        acquired,
        state.long_term_from(acquired),
        "gift_received",
        loss_basis,
        False,
    )


def inheritance(state: EngineState, event: Event) -> None:
    account = state.account_of(event)
    asset = state.checked_asset(event)
    quantity = event.quantity
    basis = (quantity * state.price_of(event) + event.fee).quantize(MONEY)
    if asset.is_cash:
        return
    acquired = event.acquired_date or event.date
    if acquired > event.date:
        raise event_error(event, "acquired_date", f"the date of death {acquired} is after the inheritance")
    # Inherited property is long-term however briefly held (§1223(9)): no long_term_from.
    new_lot(state, event, account, asset.id, quantity, basis, acquired, None, "inheritance", None, False)


def nothing(state: EngineState, event: Event) -> None:
    """Cash deposits and withdrawals: cash holds no lots."""
    return None
