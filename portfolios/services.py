"""Writes to the ledger. Every write recomputes lots before it commits, so the ledger never holds a
transaction the engine cannot account for (e.g. selling more than the account holds)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from portfolios.ledger_hooks import LEDGER_CHANGED_HOOKS
from portfolios.models import LotPick, Portfolio, Transaction
from portfolios.models.ledger import (
    INCOME_TYPES,
    REQUIRED_FIELDS,
)
from portfolios.snapshots.changes import portfolio_recompute_noted

# TransactionData and its checks live beside the services that take them; callers import them from here.
from portfolios.transaction_checks import MAX_AMOUNT as MAX_AMOUNT
from portfolios.transaction_checks import TransactionData as TransactionData
from portfolios.transaction_checks import transaction_errors as transaction_errors
from taxes.services import RecomputeError

ZERO = Decimal(0)
# Engine field names -> ledger field names, for error messages.
ENGINE_FIELD = {"acquired_date": "acquired_at", "lot_picks": "lot_picks"}
# The inputs that decide what each account holds after the change. While one of them is wrong or unknown
# the engine cannot say whether, say, a sale exceeds the holding; the others can stand in with a neutral
# value for that check.
HOLDING_INPUTS = frozenset(
    {
        "account",
        "type",
        "timestamp",
        "asset",
        "quantity",
        "counter_asset",
        "counter_quantity",
        "to_account",
        "lot_picks",
    }
)


def _apply(tx: Transaction, data: TransactionData) -> None:
    tx.account = data.account
    tx.type = data.type
    tx.timestamp = data.timestamp
    tx.asset = data.asset
    tx.quantity = data.quantity
    tx.unit_price = data.unit_price
    tx.fee = data.fee or ZERO
    tx.counter_asset = data.counter_asset
    tx.counter_quantity = data.counter_quantity
    tx.to_account = data.to_account
    tx.acquired_at = data.acquired_at
    tx.cost_basis = data.cost_basis
    tx.external_id = data.external_id
    tx.notes = data.notes


def _recompute_or_reject(
    *, portfolio: Portfolio, changed_from: tuple[datetime, int], subject_id: int | None
) -> None:
    try:
        portfolio_recompute_noted(portfolio=portfolio, changed_from=changed_from)
    except RecomputeError as exc:
        name = ENGINE_FIELD.get(exc.field or "", exc.field or NON_FIELD_ERRORS)
        if exc.transaction_id is not None and exc.transaction_id != subject_id:
            other = Transaction.objects.filter(pk=exc.transaction_id).first()
            when = f" on {other.timestamp:%Y-%m-%d}" if other else ""
            raise ValidationError(
                f"This change would make transaction #{exc.transaction_id}{when} invalid: {exc.message}"
            ) from exc
        raise ValidationError({name: exc.message}) from exc


def ledger_changed(*, portfolio: Portfolio) -> None:
    """After a committed ledger change: let the workers refresh the snapshots (debounced per portfolio).

    Every portfolio of the owner is refreshed: one recompute covers the whole taxpayer, and a wash sale in
    one portfolio moves basis into a replacement lot in another.
    """
    for pid in Portfolio.objects.filter(owner_id=portfolio.owner_id).values_list("pk", flat=True):
        for hook in LEDGER_CHANGED_HOOKS:
            transaction.on_commit(lambda hook=hook, pid=pid: hook(pid))  # type: ignore[misc]


def _write(*, portfolio: Portfolio, data: TransactionData, tx: Transaction | None) -> Transaction:
    """Save `data` (as a new transaction, or over `tx`) and recompute; ValidationError when the ledger
    no longer adds up. The caller's transaction decides whether it stays."""
    if tx is None:
        tx = Transaction(portfolio=portfolio)
        old_key = None
    else:
        old_key = (tx.timestamp, tx.pk)
    _apply(tx, data)
    tx.save()
    _picks_replace(tx=tx, picks=data.lot_picks)
    new_key = (tx.timestamp, tx.pk)
    changed_from = new_key if old_key is None else min(old_key, new_key)
    _recompute_or_reject(portfolio=portfolio, changed_from=changed_from, subject_id=tx.pk)
    return tx


class _DryRun(Exception):
    """Rolls back a write made only to ask the engine."""


def _neutral(data: TransactionData, names: Collection[str]) -> TransactionData:
    """`data` with the named value inputs replaced by values every rule accepts."""
    required = REQUIRED_FIELDS.get(data.type, frozenset())
    values: dict[str, object] = {}
    if "fee" in names:
        values["fee"] = ZERO
    if "unit_price" in names:
        values["unit_price"] = ZERO
    if "cost_basis" in names:
        values["cost_basis"] = ZERO if "cost_basis" in required else None
    if "acquired_at" in names:
        values["acquired_at"] = data.timestamp.date() if "acquired_at" in required else None
    return replace(data, **values)  # type: ignore[arg-type]


