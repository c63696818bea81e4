"""`compute()`: the engine's entry point, replaying ledger events in order over one engine state."""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import localcontext
from operator import attrgetter

from .checkpoints import checkpoint_of, restore
from .errors import event_error
from .handlers import buy, gift_received, income, inheritance, nothing, sell, trade
from .money import CONTEXT
from .state import EngineState
from .transfers import convert, give, transfer
from .types import INCOME_TYPES, AccountInfo, AssetInfo, Checkpoint, EngineError, Event, EventType, Result

HANDLERS: dict[str, Callable[[EngineState, Event], None]] = {
    EventType.BUY: buy,
    EventType.SELL: sell,
    EventType.TRADE: trade,
    EventType.TRANSFER: transfer,
    EventType.CONVERSION: convert,
    EventType.DONATION: give,
    EventType.GIFT_SENT: give,
    EventType.GIFT_RECEIVED: gift_received,
    EventType.INHERITANCE: inheritance,
    EventType.DEPOSIT: nothing,
    EventType.WITHDRAWAL: nothing,
    EventType.FEE: sell,  # an asset spent to pay a fee is disposed of at fair value
    **{event_type: income for event_type in INCOME_TYPES},
}

_ORDER = attrgetter("timestamp", "id")


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
    checkpoint_every: int,
) -> Result:
    state = EngineState(accounts, assets)
    if start is not None:
        restore(state, start)
        if ordered and _ORDER(ordered[0]) <= start.after:
            raise event_error(
                ordered[0], "timestamp", "the event is not after the checkpoint it resumes from"
            )
    seen: set[int] = set()
    checkpoints: list[Checkpoint] = []
    until_checkpoint = checkpoint_every
    for event in ordered:
        if event.date > as_of:
            raise event_error(event, "timestamp", f"the event is dated {event.date}, after {as_of}")
        event_id = event.id
        if event_id in seen:
            raise event_error(event, "id", "two events have the same id")
        seen.add(event_id)
        handler = HANDLERS.get(event.type)
        if handler is None:
            raise event_error(event, "type", f"unknown event type {event.type!r}")
        if until_checkpoint == 1:
            marks = (len(state.disposals), len(state.income), len(state.transfers), len(state.wash_sales))
            handler(state, event)
            checkpoints.append(checkpoint_of(state, event, marks))
            until_checkpoint = checkpoint_every
        else:
            handler(state, event)
            until_checkpoint -= 1
    result = state.result()
    result.checkpoints = checkpoints
    return result
