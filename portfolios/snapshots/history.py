"""The daily value history (ValuePoint rows) of one portfolio: from which day to (re)compute it, its values and
what to write.

A history is recomputed from the first day that can have changed, never from its start unless it must be:

- ledger unchanged since the history was computed (HistoryState.ledger_at): from its last stored day (the
  day's close may have come in since), or only today's point when that is the last stored day;
- ledger changed through portfolios.snapshots.changes, from day K on: the events before K are replayed as
  they were, so every piece that left before K is as it was, and what was held at the end of the last
  checkpoint day C before K differs only in basis added since to lots already held (a wash sale's
  replacement, a transfer's fee). The checkpoint of C, compared with the new pieces, names the first
  day received whose holdings differ; the history is recomputed from that day, or from C + 1 when none do;
- past prices changed from day P on (`history_from`): from P at the latest;
- anything else (no state, an import, a basis-method or time-zone change, `rebuild`): from its first day.

Holdings on the day before come from the pieces still held then, the net deposits from the stored point
of that day; what is computed is what a full rebuild gives for those days (tests/portfolios/snapshots).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, localcontext

from portfolios.models import ValuePoint
from portfolios.models.snapshots import HistoryState, HoldingsCheckpoint

from .inputs import DayPoint, SnapshotInputs
from .money import WIDE, ZERO, round_money
from .pieces import (
    Held,
    LotPiece,
    deposits,
    first_difference,
    held_at_end_of,
    held_from_json,
    held_to_json,
    is_checkpoint_day,
    lot_pieces,
)

FULL, UNCHANGED, CHANGED = "full", "unchanged", "changed"
ONE_DAY = timedelta(days=1)


class ValueHistory:
    """The ValuePoint series of one portfolio: which days to (re)compute, their values, what to write."""

    def __init__(
        self,
        inputs: SnapshotInputs,
        *,
        total_value: Decimal,
        cost_basis: Decimal,
        rebuild: bool,
        history_from: date | None = None,
    ) -> None:
        self.inputs = inputs
        self.portfolio_id: int = inputs.portfolio.pk
        self.today = inputs.today
        self.tz = inputs.tz
        self.total_value = total_value
        self.cost_basis = cost_basis
        self.history_from = history_from
        self.mode = self._mode(rebuild)
        self.start: date | None = None
        self.existing: dict[date, DayPoint] = dict(inputs.recent_points)
        self.series: tuple[date, date] | None = None
        self.result: dict[date, DayPoint] | None = None  # set by plan() when no closes are needed
        self.held_qty: dict[int, Decimal] = defaultdict(Decimal)
        self.held_basis: dict[int, Decimal] = defaultdict(Decimal)
        self.held: Held = {}
        self.delta: dict[date, list[tuple[int, date, Decimal, Decimal]]] = defaultdict(list)
        self.net = ZERO
        self.deposit_delta: dict[date, Decimal] = defaultdict(Decimal)
        self.checkpoints: list[HoldingsCheckpoint] = []

    def _mode(self, rebuild: bool) -> str:
        state, ledger_at = self.inputs.history, self.inputs.ledger_at
        if rebuild or state is None or state.ledger_at is None or ledger_at is None:
            return FULL
        if state.changed_to is None:
            return UNCHANGED if state.ledger_at == ledger_at else FULL
        if state.changed_to == ledger_at and state.changed_from is not None:
            return CHANGED
        return FULL

    def plan(self) -> tuple[set[int], date, date] | None:
        """Work out the holdings day by day; return the daily closes needed (assets, first day, last day)."""
        if self.mode == UNCHANGED and self.inputs.recent_points:
            last, stored = self.inputs.recent_points[0]
            start = last if self.history_from is None else min(last, self.history_from)
            if start == self.today == last:
                # Only today's value can have moved; its deposits are as stored.
                self.result = {self.today: DayPoint(self.total_value, self.cost_basis, stored.net_deposits)}
                return None
            if self._load_day_before(start):
                return self._plan_from(start, None)
        elif self.mode == CHANGED:
            assert self.inputs.history is not None
            assert self.inputs.history.changed_from is not None
            first = self.inputs.history.changed_from
            if self.history_from is not None:
                first = min(first, self.history_from)
            checked = self._checked_start(first)
            if checked is not None and self._load_day_before(checked[0]):
                return self._plan_from(*checked)
        self.mode = FULL
        return self._plan_full()

    def _checked_start(self, first: date) -> tuple[date, list[LotPiece]] | None:
        """The first day whose point can differ, for a ledger changed from day `first` on, and the pieces
        held from the day before; None without a checkpoint before `first`."""
        row = (
            HoldingsCheckpoint.objects.filter(portfolio_id=self.portfolio_id, date__lt=first)
            .order_by("-date")
            .values_list("date", "held")
            .first()
        )
        if row is None:
            return None
        day, stored = row
        pieces = self._pieces(since=day + ONE_DAY)
        differs = first_difference(held_from_json(stored), held_at_end_of(day, pieces))
        if differs is None:
            return day + ONE_DAY, pieces
        return differs, self._pieces(since=differs)

    def _load_day_before(self, start: date) -> bool:
        """Read the stored points from the day before `start`; whether that day has one (its net deposits
        carry into `start`)."""
        if not self.existing or start - ONE_DAY not in self.existing or start < min(self.existing):
            self.existing = {
                day: DayPoint(value, basis, net)
                for day, value, basis, net in ValuePoint.objects.filter(
                    portfolio_id=self.portfolio_id, date__gte=start - ONE_DAY, date__lte=self.today
                )
                .order_by()
                .values_list("date", "value", "cost_basis", "net_deposits")
            }
        return start - ONE_DAY in self.existing

    def _pieces(self, *, since: date | None) -> list[LotPiece]:
        return lot_pieces(portfolio_id=self.portfolio_id, tz=self.tz, open_lots=self.inputs.lots, since=since)

    def _plan_full(self) -> tuple[set[int], date, date] | None:
        pieces = self._pieces(since=None)
        cash = deposits(portfolio_id=self.portfolio_id, tz=self.tz, since=None)
        firsts = [p.received for p in pieces] + [day for day, _ in cash]
        if not firsts or min(firsts) > self.today:
            self.result = {}
            return None
        self.start = min(firsts)
        return self._plan_days(pieces, cash)

    def _plan_from(self, start: date, pieces: list[LotPiece] | None) -> tuple[set[int], date, date] | None:
        self.start = start
        self.net = self.existing[start - ONE_DAY].net_deposits
        if pieces is None:
            pieces = self._pieces(since=start)
        return self._plan_days(pieces, deposits(portfolio_id=self.portfolio_id, tz=self.tz, since=start))

    def _plan_days(
        self, pieces: list[LotPiece], cash: list[tuple[date, Decimal]]
    ) -> tuple[set[int], date, date] | None:
        assert self.start is not None
        start, today = self.start, self.today
        for p in pieces:
            if p.left is not None and p.left <= p.received:
                continue  # never held at the end of a day
            change = (p.asset_id, p.received, p.quantity, p.basis)
            gone = (p.asset_id, p.received, -p.quantity, -p.basis)
            if p.received < start:
                if p.left is None or p.left >= start:
                    self._apply(change)
                    if p.left is not None and p.left <= today:
                        self.delta[p.left].append(gone)
            elif p.received <= today:
                self.delta[p.received].append(change)
                if p.left is not None and p.left <= today:
                    self.delta[p.left].append(gone)
        for day, amount in cash:
            if day < start:
                self.net += amount
            elif day <= today:
                self.deposit_delta[day] += amount
        asset_ids = set(self.held_qty) | {aid for changes in self.delta.values() for aid, *_ in changes}
        if start >= today or not asset_ids:
            return None
        return asset_ids, start, today - ONE_DAY

    def _apply(self, change: tuple[int, date, Decimal, Decimal]) -> None:
        aid, received, quantity, basis = change
        self.held_qty[aid] += quantity
        self.held_basis[aid] += basis
        sums = self.held.setdefault((received, aid), [ZERO, ZERO])
        sums[0] += quantity
        sums[1] += basis

    def compute(self, closes: dict[int, dict[date, Decimal]]) -> dict[date, DayPoint]:
        """Points for every day from the start through today (today: the snapshot's own totals), and the
        checkpoints of the days passed. `closes` holds at least the closes `plan()` asked for (daily,
        carried over gaps)."""
        if self.result is not None:
            return self.result
        assert self.start is not None
        points: dict[date, DayPoint] = {}
        day, today = self.start, self.today
        held_qty = self.held_qty
        with localcontext(WIDE):
            while day <= today:
                for change in self.delta.get(day, ()):
                    self._apply(change)
                self.net += self.deposit_delta.get(day, ZERO)
                if day == today:
                    points[day] = DayPoint(self.total_value, self.cost_basis, self.net)
                    break
                value = ZERO
                for aid, quantity in held_qty.items():
                    if quantity:
                        price = closes.get(aid, {}).get(day)
                        if price is not None:
                            value += round_money(quantity * price)
                points[day] = DayPoint(value, sum(self.held_basis.values(), ZERO), self.net)
                if is_checkpoint_day(day):
                    self.checkpoints.append(
                        HoldingsCheckpoint(
                            portfolio_id=self.portfolio_id, date=day, held=held_to_json(self.held)
                        )
                    )
                day += ONE_DAY
        return points

    def changed(self, points: dict[date, DayPoint]) -> list[ValuePoint]:
        """The points to upsert: new days and days whose numbers moved."""
        if self.mode == FULL and points:
            self.series = (min(points), max(points))
            self.existing = {
                day: DayPoint(value, basis, deposits)
                for day, value, basis, deposits in ValuePoint.objects.filter(
                    portfolio_id=self.portfolio_id, date__gte=self.series[0], date__lte=self.today
                )
                .order_by()
                .values_list("date", "value", "cost_basis", "net_deposits")
            }
        return [
            ValuePoint(
                portfolio_id=self.portfolio_id,
                date=day,
                value=round_money(point.value),
                cost_basis=round_money(point.cost_basis),
                net_deposits=round_money(point.net_deposits),
            )
            for day, point in sorted(points.items())
            if self.existing.get(day) != point
        ]

    def state(self) -> HistoryState | None:
        """The HistoryState to write: the ledger this history now matches (None: as stored)."""
        stored = self.inputs.history
        if stored is not None and stored.ledger_at == self.inputs.ledger_at and stored.changed_to is None:
            return None
        return HistoryState(portfolio_id=self.portfolio_id, ledger_at=self.inputs.ledger_at)

    def delete_outside(self) -> None:
        """On a full rebuild, drop stored days (up to today) outside the new series, and every checkpoint."""
        if self.mode != FULL:
            return
        HoldingsCheckpoint.objects.filter(portfolio_id=self.portfolio_id).delete()
        stored = ValuePoint.objects.filter(portfolio_id=self.portfolio_id, date__lte=self.today)
        if self.series is None:
            stored.delete()
        else:
            stored.exclude(date__gte=self.series[0], date__lte=self.series[1]).delete()
