"""Binance transaction history export (Orders → Transaction History → Export).

Header: User_ID, UTC_Time, Account, Operation, Coin, Change, Remark (older exports have no User_ID). Every
row is one coin's change in one of the user's Binance wallets (Spot, Funding, Earn…). A trade is several
rows with the same UTC_Time: what was spent, what was received and the fee, each possibly split over
partial fills. The export carries no USD values: only trades against USD can be valued from the file.
"""

from __future__ import annotations

from decimal import Decimal

from .common import (
    FIAT,
    Conversion,
    Format,
    LineError,
    Options,
    Record,
    Table,
    has_columns,
    norm,
    number,
    record_id,
    when,
)
from .rows import Built, Leg, Origin, cash, finish, income, trade
from .transfers import Movement, transfers

ACCOUNT = "Binance"
# Operations whose rows at one time are the legs of one exchange, by kind of exchange.
EXCHANGE = {
    "buy": "trade",
    "sell": "trade",
    "fee": "trade",
    "transaction related": "trade",
    "transaction buy": "trade",
    "transaction spend": "trade",
    "transaction sold": "trade",
    "transaction revenue": "trade",
    "transaction fee": "trade",
    "buy crypto with card": "trade",
    "auto-invest transaction": "trade",
    "binance convert": "convert",
    "large otc trading": "convert",
    "stablecoins auto-conversion": "convert",
    "small assets exchange bnb": "dust",
}
INCOME = {
    "pos savings interest": "staking",
    "staking rewards": "staking",
    "eth 2.0 staking rewards": "staking",
    "simple earn locked rewards": "staking",
    "bnb vault rewards": "staking",
    "savings interest": "interest",
    "simple earn flexible interest": "interest",
    "savings distribution": "interest",
    "launchpool interest": "interest",
    "super bnb mining": "mining",
    "airdrop assets": "airdrop",
    "distribution": "airdrop",
    "cash voucher distribution": "airdrop",
    "simple earn flexible airdrop": "airdrop",
    "launchpool airdrop": "airdrop",
    "hodler airdrops distribution": "airdrop",
    "megadrop rewards": "airdrop",
    "campaign related reward": "airdrop",
    "commission history": "airdrop",
    "referral kickback": "airdrop",
    "referral commission": "airdrop",
    "commission rebate": "airdrop",
}
ARRIVE = {"deposit", "fiat deposit"}
LEAVE = {"withdraw", "fiat withdraw", "fiat withdrawal", "send"}
# Moves between the user's own Binance wallets and products: the holdings do not change.
INSIDE = {
    "transfer between main and funding wallet",
    "transfer between spot account and um futures account",
    "transfer between spot account and cm futures account",
    "transfer between main account/futures and margin account",
    "simple earn flexible subscription",
    "simple earn flexible redemption",
    "simple earn locked subscription",
    "simple earn locked redemption",
    "savings purchase",
    "savings principal redemption",
    "pos savings purchase",
    "pos savings redemption",
    "staking purchase",
    "staking redemption",
    "launchpool subscription/redemption",
    "transfer_in",
    "transfer_out",
}
WALLETS = {"spot", "funding", "earn", "savings", "pool"}


def convert(table: Table, options: Options) -> Conversion:
    account = options.account or ACCOUNT
    time_col, op_col, coin_col = table.need("UTC_Time"), table.need("Operation"), table.need("Coin")
    change_col, wallet_col = table.need("Change"), table.need("Account")
    built = Built()
    moves: list[Movement] = []
    groups: dict[tuple[str, str], list[tuple[Record, Leg]]] = {}
    for rec in table.records:
        op = norm(rec.get(op_col))
        if op in INSIDE:
            table.skipped.append((rec.line, f"{rec.get(op_col)}: a move inside Binance, nothing to record"))
            continue
        if norm(rec.get(wallet_col)) not in WALLETS:
            message = (
                f"{rec.get(wallet_col)!r}: futures and margin accounts are not something Lotwise imports."
            )
            built.errors.append(LineError(rec.line, wallet_col, message))
            continue
        change = number(rec, change_col, built.errors)
        ts = when(rec, time_col, built.errors)
        if change is None or ts is None:
            continue
        coin = rec.get(coin_col).upper()
        if op in EXCHANGE:
            # A fee row is what the exchange charged: it leaves the account besides the amounts traded.
            leg = (
                Leg(rec.line, coin, Decimal(0), change_col, fee=-change, fee_column=change_col)
                if "fee" in op and change < 0
                else Leg(rec.line, coin, change, change_col)
            )
            groups.setdefault((rec.get(time_col), EXCHANGE[op]), []).append((rec, leg))
            continue
        o = Origin(
            account, ts, rec.at(time_col), rec.at(op_col), record_id("binance", [rec]), rec.get("Remark")
        )
        leg = Leg(rec.line, coin, change, change_col)
        if op in INCOME and change > 0:
            built.add(income(leg, o, INCOME[op], price=None))
        elif op in ARRIVE or op in LEAVE:
            if coin in FIAT:
                built.add(cash(leg, o))
            else:
                moves.append(Movement(leg, o))
        else:
            message = f"{rec.get(op_col)!r} is not a Binance operation Lotwise imports."
            built.errors.append(LineError(rec.line, op_col, message))
    for members in groups.values():
        first = members[0][0]
        ts = when(first, time_col, built.errors)
        if ts is None:
            continue
        ident = record_id("binance", [rec for rec, _leg in members])
        o = Origin(account, ts, first.at(time_col), first.at(op_col), ident)
        built.add(trade([leg for _rec, leg in members], o))
    built.add(transfers(moves))
    return finish(FORMAT, table, built)


FORMAT = Format(
    key="binance",
    label="Binance transaction history",
    matches=has_columns("UTC_Time", "Account", "Operation", "Coin", "Change"),
    convert=convert,
)
