"""What is wrong with a transaction that can be told without the engine: types, required and unused
fields, ranges and precision, accounts of this portfolio, and the rules of moves between tax treatments.
The ledger services run these before every write; the engine's own checks follow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from portfolios.decimals import WIDE
from portfolios.fields import QUANTITY_PLACES
from portfolios.models import Account, Asset, Portfolio, TransactionType
from portfolios.models.ledger import (
    REQUIRED_FIELDS,
    TYPE_FIELDS,
    TYPED_INPUTS,
    AccountKind,
    AssetClass,
    TaxTreatment,
)

ZERO = Decimal(0)
POSITIVE = frozenset({"quantity", "counter_quantity"})
MAX_AMOUNT = Decimal(10) ** 15  # quantities and USD amounts; the columns keep 18 places below 10^22
MAX_AMOUNT_TEXT = "1,000,000,000,000,000 (10^15)"
# The earliest date of a transaction or a donor's acquisition: the engine and the value history work in
# the owner's time zone and count days back from these dates, which year 1 leaves no room for.
EARLIEST = date(1900, 1, 1)
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
MAX_ID = 2**63 - 1  # the largest primary key the database stores
MAX_OFFSET = timedelta(hours=15, minutes=59)  # PostgreSQL refuses a larger offset from UTC
ZERO_OFFSET = timedelta(0)


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


def amount_error(value: Decimal, *, positive: bool = False) -> str | None:
    """What is wrong with an amount the ledger stores (a quantity, a USD amount), or None: finite, not
    negative (above zero when `positive`), at most 18 decimal places, below 10^15."""
    if not value.is_finite():
        return "Not a number."
    if positive and value <= 0:
        return "Must be greater than zero."
    if value < 0:
        return "Must not be negative."
    if _too_precise(value):
        return f"At most {QUANTITY_PLACES} decimal places."
    if value >= MAX_AMOUNT:
        return f"Must be less than {MAX_AMOUNT_TEXT}."
    return None


# Django builds TextChoices.values anew on every access; a row is checked against this set instead.
TYPES = frozenset(TransactionType.values)


def transaction_errors(
    *, portfolio: Portfolio, data: TransactionData, now: datetime | None = None
) -> dict[str, str]:
    """Field -> message for everything wrong with `data` that can be told without the engine."""
    errors: dict[str, str] = {}
    now = now or timezone.now()
    if data.account.portfolio_id != portfolio.pk:
        errors["account"] = "Account is not in this portfolio."
    if data.type not in TYPES:
        errors["type"] = f"Unknown type {data.type!r}; expected one of {', '.join(TransactionType.values)}."
        return errors
    if data.timestamp.tzinfo is None:
        errors["timestamp"] = "Timestamp needs a time zone offset (e.g. 2024-03-01T14:00:00+00:00)."
    elif abs(data.timestamp.utcoffset() or ZERO_OFFSET) > MAX_OFFSET:
        errors["timestamp"] = "Timestamp's offset from UTC is out of range (at most 15:59 either way)."
    elif data.timestamp < EARLIEST_MOMENT:
        errors["timestamp"] = f"Timestamp is before {EARLIEST:%Y-%m-%d}, the earliest date Lotwise keeps."
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
        problem = None if value is None else amount_error(value, positive=name in POSITIVE)
        if problem:
            errors[name] = problem
    price = data.unit_price if not {"quantity", "unit_price"} & set(errors) else None
    if price is not None and WIDE.multiply(data.quantity, price) >= MAX_AMOUNT:
        errors["unit_price"] = (
            f"The value (quantity times unit price) must be less than {MAX_AMOUNT_TEXT} USD."
        )
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
    if data.acquired_at and data.acquired_at < EARLIEST:
        errors["acquired_at"] = f"The date is before {EARLIEST:%Y-%m-%d}, the earliest date Lotwise keeps."
    elif data.acquired_at and data.timestamp.tzinfo and data.acquired_at > data.timestamp.date():
        errors["acquired_at"] = "The donor's acquisition date is after the gift."
    picks = pick_errors(data.lot_picks)
    if picks:
        errors["lot_picks"] = picks
    return errors


def pick_errors(picks: tuple[tuple[int, Decimal], ...]) -> str | None:
    """What is wrong with specific-ID picks (origin transaction id, quantity), or None."""
    for origin, qty in picks:
        if not 0 < origin <= MAX_ID:
            return f"No transaction #{origin} in this portfolio to pick a lot from."
        problem = amount_error(qty, positive=True)
        if problem:
            return f"The quantity picked from lot #{origin}: {problem[0].lower()}{problem[1:]}"
    return None


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
