"""Checkpoints: the engine state as JSON-ready data, and back.

Decimals are kept as their exact `str()`, dates as ISO strings, so a checkpoint round-trips exactly.
"""

from __future__ import annotations

from collections import deque
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .core import Engine, _Loss, _Lot
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


def _dec(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _undec(v: str | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def _day(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _unday(v: str | None) -> date | None:
    return None if v is None else date.fromisoformat(v)


def _key(k: OrderKey) -> list[Any]:
    return [k[0].isoformat(), k[1]]


def _unkey(v: list[Any]) -> OrderKey:
    return (datetime.fromisoformat(v[0]), int(v[1]))


def _D(v: str) -> Decimal:
    return Decimal(v)


def _d(v: str) -> date:
    return date.fromisoformat(v)


def _lot_json(lot: _Lot) -> dict[str, Any]:
    js = lot.js
    if js is None:
        js = lot.js = _lot_dict(lot)
    return js


def _lot_dict(lot: _Lot) -> dict[str, Any]:
    return {
        "lot_id": lot.lot_id,
        "origin": lot.origin,
        "account": lot.account,
        "asset": lot.asset,
        "quantity": str(lot.quantity),
        "basis": str(lot.basis),
        "acquired": lot.acquired.isoformat(),
        "received": lot.received.isoformat(),
        "long_term_from": _day(lot.ltf),
        "source": lot.source,
        "loss_basis": _dec(lot.loss_basis),
        "wash_adjustment": str(lot.wash_adj),
        "seq": lot.seq,
        "aseq": lot.aseq,
        "key": _dec(lot.key),
        "repl": lot.repl,
    }


def _lot_from(d: dict[str, Any]) -> _Lot:
    return _Lot(
        d["lot_id"],
        int(d["origin"]),
        int(d["account"]),
        int(d["asset"]),
        _D(d["quantity"]),
        _D(d["basis"]),
        _d(d["acquired"]),
        _d(d["received"]),
        _unday(d["long_term_from"]),
        d["source"],
        _undec(d["loss_basis"]),
        _D(d["wash_adjustment"]),
        int(d["seq"]),
        int(d["aseq"]),
        _undec(d["key"]),
        bool(d["repl"]),
    )


def _disposal_json(r: Disposal) -> dict[str, Any]:
    return {
        "event_id": r.event_id,
        "kind": r.kind,
        "account": r.account,
        "asset": r.asset,
        "lot_id": r.lot_id,
        "origin_event_id": r.origin_event_id,
        "quantity": str(r.quantity),
        "acquired": r.acquired.isoformat(),
        "disposed": r.disposed.isoformat(),
        "proceeds": str(r.proceeds),
        "basis": str(r.basis),
        "gain": str(r.gain),
        "term": r.term.value,
        "taxable": r.taxable,
        "wash_disallowed": str(r.wash_disallowed),
        "lot_basis": _dec(r.lot_basis),
    }


def _disposal_from(d: dict[str, Any]) -> Disposal:
    return Disposal(
        event_id=int(d["event_id"]),
        kind=d["kind"],
        account=int(d["account"]),
        asset=int(d["asset"]),
        lot_id=d["lot_id"],
        origin_event_id=int(d["origin_event_id"]),
        quantity=_D(d["quantity"]),
        acquired=_d(d["acquired"]),
        disposed=_d(d["disposed"]),
        proceeds=_D(d["proceeds"]),
        basis=_D(d["basis"]),
        gain=_D(d["gain"]),
        term=Term(d["term"]),
        taxable=bool(d["taxable"]),
        wash_disallowed=_D(d["wash_disallowed"]),
        lot_basis=_undec(d["lot_basis"]),
    )


def _income_json(r: IncomeRecord) -> dict[str, Any]:
    return {
        "event_id": r.event_id,
        "kind": r.kind,
        "account": r.account,
        "asset": r.asset,
        "date": r.date.isoformat(),
        "quantity": str(r.quantity),
        "value": str(r.value),
        "taxable": r.taxable,
    }


def _income_from(d: dict[str, Any]) -> IncomeRecord:
    return IncomeRecord(
        event_id=int(d["event_id"]),
        kind=d["kind"],
        account=int(d["account"]),
        asset=int(d["asset"]),
        date=_d(d["date"]),
        quantity=_D(d["quantity"]),
        value=_D(d["value"]),
        taxable=bool(d["taxable"]),
    )


def _transfer_json(r: Transfer) -> dict[str, Any]:
    return {
        "event_id": r.event_id,
        "kind": r.kind,
        "account": r.account,
        "asset": r.asset,
        "lot_id": r.lot_id,
        "quantity": str(r.quantity),
        "acquired": r.acquired.isoformat(),
        "date": r.date.isoformat(),
        "basis": str(r.basis),
        "fair_value": str(r.fair_value),
        "term": r.term.value,
        "deduction": str(r.deduction),
    }


def _transfer_from(d: dict[str, Any]) -> Transfer:
    return Transfer(
        event_id=int(d["event_id"]),
        kind=d["kind"],
        account=int(d["account"]),
        asset=int(d["asset"]),
        lot_id=d["lot_id"],
        quantity=_D(d["quantity"]),
        acquired=_d(d["acquired"]),
        date=_d(d["date"]),
        basis=_D(d["basis"]),
        fair_value=_D(d["fair_value"]),
        term=Term(d["term"]),
        deduction=_D(d["deduction"]),
    )


def _wash_json(k: OrderKey, r: WashSale) -> dict[str, Any]:
    return {
        "loss_key": _key(k),
        "loss_event_id": r.loss_event_id,
        "loss_lot_id": r.loss_lot_id,
        "replacement_event_id": r.replacement_event_id,
        "replacement_lot_id": r.replacement_lot_id,
        "quantity": str(r.quantity),
        "disallowed": str(r.disallowed),
        "added_to_basis": r.added_to_basis,
    }


def _wash_from(d: dict[str, Any]) -> tuple[OrderKey, WashSale]:
    return _unkey(d["loss_key"]), WashSale(
        loss_event_id=int(d["loss_event_id"]),
        loss_lot_id=d["loss_lot_id"],
        replacement_event_id=int(d["replacement_event_id"]),
        replacement_lot_id=d["replacement_lot_id"],
        quantity=_D(d["quantity"]),
        disallowed=_D(d["disallowed"]),
        added_to_basis=bool(d["added_to_basis"]),
    )


def checkpoint_of(eng: Engine, last: Event, marks: tuple[int, int, int, int]) -> Checkpoint:
    """The checkpoint after `last`; `marks` are the record list lengths from before `last` was applied."""
    after: OrderKey = (last.timestamp, last.id)
    open_losses = eng.open_losses(last.date)
    if open_losses:
        first = min(open_losses, key=lambda loss: loss.key)
        replace_from = first.key
        base = first.marks
    else:
        replace_from = after
        base = marks
    disposals = eng.disposals[base[0] :]
    position = {id(r): i for i, r in enumerate(disposals)}
    pending = []
    for asset in sorted(eng.pending):
        for loss in eng.pending[asset]:
            if loss not in open_losses:
                continue
            pending.append(
                {
                    "event_id": loss.event_id,
                    "key": _key(loss.key),
                    "date": loss.date.isoformat(),
                    "asset": loss.asset,
                    "lot_id": loss.lot_id,
                    "idx": loss.idx,
                    "acquired": loss.acquired.isoformat(),
                    "ltf_none": loss.ltf_none,
                    "rem_qty": str(loss.rem_qty),
                    "rem_loss": str(loss.rem_loss),
                    "disposal": position[id(loss.disposal)],
                    "marks": [loss.marks[0] - base[0], loss.marks[1] - base[1], loss.marks[2] - base[2]],
                }
            )
    lots = sorted(eng.open_lots(), key=lambda lot: lot.seq)
    state = {
        "version": STATE_VERSION,
        "seq": eng.seq,
        "lots": [_lot_json(lot) for lot in lots],
        "pending": pending,
        "disposals": [_disposal_json(r) for r in disposals],
        "income": [_income_json(r) for r in eng.income[base[1] :]],
        "transfers": [_transfer_json(r) for r in eng.transfers[base[2] :]],
        "wash_sales": [_wash_json(k, r) for k, r in eng.wash[base[3] :] if k >= replace_from],
    }
    return Checkpoint(after=after, replace_from=replace_from, state=state)


def restore(eng: Engine, cp: Checkpoint) -> None:
    """Load a checkpoint's state into a fresh engine."""
    state = cp.state
    if state.get("version") != STATE_VERSION:
        raise EngineError(f"unsupported checkpoint state version {state.get('version')!r}", field="start")
    eng.seq = int(state["seq"])
    lots = []
    for d in state["lots"]:
        lot = _lot_from(d)
        lot.js = d  # unchanged lots are written back as they came
        lots.append(lot)
    for lot in lots:
        if lot.account not in eng.accounts:
            raise EngineError(f"the checkpoint has a lot in unknown account {lot.account}", field="start")
        if lot.asset not in eng.assets:
            raise EngineError(f"the checkpoint has a lot of unknown asset {lot.asset}", field="start")
        eng.add(eng.book(lot.account, lot.asset), lot)
    candidates = sorted(
        (lot for lot in lots if lot.repl and eng.assets[lot.asset].wash_sale),
        key=lambda lot: (lot.aseq, lot.seq),
    )
    for lot in candidates:
        rq = eng.recent.get(lot.asset)
        if rq is None:
            rq = eng.recent[lot.asset] = deque()
        rq.append(lot)
    eng.disposals = [_disposal_from(d) for d in state["disposals"]]
    eng.income = [_income_from(d) for d in state["income"]]
    eng.transfers = [_transfer_from(d) for d in state["transfers"]]
    eng.wash = [_wash_from(d) for d in state["wash_sales"]]
    for d in state["pending"]:
        m = d["marks"]
        loss = _Loss(
            int(d["event_id"]),
            _unkey(d["key"]),
            _d(d["date"]),
            int(d["asset"]),
            d["lot_id"],
            int(d["idx"]),
            _d(d["acquired"]),
            bool(d["ltf_none"]),
            _D(d["rem_qty"]),
            _D(d["rem_loss"]),
            eng.disposals[int(d["disposal"])],
            (int(m[0]), int(m[1]), int(m[2]), 0),
        )
        pq = eng.pending.get(loss.asset)
        if pq is None:
            pq = eng.pending[loss.asset] = deque()
        pq.append(loss)
