"""From a foreign file's legs to Lotwise rows: a trade from its legs, income, fees and cash. Every format
builds its rows here, so they are valued alike."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from .common import (
    FIAT,
    ZERO,
    Conversion,
    Format,
    LedgerRow,
    LineError,
    Source,
    Table,
    chronological,
    divide,
    text,
    unique_ids,
)

USD = "USD"


@dataclass
class Leg:
    """One asset's change in one row of the file."""

    line: int
    asset: str
    amount: Decimal  # signed: negative leaves the account
    column: str  # the column `amount` came from
    fee: Decimal = ZERO  # leaves the account too, in the same asset
    fee_column: str = ""
    usd: Decimal | None = None  # the file's USD value of |amount|
    fee_usd: Decimal | None = None

    def at(self, column: str | None = None) -> Source:
        return Source(self.line, column or self.column)


@dataclass
class Origin:
    """What the rows of one event share: account, time, the cell naming its type, and its id."""

    account: str
    when: datetime
    time: Source
    kind: Source
    external_id: str
    notes: str = ""
    account_at: Source | None = None  # the cell naming the account, when the file has one

    def row(self, typ: str, becomes: str, sources: dict[str, Source], **values: Any) -> LedgerRow:
        where = {
            "timestamp": self.time,
            "type": self.kind,
            "account": self.account_at or self.kind,
            **sources,
        }
        return LedgerRow(
            type=typ,
            account=self.account,
            when=self.when,
            sources=where,
            external_id=self.external_id,
            notes=self.notes,
            becomes=becomes,
            **values,
        )


@dataclass
class Built:
    rows: list[LedgerRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: Built) -> None:
        self.rows.extend(other.rows)
        self.errors.extend(other.errors)
        self.skipped.extend(other.skipped)


def valued(
    typ: str,
    asset: str,
    quantity: Decimal,
    at: Source,
    o: Origin,
    *,
    price: Decimal | None,
    price_at: Source | None,
    becomes: str,
    what: str,
) -> Built:
    """A row that needs a fair value. Without one it is an error; the row stays, valued at zero, so the
    rest of the file is still checked against what the account holds."""
    out = Built()
    if quantity <= 0:
        out.errors.append(LineError(at.line, at.column, f"{what} leaves no quantity once its fee is taken."))
        return out
    if price is None:
        out.errors.append(_no_value(at, what))
        price, price_at = ZERO, at
    sources = {"asset": at, "quantity": at, "unit_price": price_at or at}
    out.rows.append(o.row(typ, becomes, sources, asset=asset, quantity=quantity, unit_price=price))
    return out


def _no_value(at: Source, what: str) -> LineError:
    message = f"{what} needs its fair value in USD, which this file does not give; enter it in a Lotwise CSV with a unit_price instead."
    return LineError(at.line, at.column, message)


def _not_usd(legs: list[Leg]) -> list[LineError]:
    return [
        LineError(
            leg.line,
            leg.column,
            f"{leg.asset} is a currency other than USD; Lotwise keeps USD values and cannot convert it.",
        )
        for leg in legs
        if leg.asset in FIAT and leg.asset != USD
    ]


def negative_fees(legs: list[Leg]) -> list[LineError]:
    """A fee is what left the account besides the amount: a negative one is a mistake in the file."""
    return [
        LineError(leg.line, leg.fee_column or leg.column, f"the fee {text(leg.fee)} is negative.")
        for leg in legs
        if leg.fee < 0
    ]


def trade(legs: list[Leg], o: Origin, *, value: tuple[Decimal, Source] | None = None) -> Built:
    """The legs of one exchange (and its fees) as a buy, a sale or a crypto-to-crypto trade."""
    wrong = negative_fees(legs)
    if wrong:
        return Built(errors=wrong)
    out = _trade(legs, o, value)
    for row in out.rows:
        if row.type != "fee":
            row.sources.update({f"leg {n}": leg.at() for n, leg in enumerate(legs)})
    return out


