"""The tables written in bulk without model instances, each with every column but its primary key.

This is the one place that lists them: `portfolios.db.insert_rows` and `replace_rows` take the rows' column
names and check them against it, and tests/portfolios/test_bulk_columns.py checks it against the models, so
a field added to a model fails a test until it is listed here (and written by every caller).
"""

from __future__ import annotations

from portfolios.db import Kind, Table
from portfolios.models import LotPick, Transaction, ValuePoint
from taxes.models import (
    Disposal,
    EngineCheckpoint,
    IncomeRecord,
    NonTaxableTransfer,
    TaxLot,
    WashSaleRecord,
)

INT, TEXT, DECIMAL, DATETIME, DATE, BOOL, JSON = (
    Kind.INT,
    Kind.TEXT,
    Kind.DECIMAL,
    Kind.DATETIME,
    Kind.DATE,
    Kind.BOOL,
    Kind.JSON,
)

TRANSACTION = Table(
    Transaction,
    {
        "portfolio_id": INT,
        "account_id": INT,
        "type": TEXT,
        "timestamp": DATETIME,
        "asset_id": INT,
        "quantity": DECIMAL,
        "unit_price": DECIMAL,
        "fee": DECIMAL,
        "counter_asset_id": INT,
        "counter_quantity": DECIMAL,
        "to_account_id": INT,
        "acquired_at": DATE,
        "cost_basis": DECIMAL,
        "external_id": TEXT,
        "content_hash": TEXT,
        "notes": TEXT,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    },
)

LOT_PICK = Table(LotPick, {"transaction_id": INT, "origin_id": INT, "quantity": DECIMAL})

VALUE_POINT = Table(
    ValuePoint,
    {"portfolio_id": INT, "date": DATE, "value": DECIMAL, "cost_basis": DECIMAL, "net_deposits": DECIMAL},
)

TAX_LOT = Table(
    TaxLot,
    {
        "portfolio_id": INT,
        "account_id": INT,
        "asset_id": INT,
        "lot_id": TEXT,
        "origin_id": INT,
        "source": TEXT,
        "quantity": DECIMAL,
        "basis": DECIMAL,
        "acquired": DATE,
        "received": DATE,
        "long_term_from": DATE,
        "loss_basis": DECIMAL,
        "wash_adjustment": DECIMAL,
    },
)

# The columns every record of one ledger event starts with (taxes.models._EventRecord).
_EVENT = {"portfolio_id": INT, "transaction_id": INT, "event_timestamp": DATETIME}

DISPOSAL = Table(
    Disposal,
    {
        **_EVENT,
        "kind": TEXT,
        "account_id": INT,
        "asset_id": INT,
        "lot_id": TEXT,
        "origin_id": INT,
        "quantity": DECIMAL,
        "acquired": DATE,
        "disposed": DATE,
        "proceeds": DECIMAL,
        "basis": DECIMAL,
        "gain": DECIMAL,
        "term": TEXT,
        "taxable": BOOL,
        "wash_disallowed": DECIMAL,
    },
)

INCOME_RECORD = Table(
    IncomeRecord,
    {
        **_EVENT,
        "kind": TEXT,
        "account_id": INT,
        "asset_id": INT,
        "date": DATE,
        "quantity": DECIMAL,
        "value": DECIMAL,
        "taxable": BOOL,
    },
)

NON_TAXABLE_TRANSFER = Table(
    NonTaxableTransfer,
    {
        **_EVENT,
        "kind": TEXT,
        "account_id": INT,
        "asset_id": INT,
        "lot_id": TEXT,
        "quantity": DECIMAL,
        "acquired": DATE,
        "date": DATE,
        "basis": DECIMAL,
        "fair_value": DECIMAL,
        "term": TEXT,
        "deduction": DECIMAL,
    },
)

WASH_SALE_RECORD = Table(
    WashSaleRecord,
    {
        **_EVENT,
        "loss_lot_id": TEXT,
        "replacement_id": INT,
        "replacement_lot_id": TEXT,
        "quantity": DECIMAL,
        "disallowed": DECIMAL,
        "added_to_basis": BOOL,
    },
)

ENGINE_CHECKPOINT = Table(
    EngineCheckpoint,
    {
        "owner_id": INT,
        "after_timestamp": DATETIME,
        "after_id": INT,
        "replace_from_timestamp": DATETIME,
        "replace_from_id": INT,
        "state": JSON,
    },
)

TABLES: tuple[Table, ...] = (
    TRANSACTION,
    LOT_PICK,
    VALUE_POINT,
    TAX_LOT,
    DISPOSAL,
    INCOME_RECORD,
    NON_TAXABLE_TRANSFER,
    WASH_SALE_RECORD,
    ENGINE_CHECKPOINT,
)
