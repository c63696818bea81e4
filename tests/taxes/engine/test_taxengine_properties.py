"""Invariants of the lot engine, checked on random ledgers with hypothesis."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from taxengine_kit import ASSETS, BTC, ETF, ETH, ROTH, TAXABLE, TAXABLE2, WBTC, D

from taxes.engine import (
    AccountInfo,
    BasisMethod,
    Checkpoint,
    Event,
    EventType,
    Result,
    TaxTreatment,
    compute,
)

AS_OF = date(2035, 1, 1)
START = date(2024, 1, 1)
OUT = (
    EventType.SELL,
    EventType.FEE,
    EventType.DONATION,
    EventType.GIFT_SENT,
    EventType.TRADE,
    EventType.TRANSFER,
)
KINDS = [
    EventType.BUY,
    EventType.BUY,
    EventType.BUY,
    EventType.SELL,
    EventType.SELL,
    EventType.SELL,
    EventType.TRADE,
    EventType.TRANSFER,
    EventType.STAKING,
    EventType.DONATION,
    EventType.GIFT_SENT,
    EventType.GIFT_RECEIVED,
    EventType.INHERITANCE,
    EventType.FEE,
    EventType.DEPOSIT,
]
STEPS = [0, 0, 1, 1, 2, 3, 5, 7, 10, 15, 29, 30, 31, 45, 120, 400]

op = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 2),  # account index
    st.integers(0, 2),  # asset index
    st.integers(1, 500),  # quantity in hundredths
    st.integers(1, 800),  # price in quarters
    st.sampled_from([0, 0, 0, 1, 25, 199]),  # fee in cents
    st.sampled_from(STEPS),  # days since the previous event
    st.booleans(),  # sell everything held
    st.integers(0, 3),  # another index (counter asset, destination)
)


def make_accounts(methods: Sequence[BasisMethod]) -> dict[int, AccountInfo]:
    treatments = (TaxTreatment.TAXABLE, TaxTreatment.TAXABLE, TaxTreatment.TAX_FREE)
    ids = (TAXABLE, TAXABLE2, ROTH)
    return {i: AccountInfo(i, t, m) for i, t, m in zip(ids, treatments, methods, strict=True)}


def build(
    ops: Sequence[tuple[Any, ...]],
    acct_ids: Sequence[int],
    asset_ids: Sequence[int],
    first_id: int = 1,
    max_step: int = 1000,
) -> list[Event]:
    """Turn raw draws into a ledger that never takes out more than an account holds."""
    held: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    events: list[Event] = []
    day = START
    for n, (kind, ai, si, qi, pi, fi, step, everything, other) in enumerate(ops):
        eid = first_id + n
        day += timedelta(days=min(step, max_step))
        ts = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(seconds=eid)
        acct = acct_ids[ai % len(acct_ids)]
        asset = asset_ids[si % len(asset_ids)]
        q = D(qi) / 100
        price = D(pi) / 4
        fee = D(fi) / 100
        key = (acct, asset)
        extra: dict[str, Any] = {}
        if kind in OUT:
            if held[key] <= 0:  # take from some holding instead, so that most draws make a disposal
                nonzero = sorted(k for k, v in held.items() if v > 0)
                if nonzero:
                    key = nonzero[(ai + si) % len(nonzero)]
                    acct, asset = key
            if held[key] <= 0:
                kind = EventType.BUY
            else:
                q = held[key] if everything else min(q, held[key])
        if kind is EventType.TRANSFER:
            others = [a for a in acct_ids if a != acct]
            if not others:
                kind = EventType.SELL
            else:
                to = others[other % len(others)]
                extra["to_account"] = to
                held[(to, asset)] += q
        if kind is EventType.TRADE:
            counters = [a for a in asset_ids if a != asset]
            if not counters:
                kind = EventType.SELL
            else:
                counter = counters[other % len(counters)]
                extra.update(counter_asset=counter, counter_quantity=D(other + 1) / 2)
                held[(acct, counter)] += D(other + 1) / 2
        if kind is EventType.GIFT_RECEIVED:
            extra.update(
                cost_basis=price * q * D(other + 1) / 2, acquired_date=day - timedelta(days=200 * other)
            )
        if kind in OUT:
            held[key] -= q
        elif kind is not EventType.DEPOSIT:
            held[key] += q
        events.append(
            Event(
                id=eid,
                timestamp=ts,
                date=day,
                type=kind,
                account=acct,
                asset=None if kind is EventType.DEPOSIT else asset,
                quantity=q,
                unit_price=price,
                fee=fee,
                **extra,
            )
        )
    return events


ledgers = st.tuples(
    st.lists(op, min_size=6, max_size=40),
    st.lists(st.sampled_from(list(BasisMethod)), min_size=3, max_size=3),
)


def crosses_treatment(e: Event, accts: dict[int, AccountInfo]) -> bool:
    """A transfer between accounts of different tax treatment: lots leave at fair value, a new lot arrives."""
    return (
        e.type is EventType.TRANSFER
        and e.to_account is not None
        and accts[e.account].treatment is not accts[e.to_account].treatment
    )


def run(events: Sequence[Event], accts: dict[int, AccountInfo], **kw: Any) -> Result:
    return compute(events, accounts=accts, assets=ASSETS, as_of=AS_OF, **kw)


@settings(max_examples=300, deadline=None)
@given(ledgers)
def test_quantity_is_conserved(drawn: tuple[list[tuple[Any, ...]], list[BasisMethod]]) -> None:
    """Invariant (1): per asset, acquired = open + disposed + donated/gifted, exactly."""
    ops, methods = drawn
    events = build(ops, [TAXABLE, TAXABLE2, ROTH], [BTC, ETF, ETH])
    accts = make_accounts(methods)
    res = run(events, accts)
    acquired: dict[int, Decimal] = defaultdict(Decimal)
    for e in events:
        if e.type in (EventType.BUY, EventType.STAKING, EventType.GIFT_RECEIVED, EventType.INHERITANCE):
            acquired[e.asset] += e.quantity  # type: ignore[index]
        if crosses_treatment(e, accts):
            acquired[e.asset] += e.quantity  # type: ignore[index]  # a new lot, the old one left
        if e.type is EventType.TRADE:
            acquired[e.counter_asset] += e.counter_quantity  # type: ignore[index,operator]
    left: dict[int, Decimal] = defaultdict(Decimal)
    for lot in res.lots:
        assert lot.quantity > 0
        left[lot.asset] += lot.quantity
    for d in res.disposals:
        left[d.asset] += d.quantity
    for t in res.transfers:
        left[t.asset] += t.quantity
    assert {a: q for a, q in acquired.items() if q} == {a: q for a, q in left.items() if q}
    assert len({lot.lot_id for lot in res.lots}) == len(res.lots)


@settings(max_examples=300, deadline=None)
@given(ledgers)
def test_basis_is_conserved(drawn: tuple[list[tuple[Any, ...]], list[BasisMethod]]) -> None:
    """Invariant (2): acquisition basis + fees moved + wash adjustments = open + disposed + given-away basis."""
    ops, methods = drawn
    events = build(ops, [TAXABLE, TAXABLE2, ROTH], [BTC, ETF, WBTC])
    accts = make_accounts(methods)
    res = run(events, accts)
    put_in = D(0)
    for e in events:
        price = e.unit_price
        assert price is not None
        if e.type is EventType.BUY:
            put_in += e.quantity * price + e.fee
        elif e.type in (EventType.STAKING, EventType.TRADE):
            put_in += e.quantity * price
        elif e.type is EventType.INHERITANCE:
            put_in += e.quantity * price + e.fee
        elif e.type is EventType.GIFT_RECEIVED:
            assert e.cost_basis is not None
            put_in += e.cost_basis + e.fee
        elif crosses_treatment(e, accts):
            # A new lot at fair value; into a taxable account (a distribution) the fee adds to it.
            put_in += e.quantity * price
            if accts[e.account].treatment is not TaxTreatment.TAXABLE:
                put_in += e.fee
        elif e.type is EventType.TRANSFER:
            put_in += e.fee
    put_in += sum((w.disallowed for w in res.wash_sales if w.added_to_basis), D(0))
    taken_out = sum((lot.basis for lot in res.lots), D(0))
    for d in res.disposals:
        assert d.lot_basis is not None
        taken_out += d.lot_basis
        assert d.gain == d.proceeds - d.basis + d.wash_disallowed
    taken_out += sum((t.basis for t in res.transfers), D(0))
    assert put_in == taken_out
    assert sum((lot.wash_adjustment for lot in res.lots), D(0)) <= put_in
    # proceeds pieces add up to the sale exactly
    by_event: dict[int, Decimal] = defaultdict(Decimal)
    for d in res.disposals:
        by_event[d.event_id] += d.proceeds
    for e in events:
        if e.id in by_event:
            assert e.unit_price is not None
            assert by_event[e.id] == (e.quantity * e.unit_price - e.fee)


def interleave(a: list[Event], b: list[Event], picks: list[bool]) -> list[Event]:
    """Merge two accounts' ledgers by date; on the same date `picks` decides who goes first."""
    out: list[Event] = []
    i = j = k = 0
    while i < len(a) or j < len(b):
        if j == len(b) or (
            i < len(a) and (a[i].date < b[j].date or (a[i].date == b[j].date and picks[k % len(picks)]))
        ):
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
        k += 1
    base = datetime(2020, 1, 1, tzinfo=UTC)
    return [
        Event(
            **{
                **{f: getattr(e, f) for f in Event.__dataclass_fields__},
                "timestamp": base + timedelta(seconds=n),
            }
        )
        for n, e in enumerate(out)
    ]


