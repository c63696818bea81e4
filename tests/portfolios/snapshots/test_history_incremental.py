"""The value history brought up to date from the first day a change can reach is the history a rebuild from
scratch gives, to the last digit: random ledgers over two portfolios of one owner (a taxable exchange, a
taxable brokerage, a Roth IRA; a coin and an ETF), random edits through the ledger services (recorded,
moved, deleted: buys, sales, transfers with a fee, moves into the Roth at fair value, deposits,
withdrawals, staking; wash sales across the portfolios), a whole-ledger recompute now and then, past
closes changed, and snapshots in between. After each snapshot every ValuePoint and holdings checkpoint of
both portfolios equals, as a Decimal, what a rebuild writes (run in a savepoint, then rolled back).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from portfolios.models import Account, Asset, Portfolio, PriceQuote, Transaction, User, ValuePoint
from portfolios.models.snapshots import HoldingsCheckpoint
from portfolios.services import TransactionData, transaction_delete, transaction_record, transaction_update
from portfolios.snapshots import portfolios_snapshot_compute
from taxes.services import owner_recompute

D = Decimal
AS_OF = datetime(2025, 4, 3, 16, tzinfo=UTC)  # 12:00 in New York
FIRST = date(2024, 10, 1)
DAYS = 182  # ledgers run from 2024-10-01 to 2025-03-31, with a checkpoint at the end of each month


def close(symbol: str, offset: int) -> Decimal:
    """A close that goes up and down, so sales make gains and losses (and wash sales)."""
    if symbol == "BTC":
        return D(30000 + (offset * 7919) % 10000)
    return D(180 + (offset * 37) % 50)


def moment(offset: int, minute: int) -> datetime:
    return datetime.combine(FIRST + timedelta(days=offset), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=14, minutes=minute
    )


@dataclass
class Book:
    main: Portfolio
    other: Portfolio
    accounts: dict[str, Account]
    assets: dict[str, Asset]

    @property
    def ids(self) -> list[int]:
        return [self.main.pk, self.other.pk]


def build(wash_crypto: bool) -> Book:
    owner = User.objects.create_user(username="inc", password="x", timezone="America/New_York")
    main = Portfolio.objects.create(owner=owner, name="Main", wash_sale_crypto=wash_crypto)
    other = Portfolio.objects.create(owner=owner, name="Other")
    accounts = {
        "A": Account.objects.create(
            portfolio=main, name="Exchange", tax_treatment="taxable", kind="exchange"
        ),
        "B": Account.objects.create(portfolio=main, name="Broker", tax_treatment="taxable", kind="brokerage"),
        "R": Account.objects.create(portfolio=main, name="Roth", tax_treatment="tax_free", kind="roth_ira"),
        "C": Account.objects.create(
            portfolio=other, name="Other broker", tax_treatment="taxable", kind="brokerage"
        ),
    }
    assets = {
        "BTC": Asset.objects.create(symbol="BTC", name="Bitcoin", asset_class="crypto", price_source_id="x"),
        "VTI": Asset.objects.create(symbol="VTI", name="Total market", asset_class="etf", price_source_id=""),
    }
    PriceQuote.objects.bulk_create(
        PriceQuote(
            asset=asset,
            at=datetime.combine(FIRST + timedelta(days=offset), datetime.min.time(), tzinfo=UTC),
            price=close(symbol, offset),
            source="coingecko",
        )
        for symbol, asset in assets.items()
        for offset in range(DAYS + 3)
    )
    for asset in assets.values():
        PriceQuote.objects.create(asset=asset, at=AS_OF - timedelta(minutes=5), price=D(190), source="csv")
    return Book(main, other, accounts, assets)


minutes = st.integers(0, 500)
amounts = st.sampled_from([D("0.5"), D(1), D("2.25"), D(3)])
symbols = st.sampled_from(["BTC", "VTI"])


def operations(offsets: st.SearchStrategy[int]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.one_of(
        st.tuples(st.just("buy"), st.sampled_from("ABRC"), symbols, offsets, minutes, amounts),
        st.tuples(st.just("sell"), st.sampled_from("ABRC"), symbols, offsets, minutes, amounts),
        st.tuples(
            st.just("transfer"), st.sampled_from(["AB", "BA", "AR"]), symbols, offsets, minutes, amounts
        ),
        st.tuples(
            st.just("cash"),
            st.sampled_from("ABC"),
            st.sampled_from(["deposit", "withdrawal"]),
            offsets,
            minutes,
            amounts,
        ),
        st.tuples(st.just("staking"), st.sampled_from("AB"), st.just("BTC"), offsets, minutes, amounts),
        st.tuples(st.just("move"), st.integers(0, 99), offsets, minutes),
        st.tuples(st.just("delete"), st.integers(0, 99)),
        st.tuples(st.just("close"), symbols, offsets, st.sampled_from([D("0.9"), D("1.1")])),
        st.just(("snapshot",)),
    )


class _Rollback(Exception):
    def __init__(self, rows: Any) -> None:
        self.rows = rows


def history(ids: list[int]) -> tuple[list[Any], list[Any]]:
    points = list(
        ValuePoint.objects.filter(portfolio_id__in=ids)
        .order_by("portfolio_id", "date")
        .values_list("portfolio_id", "date", "value", "cost_basis", "net_deposits")
    )
    checkpoints = list(
        HoldingsCheckpoint.objects.filter(portfolio_id__in=ids)
        .order_by("portfolio_id", "date")
        .values_list("portfolio_id", "date", "held")
    )
    return points, checkpoints


def rebuilt(ids: list[int]) -> tuple[list[Any], list[Any]]:
    try:
        with transaction.atomic():
            portfolios_snapshot_compute(portfolio_ids=ids, as_of=AS_OF, rebuild_history=True)
            raise _Rollback(history(ids))
    except _Rollback as done:
        return done.rows  # type: ignore[no-any-return]


def snapshot_and_compare(book: Book, history_from: date | None = None) -> None:
    portfolios_snapshot_compute(portfolio_ids=book.ids, as_of=AS_OF, history_from=history_from)
    assert history(book.ids) == rebuilt(book.ids)


def record(book: Book, data: TransactionData) -> None:
    # A sale of more than the account holds that day is refused, and the ledger is left as it was.
    with contextlib.suppress(ValidationError):
        transaction_record(portfolio=data.account.portfolio, data=data)


def apply(book: Book, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind in ("buy", "sell", "staking"):
        _, account, symbol, offset, minute, amount = op
        price = close(symbol, offset)
        fee = D("1.5") if kind == "buy" and minute % 2 else D(0)
        record(
            book,
            TransactionData(
                account=book.accounts[account],
                type=kind,
                timestamp=moment(offset, minute),
                quantity=amount / 4 if symbol == "BTC" else amount,
                asset=book.assets[symbol],
                unit_price=price,
                fee=fee,
            ),
        )
    elif kind == "transfer":
        _, route, symbol, offset, minute, amount = op
        record(
            book,
            TransactionData(
                account=book.accounts[route[0]],
                type="transfer",
                timestamp=moment(offset, minute),
                quantity=amount / 8 if symbol == "BTC" else amount / 2,
                asset=book.assets[symbol],
                to_account=book.accounts[route[1]],
                unit_price=close(symbol, offset) if route[1] == "R" else None,
                fee=D("2.25") if minute % 3 else D(0),
            ),
        )
    elif kind == "cash":
        _, account, typ, offset, minute, amount = op
        record(
            book,
            TransactionData(
                account=book.accounts[account],
                type=typ,
                timestamp=moment(offset, minute),
                quantity=amount * 1000,
            ),
        )
    elif kind in ("move", "delete"):
        ledger = list(Transaction.objects.filter(portfolio__owner=book.main.owner).order_by("id"))
        if not ledger:
            return
        tx = ledger[op[1] % len(ledger)]
        with contextlib.suppress(ValidationError):
            if kind == "delete":
                transaction_delete(tx=tx)
            else:
                transaction_update(tx=tx, data=_moved(tx, moment(op[2], op[3])))
    elif kind == "close":
        _, symbol, offset, factor = op
        at = datetime.combine(FIRST + timedelta(days=offset), datetime.min.time(), tzinfo=UTC)
        PriceQuote.objects.filter(asset=book.assets[symbol], at=at).update(
            price=close(symbol, offset) * factor
        )
        snapshot_and_compare(book, history_from=at.date())
    elif kind == "everything":
        owner_recompute(owner=book.main.owner, changed_from=None)
    else:
        snapshot_and_compare(book)


def _moved(tx: Transaction, when: datetime) -> TransactionData:
    return TransactionData(
        account=tx.account,
        type=tx.type,
        timestamp=when,
        quantity=tx.quantity,
        asset=tx.asset,
        unit_price=tx.unit_price
        if tx.to_account is None or tx.to_account.tax_treatment == "tax_free"
        else None,
        fee=tx.fee,
        to_account=tx.to_account,
    )


class IncrementalHistoryTests(TestCase):
    @settings(max_examples=30, deadline=None)
    @given(
        wash_crypto=st.booleans(),
        opening=st.lists(operations(st.integers(0, DAYS - 1)), min_size=3, max_size=10),
        # Mostly in the last months, past a checkpoint or two; now and then a recompute of everything.
        edits=st.lists(
            st.one_of(operations(st.integers(DAYS - 75, DAYS - 1)), st.just(("everything",))),
            min_size=1,
            max_size=12,
        ),
    )
    def test_incremental_history_equals_a_rebuild(
        self, wash_crypto: bool, opening: list[tuple[Any, ...]], edits: list[tuple[Any, ...]]
    ) -> None:
        with time_machine.travel(AS_OF, tick=True):
            book = build(wash_crypto)
            apply(book, ("cash", "A", "deposit", 0, 0, D(50)))
            apply(book, ("buy", "A", "BTC", 0, 1, D(2)))
            for op in opening:
                apply(book, op)
            snapshot_and_compare(book)
            for op in edits:
                apply(book, op)
            snapshot_and_compare(book)