def _trade(legs: list[Leg], o: Origin, value: tuple[Decimal, Source] | None) -> Built:
    out = Built()
    foreign = _not_usd(legs)
    if foreign:
        out.errors.extend(foreign[:1])
        return out
    by_asset: dict[str, list[Leg]] = {}
    for leg in sorted(legs, key=lambda g: g.line):
        by_asset.setdefault(leg.asset, []).append(leg)
    gross = {a: sum((g.amount for g in ls), ZERO) for a, ls in by_asset.items()}
    fees = {a: sum((g.fee for g in ls), ZERO) for a, ls in by_asset.items()}
    given = [a for a in by_asset if gross[a] < 0]
    got = [a for a in by_asset if gross[a] > 0]
    first = min(legs, key=lambda g: g.line)
    if len(given) != 1 or len(got) != 1:
        lines = ", ".join(str(n) for n in sorted({g.line for g in legs}))
        what = f"gives {', '.join(given) or 'nothing'} and receives {', '.join(got) or 'nothing'}"
        out.errors.append(
            LineError(first.line, first.column, f"lines {lines} do not make one trade: it {what}.")
        )
        return out
    sold, bought = given[0], got[0]
    out_leg, in_leg = by_asset[sold][0], by_asset[bought][0]
    fee_legs = [g for g in legs if g.fee and g.asset == USD]
    usd_fee = fees.get(USD, ZERO)
    fee_at = {"fee": fee_legs[0].at(fee_legs[0].fee_column)} if fee_legs else {}
    for asset, ls in by_asset.items():
        if asset not in (sold, bought, USD) and fees[asset]:
            known = all(g.fee_usd is not None for g in ls)
            fee_worth = sum((g.fee_usd or ZERO for g in ls), ZERO) if known else None
            out.add(fee(ls[0], o, fee_worth, quantity=fees[asset]))
    if sold == USD:
        quantity = gross[bought] - fees[bought]
        if quantity <= 0:
            out.errors.append(
                LineError(in_leg.line, in_leg.column, "the fee is as large as the amount bought.")
            )
            return out
        sources = {"asset": in_leg.at(), "quantity": in_leg.at(), "unit_price": out_leg.at(), **fee_at}
        price = divide(-gross[USD], quantity)
        out.rows.append(
            o.row("buy", "buy", sources, asset=bought, quantity=quantity, unit_price=price, fee=usd_fee)
        )
        return out
    quantity = -gross[sold] + fees[sold]
    if bought == USD:
        sources = {"asset": out_leg.at(), "quantity": out_leg.at(), "unit_price": in_leg.at(), **fee_at}
        price = divide(gross[USD], quantity)
        out.rows.append(
            o.row("sell", "sell", sources, asset=sold, quantity=quantity, unit_price=price, fee=usd_fee)
        )
        return out
    received = gross[bought] - fees[bought]
    worth = value or _worth(by_asset[sold]) or _worth(by_asset[bought])
    becomes = f"trade {sold} → {bought}"
    if received <= 0:
        out.errors.append(
            LineError(in_leg.line, in_leg.column, "the fee is as large as the amount received.")
        )
        return out
    if worth is None:
        out.errors.append(_no_value(out_leg.at(), f"a trade of {sold} for {bought}"))
        worth = (ZERO, out_leg.at())
    sources = {
        "asset": out_leg.at(),
        "quantity": out_leg.at(),
        "counter_asset": in_leg.at(),
        "counter_quantity": in_leg.at(),
        "unit_price": worth[1],
        **fee_at,
    }
    out.rows.append(
        o.row(
            "trade",
            becomes,
            sources,
            asset=sold,
            quantity=quantity,
            unit_price=divide(worth[0], quantity),
            fee=usd_fee or None,
            counter_asset=bought,
            counter_quantity=received,
        )
    )
    return out


def _worth(legs: list[Leg]) -> tuple[Decimal, Source] | None:
    if not legs or any(g.usd is None for g in legs):
        return None
    return abs(sum((g.usd or ZERO for g in legs), ZERO)), legs[0].at()


def fee(leg: Leg, o: Origin, worth: Decimal | None, *, quantity: Decimal | None = None) -> Built:
    """A fee paid in an asset other than USD: a disposal at its fair value, a row of its own."""
    wrong = negative_fees([leg])
    if wrong:
        return Built(errors=wrong)
    qty = quantity if quantity is not None else leg.fee
    price = divide(worth, qty) if worth is not None and qty else None
    at = leg.at(leg.fee_column)
    what = f"a fee of {text(qty)} {leg.asset}"
    own = replace(o, external_id=f"{o.external_id}:fee:{leg.asset}"[:200])
    return valued("fee", leg.asset, qty, at, own, price=price, price_at=at, becomes="fee", what=what)


def income(leg: Leg, o: Origin, kind: str, *, price: Decimal | None, price_at: Source | None = None) -> Built:
    """Income received in an asset (staking, interest, airdrop…): ordinary income at its fair value."""
    wrong = negative_fees([leg])
    if wrong:
        return Built(errors=wrong)
    quantity = leg.amount - leg.fee
    what = f"{kind} income of {text(quantity)} {leg.asset}"
    becomes = f"income ({kind})"
    return valued(
        kind, leg.asset, quantity, leg.at(), o, price=price, price_at=price_at, becomes=becomes, what=what
    )


def cash(leg: Leg, o: Origin) -> Built:
    """USD in or out of the account; other currencies cannot be valued."""
    out = Built(errors=_not_usd([leg]) or negative_fees([leg]))
    if out.errors:
        return out
    incoming = leg.amount > 0
    quantity = abs(leg.amount) - leg.fee if incoming else abs(leg.amount) + leg.fee
    typ = "deposit" if incoming else "withdrawal"
    sources = {"quantity": leg.at(), "asset": leg.at()}
    out.rows.append(o.row(typ, typ, sources, asset="", quantity=quantity))
    return out


def finish(fmt: Format, table: Table, built: Built, *, mapping: dict[str, str] | None = None) -> Conversion:
    rows = chronological(built.rows)
    unique_ids(rows)
    return Conversion(
        format=fmt.key,
        label=fmt.label,
        rows=rows,
        errors=sorted(table.errors + built.errors, key=lambda e: (e.line, e.field)),
        skipped=sorted(table.skipped + built.skipped),
        source_rows=len(table.records),
        mapping=mapping or {},
    )
