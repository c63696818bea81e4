"""Roth conversions as their own event: ordinary income at the fair value converted, no gain, the Roth
lot's basis that value; only from a tax-deferred account into a tax-free one."""

from __future__ import annotations

from datetime import date

import pytest
from taxengine_kit import BTC, ROTH, TAXABLE, TRAD, USD, D, Ledger, accounts

from taxes.engine import AccountInfo, EngineError, EventType, TaxTreatment, Term


def test_conversion_splits_the_fair_value_over_the_lots_it_takes() -> None:
    """Rule: a conversion is ordinary income at the fair value converted (IRC §408A(d)(3)); no capital
    gain or loss; the Roth lot's basis is that value and its holding period starts anew.

    The traditional IRA buys 1 BTC at 100 (2023-01-02) and 1 at 200 (2024-03-01); 1.5 BTC converted at 300
    on 2024-05-01: value 450. FIFO: the 2023 lot whole (fair value 450 x 1/1.5 = 300, long-term), then half
    the 2024 lot (basis 100, fair value 150, short-term). The Roth holds 1.5 at basis 450; the IRA keeps
    0.5 at basis 100.
    """
    led = Ledger()
    led.buy("2023-01-02", 1, 100, account=TRAD)
    led.buy("2024-03-01", 1, 200, account=TRAD)
    led.add(EventType.CONVERSION, "2024-05-01", "1.5", 300, account=TRAD, to_account=ROTH)
    res = led.run()
    assert res.disposals == []
    assert res.income == []
    got = [(t.kind, t.quantity, t.basis, t.fair_value, t.term, t.deduction) for t in res.transfers]
    assert got == [
        ("conversion", D(1), D(100), D(300), Term.LONG, D(0)),
        ("conversion", D("0.5"), D(100), D(150), Term.SHORT, D(0)),
    ]
    assert sum(t.fair_value for t in res.transfers) == D(450)
    lots = sorted((lot.account, lot.quantity, lot.basis, lot.acquired) for lot in res.lots)
    assert lots == [(ROTH, D("1.5"), D(450), date(2024, 5, 1)), (TRAD, D("0.5"), D(100), date(2024, 3, 1))]


def test_conversion_matches_the_transfer_it_replaces() -> None:
    """Rule: the conversion type and a transfer from a tax-deferred into a tax-free account are the same
    event for tax purposes."""
    records = []
    for typ in (EventType.CONVERSION, EventType.TRANSFER):
        led = Ledger()
        led.buy("2023-01-02", 2, 100, account=TRAD)
        led.add(typ, "2024-05-01", "1.25", "301.37", account=TRAD, to_account=ROTH)
        res = led.run()
        records.append((res.transfers, [(x.account, x.quantity, x.basis) for x in res.lots]))
    assert records[0] == records[1]


@pytest.mark.parametrize(
    ("source", "destination", "field"),
    [
        (TAXABLE, ROTH, "account"),  # a taxable account's assets go into a Roth only as a contribution
        (ROTH, TRAD, "account"),
        (TRAD, TAXABLE, "to_account"),  # a distribution, not a conversion
        (TRAD, 5, "to_account"),  # another tax-deferred account: a rollover
    ],
)
def test_conversion_only_from_tax_deferred_into_tax_free(source: int, destination: int, field: str) -> None:
    accts = {**accounts(), 5: AccountInfo(5, TaxTreatment.TAX_DEFERRED)}
    led = Ledger()
    led.buy("2023-01-02", 1, 100, account=source)
    led.add(EventType.CONVERSION, "2024-05-01", 1, 300, account=source, to_account=destination)
    with pytest.raises(EngineError) as exc:
        led.run(accts)
    assert (exc.value.event_id, exc.value.field) == (2, field)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"price": None}, "unit_price"),
        ({"to_account": None}, "to_account"),
        ({"to_account": 99}, "to_account"),
        ({"asset": USD}, "asset"),
    ],
)
def test_conversion_needs_its_inputs(extra: dict[str, object], field: str) -> None:
    kw: dict[str, object] = {"price": 300, "to_account": ROTH, "asset": BTC} | extra
    led = Ledger()
    led.buy("2023-01-02", 1, 100, account=TRAD)
    price = kw.pop("price")
    led.add(EventType.CONVERSION, "2024-05-01", 1, price, account=TRAD, **kw)  # type: ignore[arg-type]
    with pytest.raises(EngineError) as exc:
        led.run()
    assert exc.value.field == field


def test_conversion_of_more_than_the_account_holds_is_refused() -> None:
    led = Ledger()
    led.buy("2023-01-02", 1, 100, account=TRAD)
    led.add(EventType.CONVERSION, "2024-05-01", 2, 300, account=TRAD, to_account=ROTH)
    with pytest.raises(EngineError) as exc:
        led.run()
    assert exc.value.field == "quantity"


def test_conversion_survives_a_checkpoint_resume() -> None:
    """The records and lots of a run resumed from a checkpoint equal those of one whole run."""
    led = Ledger()
    led.buy("2023-01-02", 2, 100, account=TRAD)
    led.buy("2023-02-02", 1, 100, account=TAXABLE)
    led.add(EventType.CONVERSION, "2024-05-01", 1, 300, account=TRAD, to_account=ROTH)
    led.add(EventType.CONVERSION, "2024-06-01", "0.5", 320, account=TRAD, to_account=ROTH)
    whole = led.run()
    first = led.run(events=led.events[:3], checkpoint_every=3)
    (checkpoint,) = first.checkpoints
    resumed = led.run(events=led.events[3:], start=checkpoint)
    assert [t.fair_value for t in whole.transfers] == [D(300), D(160)]
    assert resumed.transfers == whole.transfers  # the checkpoint holds the records from its own event on
    lots = sorted((x.lot_id, x.account, x.quantity, x.basis) for x in resumed.lots)
    assert lots == sorted((x.lot_id, x.account, x.quantity, x.basis) for x in whole.lots)
