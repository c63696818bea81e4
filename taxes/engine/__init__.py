"""Tax-lot engine: ledger events in, per-account lots, disposals, income and wash sales out.

Pure Python (stdlib only, no Django). Nothing here reads the clock: the caller passes `as_of`.
"""

from __future__ import annotations

from .core import compute
from .holding import holding_long_term_from
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
