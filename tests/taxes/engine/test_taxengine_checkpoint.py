"""Checkpoints: JSON round trip, replace_from, and resuming equals replaying everything."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from taxengine_kit import ETF, TAXABLE, TAXABLE2, D, Ledger

from taxes.engine import Checkpoint, EventType, Result


def wash_ledger() -> Ledger:
    led = Ledger()
    led.buy("2024-01-02", 10, 100, asset=ETF)  # 1
    led.buy("2024-01-03", 1, 50)  # 2
    led.sell("2024-02-01", 10, 80, asset=ETF)  # 3: loss 200, pending until Mar 2
    led.add(EventType.STAKING, "2024-02-02", 1, 60)  # 4
    led.buy("2024-02-15", 4, 85, asset=ETF)  # 5: replaces 4 of the 10 loss shares
    led.add(EventType.DONATION, "2024-03-01", "0.5", 70)  # 6
    led.buy("2024-03-03", 10, 90, asset=ETF)  # 7: the window has closed
    return led


def test_checkpoints_every_n_events() -> None:
    """Rule: checkpoint_every — a checkpoint after every n events of the run, keyed by the last event."""
    led = wash_ledger()
    res = led.run(checkpoint_every=3)
    assert [cp.after for cp in res.checkpoints] == [
        (led.events[2].timestamp, 3),
        (led.events[5].timestamp, 6),
    ]
    assert led.run().checkpoints == []


def test_replace_from_is_the_open_loss_sale() -> None:
    """Rule: Checkpoint.replace_from — the earliest loss sale still inside its 30-day window, else = after."""
    led = wash_ledger()
    res = led.run(checkpoint_every=1)
    keys = [(e.timestamp, e.id) for e in led.events]
    assert [cp.replace_from for cp in res.checkpoints] == [
        keys[0],
        keys[1],
        keys[2],  # event 3 is a loss sale: its records may still change
        keys[2],
        keys[2],  # 4 of 10 shares matched: still open
        keys[2],  # Mar 1: still inside the window (Feb 1 + 30 days = Mar 2)
        keys[6],  # Mar 3: closed
    ]
    cp = res.checkpoints[3]
    assert [d["event_id"] for d in cp.state["disposals"]] == [3]
    assert [r["event_id"] for r in cp.state["income"]] == [4]
    assert len(cp.state["pending"]) == 1


def test_checkpoint_json_round_trip_is_exact() -> None:
    """Rule: Checkpoint.to_json/from_json — JSON-serialisable, round trip exact."""
    res = wash_ledger().run(checkpoint_every=1)
    for cp in res.checkpoints:
        text = json.dumps(cp.to_json())
        back = Checkpoint.from_json(json.loads(text))
        assert back == cp
        assert json.dumps(back.to_json()) == text


def test_resume_reemits_and_updates_the_open_loss_sale() -> None:
    """Rule: resume — records of events >= replace_from are re-emitted, changed by later replacements."""
    led = wash_ledger()
    full = led.run()
    cp = led.run(checkpoint_every=4).checkpoints[0]  # after the staking, event 4
    assert cp.replace_from[1] == 3
    resumed = led.run(start=Checkpoint.from_json(json.loads(json.dumps(cp.to_json()))), events=led.events[4:])
    assert resumed.lots == full.lots
    (disp,) = resumed.disposals
    assert (disp.event_id, disp.wash_disallowed, disp.gain) == (3, D(80), D(-120))
    assert resumed.disposals == full.disposals
    assert [r.event_id for r in resumed.income] == [4]
    assert resumed.transfers == full.transfers
    assert resumed.wash_sales == full.wash_sales


def test_resume_with_no_later_events_returns_the_state() -> None:
    """Rule: resume — with nothing new, the result is the checkpoint's lots and re-emitted records."""
    led = wash_ledger()
    res = led.run(checkpoint_every=7)
    (cp,) = res.checkpoints
    resumed = led.run(start=cp, events=[])
    assert resumed.lots == res.lots
    assert resumed.disposals == []  # replace_from = after (event 7, a buy): no records from it
    assert resumed.checkpoints == []


def test_resume_checkpoints_count_from_the_resumed_run() -> None:
    """Rule: checkpoint_every counts events from the start of this run."""
    led = wash_ledger()
    cp = led.run(checkpoint_every=2).checkpoints[0]
    resumed = led.run(start=cp, events=led.events[2:], checkpoint_every=2)
    assert [c.after[1] for c in resumed.checkpoints] == [4, 6]


def test_after_is_an_aware_datetime_key() -> None:
    """Rule: Checkpoint.after is the order key (timestamp, id) of the last event applied."""
    led = Ledger()
    led.buy("2024-01-02", 1, 10)
    (cp,) = led.run(checkpoint_every=1).checkpoints
    assert cp.after == (datetime(2024, 1, 2, 12, 0, 1, tzinfo=UTC), 1)
    assert cp.replace_from == cp.after
    assert isinstance(led.run(), Result)


def test_window_still_open_on_the_thirtieth_day() -> None:
    """Rule: Checkpoint.replace_from — on sale date + 30 days a later buy can still replace: keep it open."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)  # 1
    led.sell("2024-02-01", 10, 80, asset=ETF)  # 2: loss 200
    led.buy("2024-03-02", 1, 50)  # 3: Feb 1 + 30 days
    led.buy("2024-03-02", 10, 85, asset=ETF)  # 4: same day, later: replaces the loss shares
    full = led.run(checkpoint_every=3)
    (cp,) = full.checkpoints
    assert cp.replace_from[1] == 2
    resumed = led.run(start=cp, events=led.events[3:])
    assert resumed.disposals == full.disposals
    assert resumed.disposals[0].wash_disallowed == D(200)
    assert resumed.lots == full.lots


def test_every_checkpoint_sees_lots_changed_since_the_previous_one() -> None:
    """Rule: Checkpoint.state — a lot washed, moved or cut after one checkpoint is current in the next."""
    led = Ledger()
    led.buy("2024-01-01", 10, 100, asset=ETF)  # 1
    led.buy("2024-01-20", 10, 90, asset=ETF)  # 2
    led.sell("2024-02-01", 10, 80, asset=ETF)  # 3: lot 2 becomes the replacement, whole
    led.add(EventType.TRANSFER, "2024-02-02", 10, 80, asset=ETF, to_account=TAXABLE2)  # 4: lot 2 moves whole
    led.sell("2024-02-03", 4, 95, asset=ETF, account=TAXABLE2)  # 5: lot 2 is cut
    led.add(EventType.TRANSFER, "2024-02-04", 6, 95, asset=ETF, account=TAXABLE2, to_account=TAXABLE, fee=1)
    led.buy("2024-02-05", 1, 10)
    full = led.run(checkpoint_every=1)
    for n, cp in enumerate(full.checkpoints, start=1):
        resumed = led.run(
            start=Checkpoint.from_json(json.loads(json.dumps(cp.to_json()))), events=led.events[n:]
        )
        assert resumed.lots == full.lots
    (lot,) = [lot for lot in full.lots if lot.asset == ETF]
    assert (lot.account, lot.lot_id, lot.quantity, lot.basis, lot.wash_adjustment) == (
        TAXABLE,
        "2",
        D(6),
        D(661),
        D(120),
    )