def _engine_errors(
    *, portfolio: Portfolio, data: TransactionData, tx: Transaction | None, wrong: Collection[str]
) -> dict[str, list[str]]:
    """What the engine says about `data`, from a write that is rolled back. Inputs named in `wrong` take
    a neutral value, and the engine's complaints about them are left out (they have their own)."""
    if set(wrong) & HOLDING_INPUTS:
        return {}
    trial = _neutral(data, wrong)
    if transaction_errors(portfolio=portfolio, data=trial):
        return {}
    found: ValidationError | None = None
    try:
        with transaction.atomic():
            # A fresh copy: the caller's instance must not carry the trial values afterwards.
            target = Transaction.objects.get(pk=tx.pk) if tx is not None else None
            try:
                _write(portfolio=portfolio, data=trial, tx=target)
            except ValidationError as exc:
                found = exc
            raise _DryRun
    except _DryRun:
        pass
    if found is None:
        return {}
    said = found.message_dict if hasattr(found, "error_dict") else {NON_FIELD_ERRORS: found.messages}
    return {name: msgs for name, msgs in said.items() if name not in wrong}


def transaction_problems(
    *,
    portfolio: Portfolio,
    data: TransactionData,
    tx: Transaction | None = None,
    unreadable: Collection[str] = (),
) -> dict[str, list[str]]:
    """Every problem with recording `data` (or saving it over `tx`), at once: the field rules and the
    engine's (such as selling more than the account holds), which is asked with a write that is rolled
    back. Nothing is stored.

    `unreadable` names inputs the caller could not parse (a fee typed as words): their values in `data`
    are placeholders, so nothing is said about them here; the engine is still asked when they do not
    decide what is held.
    """
    problems: dict[str, list[str]] = {
        name: [message]
        for name, message in transaction_errors(portfolio=portfolio, data=data).items()
        if name not in unreadable
    }
    wrong = set(problems) | set(unreadable)
    for name, messages in _engine_errors(portfolio=portfolio, data=data, tx=tx, wrong=wrong).items():
        problems.setdefault(name, []).extend(messages)
    return problems


def _reject_if_wrong(*, portfolio: Portfolio, data: TransactionData, tx: Transaction | None) -> None:
    # Without a field error the write itself asks the engine; with one, the engine is asked anyway so
    # that its objections come out together with the field's.
    if transaction_errors(portfolio=portfolio, data=data):
        raise ValidationError(transaction_problems(portfolio=portfolio, data=data, tx=tx))


@transaction.atomic
def transaction_record(*, portfolio: Portfolio, data: TransactionData) -> Transaction:
    _reject_if_wrong(portfolio=portfolio, data=data, tx=None)
    tx = _write(portfolio=portfolio, data=data, tx=None)
    ledger_changed(portfolio=portfolio)
    return tx


@transaction.atomic
def transaction_update(*, tx: Transaction, data: TransactionData) -> Transaction:
    portfolio = tx.portfolio
    _reject_if_wrong(portfolio=portfolio, data=data, tx=tx)
    _write(portfolio=portfolio, data=data, tx=tx)
    ledger_changed(portfolio=portfolio)
    return tx


@transaction.atomic
def transaction_delete(*, tx: Transaction) -> None:
    portfolio = tx.portfolio
    key = (tx.timestamp, tx.pk)
    if LotPick.objects.filter(origin=tx).exists():
        raise ValidationError(
            "A later sale names this transaction's lot (specific identification); edit that sale first."
        )
    tx.delete()
    _recompute_or_reject(portfolio=portfolio, changed_from=key, subject_id=None)
    ledger_changed(portfolio=portfolio)


def _picks_replace(*, tx: Transaction, picks: Sequence[tuple[int, Decimal]]) -> None:
    LotPick.objects.filter(transaction=tx).delete()
    if not picks:
        return
    origins = set(
        Transaction.objects.filter(portfolio=tx.portfolio, id__in=[o for o, _ in picks]).values_list(
            "id", flat=True
        )
    )
    for origin, _qty in picks:
        if origin not in origins:
            raise ValidationError(
                {"lot_picks": f"No transaction #{origin} in this portfolio to pick a lot from."}
            )
    LotPick.objects.bulk_create(LotPick(transaction=tx, origin_id=o, quantity=q) for o, q in picks)


INCOME_KINDS = sorted(INCOME_TYPES)
