"""Writes to the ledger. Every write recomputes lots before it commits, so the ledger never holds a
transaction the engine cannot account for (e.g. selling more than the account holds)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from portfolios.fields import QUANTITY_PLACES
from portfolios.models import Account, Asset, LotPick, Portfolio, Transaction, TransactionType
from portfolios.models.ledger import (
    INCOME_TYPES,
    REQUIRED_FIELDS,
    TYPE_FIELDS,
    TYPED_INPUTS,
    AccountKind,
    AssetClass,
    TaxTreatment,
    User,
)
from taxes.services import RecomputeError, owner_recompute, portfolio_recompute

ZERO = Decimal(0)
MAX_AMOUNT = Decimal(10) ** 15  # quantities and USD amounts; the columns keep 18 places below 10^22
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


@dataclass(frozen=True)
class TransactionData:
    account: Account
    type: str
    timestamp: datetime
    quantity: Decimal
    asset: Asset | None = None
    unit_price: Decimal | None = None
    fee: Decimal = ZERO
    counter_asset: Asset | None = None
    counter_quantity: Decimal | None = None
    to_account: Account | None = None
    acquired_at: date | None = None
    cost_basis: Decimal | None = None
    external_id: str = ""
    notes: str = ""
    lot_picks: tuple[tuple[int, Decimal], ...] = field(default=())  # (origin transaction id, quantity)


def _too_precise(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and -exponent > QUANTITY_PLACES


def transaction_errors(
    *, portfolio: Portfolio, data: TransactionData, now: datetime | None = None
) -> dict[str, str]:
    """Field -> message for everything wrong with `data` that can be told without the engine."""
    errors: dict[str, str] = {}
    now = now or timezone.now()
    if data.account.portfolio_id != portfolio.pk:
        errors["account"] = "Account is not in this portfolio."
    if data.type not in TransactionType.values:
        errors["type"] = f"Unknown type {data.type!r}; expected one of {', '.join(TransactionType.values)}."
        return errors
    if data.timestamp.tzinfo is None:
        errors["timestamp"] = "Timestamp needs a time zone offset (e.g. 2024-03-01T14:00:00+00:00)."
    elif data.timestamp > now:
        errors["timestamp"] = "Timestamp is in the future."
    wanted = TYPE_FIELDS[data.type]
    required = REQUIRED_FIELDS[data.type]
    present = {
        "asset": data.asset is not None,
        "quantity": True,
        "unit_price": data.unit_price is not None,
        "fee": bool(data.fee),
        "counter_asset": data.counter_asset is not None,
        "counter_quantity": data.counter_quantity is not None,
        "to_account": data.to_account is not None,
        "acquired_at": data.acquired_at is not None,
        "cost_basis": data.cost_basis is not None,
    }
    label = TransactionType(data.type).label.lower()
    for name in required:
        if not present[name]:
            what = "fair value in USD per unit" if name == "unit_price" else name.replace("_", " ")
            errors[name] = f"Required for a {label}: the {what}."
    for name in TYPED_INPUTS:
        if name in ("asset", "quantity"):
            continue  # checked by type below
        # A fair value is harmless context on any event (exports often carry one on transfers).
        if present[name] and name not in wanted and name != "unit_price":
            errors[name] = f"Not used by a {label}; leave it empty."
    for name in ("quantity", "unit_price", "fee", "counter_quantity", "cost_basis"):
        value = getattr(data, name)
        if value is None:
            continue
        if not value.is_finite():
            errors[name] = "Not a number."
        elif name in ("quantity", "counter_quantity") and value <= 0:
            errors[name] = "Must be greater than zero."
        elif value < 0:
            errors[name] = "Must not be negative."
        elif _too_precise(value):
            errors[name] = f"At most {QUANTITY_PLACES} decimal places."
        elif value >= MAX_AMOUNT:
            errors[name] = "Must be less than 1,000,000,000,000,000 (10^15)."
    for name in ("asset", "counter_asset"):
        chosen = getattr(data, name)
        # Another user's own asset is invisible to this owner: the same answer as for a symbol never seen.
        if chosen is not None and chosen.owner_id not in (None, portfolio.owner_id):
            errors[name] = "Unknown asset."
    if data.type in (TransactionType.DEPOSIT, TransactionType.WITHDRAWAL):
        if data.asset is not None and data.asset.asset_class != AssetClass.CASH:
            errors["asset"] = "Cash deposits and withdrawals take no asset (or a cash asset such as USD)."
    elif data.asset is not None and data.asset.asset_class == AssetClass.CASH:
        errors["asset"] = f"A {label} needs an investable asset, not cash."
    if data.type == TransactionType.TRADE and data.asset and data.counter_asset == data.asset:
        errors["counter_asset"] = "A trade needs two different assets."
    if data.to_account is not None:
        if data.to_account.portfolio_id != portfolio.pk:
            errors["to_account"] = "Destination account is not in this portfolio."
        elif data.to_account.pk == data.account.pk:
            errors["to_account"] = "A transfer needs a different destination account."
        elif data.type == TransactionType.CONVERSION:
            errors.update(_conversion_errors(data.account, data.to_account))
        else:
            errors.update(_treatment_change_errors(data))
    if data.acquired_at and data.timestamp.tzinfo and data.acquired_at > data.timestamp.date():
        errors["acquired_at"] = "The donor's acquisition date is after the gift."
    for _origin, qty in data.lot_picks:
        if qty <= 0:
            errors["lot_picks"] = "Each picked quantity must be greater than zero."
    return errors


def _conversion_errors(source: Account, dest: Account) -> dict[str, str]:
    """A Roth conversion: out of a traditional IRA or 401(k) into a Roth. An HSA is tax-free too, but money
    reaches it from an IRA only as a one-time funding distribution, which is not income."""
    errors = {}
    if source.tax_treatment != TaxTreatment.TAX_DEFERRED:
        errors["account"] = (
            "A Roth conversion comes out of a tax-deferred account (traditional IRA or 401(k)); "
            f"{source.name} is {TaxTreatment(source.tax_treatment).label.lower()}."
        )
    if dest.kind == AccountKind.HSA:
        errors["to_account"] = "A Roth conversion goes into a Roth IRA or Roth 401(k), not an HSA."
    elif dest.tax_treatment != TaxTreatment.TAX_FREE:
        errors["to_account"] = (
            "A Roth conversion goes into a tax-free account (Roth IRA or Roth 401(k)); "
            f"{dest.name} is {TaxTreatment(dest.tax_treatment).label.lower()}."
        )
    return errors


def _treatment_change_errors(data: TransactionData) -> dict[str, str]:
    """A transfer between accounts of different tax treatment is a distribution, a sale into the account or
    a conversion (see the engine's transfer rules): it needs the fair value that day."""
    source, dest = data.account.tax_treatment, data.to_account.tax_treatment if data.to_account else None
    if dest is None or dest == source:
        return {}
    if source == TaxTreatment.TAX_FREE and dest == TaxTreatment.TAX_DEFERRED:
        return {
            "to_account": "A transfer from a tax-free account (Roth, HSA) into a tax-deferred one is not "
            "possible; record a sale in one account and a buy in the other."
        }
    if data.unit_price is None:
        if source == TaxTreatment.TAXABLE:
            what = "a sale at fair value"
        else:
            what = "a distribution" if dest == TaxTreatment.TAXABLE else "a conversion"
        return {
            "unit_price": f"Required: a transfer from a {TaxTreatment(source).label.lower()} into a "
            f"{TaxTreatment(dest).label.lower()} account is {what}, valued at the fair value in USD per "
            "unit that day."
        }
    return {}


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
        portfolio_recompute(portfolio=portfolio, changed_from=changed_from)
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
        for hook in _LEDGER_CHANGED_HOOKS:
            transaction.on_commit(lambda hook=hook, pid=pid: hook(pid))  # type: ignore[misc]


_LEDGER_CHANGED_HOOKS: list[Callable[[int], None]] = []


def on_ledger_changed(hook: Callable[[int], None]) -> Callable[[int], None]:
    _LEDGER_CHANGED_HOOKS.append(hook)
    return hook


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


@transaction.atomic
def account_update(*, account: Account, **changes: object) -> Account:
    """Changing an account's basis method or treatment changes every lot in it: recompute from the start."""
    for name, value in changes.items():
        setattr(account, name, value)
    account.full_clean()
    account.save()
    try:
        portfolio_recompute(portfolio=account.portfolio, changed_from=None)
    except RecomputeError as exc:
        raise ValidationError(f"With this change the ledger no longer adds up: {exc}") from exc
    ledger_changed(portfolio=account.portfolio)
    return account


@transaction.atomic
def user_timezone_update(*, user: User, timezone_name: str) -> int:
    """The time zone decides each event's tax date, so every portfolio of the user is recomputed.

    Returns how many portfolios were recomputed; raises ValidationError (nothing changed) if one cannot be.
    """
    if timezone_name == user.timezone:
        return 0
    user.timezone = timezone_name
    user.full_clean(validate_unique=False)
    user.save(update_fields=["timezone"])
    portfolios = list(Portfolio.objects.filter(owner=user).select_related("owner"))
    if not portfolios:
        return 0
    try:
        owner_recompute(owner=user, changed_from=None)
    except RecomputeError as exc:
        raise ValidationError(f"Your ledger cannot be recomputed in {timezone_name}: {exc}") from exc
    ledger_changed(portfolio=portfolios[0])
    return len(portfolios)


def portfolio_for_user(*, user: User, name: str | None) -> Portfolio:
    """The named portfolio (created if new), or the user's only one, or a new 'Main'."""
    if name:
        portfolio, _ = Portfolio.objects.get_or_create(owner=user, name=name)
        return portfolio
    existing = list(Portfolio.objects.filter(owner=user)[:2])
    if len(existing) == 1:
        return existing[0]
    if len(existing) > 1:
        raise ValidationError("You have several portfolios: name one.")
    return Portfolio.objects.create(owner=user, name="Main")


INCOME_KINDS = sorted(INCOME_TYPES)
