"""Checkpoints: the engine state as JSON-ready data, and back.

Decimals are kept as their exact `str()`, dates as ISO strings, so a checkpoint round-trips exactly. The keys
are those of checkpoints already stored in the database (hence "seq", "aseq", "repl", "ltf_none"): changing
one means a new STATE_VERSION.
"""

from __future__ import annotations

from collections import deque
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .lots import OpenLot
from .state import EngineState, Loss
from .types import (
    Checkpoint,
    Disposal,
    EngineError,
    Event,
    IncomeRecord,
    OrderKey,
    Term,
    Transfer,
    WashSale,
)

STATE_VERSION = 1


def _decimal_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _from_decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _day_or_none(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_day_or_none(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _order_key(key: OrderKey) -> list[Any]:
    return [key[0].isoformat(), key[1]]


def _from_order_key(value: list[Any]) -> OrderKey:
    return (datetime.fromisoformat(value[0]), int(value[1]))


def _lot_checkpoint_form(lot: OpenLot) -> dict[str, Any]:
    # Most lots are unchanged between two checkpoints of a run: write each one once.
    form = lot.checkpoint_form
    if form is None:
        form = lot.checkpoint_form = _lot_dict(lot)
    return form


def _lot_dict(lot: OpenLot) -> dict[str, Any]:
    return {
        "lot_id": lot.lot_id,
        "origin": lot.origin,
        "account": lot.account,
        "asset": lot.asset,
        "quantity": str(lot.quantity),
        "basis": str(lot.basis),
        "acquired": lot.acquired.isoformat(),
        "received": lot.received.isoformat(),
        "long_term_from": _day_or_none(lot.long_term_from),
        "source": lot.source,
        "loss_basis": _decimal_or_none(lot.loss_basis),
        "wash_adjustment": str(lot.wash_adjustment),
        "seq": lot.creation_order,
        "aseq": lot.acquisition_order,
        "key": _decimal_or_none(lot.hifo_key),
        "repl": lot.can_replace,
    }


def _lot_from(data: dict[str, Any]) -> OpenLot:
    return OpenLot(
        data["lot_id"],
        int(data["origin"]),
        int(data["account"]),
        int(data["asset"]),
        Decimal(data["quantity"]),
        Decimal(data["basis"]),
        date.fromisoformat(data["acquired"]),
        date.fromisoformat(data["received"]),
        _from_day_or_none(data["long_term_from"]),
        data["source"],
        _from_decimal_or_none(data["loss_basis"]),
        Decimal(data["wash_adjustment"]),
        int(data["seq"]),
        int(data["aseq"]),
        _from_decimal_or_none(data["key"]),
        bool(data["repl"]),
    )


def _disposal_json(record: Disposal) -> dict[str, Any]:
    return {
        "event_id": record.event_id,
        "kind": record.kind,
        "account": record.account,
        "asset": record.asset,
        "lot_id": record.lot_id,
        "origin_event_id": record.origin_event_id,
        "quantity": str(record.quantity),
        "acquired": record.acquired.isoformat(),
        "disposed": record.disposed.isoformat(),
        "proceeds": str(record.proceeds),
        "basis": str(record.basis),
        "gain": str(record.gain),
        "term": record.term.value,
        "taxable": record.taxable,
        "wash_disallowed": str(record.wash_disallowed),
        "lot_basis": _decimal_or_none(record.lot_basis),
    }


def _disposal_from(data: dict[str, Any]) -> Disposal:
    return Disposal(
        event_id=int(data["event_id"]),
        kind=data["kind"],
        account=int(data["account"]),
        asset=int(data["asset"]),
        lot_id=data["lot_id"],
        origin_event_id=int(data["origin_event_id"]),
        quantity=Decimal(data["quantity"]),
        acquired=date.fromisoformat(data["acquired"]),
        disposed=date.fromisoformat(data["disposed"]),
        proceeds=Decimal(data["proceeds"]),
        basis=Decimal(data["basis"]),
        gain=Decimal(data["gain"]),
        term=Term(data["term"]),
        taxable=bool(data["taxable"]),
        wash_disallowed=Decimal(data["wash_disallowed"]),
        lot_basis=_from_decimal_or_none(data["lot_basis"]),
    )


def _income_json(record: IncomeRecord) -> dict[str, Any]:
    return {
        "event_id": record.event_id,
        "kind": record.kind,
        "account": record.account,
        "asset": record.asset,
        "date": record.date.isoformat(),
        "quantity": str(record.quantity),
        "value": str(record.value),
        "taxable": record.taxable,
    }


def _income_from(data: dict[str, Any]) -> IncomeRecord:
    return IncomeRecord(
        event_id=int(data["event_id"]),
        kind=data["kind"],
        account=int(data["account"]),
        asset=int(data["asset"]),
        date=date.fromisoformat(data["date"]),
        quantity=Decimal(data["quantity"]),
        value=Decimal(data["value"]),
        taxable=bool(data["taxable"]),
    )


def _transfer_json(record: Transfer) -> dict[str, Any]:
    return {
        "event_id": record.event_id,
        "kind": record.kind,
        "account": record.account,
        "asset": record.asset,
        "lot_id": record.lot_id,
        "quantity": str(record.quantity),
        "acquired": record.acquired.isoformat(),
        "date": record.date.isoformat(),
        "basis": str(record.basis),
        "fair_value": str(record.fair_value),
        "term": record.term.value,
        "deduction": str(record.deduction),
    }


def _transfer_from(data: dict[str, Any]) -> Transfer:
    return Transfer(
        event_id=int(data["event_id"]),
        kind=data["kind"],
        account=int(data["account"]),
        asset=int(data["asset"]),
        lot_id=data["lot_id"],
        quantity=Decimal(data["quantity"]),
        acquired=date.fromisoformat(data["acquired"]),
        date=date.fromisoformat(data["date"]),
        basis=Decimal(data["basis"]),
        fair_value=Decimal(data["fair_value"]),
        term=Term(data["term"]),
        deduction=Decimal(data["deduction"]),
    )


def _wash_json(loss_key: OrderKey, record: WashSale) -> dict[str, Any]:
    return {
        "loss_key": _order_key(loss_key),
        "loss_event_id": record.loss_event_id,
        "loss_lot_id": record.loss_lot_id,
        "replacement_event_id": record.replacement_event_id,
        "replacement_lot_id": record.replacement_lot_id,
        "quantity": str(record.quantity),
        "disallowed": str(record.disallowed),
        "added_to_basis": record.added_to_basis,
    }


def _wash_from(data: dict[str, Any]) -> tuple[OrderKey, WashSale]:
    return _from_order_key(data["loss_key"]), WashSale(
        loss_event_id=int(data["loss_event_id"]),
        loss_lot_id=data["loss_lot_id"],
        replacement_event_id=int(data["replacement_event_id"]),
        replacement_lot_id=data["replacement_lot_id"],
        quantity=Decimal(data["quantity"]),
        disallowed=Decimal(data["disallowed"]),
        added_to_basis=bool(data["added_to_basis"]),
    )


def _loss_json(loss: Loss, disposal_position: int, base: tuple[int, int, int, int]) -> dict[str, Any]:
    marks = loss.record_marks
    return {
        "event_id": loss.event_id,
        "key": _order_key(loss.order_key),
        "date": loss.sale_date.isoformat(),
        "asset": loss.asset,
        "lot_id": loss.lot_id,
        "idx": loss.piece_index,
        "acquired": loss.acquired.isoformat(),
        "ltf_none": loss.always_long_term,
        "rem_qty": str(loss.unmatched_quantity),
        "rem_loss": str(loss.unmatched_loss),
        "disposal": disposal_position,
        # Relative to the checkpoint's first records, which is where restored lists start.
        "marks": [marks[0] - base[0], marks[1] - base[1], marks[2] - base[2]],
    }


def _loss_from(data: dict[str, Any], disposals: list[Disposal]) -> Loss:
    marks = data["marks"]
    return Loss(
        int(data["event_id"]),
        _from_order_key(data["key"]),
        date.fromisoformat(data["date"]),
        int(data["asset"]),
        data["lot_id"],
        int(data["idx"]),
        date.fromisoformat(data["acquired"]),
        bool(data["ltf_none"]),
        Decimal(data["rem_qty"]),
        Decimal(data["rem_loss"]),
        disposals[int(data["disposal"])],
        # Wash-sale records are written filtered by loss key, so a restored loss may count them from the start.
        (int(marks[0]), int(marks[1]), int(marks[2]), 0),
    )


def checkpoint_of(state: EngineState, last: Event, marks: tuple[int, int, int, int]) -> Checkpoint:
    """The checkpoint after `last`; `marks` are the record list lengths from before `last` was applied."""
    after: OrderKey = (last.timestamp, last.id)
    open_losses = state.open_losses(last.date)
    if open_losses:
        first = min(open_losses, key=lambda loss: loss.order_key)
        replace_from = first.order_key
        base = first.record_marks
    else:
        replace_from = after
        base = marks
    disposals = state.disposals[base[0] :]
    position = {id(record): i for i, record in enumerate(disposals)}
    pending = [
        _loss_json(loss, position[id(loss.disposal)], base)
        for asset in sorted(state.pending_losses)
        for loss in state.pending_losses[asset]
        if loss in open_losses
    ]
    lots = sorted(state.open_lots(), key=lambda lot: lot.creation_order)
    checkpoint_state = {
        "version": STATE_VERSION,
        "seq": state.lots_created,
        "lots": [_lot_checkpoint_form(lot) for lot in lots],
        "pending": pending,
        "disposals": [_disposal_json(record) for record in disposals],
        "income": [_income_json(record) for record in state.income[base[1] :]],
        "transfers": [_transfer_json(record) for record in state.transfers[base[2] :]],
        "wash_sales": [
            _wash_json(loss_key, record)
            for loss_key, record in state.wash_sales[base[3] :]
            if loss_key >= replace_from
        ],
    }
    return Checkpoint(after=after, replace_from=replace_from, state=checkpoint_state)


def restore(state: EngineState, checkpoint: Checkpoint) -> None:
    """Load a checkpoint's state into a fresh engine state."""
    stored = checkpoint.state
    if stored.get("version") != STATE_VERSION:
        raise EngineError(f"unsupported checkpoint state version {stored.get('version')!r}", field="start")
    state.lots_created = int(stored["seq"])
    lots = []
    for data in stored["lots"]:
        lot = _lot_from(data)
        lot.checkpoint_form = data  # unchanged lots are written back as they came
        lots.append(lot)
    for lot in lots:
        if lot.account not in state.accounts:
            raise EngineError(f"the checkpoint has a lot in unknown account {lot.account}", field="start")
        if lot.asset not in state.assets:
            raise EngineError(f"the checkpoint has a lot of unknown asset {lot.asset}", field="start")
        state.book(lot.account, lot.asset).add(lot)
    candidates = sorted(
        (lot for lot in lots if lot.can_replace and state.assets[lot.asset].wash_sale),
        key=lambda lot: (lot.acquisition_order, lot.creation_order),
    )
    for lot in candidates:
        queue = state.replacements.get(lot.asset)
        if queue is None:
            queue = state.replacements[lot.asset] = deque()
        queue.append(lot)
    state.disposals = [_disposal_from(data) for data in stored["disposals"]]
    state.income = [_income_from(data) for data in stored["income"]]
    state.transfers = [_transfer_from(data) for data in stored["transfers"]]
    state.wash_sales = [_wash_from(data) for data in stored["wash_sales"]]
    for data in stored["pending"]:
        loss = _loss_from(data, state.disposals)
        waiting = state.pending_losses.get(loss.asset)
        if waiting is None:
            waiting = state.pending_losses[loss.asset] = deque()
        waiting.append(loss)
