"""The Lotwise CSV ledger format: parse, check every line, then write all rows or none."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.db import transaction

from portfolios.account_services import portfolio_for_user
from portfolios.assets import AssetError, AssetResolver, NewAsset
from portfolios.import_steps import (
    ImportRow,
    cell_date,
    cell_decimal,
    cell_timestamp,
    content_hash,
    in_file,
    lots_with_rows,
    picks_create,
    preview_row,
    transactions_create,
)
from portfolios.importers import LedgerRow, LineError, asset_class_guess
from portfolios.importers import convert as convert_foreign
from portfolios.importers.text import UnreadableFile, checked
from portfolios.models import Account, Asset, Portfolio, Transaction, TransactionType
from portfolios.models.ledger import LEDGER_FIELDS, BasisMethod, User
from portfolios.services import TransactionData, ledger_changed, transaction_errors
from taxes.services import RecomputeResult

COLUMNS = LEDGER_FIELDS
REQUIRED_COLUMNS = COLUMNS[:7]
CASH_SYMBOLS = {"USD", ""}
EXTRA = "\x00extra"  # marks a row with more values than the header has columns
# Column widths of the names a row may create (Asset.symbol, Account.name, Transaction.external_id).
MAX_LENGTH = {"asset": 20, "counter_asset": 20, "account": 100, "to_account": 100, "external_id": 200}
KNOWN_FORMATS = "Coinbase, Kraken, Binance, Koinly, CoinTracker or a brokerage CSV"
TYPES = frozenset(TransactionType.values)  # Django builds `values` anew on every access


class LedgerImportError(Exception):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass
class ImportSummary:
    portfolio: Portfolio
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    accounts_created: list[str] = field(default_factory=list)
    assets_created: list[str] = field(default_factory=list)
    # The same assets with their class, and why the owner should check it where the catalogue cannot say.
    new_assets: list[NewAsset] = field(default_factory=list)
    recompute: RecomputeResult | None = None
    dry_run: bool = False
    preview: list[dict[str, str]] = field(default_factory=list)
    source_format: str = "lotwise"
    source_label: str = "Lotwise CSV"
    source_rows: int | None = None  # data rows of a converted file (it may join several into one)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)


class _DryRun(Exception):
    pass


def ledger_import(
    *,
    user: User,
    file: TextIO,
    portfolio_name: str | None = None,
    basis_method: str = BasisMethod.FIFO,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    source_format: str | None = None,
    mapping: dict[str, str] | None = None,
    account: str | None = None,
    asset_classes: Mapping[str, str] | None = None,
) -> ImportSummary:
    """Import a Lotwise CSV, or an export that `portfolios.importers` recognises (or `source_format` names)
    and converts to Lotwise rows first. All-or-nothing: any bad line raises LedgerImportError and nothing
    is saved; a converted file's errors name its own lines and columns.

    With dry_run the whole import (lot computation included) runs and is rolled back, so a preview
    reports the same errors a real import would. `progress` is called with a percentage as stages finish
    (it must not write to the database: the import's transaction is not visible until it commits).
    `mapping` gives a brokerage CSV's columns; `account` names the account a single-account export goes to.
    `asset_classes` maps a symbol the file creates to the class the owner chose for it on the preview.
    """
    if basis_method not in BasisMethod.values:
        raise LedgerImportError([LineError(0, "basis_method", f"Unknown basis method {basis_method!r}.")])
    try:
        text = checked(file.read())
    except UnreadableFile as exc:
        raise LedgerImportError(exc.errors) from None
    conversion = convert_foreign(text, account=account, mapping=mapping, format=source_format)
    origins: list[LedgerRow] | None = None
    if conversion is None:
        raw_rows = _lotwise_rows(text)
    else:
        origins = conversion.rows
        raw_rows = [(row.line, row.values()) for row in origins]
    summary = ImportSummary(portfolio=Portfolio(owner=user, name=portfolio_name or ""), dry_run=dry_run)
    try:
        with transaction.atomic():
            summary = _import(
                user,
                raw_rows,
                portfolio_name,
                basis_method,
                dry_run,
                progress or _no_progress,
                origins=origins,
                found=list(conversion.errors) if conversion else [],
                source=conversion.format if conversion else "lotwise",
                asset_classes=asset_classes,
            )
            if conversion is not None:
                summary.source_format, summary.source_label = conversion.format, conversion.label
                summary.source_rows, summary.skipped = conversion.source_rows, conversion.skipped
                summary.mapping = conversion.mapping
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _lotwise_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS]
    if not header or missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown columns: {', '.join(unknown)}")
        if header and not set(header) & set(COLUMNS):
            problems.append(f"nor is it a recognised export ({KNOWN_FORMATS})")
        raise LedgerImportError(
            [LineError(1, "header", "; ".join(problems) or "the file is empty; a header line is required")]
        )
    reader.fieldnames = header
    raw_rows: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        extra = row.pop(None, None)
        raw = {k: (v or "") for k, v in row.items()}
        if extra:
            raw[EXTRA] = str(len(extra))
        raw_rows.append((reader.line_num, raw))
    return raw_rows


def _no_progress(percent: int) -> None:
    return None


def _import(
    user: User,
    raw_rows: list[tuple[int, dict[str, str]]],
    portfolio_name: str | None,
    basis_method: str,
    dry_run: bool,
    progress: Callable[[int], None],
    *,
    origins: list[LedgerRow] | None = None,
    found: list[LineError] | None = None,
    source: str = "lotwise",
    asset_classes: Mapping[str, str] | None = None,
) -> ImportSummary:
    portfolio = portfolio_for_user(user=user, name=portfolio_name)
    summary = ImportSummary(portfolio=portfolio, rows=len(raw_rows), dry_run=dry_run)
    errors: list[LineError] = []
    accounts = {a.name: a for a in Account.objects.filter(portfolio=portfolio)}
    # Looked up here at call time, so the one function that guesses a class can be swapped in tests.
    assets = AssetResolver(user=user, source=source, classes=asset_classes, guess=asset_class_guess)

    def account_named(name: str) -> Account:
        if name not in accounts:
            accounts[name] = Account.objects.create(portfolio=portfolio, name=name, basis_method=basis_method)
            summary.accounts_created.append(name)
        return accounts[name]

    rows: list[ImportRow] = []
    starts: list[int] = []  # where each row's errors begin in `errors`
    step = max(len(raw_rows) // 10, 1000)
    for index, (line, raw) in enumerate(raw_rows):
        if index % step == 0:
            progress(5 + 35 * index // max(len(raw_rows), 1))
        row = ImportRow(line=line, raw=raw, origin=origins[index] if origins else None)
        rows.append(row)
        starts.append(len(errors))
        before = len(errors)
        if EXTRA in raw:
            errors.append(LineError(line, "row", f"{raw[EXTRA]} more value(s) than the header has columns."))
            continue
        for name, width in MAX_LENGTH.items():
            if len(raw.get(name, "").strip()) > width:
                errors.append(LineError(line, name, f"longer than {width} characters."))
        typ = raw.get("type", "").strip().lower()
        if typ not in TYPES:
            errors.append(
                LineError(
                    line,
                    "type",
                    f"unknown type {raw.get('type', '')!r}; expected one of {', '.join(TransactionType.values)}.",
                )
            )
            continue
        account_name = raw.get("account", "").strip()
        if not account_name:
            errors.append(LineError(line, "account", "required."))
        ts = cell_timestamp(raw.get("timestamp", ""), line=line, errors=errors)
        quantity = cell_decimal(raw.get("quantity", ""), name="quantity", line=line, errors=errors)
        if quantity is None and not any(e.line == line and e.field == "quantity" for e in errors):
            errors.append(LineError(line, "quantity", "required."))
        unit_price = cell_decimal(raw.get("unit_price", ""), name="unit_price", line=line, errors=errors)
        fee = cell_decimal(raw.get("fee", ""), name="fee", line=line, errors=errors)
        counter_quantity = cell_decimal(
            raw.get("counter_quantity", ""), name="counter_quantity", line=line, errors=errors
        )
        cost_basis = cell_decimal(raw.get("cost_basis", ""), name="cost_basis", line=line, errors=errors)
        acquired_at = cell_date(raw.get("acquired_at", ""), name="acquired_at", line=line, errors=errors)
        picks: list[tuple[str, Decimal]] = []
        for part in filter(None, (p.strip() for p in raw.get("lot_picks", "").split(";"))):
            ref, _, qty_text = part.rpartition(":")
            qty = cell_decimal(qty_text, name="lot_picks", line=line, errors=errors)
            if not ref or qty is None:
                errors.append(LineError(line, "lot_picks", f"{part!r} is not EXTERNAL_ID:QUANTITY."))
            else:
                picks.append((ref.strip(), qty))
        if len(errors) > before or ts is None or quantity is None:
            continue
        symbol = raw.get("asset", "").strip().upper()
        is_cash = typ in (TransactionType.DEPOSIT, TransactionType.WITHDRAWAL)
        if is_cash and symbol in CASH_SYMBOLS:
            symbol = ""
        counter_symbol = raw.get("counter_asset", "").strip().upper()
        resolved: dict[str, Asset | None] = {}
        for name, written in (("asset", symbol), ("counter_asset", counter_symbol)):
            try:
                resolved[name] = assets.resolve(written) if written else None
            except AssetError as exc:
                errors.append(LineError(line, name, exc.message))
        if len(errors) > before:
            continue
        to_name = raw.get("to_account", "").strip()
        data = TransactionData(
            account=account_named(account_name),
            type=typ,
            timestamp=ts,
            quantity=quantity,
            asset=resolved["asset"],
            unit_price=unit_price,
            fee=fee or Decimal(0),
            counter_asset=resolved["counter_asset"],
            counter_quantity=counter_quantity,
            to_account=account_named(to_name) if to_name else None,
            acquired_at=acquired_at,
            cost_basis=cost_basis,
            external_id=raw.get("external_id", "").strip(),
            notes=raw.get("notes", "").strip(),
        )
        problems = transaction_errors(portfolio=portfolio, data=data)
        for name, message in problems.items():
            errors.append(LineError(line, name, message[0].lower() + message[1:]))
        if not problems:
            row.data = data
            row.picks = picks

    starts.append(len(errors))
    summary.new_assets = list(assets.created)
    summary.assets_created = [new.symbol for new in assets.created]
    if origins:
        for index, row in enumerate(rows):
            for at in range(starts[index], starts[index + 1]):
                errors[at] = in_file(errors[at], row.origin)
    errors.extend(found or [])

    # De-duplication: by external id, else by a hash of the row's content and its occurrence in the file.
    seen_ext: dict[str, int] = {}
    occurrences: Counter[str] = Counter()
    for row in rows:
        if row.data is None:
            continue
        if row.data.external_id:
            if row.data.external_id in seen_ext:
                message = f"{row.data.external_id!r} already used on line {seen_ext[row.data.external_id]}."
                errors.append(in_file(LineError(row.line, "external_id", message), row.origin))
                row.data = None
                continue
            seen_ext[row.data.external_id] = row.line
            row.key = "ext:" + row.data.external_id
        else:
            base = content_hash(row.raw, row.data, 0)
            occurrences[base] += 1
            row.key = "hash:" + content_hash(row.raw, row.data, occurrences[base])
    # Rows with errors are left out and the rest go on through the lot computation (all of it rolled back
    # below), so one preview reports every problem of the file rather than one kind at a time.
    row_errors = bool(errors)
    existing_ext = set(
        Transaction.objects.filter(portfolio=portfolio)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    existing_hash = set(
        Transaction.objects.filter(portfolio=portfolio)
        .exclude(content_hash="")
        .values_list("content_hash", flat=True)
    )
    new_rows: list[ImportRow] = []
    for row in rows:
        if row.data is None:
            continue
        kind, _, value = row.key.partition(":")
        if (kind == "ext" and value in existing_ext) or (kind == "hash" and value in existing_hash):
            summary.duplicates += 1
        else:
            new_rows.append(row)
    progress(45)
    ids = transactions_create(portfolio=portfolio, rows=new_rows)
    progress(60)
    summary.created = len(ids)
    row_of = dict(zip(ids, new_rows, strict=True))
    picks_create(portfolio=portfolio, rows=new_rows, ids=ids, errors=errors)
    summary.preview = [preview_row(r) for r in new_rows[:20]]
    if ids:
        summary.recompute = lots_with_rows(
            portfolio=portfolio, row_of=row_of, errors=errors, left_out=row_errors
        )
        if summary.recompute is not None:
            progress(95)
    if errors:
        raise LedgerImportError(sorted(errors, key=lambda e: (e.line, e.field)))
    if ids:
        ledger_changed(portfolio=portfolio)
    return summary


__all__ = ["COLUMNS", "ImportSummary", "LedgerImportError", "LineError", "ledger_import"]
