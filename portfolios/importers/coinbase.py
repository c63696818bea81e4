"""Coinbase transaction history CSV.

Header variants, oldest first (each row is one event; the current exports start with a few preamble lines,
a disclaimer, "Transactions" and "User,…", before the header):
- 2015-2019: Timestamp, Transaction Type, Asset, Quantity Transacted, USD Spot Price at Transaction,
  USD Amount Transacted (Inclusive of Coinbase Fees), Address, Notes
- 2020-2021: …, USD Spot Price at Transaction, USD Subtotal, USD Total (inclusive of fees), USD Fees, Notes
- 2022-2023: …, Spot Price Currency, Spot Price at Transaction, Subtotal,
  Total (inclusive of fees and/or spread), Fees and/or Spread, Notes
- 2024 on: ID, Timestamp, …, Price Currency, Price at Transaction, Subtotal, Total (…), Fees and/or Spread,
  Notes; amounts carry a currency sign (`$1,234.50`) and what leaves the account is negative.
A Convert row names what was received only in its Notes ("Converted 0.5 ETH to 800 USDC").
"""

from __future__ import annotations

import re
from decimal import Decimal

from .common import (
    FIAT,
    ZERO,
    Conversion,
    Format,
    LineError,
    Options,
    Record,
    Table,
    decimal_in,
    has_columns,
    norm,
    number,
    record_id,
    when,
)
from .rows import USD, Built, Leg, Origin, cash, finish, income, trade
from .transfers import Movement, transfers

ACCOUNT = "Coinbase"
BUY = {"buy", "advanced trade buy", "advance trade buy"}
SELL = {"sell", "advanced trade sell", "advance trade sell"}
ARRIVE = {"receive", "deposit"}
LEAVE = {"send", "withdrawal"}
INCOME = {
    "staking income": "staking",
    "rewards income": "staking",
    "inflation reward": "staking",
    "interest": "interest",
    "learning reward": "airdrop",
    "coinbase earn": "airdrop",
    "incentives rewards payout": "airdrop",
    "airdrop": "airdrop",
}
# Moves between Coinbase's own wallets (retail, Pro/Advanced, staking): the owner's holdings do not change.
INSIDE = {
    "pro deposit",
    "pro withdrawal",
    "exchange deposit",
    "exchange withdrawal",
    "retail staking transfer",
    "retail unstaking transfer",
}
CONVERTED = re.compile(r"converted\s+([\d.,]+)\s+(\S+)\s+to\s+([\d.,]+)\s+(\S+)", re.IGNORECASE)
ADVANCED = re.compile(
    r"(?:bought|sold)\s+([\d.,]+)\s+(\S+)\s+for\s+([\d.,]+)\s+(\S+)\s+on\s+(\S+)-(\S+)", re.I
)


def convert(table: Table, options: Options) -> Conversion:
    cols = _Columns(table)
    built = Built()
    moves: list[Movement] = []
    for rec in table.records:
        kind = norm(rec.get(cols.type))
        if kind in INSIDE:
            table.skipped.append(
                (rec.line, f"{rec.get(cols.type)}: a move inside Coinbase, nothing to record")
            )
            continue
        errors = built.errors
        before = len(errors)
        ts = when(rec, cols.time, errors)
        asset = rec.get(cols.asset).upper()
        quantity = number(rec, cols.quantity, errors)
        price = number(rec, cols.price, errors, required=False)
        currency = rec.get(cols.currency).upper() or USD
        if currency != USD:
            column = cols.currency or cols.price or "row"
            errors.append(_not_usd(rec, column, currency))
        if len(errors) > before or ts is None or quantity is None:
            continue
        quantity = abs(quantity)
        ext = f"coinbase:{rec.get(cols.id)}" if rec.get(cols.id) else record_id("coinbase", [rec])
        o = Origin(
            options.account or ACCOUNT, ts, rec.at(cols.time), rec.at(cols.type), ext, rec.get(cols.notes)
        )
        spot = abs(price) if price is not None else None
        if kind in BUY or kind in SELL:
            built.add(_order(rec, cols, o, asset, quantity, spot, buying=kind in BUY))
        elif kind == "convert":
            built.add(_convert(rec, cols, o, asset, quantity, spot))
        elif kind in INCOME or "reward" in kind:
            leg = Leg(rec.line, asset, quantity, cols.quantity)
            built.add(income(leg, o, INCOME.get(kind, "airdrop"), price=spot, price_at=rec.at(cols.price)))
        elif kind in ARRIVE or kind in LEAVE:
            sign = 1 if kind in ARRIVE else -1
            leg = Leg(rec.line, asset, sign * quantity, cols.quantity)
            if asset in FIAT:
                built.add(cash(leg, o))
            else:
                fee = number(rec, cols.fees, built.errors, required=False)
                moves.append(
                    Movement(leg, o, usd_fee=abs(fee) if fee else None, usd_fee_at=rec.at(cols.fees))
                )
        else:
            built.errors.append(_unknown(rec, cols.type, "a Coinbase transaction type Lotwise imports"))
    built.add(transfers(moves))
    return finish(FORMAT, table, built)


