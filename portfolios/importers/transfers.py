"""Crypto moving between the owner's accounts: a file's transfer rows, a send joined with its arrival in
another account of the same file, and what is left passing through the in-transit account."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from .common import LedgerRow, Source
from .rows import Built, Leg, Origin, fee

# Crypto leaving for (or arriving from) somewhere the file does not name passes through this account, so a
# send in one file and its receipt in another file keep the lots' dates and basis between them.
IN_TRANSIT = "In transit"
RECEIVE_HINT = (
    f"an arrival from outside this file comes out of the {IN_TRANSIT!r} account: import the file of the "
    "account it was sent from first, or record how it was acquired"
)


@dataclass
class Movement:
    """Crypto leaving (a negative leg) or entering one account; a file naming both ends sets `to`."""

    leg: Leg
    origin: Origin
    txhash: str = ""
    to: str = ""
    to_at: Source | None = None
    usd_fee: Decimal | None = None  # a fee the file states in USD (it adds to the moved lots' basis)
    usd_fee_at: Source | None = None


def transfers(moves: list[Movement], *, window: timedelta = timedelta(hours=24)) -> Built:
    """Transfers: a file's transfer rows as they are, a send from one of the owner's accounts joined with
    its arrival in another (same asset and quantity, arriving within `window`, or the same transaction
    hash), and whatever is left through the in-transit account."""
    out = Built()
    outs = sorted((m for m in moves if m.leg.amount < 0), key=lambda m: (m.origin.when, m.leg.line))
    ins = sorted((m for m in moves if m.leg.amount > 0), key=lambda m: (m.origin.when, m.leg.line))
    taken: set[int] = set()
    arrivals = _Arrivals(ins, window)
    for m in moves:
        if m.leg.fee:  # a fee in the asset itself is a disposal of it, in the account that paid it
            out.add(fee(m.leg, m.origin, m.leg.fee_usd))
    for m in outs:
        if m.to:
            out.rows.append(_row(m, m.to, m.to_at or m.leg.at(), f"transfer {m.origin.account} → {m.to}"))
            continue
        match = arrivals.find(m, taken)
        if match is None:
            becomes = f"transfer {m.origin.account} → {IN_TRANSIT} (destination not in this file)"
            out.rows.append(_row(m, IN_TRANSIT, m.leg.at(), becomes))
            continue
        taken.add(match)
        arrival = ins[match]
        becomes = f"transfer {m.origin.account} → {arrival.origin.account} (joined)"
        row = _row(m, arrival.origin.account, arrival.leg.at(), becomes)
        row.external_id = f"{m.origin.external_id}>{arrival.origin.external_id}"[:200]
        out.rows.append(row)
    for i, n in enumerate(ins):
        if i not in taken:
            becomes = f"transfer {IN_TRANSIT} → {n.origin.account} (source not in this file)"
            row = _row(n, n.origin.account, n.origin.kind, becomes)
            row.account, row.hint = IN_TRANSIT, RECEIVE_HINT
            out.rows.append(row)
    return out


def _row(m: Movement, to: str, to_at: Source, becomes: str) -> LedgerRow:
    sources = {"asset": m.leg.at(), "quantity": m.leg.at(), "to_account": to_at}
    if m.usd_fee:
        sources["fee"] = m.usd_fee_at or m.leg.at()
    return m.origin.row(
        "transfer",
        becomes,
        sources,
        asset=m.leg.asset,
        quantity=abs(m.leg.amount),
        to_account=to,
        fee=m.usd_fee,
    )


class _Arrivals:
    """Arrivals indexed by asset and time (and transaction hash), so joining a long file stays fast."""

    def __init__(self, ins: list[Movement], window: timedelta) -> None:
        self.ins, self.window = ins, window
        self.by_hash: dict[tuple[str, str], list[int]] = {}
        self.by_asset: dict[str, list[int]] = {}
        for i, n in enumerate(ins):
            if n.txhash:
                self.by_hash.setdefault((n.leg.asset, n.txhash), []).append(i)
            self.by_asset.setdefault(n.leg.asset, []).append(i)
        self.times = {a: [ins[i].origin.when for i in idx] for a, idx in self.by_asset.items()}

    def find(self, send: Movement, taken: set[int]) -> int | None:
        asset, account = send.leg.asset, send.origin.account
        for i in self.by_hash.get((asset, send.txhash), []) if send.txhash else []:
            if i not in taken and self.ins[i].origin.account != account:
                return i
        indexes = self.by_asset.get(asset, [])
        # Clocks of two venues disagree a little: an arrival may be stamped up to an hour before the send.
        start = bisect_left(self.times.get(asset, []), send.origin.when - timedelta(hours=1))
        for i in indexes[start:]:
            arrival = self.ins[i]
            if arrival.origin.when - send.origin.when > self.window:
                break
            if (
                i not in taken
                and arrival.origin.account != account
                and arrival.leg.amount == -send.leg.amount
            ):
                return i
        return None
