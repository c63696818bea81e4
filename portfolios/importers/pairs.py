"""Rows that carry what was sent and what was received side by side, with a label for what the event was
(Koinly and CoinTracker both write their files this way): one row is a trade, income, a spending, cash, or
one end of a transfer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .common import FIAT, LineError, Record, Source, divide, norm, number, text
from .rows import Built, Leg, Origin, cash, fee, income, trade, valued
from .transfers import Movement

# Labels (Koinly) and tags (CoinTracker) of what was received, as Lotwise income; all are ordinary income
# at fair value, the name says which.
INCOME = {
    "staking": "staking",
    "staking reward": "staking",
    "mining": "mining",
    "mined": "mining",
    "mining reward": "mining",
    "interest": "interest",
    "loan interest": "lending",
    "lending interest": "lending",
    "lending": "lending",
    "airdrop": "airdrop",
    "fork": "airdrop",
    "forked": "airdrop",
    "reward": "airdrop",
    "rewards": "airdrop",
    "income": "airdrop",
    "other income": "airdrop",
    "payment": "airdrop",
    "bounty": "airdrop",
    "cashback": "airdrop",
}
# Labels of what was sent that is not a transfer: the Lotwise type, valued at fair value.
SPENT = {
    "gift": "gift_sent",
    "donation": "donation",
    "cost": "fee",
    "fee": "fee",
    "margin fee": "fee",
    "loan fee": "fee",
    "interest payment": "fee",
}
INSIDE = {"stake", "unstake"}  # into or out of staking: the owner keeps the asset
UNSUPPORTED = {
    "lost",
    "stolen",
    "lost/stolen",
    "margin",
    "margin gain",
    "margin loss",
    "margin rebate",
    "realized gain",
    "liquidity in",
    "liquidity out",
}


@dataclass
class Sides:
    sent: Leg | None
    received: Leg | None
    fee: Leg | None  # an amount of zero and the fee (in its own currency)
    label: str
    label_at: Source
    value: tuple[Decimal, Source] | None  # the file's USD fair value of the event


def sides(s: Sides, o: Origin, moves: list[Movement]) -> Built:
    """One sent/received row as Lotwise rows; plain sends and receipts of crypto are added to `moves`."""
    label = norm(s.label)
    out = Built()
    if label in INSIDE:
        out.skipped.append((o.kind.line, f"{s.label}: staking that keeps the asset, nothing to record"))
        return out
    if label in UNSUPPORTED or (label == "gift" and s.received and not s.sent):
        what = "a gift received (it needs the donor's date and basis)" if label == "gift" else repr(s.label)
        message = f"{what} is not something Lotwise imports from this file; enter it by hand."
        out.errors.append(LineError(s.label_at.line, s.label_at.column, message))
        return out
    if s.sent and s.received:
        legs = [s.sent, s.received]
        if s.fee:
            _attach(s.fee, legs)
        out.add(trade(legs, o, value=s.value))
        return out
    if s.fee:
        out.add(fee(s.fee, o, s.fee.fee_usd))
    leg = s.received or s.sent
    if leg is None:
        out.errors.append(LineError(o.kind.line, o.kind.column, "nothing sent and nothing received."))
        return out
    price = divide(s.value[0], abs(leg.amount)) if s.value and leg.amount else None
    price_at = s.value[1] if s.value else None
    if s.received and label in INCOME:
        out.add(income(s.received, o, INCOME[label], price=price, price_at=price_at))
    elif s.sent and label in SPENT:
        typ = SPENT[label]
        what = f"{s.label.lower()} of {text(-s.sent.amount)} {s.sent.asset}"
        out.add(
            valued(
                typ,
                s.sent.asset,
                -s.sent.amount,
                s.sent.at(),
                o,
                price=price,
                price_at=price_at,
                becomes=typ.replace("_", " "),
                what=what,
            )
        )
    elif leg.asset in FIAT:
        out.add(cash(leg, o))
    elif label:
        message = f"{s.label!r} is not a label Lotwise knows for this kind of row."
        out.errors.append(LineError(s.label_at.line, s.label_at.column, message))
    else:
        moves.append(Movement(leg, o))
    return out


def between(
    sent: Leg, received: Leg, fee_paid: Leg | None, o: Origin, to: str, to_at: Source, moves: list[Movement]
) -> Built:
    """A row naming both of the owner's wallets: what arrived moves from one to the other, and a fee in
    the asset is a disposal by the sender."""
    out = Built()
    if fee_paid:
        out.add(fee(fee_paid, o, fee_paid.fee_usd))
    if to == o.account:
        out.skipped.append((sent.line, f"a move inside {to}, nothing to record"))
        return out
    moves.append(
        Movement(Leg(received.line, sent.asset, -received.amount, received.column), o, to=to, to_at=to_at)
    )
    return out


def _attach(fee_leg: Leg, legs: list[Leg]) -> None:
    """A fee in an asset the trade already moves comes out of that asset's leg; another asset is a leg of
    its own, which the trade turns into a fee row."""
    for leg in legs:
        if leg.asset == fee_leg.asset:
            leg.fee += fee_leg.fee
            leg.fee_column = fee_leg.fee_column
            return
    legs.append(fee_leg)


def fee_leg(line: int, asset: str, amount: Decimal | None, column: str, worth: Decimal | None) -> Leg | None:
    if not amount or not asset:
        return None
    return Leg(line, asset, Decimal(0), column, fee=abs(amount), fee_column=column, fee_usd=worth)


def side(rec: Record, amount_col: str, currency_col: str, sign: int, errors: list[LineError]) -> Leg | None:
    """The sent (sign -1) or received (+1) side of a row, if it has one."""
    amount = number(rec, amount_col, errors, required=False)
    asset = rec.get(currency_col).upper()
    if not amount:
        return None
    if not asset:
        errors.append(LineError(rec.line, currency_col, "required with an amount."))
        return None
    return Leg(rec.line, asset, sign * abs(amount), amount_col)
