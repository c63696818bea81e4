"""What the daily value history is made of: lot pieces (each held from the day it was received to the day it
left), cash deposits and withdrawals, and the holdings checkpoints that tell where a ledger change starts to
matter.

Holdings on a past day come from the engine's own output, so the last point of the history is exactly the
snapshot's total: a lot piece is held at the end of day D when it was received on or before D and has not
left (open TaxLot, or Disposal / NonTaxableTransfer dated after D). The received day of a piece that left
is its origin transaction's date in the owner's time zone, as the engine sets it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from portfolios.models import Transaction, TransactionType
from taxes.models import Disposal, NonTaxableTransfer

from .inputs import OpenLot
from .money import ZERO, as_text

# What was held at the end of a day, per (day received, asset id): [quantity, basis].
Held = dict[tuple[date, int], list[Decimal]]


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

    def held_at_end_of(self, day: date) -> bool:
        return self.received <= day and (self.left is None or self.left > day)


def _local_day(moment: datetime, tz: Any) -> date:
    return moment.astimezone(tz).date()


def lot_pieces(
    *, portfolio_id: int, tz: Any, open_lots: Sequence[OpenLot], since: date | None
) -> list[LotPiece]:
    """The open lots and the pieces that left on or after `since` (every piece when None): all that can be
    held at the end of any day from the day before `since` on. Two or three queries."""
    pieces = [LotPiece(lot.asset_id, lot.quantity, lot.basis, lot.received, None) for lot in open_lots]
    disposals = Disposal.objects.filter(portfolio_id=portfolio_id)
    transfers = NonTaxableTransfer.objects.filter(portfolio_id=portfolio_id)
    if since is not None:
        disposals = disposals.filter(disposed__gte=since)
        transfers = transfers.filter(date__gte=since)
    for asset_id, quantity, basis, disposed, origin_at in disposals.order_by().values_list(
        "asset_id", "quantity", "basis", "disposed", "origin__timestamp"
    ):
        pieces.append(LotPiece(asset_id, quantity, basis, _local_day(origin_at, tz), disposed))
    moved = list(
        transfers.order_by().values_list("asset_id", "quantity", "basis", "date", "lot_id", "acquired")
    )
    if moved:
        origins = {o for o in (origin_of(row[4]) for row in moved) if o is not None}
        origin_days = {
            pk: _local_day(ts, tz)
            for pk, ts in Transaction.objects.filter(id__in=origins).values_list("id", "timestamp")
        }
        for asset_id, quantity, basis, day, lot_id, acquired in moved:
            received = origin_days.get(origin_of(lot_id) or 0, acquired)
            pieces.append(LotPiece(asset_id, quantity, basis, received, day))
    return pieces


def deposits(*, portfolio_id: int, tz: Any, since: date | None) -> list[tuple[date, Decimal]]:
    """Cash deposits (+) and withdrawals (-) by day in the owner's time zone, from `since` on (all when
    None). One query."""
    rows = Transaction.objects.filter(
        portfolio_id=portfolio_id, type__in=(TransactionType.DEPOSIT, TransactionType.WITHDRAWAL)
    )
    if since is not None:
        # A day in any time zone starts within a day of its UTC midnight.
        rows = rows.filter(timestamp__gte=datetime.combine(since - timedelta(days=1), time.min, tzinfo=UTC))
    found = []
    for ts, typ, quantity in rows.order_by().values_list("timestamp", "type", "quantity"):
        day = _local_day(ts, tz)
        if since is None or day >= since:
            found.append((day, quantity if typ == TransactionType.DEPOSIT else -quantity))
    return found


def held_at_end_of(day: date, pieces: Iterable[LotPiece]) -> Held:
    """What `pieces` hold at the end of `day`, per (day received, asset)."""
    held: Held = {}
    for p in pieces:
        if p.held_at_end_of(day):
            sums = held.setdefault((p.received, p.asset_id), [ZERO, ZERO])
            sums[0] += p.quantity
            sums[1] += p.basis
    return held


def is_checkpoint_day(day: date) -> bool:
    """Checkpoints are kept for the last day of each month."""
    return (day + timedelta(days=1)).day == 1


def held_to_json(held: Held) -> list[list[Any]]:
    return [
        [received.isoformat(), asset_id, as_text(sums[0]), as_text(sums[1])]
        for (received, asset_id), sums in sorted(held.items())
        if sums[0] or sums[1]
    ]


def held_from_json(rows: list[list[Any]]) -> Held:
    return {
        (date.fromisoformat(received), int(asset_id)): [Decimal(quantity), Decimal(basis)]
        for received, asset_id, quantity, basis in rows
    }


def first_difference(stored: Held, current: Held) -> date | None:
    """The first day received on which two checkpoints' holdings differ (None: they are the same)."""
    keys = {key for key, sums in stored.items() if sums[0] or sums[1]}
    keys |= {key for key, sums in current.items() if sums[0] or sums[1]}
    differ = [key[0] for key in keys if stored.get(key, [ZERO, ZERO]) != current.get(key, [ZERO, ZERO])]
    return min(differ, default=None)
