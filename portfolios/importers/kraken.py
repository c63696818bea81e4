"""Kraken ledgers export (History → Export → Ledgers).

Header variants: txid, refid, time, type, subtype, aclass, asset, amount, fee, balance (to 2024); `wallet`
after `asset` (2025); `subclass` before `asset` as well (2026); some exports add amountusd and feeusd. Every
row is one asset's change: `amount` is signed and `fee` leaves the account on top of it. The rows of one
trade share a `refid` (a `trade` pair, or `spend` and `receive` for an instant buy), partial fills included.
A row without a txid did not complete. Kraken names assets its own way (XXBT, ZUSD) and marks staked
variants with a suffix (DOT.S, ETH2.S, DOT28.S).
"""

from __future__ import annotations

import re
from decimal import Decimal

from .common import (
    FIAT,
    Conversion,
    Format,
    LineError,
    Options,
    Record,
    Table,
    divide,
    has_columns,
    number,
    when,
)
from .rows import Built, Leg, Origin, cash, finish, income, trade
from .transfers import Movement, transfers

ACCOUNT = "Kraken"
NAMES = {
    "XBT": "BTC",
    "XXBT": "BTC",
    "XETH": "ETH",
    "ETH2": "ETH",
    "XXDG": "DOGE",
    "XDG": "DOGE",
    "XLTC": "LTC",
    "XXRP": "XRP",
    "XXLM": "XLM",
    "XXMR": "XMR",
    "XZEC": "ZEC",
    "XETC": "ETC",
    "XMLN": "MLN",
    "XREP": "REP",
    "ZUSD": "USD",
    "ZEUR": "EUR",
    "ZGBP": "GBP",
    "ZCAD": "CAD",
    "ZJPY": "JPY",
    "ZAUD": "AUD",
    "ZCHF": "CHF",
}
FEE_CREDITS = "KFEE"  # Kraken's fee credits: used up instead of a fee, worth nothing themselves
TRADES = {"trade", "spend", "receive"}
INCOME = {"staking": "staking", "dividend": "staking", "reward": "staking", "invite bonus": "airdrop"}
# Moves between the account's own spot, staking, earn and futures wallets.
INSIDE_SUBTYPES = {
    "spottostaking",
    "stakingfromspot",
    "stakingtospot",
    "spotfromstaking",
    "spotfromfutures",
    "spottofutures",
    "allocation",
    "deallocation",
    "autoallocation",
    "migration",
}
STAKED = re.compile(r"\d*\.[A-Z]$")


def symbol(raw: str) -> str:
    name = raw.strip().upper()
    name = NAMES.get(name, name)
    return NAMES.get(STAKED.sub("", name), STAKED.sub("", name))


def convert(table: Table, options: Options) -> Conversion:
    account = options.account or ACCOUNT
    has_txid = table.column("txid") is not None
    usd, fee_usd = table.column("amountusd"), table.column("feeusd")
    built = Built()
    moves: list[Movement] = []
    groups: dict[str, list[tuple[Record, Leg]]] = {}
    for rec in table.records:
        kind, subtype = rec.get("type").lower(), rec.get("subtype").lower()
        if has_txid and not rec.get("txid"):
            table.skipped.append((rec.line, "no txid: the entry did not complete"))
            continue
        if subtype in INSIDE_SUBTYPES or (kind == "earn" and subtype != "reward"):
            table.skipped.append((rec.line, f"{kind} {subtype}: a move inside Kraken, nothing to record"))
            continue
        errors: list[LineError] = []
        amount = number(rec, "amount", errors)
        fee = number(rec, "fee", errors, required=False) or Decimal(0)
        worth = number(rec, usd, errors, required=False)
        fee_worth = number(rec, fee_usd, errors, required=False)
        if errors or amount is None:
            built.errors.extend(errors)
            continue
        asset = symbol(rec.get("asset"))
        worth = abs(worth) if worth is not None else None
        leg = Leg(rec.line, asset, amount, "amount", fee=fee, fee_column="fee", usd=worth, fee_usd=fee_worth)
        if kind in TRADES:
            groups.setdefault(rec.get("refid") or f"line {rec.line}", []).append((rec, leg))
            continue
        o = _origin(rec, account, built.errors)
        if o is None:
            continue
        if kind in ("deposit", "withdrawal"):
            if asset in FIAT:
                built.add(cash(leg, o))
            else:
                moves.append(Movement(leg, o))
        elif kind in INCOME or (kind in ("earn", "transfer") and amount > 0):
            label = INCOME.get(kind) or ("staking" if kind == "earn" else "airdrop")
            price = divide(worth, amount) if worth is not None and amount else None
            built.add(income(leg, o, label, price=price, price_at=rec.at(usd)))
        else:
            what = f"{kind} {subtype}".strip()
            message = f"a {what!r} ledger entry is not something Lotwise imports (margin, futures and adjustments are not supported)."
            built.errors.append(LineError(rec.line, "type", message))
    for refid, members in groups.items():
        first = members[0][0]
        o = _origin(first, account, built.errors, refid=refid)
        legs = [leg for _rec, leg in members if leg.asset != FEE_CREDITS]
        if o is not None and legs:
            built.add(trade(legs, o))
    built.add(transfers(moves))
    return finish(FORMAT, table, built)


def _origin(rec: Record, account: str, errors: list[LineError], *, refid: str = "") -> Origin | None:
    ts = when(rec, "time", errors)
    if ts is None:
        return None
    ident = f"kraken:{refid}" if refid else f"kraken:{rec.get('txid') or rec.get('refid')}"
    return Origin(account, ts, rec.at("time"), rec.at("type"), ident)


FORMAT = Format(
    key="kraken",
    label="Kraken ledgers",
    matches=has_columns("refid", "time", "type", "asset", "amount", "fee"),
    convert=convert,
)
