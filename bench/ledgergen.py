"""A seeded synthetic ledger for the benchmarks: buys, sells, income, transfers and fees across three accounts.

Accounts: 1 a taxable brokerage, 2 a taxable exchange wallet, 3 a Roth IRA (tax-free); all FIFO (benches
swap the basis method). Transfers move lots between the two taxable accounts only. Assets: BTC, ETH, SOL, ADA (crypto, no wash sales), VTI (an ETF, wash sales on) and
USD (cash, for deposits). Timestamps are spread evenly over 2018-01-01 .. 2026-11-01 UTC; no event ever
sells, transfers or spends more than its account holds, so the ledger always replays without error.

    events, accounts, assets = generate_ledger(100_000, seed=1)
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from taxes.engine import (
    AccountInfo,
    AssetInfo,
    BasisMethod,
    Event,
    EventType,
    TaxTreatment,
)

START = datetime(2018, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
AS_OF = date(2026, 11, 1)

BROKERAGE, WALLET, ROTH = 1, 2, 3
BTC, ETH, SOL, ADA, VTI, USD = 1, 2, 3, 4, 5, 6

# asset -> (starting price, price places, quantity places, typical buy quantity)
_SPEC: dict[int, tuple[float, int, int, float]] = {
    BTC: (14000.0, 2, 8, 0.05),
    ETH: (750.0, 2, 8, 1.2),
    SOL: (2.0, 4, 6, 40.0),
    ADA: (0.7, 6, 6, 2500.0),
    VTI: (135.0, 2, 3, 12.0),
}
_ACCOUNT_ASSETS = {
    BROKERAGE: (BTC, ETH, SOL, ADA, VTI),
    WALLET: (BTC, ETH, SOL, ADA),
    ROTH: (VTI, BTC, ETH),
}
_SAME_TREATMENT = (BROKERAGE, WALLET)
_INCOME = (EventType.STAKING, EventType.LENDING, EventType.AIRDROP, EventType.MINING, EventType.INTEREST)


def accounts_and_assets(
    method: BasisMethod = BasisMethod.FIFO,
) -> tuple[dict[int, AccountInfo], dict[int, AssetInfo]]:
    accounts = {
        BROKERAGE: AccountInfo(BROKERAGE, TaxTreatment.TAXABLE, method),
        WALLET: AccountInfo(WALLET, TaxTreatment.TAXABLE, method),
        ROTH: AccountInfo(ROTH, TaxTreatment.TAX_FREE, method),
    }
    assets = {
        BTC: AssetInfo(BTC, "BTC", "crypto", False),
        ETH: AssetInfo(ETH, "ETH", "crypto", False),
        SOL: AssetInfo(SOL, "SOL", "crypto", False),
        ADA: AssetInfo(ADA, "ADA", "crypto", False),
        VTI: AssetInfo(VTI, "VTI", "etf", True),
        USD: AssetInfo(USD, "USD", "cash", False),
    }
    return accounts, assets


def generate_ledger(n: int, seed: int) -> tuple[list[Event], dict[int, AccountInfo], dict[int, AssetInfo]]:
    """`n` events (ids 1..n, in order) that replay cleanly; the same `seed` gives the same ledger."""
    rng = random.Random(seed)
    accounts, assets = accounts_and_assets()
    price = {a: spec[0] for a, spec in _SPEC.items()}
    pq = {a: Decimal(1).scaleb(-spec[1]) for a, spec in _SPEC.items()}
    qq = {a: Decimal(1).scaleb(-spec[2]) for a, spec in _SPEC.items()}
    held: dict[tuple[int, int], Decimal] = {
        (acc, a): Decimal(0) for acc, aa in _ACCOUNT_ASSETS.items() for a in aa
    }
    nonempty: list[tuple[int, int]] = []  # keys with a positive holding (may hold stale entries)
    pairs = list(held)
    span = int((END - START).total_seconds())
    events: list[Event] = []
    zero = Decimal(0)
    last_day = None
    for i in range(n):
        eid = i + 1
        ts = START + timedelta(seconds=span * i // n)
        day = ts.date()
        if day != last_day:  # a daily random walk: prices move both ways within any 30 days
            last_day = day
            for a in price:
                price[a] = max(price[a] * (1.0 + rng.gauss(0.0002, 0.03)), _SPEC[a][0] * 0.05)
        r = rng.random()
        while nonempty and held[nonempty[-1]] <= 0:
            nonempty.pop()
        if nonempty and r < 0.40:
            j = rng.randrange(len(nonempty))
            key = nonempty[j]
            if held[key] <= 0:
                nonempty[j] = nonempty[-1]
                nonempty.pop()
                kind = "buy"
            else:
                kind = "sell" if r < 0.27 else "transfer" if r < 0.34 else "fee" if r < 0.36 else "other"
        else:
            kind = "buy" if r < 0.85 else "income" if r < 0.97 else "deposit"
        if kind in ("sell", "transfer", "fee", "other"):
            acc, a = key
            typical = _SPEC[a][3]
            if kind == "fee":
                q = (Decimal(repr(typical * rng.uniform(0.001, 0.01)))).quantize(qq[a], ROUND_DOWN)
            elif rng.random() < 0.002:
                q = held[key]
            else:
                q = (Decimal(repr(typical * rng.uniform(0.2, 1.6)))).quantize(qq[a], ROUND_DOWN)
            q = min(q, held[key])
            if q <= 0:
                q = held[key]
            p = Decimal(repr(price[a])).quantize(pq[a])
            # Transfers stay between the two taxable accounts, where lots move with their dates and basis:
            # a move into or out of the Roth is a sale or a distribution at fair value, a different workload.
            targets = (
                [x for x in _SAME_TREATMENT if x != acc and a in _ACCOUNT_ASSETS[x]] if acc != ROTH else []
            )
            if targets and (kind == "transfer" or (kind == "other" and acc != ROTH)):
                to = targets[rng.randrange(len(targets))]
                fee = Decimal(rng.randrange(0, 300)) / 100 if rng.random() < 0.3 else zero
                events.append(Event(eid, ts, day, EventType.TRANSFER, acc, a, q, p, fee, to_account=to))
                held[key] -= q
                if held[(to, a)] <= 0:
                    nonempty.append((to, a))
                held[(to, a)] += q
            else:
                typ = EventType.FEE if kind == "fee" else EventType.SELL
                fee = Decimal(rng.randrange(0, 1000)) / 100 if typ is EventType.SELL else zero
                events.append(Event(eid, ts, day, typ, acc, a, q, p, fee))
                held[key] -= q
            continue
        if kind == "deposit":
            acc = rng.choice((BROKERAGE, ROTH))
            amount = Decimal(rng.randrange(100, 1_000_000)) / 100
            events.append(Event(eid, ts, day, EventType.DEPOSIT, acc, USD, amount, Decimal(1)))
            continue
        acc, a = pairs[rng.randrange(len(pairs))]
        typical = _SPEC[a][3]
        p = Decimal(repr(price[a])).quantize(pq[a])
        if kind == "income":
            if a == VTI:
                a = ETH if acc != ROTH else VTI
                p = Decimal(repr(price[a])).quantize(pq[a])
                typical = _SPEC[a][3]
            q = Decimal(repr(typical * rng.uniform(0.001, 0.05))).quantize(qq[a], ROUND_DOWN) or qq[a]
            typ = _INCOME[rng.randrange(len(_INCOME))]
            events.append(Event(eid, ts, day, typ, acc, a, q, p))
        else:
            q = Decimal(repr(typical * rng.uniform(0.1, 2.0))).quantize(qq[a], ROUND_DOWN) or qq[a]
            fee = Decimal(rng.randrange(0, 1500)) / 100
            events.append(Event(eid, ts, day, EventType.BUY, acc, a, q, p, fee))
        if held[(acc, a)] <= 0:
            nonempty.append((acc, a))
        held[(acc, a)] += q
    return events, accounts, assets


if __name__ == "__main__":
    import collections

    evs, _, _ = generate_ledger(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, seed=1)
    print(collections.Counter(e.type.value for e in evs))
