"""CoinTracker CSV files.

- The import template (one wallet per file): Date, Received Quantity, Received Currency, Sent Quantity,
  Sent Currency, Fee Amount, Fee Currency, Tag. Dates are MM/DD/YYYY HH:MM:SS in UTC; the Tag says what a
  send or receipt was (staking, airdrop, fork, mined, payment, interest, gift, donation, lost, stake…).
- The transaction history export (all wallets): Date, Type, Transaction ID, Received Quantity, Received
  Currency, Received Cost Basis (USD), Received Wallet, Received Address, Received Tag, Received Comment,
  Sent Quantity, Sent Currency, Sent Cost Basis (USD), Sent Wallet, Sent Address, Sent Tag, Sent Comment,
  Fee Amount, Fee Currency, Fee Cost Basis (USD), Realized Return (USD), Fee Realized Return (USD),
  Transaction Hash, Block Explorer URL. Type is Buy, Sell, Trade, Send, Receive or Transfer; a wallet is
  named "Exchange - sub-wallet", and the export ends with a "..." line.
"""

from __future__ import annotations

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
from .rows import Built, Leg, Origin, finish
from .transfers import Movement, transfers

ACCOUNT = "CoinTracker"
TYPES = {"buy", "sell", "trade", "send", "receive", "transfer"}


def convert_template(table: Table, options: Options) -> Conversion:
    return _convert(table, options, TEMPLATE)


def convert_export(table: Table, options: Options) -> Conversion:
    return _convert(table, options, EXPORT)


def _convert(table: Table, options: Options, fmt: Format) -> Conversion:
    export = fmt is EXPORT
    col = table.column
    date_col = table.need("Date")
    built = Built()
    moves: list[Movement] = []
    for rec in table.records:
        errors = built.errors
        before = len(errors)
        ts = when(rec, date_col, errors)
        sent = side(rec, "Sent Quantity", "Sent Currency", -1, errors)
        received = side(rec, "Received Quantity", "Received Currency", 1, errors)
        fee_amount = number(rec, col("Fee Amount"), errors, required=False)
        fee_worth = _sum(rec, errors, col("Fee Cost Basis (USD)"), col("Fee Realized Return (USD)"))
        if len(errors) > before or ts is None:
            continue
        kind = norm(rec.get(col("Type")))
        if export and kind not in TYPES:
            message = f"{rec.get(col('Type'))!r} is not a CoinTracker type (Buy, Sell, Trade, Send, Receive, Transfer)."
            built.errors.append(LineError(rec.line, col("Type") or "Type", message))
            continue
        wallet = rec.get(col("Sent Wallet")) if sent else rec.get(col("Received Wallet"))
        account = _wallet(wallet) if export and wallet else options.account or ACCOUNT
        ident = rec.get(col("Transaction ID"))
        ident = f"cointracker:{ident}" if ident else record_id("cointracker", [rec])
        tag_col = col("Received Tag") if received and not sent else col("Sent Tag") if sent else None
        tag_col = tag_col or col("Tag") or date_col
        wallet_at = rec.at(col("Sent Wallet") if sent else col("Received Wallet")) if export else None
        o = Origin(account, ts, rec.at(date_col), rec.at(col("Type") or tag_col), ident, account_at=wallet_at)
        fee = fee_leg(
            rec.line, rec.get(col("Fee Currency")).upper(), fee_amount, col("Fee Amount") or "", fee_worth
        )
        if kind == "transfer" and sent and received:
            to_col = col("Received Wallet")
            built.add(between(sent, received, fee, o, _wallet(rec.get(to_col)), rec.at(to_col), moves))
            continue
        value = _value(rec, errors, sent=sent, received=received)
        tag = rec.get(tag_col) if tag_col != date_col else ""
        built.add(sides(Sides(sent, received, fee, tag, rec.at(tag_col), value), o, moves))
    built.add(transfers(moves))
    return finish(fmt, table, built)


def _wallet(name: str) -> str:
    # CoinTracker lists an exchange's sub-wallets ("Coinbase - BTC Wallet"): they are one account.
    return name.split(" - ")[0].strip()


def _sum(rec: Record, errors: list[LineError], *columns: str | None) -> Decimal | None:
    values = [number(rec, c, errors, required=False) for c in columns]
    if not columns or any(c is None for c in columns) or any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def _value(
    rec: Record, errors: list[LineError], *, sent: Leg | None, received: Leg | None
) -> tuple[Decimal, Source] | None:
    """The USD fair value the export implies: what was received cost that much; what was sent was worth
    its basis plus the return CoinTracker realized on it."""
    basis = "Received Cost Basis (USD)"
    if received and rec.get(basis):
        worth = number(rec, basis, errors)
        return (abs(worth), rec.at(basis)) if worth is not None else None
    if sent:
        worth = _sum(rec, errors, "Sent Cost Basis (USD)", "Realized Return (USD)")
        return (abs(worth), rec.at("Realized Return (USD)")) if worth is not None else None
    return None


TEMPLATE = Format(
    key="cointracker",
    label="CoinTracker CSV",
    matches=has_columns(
        "Date", "Received Quantity", "Received Currency", "Sent Quantity", "Sent Currency", "Tag"
    ),
    convert=convert_template,
)
EXPORT = Format(
    key="cointracker-export",
    label="CoinTracker transaction history",
    matches=has_columns(
        "Date", "Type", "Received Quantity", "Received Wallet", "Sent Quantity", "Sent Wallet"
    ),
    convert=convert_export,
)
