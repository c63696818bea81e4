"""Koinly CSV files.

- The universal import format (one wallet per file): Date, Sent Amount, Sent Currency, Received Amount,
  Received Currency, Fee Amount, Fee Currency, Net Worth Amount, Net Worth Currency, Label, Description,
  TxHash. A row with both sides is a trade, with one side a deposit or withdrawal; the Label says what
  else it is (staking, airdrop, gift, cost…).
- The complete transaction export (all wallets): Date (UTC), Type, Label (or Tag), Sending Wallet, Sent
  Amount, Sent Currency, Sent Cost Basis, Receiving Wallet, Received Amount, Received Currency, Received
  Cost Basis, Fee Amount, Fee Currency, Gain (USD), Net Value (USD), Fee Value (USD), TxSrc, TxDest, TxHash,
  Description. Type is buy, sell, exchange, transfer, crypto_deposit, crypto_withdrawal, fiat_deposit or
  fiat_withdrawal; the value columns are in the report's currency, named in their header.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .common import (
    Conversion,
    Format,
    LineError,
    Options,
    Record,
    Source,
    Table,
    has_columns,
    norm,
    number,
    record_id,
    when,
)
from .pairs import Sides, between, fee_leg, side, sides
from .rows import USD, Built, Origin, finish
from .transfers import Movement, transfers

ACCOUNT = "Koinly"
TRADES = {"buy", "sell", "exchange", "trade", "swap"}
VALUE = re.compile(r"^net value \((\w+)\)$")
FEE_VALUE = re.compile(r"^fee value \((\w+)\)$")


def convert_universal(table: Table, options: Options) -> Conversion:
    return _convert(table, options, UNIVERSAL)


def convert_export(table: Table, options: Options) -> Conversion:
    return _convert(table, options, EXPORT)


def _convert(table: Table, options: Options, fmt: Format) -> Conversion:
    export = fmt is EXPORT
    cols = _Columns(table)
    built = Built()
    if cols.currency not in ("", USD):
        message = f"values are in {cols.currency}; Lotwise keeps USD values, so export the report in USD."
        built.errors.append(LineError(table.header_line, cols.value or "header", message))
    moves: list[Movement] = []
    for rec in table.records:
        errors = built.errors
        before = len(errors)
        ts = when(rec, cols.date, errors)
        sent = side(rec, cols.sent, cols.sent_currency, -1, errors)
        received = side(rec, cols.received, cols.received_currency, 1, errors)
        fee_amount = number(rec, cols.fee, errors, required=False)
        fee_worth = number(rec, cols.fee_value, errors, required=False) if cols.currency == USD else None
        value = _value(rec, cols, errors)
        if len(errors) > before or ts is None:
            continue
        kind = norm(rec.get(cols.type))
        wallet = rec.get(cols.sending) if sent else rec.get(cols.receiving)
        account = (wallet if export else options.account) or options.account or ACCOUNT
        ident = f"koinly:{rec.get(cols.id)}" if rec.get(cols.id) else record_id("koinly", [rec])
        wallet_at = rec.at(cols.sending if sent else cols.receiving) if export else None
        kind_at = rec.at(cols.type or cols.label)
        o = Origin(account, ts, rec.at(cols.date), kind_at, ident, rec.get(cols.notes), wallet_at)
        fee = fee_leg(rec.line, rec.get(cols.fee_currency).upper(), fee_amount, cols.fee or "", fee_worth)
        if export and kind == "transfer" and sent and received:
            to_at = rec.at(cols.receiving)
            built.add(between(sent, received, fee, o, rec.get(cols.receiving), to_at, moves))
            continue
        if export and kind not in TRADES and kind.split("_")[-1] not in ("deposit", "withdrawal", "transfer"):
            built.errors.append(
                LineError(rec.line, cols.type or "Type", f"{rec.get(cols.type)!r} is not a Koinly type.")
            )
            continue
        label = rec.get(cols.label)
        built.add(sides(Sides(sent, received, fee, label, rec.at(cols.label), value), o, moves))
    built.add(transfers(moves))
    return finish(fmt, table, built)


class _Columns:
    def __init__(self, table: Table) -> None:
        self.date = table.need("Date (UTC)", "Date")
        self.type = table.column("Type")
        self.label = table.column("Label", "Tag")
        self.id = table.column("ID")
        self.sending, self.receiving = table.column("Sending Wallet"), table.column("Receiving Wallet")
        self.sent, self.sent_currency = table.need("Sent Amount"), table.need("Sent Currency")
        self.received, self.received_currency = table.need("Received Amount"), table.need("Received Currency")
        self.fee, self.fee_currency = table.column("Fee Amount"), table.column("Fee Currency")
        self.notes = table.column("Description")
        self.value = table.column("Net Worth Amount") or next(
            (h for h in table.header if VALUE.match(norm(h))), None
        )
        self.value_currency = table.column("Net Worth Currency")
        self.fee_value = next((h for h in table.header if FEE_VALUE.match(norm(h))), None)
        named = VALUE.match(norm(self.value or ""))
        self.currency = named.group(1).upper() if named else (USD if self.value_currency else "")


def _value(rec: Record, cols: _Columns, errors: list[LineError]) -> tuple[Decimal, Source] | None:
    amount = number(rec, cols.value, errors, required=False)
    if amount is None:
        return None
    currency = rec.get(cols.value_currency).upper() if cols.value_currency else cols.currency
    if currency and currency != USD:
        if cols.value_currency:
            message = f"the value is in {currency}; Lotwise keeps USD values."
            errors.append(LineError(rec.line, cols.value_currency, message))
        return None
    return abs(amount), rec.at(cols.value)


UNIVERSAL = Format(
    key="koinly",
    label="Koinly universal CSV",
    matches=has_columns(
        "Date", "Sent Amount", "Sent Currency", "Received Amount", "Received Currency", "Label"
    ),
    convert=convert_universal,
)
EXPORT = Format(
    key="koinly-export",
    label="Koinly transaction export",
    matches=has_columns("Type", "Sending Wallet", "Sent Amount", "Receiving Wallet", "Received Amount"),
    convert=convert_export,
)
