"""The daily value history (ValuePoint rows) of one portfolio: which days to (re)compute, their values and
what to write.

Holdings on a past day come from the engine's own output, so the last point of the history is exactly the
snapshot's total: a lot piece is held at the end of day D when it was received on or before D and has not
left (open TaxLot, or Disposal / NonTaxableTransfer dated after D). The received day of a piece that left
is its origin transaction's date in the owner's time zone, as the engine sets it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext

from portfolios.models import Transaction, TransactionType, ValuePoint
from taxes.models import Disposal, NonTaxableTransfer

from .inputs import DayPoint, SnapshotInputs
from .money import WIDE, ZERO, round_money


def origin_of(lot_id: str) -> int | None:
    """The acquisition transaction's id from an engine lot id ("123", "123/t456", "123/w789.1")."""
    head = lot_id.split("/", 1)[0]
    return int(head) if head.isdigit() else None


@dataclass(frozen=True)
class LotPiece:
    """A lot piece for the history: held at the end of day D when received <= D < left (None: still open)."""

    asset_id: int
    quantity: Decimal
    basis: Decimal
    received: date
    left: date | None


class ValueHistory:
    """The ValuePoint series of one portfolio: which days to (re)compute, their values, what to write."""

    def __init__(
        self, inputs: SnapshotInputs, *, total_value: Decimal, cost_basis: Decimal, rebuild: bool
    ) -> None:
        self.portfolio = inputs.portfolio
        self.today = inputs.today
        self.tz = inputs.tz
        self.open_lots = inputs.lots
        self.total_value = total_value
        self.cost_basis = cost_basis
        self.full = True
        self.start: date | None = None
        self.existing: dict[date, DayPoint] = {}
        self.series: tuple[date, date] | None = None
        self.result: dict[date, DayPoint] | None = None  # set by plan() when no closes are needed
        self.held_qty: dict[int, Decimal] = defaultdict(Decimal)
        self.held_basis: dict[int, Decimal] = defaultdict(Decimal)
        self.delta: dict[date, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
        self.net = ZERO
        self.deposit_delta: dict[date, Decimal] = defaultdict(Decimal)
        unchanged = inputs.has_previous and inputs.previous_ledger == inputs.ledger_computed_at
        if rebuild or not unchanged:
            return
        # The ledger is as the previous snapshot saw it: bring the history up to date from its last day.
        recent = inputs.recent_points
        if not recent:
            recent = [
                (day, DayPoint(value, basis, deposits))
                for day, value, basis, deposits in ValuePoint.objects.filter(
                    portfolio=self.portfolio, date__lte=self.today
                )
                .order_by("-date")
                .values_list("date", "value", "cost_basis", "net_deposits")[:2]
            ]
        if not recent:
            return
        self.full = False
        self.start = recent[0][0]
        self.existing = dict(recent)

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def _pieces(self) -> list[LotPiece]:
        pieces = [
            LotPiece(lot.asset_id, lot.quantity, lot.basis, lot.received, None) for lot in self.open_lots
        ]
        since = {} if self.full or self.start is None else {"disposed__gte": self.start}
        for asset_id, quantity, basis, disposed, origin_at in (
            Disposal.objects.filter(portfolio=self.portfolio, **since)
            .order_by()
            .values_list("asset_id", "quantity", "basis", "disposed", "origin__timestamp")
        ):
            pieces.append(LotPiece(asset_id, quantity, basis, self._local_day(origin_at), disposed))
        since = {} if self.full or self.start is None else {"date__gte": self.start}
        transfers = list(
            NonTaxableTransfer.objects.filter(portfolio=self.portfolio, **since)
            .order_by()
            .values_list("asset_id", "quantity", "basis", "date", "lot_id", "acquired")
        )
        if transfers:
            origins = {o for o in (origin_of(row[4]) for row in transfers) if o is not None}
            origin_days = {
                pk: self._local_day(ts)
                for pk, ts in Transaction.objects.filter(id__in=origins).values_list("id", "timestamp")
            }
            for asset_id, quantity, basis, day, lot_id, acquired in transfers:
                received = origin_days.get(origin_of(lot_id) or 0, acquired)
                pieces.append(LotPiece(asset_id, quantity, basis, received, day))
        return pieces

    def _deposits(self) -> list[tuple[date, Decimal]]:
        rows = (
            Transaction.objects.filter(
                portfolio=self.portfolio, type__in=(TransactionType.DEPOSIT, TransactionType.WITHDRAWAL)
            )
            .order_by()
            .values_list("timestamp", "type", "quantity")
        )
        return [
            (self._local_day(ts), quantity if typ == TransactionType.DEPOSIT else -quantity)
            for ts, typ, quantity in rows
        ]

    def plan(self) -> tuple[set[int], date, date] | None:
        """Work out the holdings day by day; return the daily closes needed (assets, first day, last day)."""
        stored_today = self.existing.get(self.today)
        if not self.full and self.start == self.today and stored_today is not None:
            # The ledger is unchanged since today's point was written: only the value can have moved.
            self.result = {self.today: DayPoint(self.total_value, self.cost_basis, stored_today.net_deposits)}
            return None
        pieces = self._pieces()
        deposits = self._deposits()
        if self.full:
            firsts = [p.received for p in pieces] + [day for day, _ in deposits]
            if not firsts:
                self.result = {}
                return None
            self.start = min(firsts)
        assert self.start is not None
        start, today = self.start, self.today
        if start > today:
            self.result = {}
            return None

        for p in pieces:
            if p.left is not None and p.left <= p.received:
                continue  # never held at the end of a day
            if p.received < start:
                if p.left is None or p.left >= start:
                    self.held_qty[p.asset_id] += p.quantity
                    self.held_basis[p.asset_id] += p.basis
                    if p.left is not None and p.left <= today:
                        self.delta[p.left].append((p.asset_id, -p.quantity, -p.basis))
            elif p.received <= today:
                self.delta[p.received].append((p.asset_id, p.quantity, p.basis))
                if p.left is not None and p.left <= today:
                    self.delta[p.left].append((p.asset_id, -p.quantity, -p.basis))
        for day, amount in deposits:
            if day < start:
                self.net += amount
            elif day <= today:
                self.deposit_delta[day] += amount
        asset_ids = set(self.held_qty) | {aid for changes in self.delta.values() for aid, _, _ in changes}
        if start >= today or not asset_ids:
            return None
        return asset_ids, start, today - timedelta(days=1)

    def compute(self, closes: dict[int, dict[date, Decimal]]) -> dict[date, DayPoint]:
        """Points for every day from the start through today (today: the snapshot's own totals). `closes`
        holds at least the closes `plan()` asked for (daily, carried over gaps)."""
        if self.result is not None:
            return self.result
        assert self.start is not None
        held_qty, held_basis, net = self.held_qty, self.held_basis, self.net
        points: dict[date, DayPoint] = {}
        day, today = self.start, self.today
        with localcontext(WIDE):
            while day <= today:
                for aid, dq, db in self.delta.get(day, ()):
                    held_qty[aid] += dq
                    held_basis[aid] += db
                net += self.deposit_delta.get(day, ZERO)
                if day == today:
                    points[day] = DayPoint(self.total_value, self.cost_basis, net)
                else:
                    value = ZERO
                    for aid, quantity in held_qty.items():
                        if quantity:
                            price = closes.get(aid, {}).get(day)
                            if price is not None:
                                value += round_money(quantity * price)
                    points[day] = DayPoint(value, sum(held_basis.values(), ZERO), net)
                day += timedelta(days=1)
        return points

    def changed(self, points: dict[date, DayPoint]) -> list[ValuePoint]:
        """The points to upsert: new days and days whose numbers moved."""
        if self.full and points:
            self.series = (min(points), max(points))
            self.existing = {
                day: DayPoint(value, basis, deposits)
                for day, value, basis, deposits in ValuePoint.objects.filter(
                    portfolio=self.portfolio, date__gte=self.series[0], date__lte=self.today
                )
                .order_by()
                .values_list("date", "value", "cost_basis", "net_deposits")
            }
        return [
            ValuePoint(
                portfolio=self.portfolio,
                date=day,
                value=round_money(point.value),
                cost_basis=round_money(point.cost_basis),
                net_deposits=round_money(point.net_deposits),
            )
            for day, point in sorted(points.items())
            if self.existing.get(day) != point
        ]

    def delete_outside(self) -> None:
        """On a full rebuild, drop stored days (up to today) outside the new series."""
        if not self.full:
            return
        stored = ValuePoint.objects.filter(portfolio=self.portfolio, date__lte=self.today)
        if self.series is None:
            stored.delete()
        else:
            stored.exclude(date__gte=self.series[0], date__lte=self.series[1]).delete()
