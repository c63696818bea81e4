"""A ledger change redoes the value history from the first day it can reach, past prices from the day they
changed, and nothing before (hand-worked on the portfolio of snapshot_testkit.py).

After the first snapshot at AS_OF (2026-03-01) the history runs from 2024-01-10 with a checkpoint at the end
of every month. An old point is overwritten with a wrong value before each change: it stays wrong when the
change cannot reach it, and is put right when it can.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from snapshot_testkit import AS_OF, quote, record, utc

from portfolios.models import Account, ValuePoint
from portfolios.models.snapshots import HistoryState, HoldingsCheckpoint
from portfolios.snapshots import portfolio_snapshot_compute
from taxes.models import LedgerStatus
from taxes.services import owner_recompute

pytestmark = pytest.mark.django_db
D = Decimal


def point(pid: int, day: date) -> ValuePoint:
    return ValuePoint.objects.get(portfolio_id=pid, date=day)


def spoil(pid: int, day: date) -> None:
    ValuePoint.objects.filter(portfolio_id=pid, date=day).update(value=D(1), cost_basis=D(1))


def test_a_change_this_month_redoes_the_history_from_the_months_first_day(hand_worked) -> None:  # type: ignore[no-untyped-def]
    pid = hand_worked.portfolio.pk
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    assert HoldingsCheckpoint.objects.filter(portfolio_id=pid, date=date(2026, 1, 31)).exists()
    spoil(pid, date(2026, 1, 15))  # before the checkpoint the change starts from
    spoil(pid, date(2026, 2, 5))  # after it
    record(hand_worked.coinbase, "buy", utc(2026, 2, 20), "0.01", hand_worked.btc, unit_price=D(90000))
    state = HistoryState.objects.get(portfolio_id=pid)
    assert state.changed_from == date(2026, 2, 20)
    assert state.changed_to == LedgerStatus.objects.get(portfolio_id=pid).computed_at

    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    assert (point(pid, date(2026, 1, 15)).value, point(pid, date(2026, 1, 15)).cost_basis) == (D(1), D(1))
    # Redone from 2026-02-01 (the day after the checkpoint): no price before 2026-02-27, basis as before.
    assert (point(pid, date(2026, 2, 5)).value, point(pid, date(2026, 2, 5)).cost_basis) == (D(0), D(17036))
    assert point(pid, date(2026, 2, 19)).cost_basis == D(17036)
    assert point(pid, date(2026, 2, 20)).cost_basis == D(17036 + 900)
    # 2026-02-28: 0.17 BTC x 85000 + 2.01 ETH x 2900 + 1000 ADA x 0.8 (carried from the 27th)
    assert point(pid, date(2026, 2, 28)).value == D(14450 + 5829 + 800)
    state.refresh_from_db()
    assert (state.changed_to, state.changed_from) == (None, None)
    assert state.ledger_at == LedgerStatus.objects.get(portfolio_id=pid).computed_at


def test_basis_added_to_an_old_lot_redoes_the_history_from_the_lots_first_day(hand_worked) -> None:  # type: ignore[no-untyped-def]
    """A transfer's fee goes into the basis of the lot it moves, which keeps its first day (2024-01-10): the
    checkpoint before the transfer shows that lot's basis changed, so the history is redone from then."""
    pid = hand_worked.portfolio.pk
    kraken = Account.objects.create(
        portfolio=hand_worked.portfolio, name="Kraken", tax_treatment="taxable", kind="exchange"
    )
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    spoil(pid, date(2025, 1, 1))
    # FIFO moves what is left of the 2024-01-10 lot (0.06 BTC, basis 2406) whole; the fee makes it 2411.
    record(
        hand_worked.coinbase,
        "transfer",
        utc(2026, 2, 20),
        "0.06",
        hand_worked.btc,
        to_account=kraken,
        fee=D(5),
    )
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    # 2025-01-01: that lot (0.04 sold later, basis 1604, + 0.06 now 2411), ADA 500, the Roth's BTC 2100.
    assert point(pid, date(2025, 1, 1)).cost_basis == D(1604 + 2411 + 500 + 2100)
    assert point(pid, date(2024, 1, 10)).cost_basis == D(4015)
    assert point(pid, date(2026, 2, 28)).cost_basis == D(17036 + 5)


def test_a_past_price_redoes_the_history_from_its_day(hand_worked) -> None:  # type: ignore[no-untyped-def]
    pid = hand_worked.portfolio.pk
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    spoil(pid, date(2026, 2, 5))
    spoil(pid, date(2026, 2, 15))
    quote(hand_worked.btc, utc(2026, 2, 10, 0), "80000")
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF, history_from=date(2026, 2, 10))
    assert point(pid, date(2026, 2, 5)).value == D(1)
    # 0.16 BTC at 80000, carried to the 27th; ETH and ADA have no price before the 27th.
    assert (point(pid, date(2026, 2, 15)).value, point(pid, date(2026, 2, 15)).cost_basis) == (
        D(12800),
        D(17036),
    )
    assert point(pid, date(2026, 2, 27)).value == D(12800 + 800)


def test_a_recompute_of_everything_rebuilds_the_whole_history(hand_worked) -> None:  # type: ignore[no-untyped-def]
    pid = hand_worked.portfolio.pk
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    spoil(pid, date(2024, 6, 1))
    record(hand_worked.coinbase, "buy", utc(2026, 2, 20), "0.01", hand_worked.btc, unit_price=D(90000))
    # A change that does not say where it starts (a basis-method change, a time-zone change) breaks the chain.
    owner_recompute(owner=hand_worked.portfolio.owner, changed_from=None)
    record(hand_worked.coinbase, "buy", utc(2026, 2, 21), "0.01", hand_worked.btc, unit_price=D(90000))
    assert HistoryState.objects.get(portfolio_id=pid).changed_from is None

    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    # 2024-06-01: 0.1 + 0.05 BTC (4010 + 2100) and ADA (500); no price then.
    assert (point(pid, date(2024, 6, 1)).value, point(pid, date(2024, 6, 1)).cost_basis) == (D(0), D(6610))


def test_changes_between_snapshots_note_the_earliest_day(hand_worked) -> None:  # type: ignore[no-untyped-def]
    pid = hand_worked.portfolio.pk
    assert not HistoryState.objects.filter(portfolio_id=pid).exists()  # no history yet: nothing to note
    record(hand_worked.coinbase, "buy", utc(2026, 2, 20), "0.01", hand_worked.btc, unit_price=D(90000))
    assert not HistoryState.objects.filter(portfolio_id=pid).exists()
    portfolio_snapshot_compute(portfolio_id=pid, as_of=AS_OF)
    record(hand_worked.coinbase, "buy", utc(2026, 2, 24), "0.01", hand_worked.btc, unit_price=D(90000))
    # 2026-02-10 03:00 UTC is 2026-02-09 in New York, the owner's time zone.
    record(hand_worked.coinbase, "buy", utc(2026, 2, 10, 3), "0.01", hand_worked.btc, unit_price=D(90000))
    record(hand_worked.coinbase, "buy", utc(2026, 2, 27), "0.01", hand_worked.btc, unit_price=D(90000))
    state = HistoryState.objects.get(portfolio_id=pid)
    assert state.changed_from == date(2026, 2, 9)
    assert state.changed_to == LedgerStatus.objects.get(portfolio_id=pid).computed_at
