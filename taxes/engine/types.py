"""Value types of the tax-lot engine: frozen inputs, plain outputs. No Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal(0)
_Date = date  # for annotations inside classes that have a field named `date`


class EngineError(Exception):
    """A ledger the engine cannot turn into lots, with the event and field at fault."""

    def __init__(self, message: str, *, event_id: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.event_id = event_id
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.event_id is not None:
            where.append(f"event {self.event_id}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class EventType(StrEnum):
    BUY = "buy"
    SELL = "sell"
    TRADE = "trade"  # crypto-to-crypto: a sale of `asset` and a purchase of `counter_asset`
    TRANSFER = "transfer"  # between the owner's own accounts: lots move with dates and basis
    CONVERSION = "conversion"  # Roth conversion: tax-deferred to tax-free, ordinary income at fair value
    STAKING = "staking"
    LENDING = "lending"
    AIRDROP = "airdrop"
    MINING = "mining"
    INTEREST = "interest"
    DONATION = "donation"
    GIFT_SENT = "gift_sent"
    GIFT_RECEIVED = "gift_received"
    INHERITANCE = "inheritance"
    DEPOSIT = "deposit"  # cash in
    WITHDRAWAL = "withdrawal"  # cash out
    FEE = "fee"  # an asset spent to pay a fee: a disposal at fair value


INCOME_TYPES = frozenset(
    {EventType.STAKING, EventType.LENDING, EventType.AIRDROP, EventType.MINING, EventType.INTEREST}
)
CASH_TYPES = frozenset({EventType.DEPOSIT, EventType.WITHDRAWAL})


SECURITY_CLASSES = frozenset({"etf", "stock", "bond"})


class BasisMethod(StrEnum):
    FIFO = "fifo"
    LIFO = "lifo"
    HIFO = "hifo"
    SPECIFIC_ID = "specific_id"


class TaxTreatment(StrEnum):
    TAXABLE = "taxable"
    TAX_DEFERRED = "tax_deferred"
    TAX_FREE = "tax_free"


class Term(StrEnum):
    SHORT = "short"
    LONG = "long"


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """An account of the taxpayer. One engine run covers all of one taxpayer's accounts, so that a wash sale
    sees purchases in every portfolio and account (IRC §1091; Rev. Rul. 2008-5 for IRAs).

    `wash_sale_digital` says whether a loss on a digital asset sold from this account is matched against
    replacements when the asset's `wash_sale` is on (the proposed-law switch of the account's portfolio);
    securities are always matched.
    """

    id: int
    treatment: TaxTreatment = TaxTreatment.TAXABLE
    basis_method: BasisMethod = BasisMethod.FIFO
    wash_sale_digital: bool = True
    # Standing orders (Rev. Proc. 2024-28): from each date on (the owner's tax date), sales use that method;
    # `basis_method` is the one in force before the first. Sorted by date.
    method_changes: tuple[tuple[_Date, BasisMethod], ...] = ()

    def method_on(self, day: _Date) -> BasisMethod:
        method = self.basis_method
        for since, changed in self.method_changes:
            if since > day:
                break
            method = changed
        return method

    @property
    def taxable(self) -> bool:
        return self.treatment is TaxTreatment.TAXABLE


@dataclass(frozen=True, slots=True)
class AssetInfo:
    id: int
    symbol: str
    asset_class: str  # crypto, stablecoin, etf, stock, bond, cash
    wash_sale: bool  # whether §1091 applies (securities; crypto only when the user models proposed law)

    @property
    def is_cash(self) -> bool:
        return self.asset_class == "cash"

    @property
    def is_security(self) -> bool:
        return self.asset_class in SECURITY_CLASSES


@dataclass(frozen=True, slots=True)
class LotPick:
    """Specific identification: take `quantity` from the lot(s) that `origin_event_id` created."""

    origin_event_id: int
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Event:
    """One ledger transaction.

    `timestamp` is aware UTC and with `id` orders the ledger; `date` is the tax date in the owner's time zone.
    `quantity` is always positive; `unit_price` is the USD fair value of one unit of `asset` at the event;
    `fee` is in USD (added to basis on acquisitions, taken off proceeds on disposals).
    """

    id: int
    timestamp: datetime
    date: date
    type: EventType
    account: int
    asset: int | None
    quantity: Decimal
    unit_price: Decimal | None = None
    fee: Decimal = ZERO
    counter_asset: int | None = None
    counter_quantity: Decimal | None = None
    to_account: int | None = None
    acquired_date: _Date | None = None  # gift_received: the donor's acquisition date
    cost_basis: Decimal | None = None  # gift_received: the donor's total basis for `quantity`
    lot_picks: tuple[LotPick, ...] = ()

    @property
    def order_key(self) -> tuple[datetime, int]:
        return (self.timestamp, self.id)


@dataclass(slots=True)
class Lot:
    """An open (or partly open) tax lot in one account.

    `acquired` starts the holding period (tacked for wash-sale replacements, the donor's date for gifts);
    `received` is the date the lot entered the ledger. `long_term_from` is the first date a disposal is
    long-term (None for lots that are long-term from the start, such as inherited property).
    `loss_basis` is set only for a gift whose fair value was below the donor's basis (dual-basis rule).
    """

    lot_id: str
    origin_event_id: int
    account: int
    asset: int
    quantity: Decimal
    basis: Decimal
    acquired: date
    received: date
    long_term_from: date | None
    source: str  # the event type that created it
    loss_basis: Decimal | None = None
    wash_adjustment: Decimal = ZERO  # disallowed loss added to this lot's basis

    def term_on(self, day: date) -> Term:
        if self.long_term_from is None or day >= self.long_term_from:
            return Term.LONG
        return Term.SHORT


@dataclass(slots=True)
class Disposal:
    """A lot (or part of one) leaving the owner: a sale, the sold leg of a trade, or an asset spent on a fee.

    `gain` = proceeds - basis + wash_disallowed. `taxable` is False inside tax-advantaged accounts.
    """

    event_id: int
    kind: str  # sell, trade, fee
    account: int
    asset: int
    lot_id: str
    origin_event_id: int
    quantity: Decimal
    acquired: date
    disposed: date
    proceeds: Decimal
    basis: Decimal
    gain: Decimal
    term: Term
    taxable: bool
    wash_disallowed: Decimal = ZERO  # Form 8949 column (g), code W
    # The lot's carried basis that left with this piece. Equal to `basis` except for a gift under the
    # dual-basis rule, where `basis` is the reported one (donor's basis, fair value, or the proceeds).
    lot_basis: Decimal | None = None


@dataclass(slots=True)
class IncomeRecord:
    event_id: int
    kind: str  # staking, lending, airdrop, mining, interest
    account: int
    asset: int
    date: date
    quantity: Decimal
    value: Decimal  # ordinary income at fair value; also the new lot's basis
    taxable: bool


@dataclass(slots=True)
class Transfer:
    """A disposition with no capital gain: a donation, a gift sent, or assets leaving a tax-advantaged
    account (a distribution into a taxable one, a conversion into a tax-free one)."""

    event_id: int
    kind: str  # donation, gift_sent, distribution, conversion
    account: int
    asset: int
    lot_id: str
    quantity: Decimal
    acquired: date
    date: date
    basis: Decimal
    fair_value: Decimal
    term: Term
    deduction: Decimal  # donations: fair value if long-term, else min(basis, fair value); gifts: 0


@dataclass(slots=True)
class WashSale:
    """A loss disallowed under §1091 and where it went."""

    loss_event_id: int
    loss_lot_id: str
    replacement_event_id: int
    replacement_lot_id: str
    quantity: Decimal
    disallowed: Decimal
    added_to_basis: bool  # False when the replacement sits in a tax-advantaged account (loss is lost)


OrderKey = tuple[datetime, int]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The engine state after the event whose order key is `after`, to resume from without replaying.

    `replace_from` is the order key of the earliest event whose output records could still change when later
    events arrive (a loss sale still inside its 30-day wash-sale window), else `after`. `state` is JSON-ready
    (Decimals, dates and datetimes as strings) and holds the open lots, the pending wash-sale losses and the
    output records of every event with order key >= `replace_from` (wash sales count under their loss event).
    """

    after: OrderKey
    replace_from: OrderKey
    state: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "after": [self.after[0].isoformat(), self.after[1]],
            "replace_from": [self.replace_from[0].isoformat(), self.replace_from[1]],
            "state": self.state,  # already JSON-ready; shared, not copied (it can be megabytes)
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        after = data["after"]
        replace_from = data["replace_from"]
        return cls(
            after=(datetime.fromisoformat(after[0]), int(after[1])),
            replace_from=(datetime.fromisoformat(replace_from[0]), int(replace_from[1])),
            state=data["state"],
        )


@dataclass(slots=True)
class Result:
    lots: list[Lot] = field(default_factory=list)  # open lots as of `as_of`, quantity > 0
    disposals: list[Disposal] = field(default_factory=list)
    income: list[IncomeRecord] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    wash_sales: list[WashSale] = field(default_factory=list)  # ordered by loss event
    checkpoints: list[Checkpoint] = field(default_factory=list)  # when compute() was given checkpoint_every