def gains(res: Result) -> list[tuple[Any, ...]]:
    return sorted(
        (d.event_id, d.lot_id, d.quantity, d.proceeds, d.basis, d.gain, d.term) for d in res.disposals
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(op, max_size=25),
    st.lists(op, max_size=25),
    st.lists(st.booleans(), min_size=1, max_size=20),
    st.lists(st.booleans(), min_size=1, max_size=20),
    st.lists(st.sampled_from(list(BasisMethod)), min_size=3, max_size=3),
)
def test_gains_do_not_depend_on_interleaving_of_unrelated_accounts(
    ops_a: list[tuple[Any, ...]],
    ops_b: list[tuple[Any, ...]],
    picks1: list[bool],
    picks2: list[bool],
    methods: list[BasisMethod],
) -> None:
    """Invariant (3): without wash sales, the order across unrelated accounts does not change any gain."""
    a = build(ops_a, [TAXABLE], [BTC, ETH])
    b = build(ops_b, [TAXABLE2], [BTC, ETH], first_id=1000)
    accts = make_accounts(methods)
    one = run(interleave(a, b, picks1), accts)
    two = run(interleave(a, b, picks2), accts)
    assert gains(one) == gains(two)
    assert sorted(one.lots, key=lambda lot: lot.lot_id) == sorted(two.lots, key=lambda lot: lot.lot_id)
    assert sorted((t.event_id, t.lot_id, t.deduction) for t in one.transfers) == sorted(
        (t.event_id, t.lot_id, t.deduction) for t in two.transfers
    )


