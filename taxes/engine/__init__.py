"""Tax-lot engine: ledger events in, per-account lots, disposals, income and wash sales out.

Pure Python (stdlib only, no Django). Nothing here reads the clock: the caller passes `as_of`.

Modules, each importing only those listed before it:

- `types`: the public value types; `holding`: when a holding turns long-term; `money`: rounding;
  `errors`: error messages.
- `lots`: an open lot and the book of one account and asset, ordered by the basis method.
- `state`: one run's state (books, records, wash-sale queues) and the checked reads of an event.
- `wash`: wash-sale matching; `handlers`: acquisitions, sales, income; `transfers`: transfers, gifts out.
- `checkpoints`: the state as JSON and back; `run`: `compute()`, the loop over the events.
"""

from __future__ import annotations

from .holding import holding_long_term_from
from .run import compute
from .types import (
    CASH_TYPES,
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
    LotPick,
    OrderKey,
    Result,
    TaxTreatment,
    Term,
    Transfer,
    WashSale,
)

__all__ = [
    "CASH_TYPES",
    "INCOME_TYPES",
    "ZERO",
    "AccountInfo",
    "AssetInfo",
    "BasisMethod",
    "Checkpoint",
    "Disposal",
    "EngineError",
    "Event",
    "EventType",
    "IncomeRecord",
    "Lot",
    "LotPick",
    "OrderKey",
    "Result",
    "TaxTreatment",
    "Term",
    "Transfer",
    "WashSale",
    "compute",
    "holding_long_term_from",
]
