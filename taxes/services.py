"""Recomputing a taxpayer's lots, disposals and income from their ledger, replaced atomically."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from portfolios.bulk import (
    DISPOSAL,
    ENGINE_CHECKPOINT,
    INCOME_RECORD,
    NON_TAXABLE_TRANSFER,
    TAX_LOT,
    WASH_SALE_RECORD,
)
from portfolios.db import insert_rows, replace_rows
from portfolios.models import Portfolio, Transaction, User
from taxes import engine
from taxes.ledger import LedgerContext, after_key_q, ledger_context, ledger_events
from taxes.models import (
    Disposal,
    EngineCheckpoint,
    IncomeRecord,
    LedgerStatus,
    NonTaxableTransfer,
    TaxLot,
    WashSaleRecord,
)

logger = logging.getLogger("lotwise.taxes")

# A checkpoint holds every open lot, so its size grows with the portfolio: keep at most about
# MAX_CHECKPOINTS of them, and none closer than CHECKPOINT_EVERY events apart.
CHECKPOINT_EVERY = 2000
MAX_CHECKPOINTS = 16
OrderKey = tuple[datetime, int]


class RecomputeError(Exception):
    """The ledger cannot be turned into lots; names the transaction and field at fault."""

    def __init__(self, error: engine.EngineError) -> None:
        super().__init__(str(error))
        self.transaction_id = error.event_id
        self.field = error.field
        self.message = error.message


@dataclass(frozen=True)
class RecomputeResult:
    events_replayed: int
    full: bool
    lots: int
    computed_at: datetime


def _today(ctx: LedgerContext) -> date:
    return timezone.now().astimezone(ctx.tz).date()


def _checkpoint_before(owner: User, key: OrderKey) -> EngineCheckpoint | None:
    return (
        EngineCheckpoint.objects.filter(owner=owner)
        .exclude(after_key_q(key, inclusive=True, ts_field="after_timestamp", id_field="after_id"))
        .order_by("-after_timestamp", "-after_id")
        .first()
    )


@transaction.atomic
def owner_recompute(*, owner: User, changed_from: OrderKey | None = None) -> RecomputeResult:
    """Replay the owner's whole ledger (every portfolio: one person is one taxpayer) through the engine and
    replace the stored lots and records.

    `changed_from` is the order key (timestamp, id) of the earliest event that changed; replay starts at the
    last checkpoint before it. None replays everything (e.g. an account's basis method changed).
    Raises RecomputeError and leaves every stored row as it was when the ledger is inconsistent.
    """
    # Serialise recomputes of one taxpayer: the row lock is held until this transaction ends.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    ctx = ledger_context(owner=owner)
    start: engine.Checkpoint | None = None
    checkpoint = _checkpoint_before(owner, changed_from) if changed_from is not None else None
    if checkpoint is not None:
        start = engine.Checkpoint.from_json(checkpoint.state)
    events = ledger_events(ctx=ctx, after=start.after if start else None)
    total = Transaction.objects.filter(portfolio__owner=owner).count() if start else len(events)
    try:
        result = engine.compute(
            events,
            accounts=ctx.accounts,
            assets=ctx.assets,
            as_of=_today(ctx),
            start=start,
            checkpoint_every=max(CHECKPOINT_EVERY, -(-total // MAX_CHECKPOINTS)),
        )
    except engine.EngineError as exc:
        raise RecomputeError(exc) from exc

    _store(ctx=ctx, result=result, start=start, events=events)
    now = timezone.now()
    counts = Counter(ctx.account_portfolio[e.account] for e in events if e.account in ctx.account_portfolio)
    for pid in Portfolio.objects.filter(owner=owner).values_list("pk", flat=True):
        status, _ = LedgerStatus.objects.get_or_create(portfolio_id=pid)
        status.computed_at = now
        status.error = ""
        status.error_transaction = None
        if start is None:
            status.event_count = counts.get(pid, 0)
        status.save()
    return RecomputeResult(
        events_replayed=len(events), full=start is None, lots=len(result.lots), computed_at=now
    )


def portfolio_recompute(*, portfolio: Portfolio, changed_from: OrderKey | None = None) -> RecomputeResult:
    """Recompute after a change in `portfolio`: the whole taxpayer, whose other portfolios a wash sale or a
    replacement may reach."""
    return owner_recompute(owner=portfolio.owner, changed_from=changed_from)


def portfolio_recompute_or_flag(
    *, portfolio: Portfolio, changed_from: OrderKey | None = None
) -> RecomputeResult | None:
    """For workers: on an inconsistent ledger keep the previous rows and record why, for the pages to say."""
    try:
        return portfolio_recompute(portfolio=portfolio, changed_from=changed_from)
    except RecomputeError as exc:
        where = ""
        if exc.transaction_id is not None:
            name = (
                Transaction.objects.filter(pk=exc.transaction_id)
                .values_list("portfolio__name", flat=True)
                .first()
            )
            if name is not None and name != portfolio.name:
                where = f"in portfolio “{name}”, "
        for pid in Portfolio.objects.filter(owner_id=portfolio.owner_id).values_list("pk", flat=True):
            LedgerStatus.objects.update_or_create(
                portfolio_id=pid,
                defaults={"error": where + exc.message, "error_transaction_id": exc.transaction_id},
            )
        logger.warning("recompute of portfolio %s failed: %s", portfolio.pk, exc)
        return None


# The columns each row below gives, in its order (portfolios.bulk lists every table's columns).
LOT_COLUMNS = (
    "portfolio_id",
    "account_id",
    "asset_id",
    "lot_id",
    "origin_id",
    "source",
    "quantity",
    "basis",
    "acquired",
    "received",
    "long_term_from",
    "loss_basis",
    "wash_adjustment",
)
_RECORD = ("portfolio_id", "transaction_id", "event_timestamp")
DISPOSAL_COLUMNS = (
    *_RECORD,
    "kind",
    "account_id",
    "asset_id",
    "lot_id",
    "origin_id",
    "quantity",
    "acquired",
    "disposed",
    "proceeds",
    "basis",
    "gain",
    "term",
    "taxable",
    "wash_disallowed",
)
INCOME_COLUMNS = (*_RECORD, "kind", "account_id", "asset_id", "date", "quantity", "value", "taxable")
TRANSFER_COLUMNS = (
    *_RECORD,
    "kind",
    "account_id",
    "asset_id",
    "lot_id",
    "quantity",
    "acquired",
    "date",
    "basis",
    "fair_value",
    "term",
    "deduction",
)
WASH_SALE_COLUMNS = (
    *_RECORD,
    "loss_lot_id",
    "replacement_id",
    "replacement_lot_id",
    "quantity",
    "disallowed",
    "added_to_basis",
)
CHECKPOINT_COLUMNS = (
    "owner_id",
    "after_timestamp",
    "after_id",
    "replace_from_timestamp",
    "replace_from_id",
    "state",
)


def _store(
    *,
    ctx: LedgerContext,
    result: engine.Result,
    start: engine.Checkpoint | None,
    events: list[engine.Event],
) -> None:
    """Make the stored rows what `result` says. Records from `start.replace_from` on (all of them without
    `start`) and the open lots are replaced by `replace_rows`: the rows identical to those stored stay, the
    rest are deleted and written anew, so a late edit writes only what it changed."""
    owner = ctx.owner
    checkpoints = EngineCheckpoint.objects.filter(owner=owner)
    replace = Q()
    if start is not None:
        replace = after_key_q(
            start.replace_from, inclusive=True, ts_field="event_timestamp", id_field="transaction_id"
        )
        checkpoints = checkpoints.filter(
            after_key_q(start.after, inclusive=False, ts_field="after_timestamp", id_field="after_id")
        )
    checkpoints.delete()

    pid = ctx.account_portfolio
    timestamps = _event_timestamps(result, known={e.id: e.timestamp for e in events})
    # A wash sale is filed with its loss sale's portfolio (the replacement may sit in another).
    loss_portfolio = {d.event_id: pid[d.account] for d in result.disposals}
    missing = {w.loss_event_id for w in result.wash_sales} - loss_portfolio.keys()
    if missing:
        loss_portfolio.update(Transaction.objects.filter(id__in=missing).values_list("id", "portfolio_id"))

    lots = [
        (
            pid[lot.account],
            lot.account,
            lot.asset,
            lot.lot_id,
            lot.origin_event_id,
            lot.source,
            lot.quantity,
            lot.basis,
            lot.acquired,
            lot.received,
            lot.long_term_from,
            lot.loss_basis,
            lot.wash_adjustment,
        )
        for lot in result.lots
    ]
    replace_rows(TAX_LOT, LOT_COLUMNS, lots, TaxLot.objects.filter(portfolio__owner=owner))
    disposals = [
        (
            pid[d.account],
            d.event_id,
            timestamps[d.event_id],
            d.kind,
            d.account,
            d.asset,
            d.lot_id,
            d.origin_event_id,
            d.quantity,
            d.acquired,
            d.disposed,
            d.proceeds,
            d.basis,
            d.gain,
            d.term.value,
            d.taxable,
            d.wash_disallowed,
        )
        for d in result.disposals
    ]
    replace_rows(DISPOSAL, DISPOSAL_COLUMNS, disposals, _records(Disposal, owner, replace))
    income = [
        (
            pid[r.account],
            r.event_id,
            timestamps[r.event_id],
            r.kind,
            r.account,
            r.asset,
            r.date,
            r.quantity,
            r.value,
            r.taxable,
        )
        for r in result.income
    ]
    replace_rows(INCOME_RECORD, INCOME_COLUMNS, income, _records(IncomeRecord, owner, replace))
    transfers = [
        (
            pid[t.account],
            t.event_id,
            timestamps[t.event_id],
            t.kind,
            t.account,
            t.asset,
            t.lot_id,
            t.quantity,
            t.acquired,
            t.date,
            t.basis,
            t.fair_value,
            t.term.value,
            t.deduction,
        )
        for t in result.transfers
    ]
    replace_rows(
        NON_TAXABLE_TRANSFER, TRANSFER_COLUMNS, transfers, _records(NonTaxableTransfer, owner, replace)
    )
    wash_sales = [
        (
            loss_portfolio[w.loss_event_id],
            w.loss_event_id,
            timestamps[w.loss_event_id],
            w.loss_lot_id,
            w.replacement_event_id,
            w.replacement_lot_id,
            w.quantity,
            w.disallowed,
            w.added_to_basis,
        )
        for w in result.wash_sales
    ]
    replace_rows(WASH_SALE_RECORD, WASH_SALE_COLUMNS, wash_sales, _records(WashSaleRecord, owner, replace))
    insert_rows(
        ENGINE_CHECKPOINT,
        CHECKPOINT_COLUMNS,
        [
            (owner.pk, cp.after[0], cp.after[1], cp.replace_from[0], cp.replace_from[1], cp.to_json())
            for cp in result.checkpoints
        ],
    )


def _records(model: type[models.Model], owner: User, replace: Q) -> QuerySet:
    """The owner's stored records of `model` that this recompute replaces."""
    return model._default_manager.filter(portfolio__owner=owner).filter(replace)


def _event_timestamps(result: engine.Result, *, known: dict[int, datetime]) -> dict[int, datetime]:
    """Order keys for the records; re-emitted records from a checkpoint may predate the replayed events."""
    ids = {d.event_id for d in result.disposals}
    ids.update(r.event_id for r in result.income)
    ids.update(t.event_id for t in result.transfers)
    ids.update(w.loss_event_id for w in result.wash_sales)
    out: dict[int, datetime] = {}
    id_list = [i for i in ids if i not in known]
    out.update(known)
    for i in range(0, len(id_list), 10000):
        out.update(Transaction.objects.filter(id__in=id_list[i : i + 10000]).values_list("id", "timestamp"))
    return out
