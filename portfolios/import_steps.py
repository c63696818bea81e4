"""The steps of an import, row by row: reading a cell (numbers, times, dates), the row's content hash for
de-duplication, its preview line, the bulk write of its transactions and specific-ID picks, and the lot
computation that reports every row it refuses rather than stopping at the first."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from portfolios.bulk import LOT_PICK, TRANSACTION
from portfolios.db import insert_rows
from portfolios.fields import canonical
from portfolios.importers import LedgerRow, LineError
from portfolios.importers.common import OUT_OF_RANGE
from portfolios.models import LotPick, Portfolio, Transaction
from portfolios.services import TransactionData
from portfolios.transaction_checks import amount_error
from taxes.services import RecomputeError, RecomputeResult, portfolio_recompute

# A file whose rows fail the lot computation is checked again without each failing row, this many times.
MAX_LOT_ERRORS = 10


@dataclass
class ImportRow:
    line: int
    raw: dict[str, str]
    data: TransactionData | None = None
    picks: list[tuple[str, Decimal]] = field(default_factory=list)
    key: str = ""
    origin: LedgerRow | None = None  # the foreign file's rows it was made from


def in_file(error: LineError, origin: LedgerRow | None) -> LineError:
    """An error on a converted row, named by the line and column of the file the user has."""
    if origin is None:
        return error
    where = origin.source(error.field)
    return LineError(where.line, where.column, error.message)


def cell_decimal(value: str, *, name: str, line: int, errors: list[LineError]) -> Decimal | None:
    value = value.strip().replace(",", "") if value else ""
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        errors.append(LineError(line, name, f"{value!r} is not a number."))
        return None
    if not number.is_finite():
        errors.append(LineError(line, name, f"{value!r} is not a finite number."))
        return None
    return number


def cell_timestamp(value: str, *, line: int, errors: list[LineError]) -> datetime | None:
    value = (value or "").strip()
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        errors.append(
            LineError(
                line, "timestamp", f"{value!r} is not an ISO 8601 date-time (2024-03-01T14:00:00+00:00)."
            )
        )
        return None
    if ts.tzinfo is None:
        errors.append(
            LineError(line, "timestamp", f"{value!r} has no UTC offset; add one such as +00:00 or Z.")
        )
        return None
    try:
        return ts.astimezone(UTC)
    except OverflowError:
        errors.append(LineError(line, "timestamp", f"{value!r} is out of range: {OUT_OF_RANGE}."))
        return None


def cell_date(value: str, *, name: str, line: int, errors: list[LineError]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        errors.append(LineError(line, name, f"{value!r} is not a date (YYYY-MM-DD)."))
        return None


def content_hash(raw: dict[str, str], data: TransactionData, occurrence: int) -> str:
    parts = [
        data.timestamp.isoformat(),
        raw.get("account", "").strip(),
        data.type,
        data.asset.symbol if data.asset else "",
        canonical(data.quantity),
        canonical(data.unit_price) if data.unit_price is not None else "",
        canonical(data.fee),
        raw.get("counter_asset", "").strip().upper(),
        canonical(data.counter_quantity) if data.counter_quantity is not None else "",
        raw.get("to_account", "").strip(),
        str(data.acquired_at or ""),
        canonical(data.cost_basis) if data.cost_basis is not None else "",
        str(occurrence),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def preview_row(row: ImportRow) -> dict[str, str]:
    assert row.data is not None
    shown = {
        "line": str(row.line),
        "type": row.data.type,
        "account": row.data.account.name,
        "asset": str(row.data.asset or "USD"),
        "quantity": f"{row.data.quantity:f}",
        **{k: row.raw.get(k, "").strip() for k in ("timestamp", "unit_price", "fee")},
    }
    if row.origin is not None:
        shown["becomes"] = row.origin.becomes
        shown["lines"] = ", ".join(str(n) for n in row.origin.lines)
    return shown


def lots_with_rows(
    *,
    portfolio: Portfolio,
    row_of: dict[int, ImportRow],
    errors: list[LineError],
    left_out: bool,
) -> RecomputeResult | None:
    """Compute the lots with the new rows (`row_of`: each new transaction's id and its row). A row the
    computation refuses is reported and taken out, and the computation runs again, so the rows after it are
    still checked (up to MAX_LOT_ERRORS of them)."""
    remaining = {pk: row.data.timestamp for pk, row in row_of.items() if row.data is not None}
    for _attempt in range(MAX_LOT_ERRORS):
        first = min((timestamp, pk) for pk, timestamp in remaining.items())
        try:
            return portfolio_recompute(portfolio=portfolio, changed_from=first)
        except RecomputeError as exc:
            bad = exc.transaction_id or -1
            row = row_of.get(bad)
            if row is None:
                message = f"with these rows, transaction #{exc.transaction_id} already in the ledger is invalid: {exc.message}"
                errors.append(LineError(0, exc.field or "ledger", message))
                return None
            name = {"acquired_date": "acquired_at"}.get(exc.field or "", exc.field or "row")
            message = exc.message
            if row.origin is not None and row.origin.hint:
                message += f"; {row.origin.hint}"
            if left_out:
                message += " (checked without the rows that have other errors)"
            errors.append(in_file(LineError(row.line, name, message), row.origin))
            LotPick.objects.filter(origin_id=bad).delete()
            Transaction.objects.filter(pk=bad).delete()
            del remaining[bad]
            left_out = True
            if not remaining:
                return None
    errors.append(LineError(0, "ledger", f"stopped after {MAX_LOT_ERRORS} lot problems; fix these first."))
    return None


# The columns of the rows `transactions_create` writes, in their order.
TRANSACTION_COLUMNS = (
    "portfolio_id",
    "account_id",
    "type",
    "timestamp",
    "asset_id",
    "quantity",
    "unit_price",
    "fee",
    "counter_asset_id",
    "counter_quantity",
    "to_account_id",
    "acquired_at",
    "cost_basis",
    "external_id",
    "content_hash",
    "notes",
    "created_at",
    "updated_at",
)


def transactions_create(*, portfolio: Portfolio, rows: list[ImportRow]) -> list[int]:
    """Write the rows' transactions in one bulk insert; their new ids, in the rows' order."""
    now = timezone.now()
    values = []
    for row in rows:
        d = row.data
        assert d is not None
        values.append(
            (
                portfolio.pk,
                d.account.pk,
                d.type,
                d.timestamp,
                d.asset.pk if d.asset is not None else None,
                d.quantity,
                d.unit_price,
                d.fee,
                d.counter_asset.pk if d.counter_asset is not None else None,
                d.counter_quantity,
                d.to_account.pk if d.to_account is not None else None,
                d.acquired_at,
                d.cost_basis,
                d.external_id,
                row.key[5:] if row.key.startswith("hash:") else "",
                d.notes,
                now,
                now,
            )
        )
    return insert_rows(TRANSACTION, TRANSACTION_COLUMNS, values, with_ids=True)


def picks_create(
    *, portfolio: Portfolio, rows: list[ImportRow], ids: list[int], errors: list[LineError]
) -> None:
    wanted = {ref for row in rows for ref, _ in row.picks}
    if not wanted:
        return
    by_ext = dict(
        Transaction.objects.filter(portfolio=portfolio, external_id__in=wanted).values_list(
            "external_id", "id"
        )
    )
    picks = []
    for row, tx_id in zip(rows, ids, strict=True):
        for ref, qty in row.picks:
            origin = by_ext.get(ref)
            if origin is None:
                errors.append(
                    LineError(
                        row.line, "lot_picks", f"no transaction with external_id {ref!r} to pick a lot from."
                    )
                )
                continue
            problem = amount_error(qty, positive=True)
            if problem:
                message = f"the quantity picked from {ref!r}: {problem[0].lower()}{problem[1:]}"
                errors.append(LineError(row.line, "lot_picks", message))
                continue
            picks.append((tx_id, origin, qty))
    insert_rows(LOT_PICK, ("transaction_id", "origin_id", "quantity"), picks)
