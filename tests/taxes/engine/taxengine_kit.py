"""Small builders for the engine tests: a ledger that numbers its events and stamps them in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from taxes.engine import (
    AccountInfo,
    AssetInfo,
    BasisMethod,
    Checkpoint,
    Event,
    EventType,
    LotPick,
    Result,
    TaxTreatment,
    compute,
)

D = Decimal

TAXABLE, TAXABLE2, ROTH, TRAD = 1, 2, 3, 4
BTC, ETF, USD, ETH, WBTC = 1, 2, 3, 4, 5

ASSETS: dict[int, AssetInfo] = {
    BTC: AssetInfo(BTC, "BTC", "crypto", False),
    ETF: AssetInfo(ETF, "VTI", "etf", True),
    USD: AssetInfo(USD, "USD", "cash", False),
    ETH: AssetInfo(ETH, "ETH", "crypto", False),
    WBTC: AssetInfo(WBTC, "BTC*", "crypto", True),  # crypto with the proposed-law wash-sale switch on
}

AS_OF = date(2030, 12, 31)


def accounts(method: BasisMethod = BasisMethod.FIFO, **methods: BasisMethod) -> dict[int, AccountInfo]:
    """Account 1 and 2 taxable, 3 a Roth IRA, 4 a traditional IRA; `a2=BasisMethod.HIFO` overrides one."""
    out = {
        TAXABLE: AccountInfo(TAXABLE, TaxTreatment.TAXABLE, method),
        TAXABLE2: AccountInfo(TAXABLE2, TaxTreatment.TAXABLE, method),
        ROTH: AccountInfo(ROTH, TaxTreatment.TAX_FREE, method),
        TRAD: AccountInfo(TRAD, TaxTreatment.TAX_DEFERRED, method),
    }
    for key, m in methods.items():
        acc = int(key.removeprefix("a"))
        out[acc] = AccountInfo(acc, out[acc].treatment, m)
    return out


def day(s: str) -> date:
    return date.fromisoformat(s)


class Ledger:
    """Events numbered 1, 2, ... in the order they are added; timestamps follow that order within a day."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self,
        typ: EventType | str,
        on: str,
        quantity: str | Decimal | int,
        price: str | Decimal | int | None = None,
        *,
        account: int = TAXABLE,
        asset: int | None = BTC,
        fee: str | Decimal | int = 0,
        picks: Sequence[tuple[int, str | Decimal | int]] = (),
        **extra: Any,
    ) -> int:
        eid = len(self.events) + 1
        d = day(on)
        ts = datetime.combine(d, time(12), tzinfo=UTC) + timedelta(seconds=eid)
        self.events.append(
            Event(
                id=eid,
                timestamp=ts,
                date=d,
                type=EventType(typ),
                account=account,
                asset=asset,
                quantity=D(quantity),
                unit_price=None if price is None else D(price),
                fee=D(fee),
                lot_picks=tuple(LotPick(o, D(q)) for o, q in picks),
                **extra,
            )
        )
        return eid

    def buy(self, on: str, quantity: Any, price: Any, **kw: Any) -> int:
        return self.add(EventType.BUY, on, quantity, price, **kw)

    def sell(self, on: str, quantity: Any, price: Any, **kw: Any) -> int:
        return self.add(EventType.SELL, on, quantity, price, **kw)

    def run(
        self,
        accts: Mapping[int, AccountInfo] | None = None,
        *,
        as_of: date = AS_OF,
        start: Checkpoint | None = None,
        checkpoint_every: int = 0,
        events: Sequence[Event] | None = None,
    ) -> Result:
        return compute(
            self.events if events is None else events,
            accounts=accts if accts is not None else accounts(),
            assets=ASSETS,
            as_of=as_of,
            start=start,
            checkpoint_every=checkpoint_every,
        )