def check_resume(events: list[Event], accts: dict[int, AccountInfo], every: int) -> None:
    full = run(events, accts, checkpoint_every=every)
    assert len(full.checkpoints) == len(events) // every
    plain = run(events, accts)
    assert plain.checkpoints == []
    plain.checkpoints = full.checkpoints
    assert plain == full
    key = {e.id: (e.timestamp, e.id) for e in events}
    for cp in full.checkpoints:
        cp2 = Checkpoint.from_json(json.loads(json.dumps(cp.to_json())))
        assert cp2 == cp
        later = [e for e in events if (e.timestamp, e.id) > cp.after]
        resumed = run(later, accts, start=cp2)
        rf = cp.replace_from
        assert rf <= cp.after
        assert resumed.lots == full.lots
        assert resumed.disposals == [d for d in full.disposals if key[d.event_id] >= rf]
        assert resumed.income == [r for r in full.income if key[r.event_id] >= rf]
        assert resumed.transfers == [t for t in full.transfers if key[t.event_id] >= rf]
        assert resumed.wash_sales == [w for w in full.wash_sales if key[w.loss_event_id] >= rf]
        event("replace_from before after" if rf < cp.after else "replace_from = after")
    event("wash sales" if full.wash_sales else "no wash sale")
    if full.checkpoints:
        # Checkpoints taken by a resumed run resume just as well.
        first = full.checkpoints[0]
        later = [e for e in events if (e.timestamp, e.id) > first.after]
        again = run(later, accts, start=first, checkpoint_every=every)
        assert len(again.checkpoints) == len(later) // every
        for cp in again.checkpoints:
            resumed = run([e for e in events if (e.timestamp, e.id) > cp.after], accts, start=cp)
            rf = cp.replace_from
            assert resumed.lots == full.lots
            assert resumed.disposals == [d for d in full.disposals if key[d.event_id] >= rf]
            assert resumed.income == [r for r in full.income if key[r.event_id] >= rf]
            assert resumed.transfers == [t for t in full.transfers if key[t.event_id] >= rf]
            assert resumed.wash_sales == [w for w in full.wash_sales if key[w.loss_event_id] >= rf]


@settings(max_examples=150, deadline=None)
@given(ledgers, st.integers(1, 12))
def test_resume_from_checkpoint_equals_full_compute(
    drawn: tuple[list[tuple[Any, ...]], list[BasisMethod]], every: int
) -> None:
    """Invariant (4): for any split point, resuming from the checkpoint equals replaying everything."""
    ops, methods = drawn
    check_resume(build(ops, [TAXABLE, TAXABLE2, ROTH], [ETF, WBTC, BTC]), make_accounts(methods), every)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(op, min_size=12, max_size=45),
    st.lists(st.sampled_from(list(BasisMethod)), min_size=3, max_size=3),
    st.integers(1, 6),
)
def test_resume_equals_full_compute_with_many_wash_sales(
    ops: list[tuple[Any, ...]], methods: list[BasisMethod], every: int
) -> None:
    """Invariant (4), wash-sale heavy: one wash-sale asset, events days apart, many open loss windows."""
    events = build(ops, [TAXABLE, TAXABLE2, ROTH], [ETF], max_step=6)
    check_resume(events, make_accounts(methods), every)