class _Columns:
    """Where each value is in this variant of the export."""

    def __init__(self, table: Table) -> None:
        self.id = table.column("ID")
        self.time = table.need("Timestamp")
        self.type = table.need("Transaction Type")
        self.asset = table.need("Asset")
        self.quantity = table.need("Quantity Transacted")
        self.currency = table.column("Price Currency", "Spot Price Currency")
        self.price = table.column(
            "Price at Transaction", "Spot Price at Transaction", "USD Spot Price at Transaction"
        )
        self.subtotal = table.column("Subtotal", "USD Subtotal")
        self.total = table.column(
            "Total (inclusive of fees and/or spread)",
            "USD Total (inclusive of fees)",
            "USD Amount Transacted (Inclusive of Coinbase Fees)",
        )
        self.fees = table.column("Fees and/or Spread", "USD Fees")
        self.notes = table.column("Notes")


def _order(
    rec: Record,
    cols: _Columns,
    o: Origin,
    asset: str,
    quantity: Decimal,
    spot: Decimal | None,
    *,
    buying: bool,
) -> Built:
    """A buy or a sale, against USD or (on Advanced Trade) against another asset named in the notes."""
    out = Built()
    fees = abs(number(rec, cols.fees, out.errors, required=False) or ZERO)
    subtotal = number(rec, cols.subtotal, out.errors, required=False)
    total = number(rec, cols.total, out.errors, required=False)
    if out.errors:
        return out
    # The oldest layout has only a total, fees included: it is the whole amount paid or received.
    usd_column = cols.subtotal if subtotal is not None else cols.total if total is not None else cols.price
    usd = subtotal if subtotal is not None else total if total is not None else (spot or ZERO) * quantity
    if subtotal is None:
        fees = Decimal(0)
    usd = abs(usd)
    sign = 1 if buying else -1
    pair = ADVANCED.search(rec.get(cols.notes))
    if pair and pair.group(6).upper() != USD:
        counter = pair.group(4).upper()
        counter_qty = decimal_in(pair.group(3), rec.at(cols.notes), out.errors)
        if counter_qty is None:
            return out
        legs = [
            Leg(rec.line, asset, sign * quantity, cols.quantity),
            Leg(rec.line, counter, -sign * counter_qty, cols.notes or "Notes"),
        ]
        if fees:
            legs.append(_fee_leg(rec, cols, fees))
        out.add(trade(legs, o, value=(usd, rec.at(usd_column))))
        return out
    usd_leg = Leg(rec.line, USD, -sign * usd, usd_column or "row", fee=fees, fee_column=cols.fees or "")
    out.add(trade([Leg(rec.line, asset, sign * quantity, cols.quantity), usd_leg], o))
    return out


def _convert(
    rec: Record, cols: _Columns, o: Origin, asset: str, quantity: Decimal, spot: Decimal | None
) -> Built:
    out = Built()
    notes_column = cols.notes or "Notes"
    found = CONVERTED.search(rec.get(cols.notes))
    if not found:
        out.errors.append(
            _unknown(
                rec, notes_column, "'Converted <quantity> <asset> to <quantity> <asset>' (what was received)"
            )
        )
        return out
    received = decimal_in(found.group(3), rec.at(notes_column), out.errors)
    fees = abs(number(rec, cols.fees, out.errors, required=False) or ZERO)
    if received is None or out.errors:
        return out
    legs = [
        Leg(rec.line, asset, -quantity, cols.quantity),
        Leg(rec.line, found.group(4).upper(), received, notes_column),
    ]
    if fees:
        legs.append(_fee_leg(rec, cols, fees))
    value = (spot * quantity, rec.at(cols.price)) if spot is not None else None
    out.add(trade(legs, o, value=value))
    return out


def _fee_leg(rec: Record, cols: _Columns, fees: Decimal) -> Leg:
    column = cols.fees or "fees"
    return Leg(rec.line, USD, ZERO, column, fee=fees, fee_column=column)


def _not_usd(rec: Record, column: str, currency: str) -> LineError:
    return LineError(
        rec.line, column, f"prices are in {currency}; Lotwise keeps USD values, so export the report in USD."
    )


def _unknown(rec: Record, column: str, expected: str) -> LineError:
    return LineError(rec.line, column, f"{rec.get(column)!r} is not {expected}.")


FORMAT = Format(
    key="coinbase",
    label="Coinbase transaction history",
    matches=has_columns("Timestamp", "Transaction Type", "Asset", "Quantity Transacted"),
    convert=convert,
)
