"""The engine against an independent per-account model, on random multi-account ledgers with transfers.

The model below shares no code with the engine: it keeps plain lists of lots per (account, asset) and
picks by the written rule — FIFO the earliest acquisition (date, time, then ledger order), LIFO the latest,
HIFO the highest unit basis with ties to the earliest acquisition — per account (Treas. Reg. §1.1012-1(c)(1),
(j); Rev. Proc. 2024-28). A piece moved by a transfer keeps its acquisition's date, time and order.
Every lot is bought without fees, so a piece's basis is its quantity times the unit price: exact, and the
comparison needs no rounding rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from taxes.engine import (
    AccountInfo,
    AssetInfo,
    BasisMethod,
    Event,
    EventType,
    TaxTreatment,
    compute,
)

ACCOUNTS = (11, 12, 13)
ASSETS = {
    21: AssetInfo(21, "BTC", "crypto", False),
    22: AssetInfo(22, "ETH", "crypto", False),
}
START = date(2023, 1, 1)


@dataclass
class RefLot:
    acquired: date
    ts: datetime
    eid: int
    quantity: Decimal
    unit: Decimal


def long_term(acquired: date, sold: date) -> bool:
    """Held more than a year, counted from the day after acquisition, by the calendar."""
    day = 28 if (acquired.month, acquired.day) == (2, 29) else acquired.day
    anniversary = date(acquired.year + 1, acquired.month, day)
    return sold > anniversary


def pick_order(lots: list[RefLot], method: BasisMethod) -> list[RefLot]:
    by_acquisition = sorted(lots, key=lambda lot: (lot.acquired, lot.ts, lot.eid))
    if method is BasisMethod.FIFO:
        return by_acquisition
    if method is BasisMethod.LIFO:
        return sorted(lots, key=lambda lot: (lot.acquired, lot.ts, lot.eid), reverse=True)
    # HIFO: a stable sort on the unit basis keeps acquisition order among equal ones
    return sorted(by_acquisition, key=lambda lot: -lot.unit)


def take(lots: list[RefLot], method: BasisMethod, quantity: Decimal) -> list[RefLot]:
    """Remove `quantity` from `lots` in the method's order; the pieces taken, as lots."""
    taken: list[RefLot] = []
    rest = quantity
    for lot in pick_order(lots, method):
        if not rest:
            break
        part = min(rest, lot.quantity)
        taken.append(RefLot(lot.acquired, lot.ts, lot.eid, part, lot.unit))
        lot.quantity -= part
        rest -= part
        if not lot.quantity:
            lots.remove(lot)
    assert not rest
    return taken


step = st.tuples(
    st.sampled_from(["buy", "buy", "sell", "transfer", "transfer"]),
    st.integers(0, 2),  # account
    st.sampled_from([0, 0, 0, 1]),  # asset
    st.integers(1, 400),  # quantity in hundredths
    st.integers(1, 500),  # unit price
    st.sampled_from([0, 0, 0, 0, 0, 1, 3, 200, 366, 400]),  # days after the previous event
    st.sampled_from([9, 9, 12, 15]),  # hour: many events share a timestamp
    st.integers(1, 2),  # destination offset for transfers
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(step, min_size=4, max_size=45),
    st.lists(st.sampled_from([BasisMethod.FIFO, BasisMethod.LIFO, BasisMethod.HIFO]), min_size=3, max_size=3),
)
def test_realized_gains_match_an_independent_per_account_model(steps, methods) -> None:  # type: ignore[no-untyped-def]
    method = dict(zip(ACCOUNTS, methods, strict=True))
    raw = []
    day = START
    for n, (kind, ai, si, qi, price, gap, hour, offset) in enumerate(steps, start=1):
        day += timedelta(days=gap)
        ts = datetime.combine(day, time(hour), tzinfo=UTC)
        raw.append((ts, n, day, kind, ACCOUNTS[ai], 21 + si, Decimal(qi) / 100, Decimal(price), offset))
    raw.sort(key=lambda r: (r[0], r[1]))  # the ledger's order: timestamp, then id

    book: dict[tuple[int, int], list[RefLot]] = defaultdict(list)
    events: list[Event] = []
    expected: dict[tuple[int, bool], tuple[Decimal, Decimal]] = {}
    proceeds: dict[int, Decimal] = {}
    for ts, eid, day_, kind, acct, asset, qty, price, offset in raw:
        held = sum((lot.quantity for lot in book[(acct, asset)]), Decimal(0))
        if kind != "buy" and not held:
            kind = "buy"
        if kind == "buy":
            book[(acct, asset)].append(RefLot(day_, ts, eid, qty, price))
            events.append(Event(eid, ts, day_, EventType.BUY, acct, asset, qty, price))
            continue
        qty = min(qty, held)
        pieces = take(book[(acct, asset)], method[acct], qty)
        if kind == "transfer":
            dest = ACCOUNTS[(ACCOUNTS.index(acct) + offset) % 3]
            book[(dest, asset)].extend(pieces)
            events.append(Event(eid, ts, day_, EventType.TRANSFER, acct, asset, qty, None, to_account=dest))
            continue
        for piece in pieces:
            key = (eid, long_term(piece.acquired, day_))
            q0, b0 = expected.get(key, (Decimal(0), Decimal(0)))
            expected[key] = (q0 + piece.quantity, b0 + piece.quantity * piece.unit)
        proceeds[eid] = qty * price
        events.append(Event(eid, ts, day_, EventType.SELL, acct, asset, qty, price))

    infos = {a: AccountInfo(a, TaxTreatment.TAXABLE, method[a]) for a in ACCOUNTS}
    result = compute(
        events, accounts=infos, assets=ASSETS, as_of=date(2100, 1, 1)
    )  # 45 steps of up to 400 days end before 2073
    got: dict[tuple[int, bool], tuple[Decimal, Decimal]] = {}
    got_proceeds: dict[int, Decimal] = defaultdict(Decimal)
    for d in result.disposals:
        key = (d.event_id, d.term.value == "long")
        q0, b0 = got.get(key, (Decimal(0), Decimal(0)))
        got[key] = (q0 + d.quantity, b0 + d.basis)
        got_proceeds[d.event_id] += d.proceeds
    assert got == expected
    assert dict(got_proceeds) == proceeds
    open_left = defaultdict(Decimal)
    for lot in result.lots:
        open_left[(lot.account, lot.asset)] += lot.quantity
    model_left = {k: sum((lot.quantity for lot in v), Decimal(0)) for k, v in book.items()}
    assert dict(open_left) == {k: v for k, v in model_left.items() if v}
