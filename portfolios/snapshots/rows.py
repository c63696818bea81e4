"""The rows a snapshot reads besides the portfolio itself, for a batch of portfolios, in one statement: accounts,
open lots, target weights, income and the last stored history points.

One statement rather than five, written out rather than built by the ORM, because it runs for every snapshot
and a snapshot task of one portfolio paid more for the round trips and the query building than for the
reading. Every column is read as text (a UNION needs one type per column) and turned back into what the
model's field gives: exact decimals trimmed as ExactDecimalField trims them, dates, integers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model

from portfolios.fields import trim
from portfolios.models import Account, Asset, ValuePoint
from rebalancing.models import Policy, Target, TargetWeight
from taxes.models import IncomeRecord, TaxLot

WIDTH = 11  # columns after the row's kind and portfolio id

ACCOUNT, LOT, WEIGHT, INCOME, POINT = "a", "l", "w", "i", "v"


@dataclass(frozen=True)
class Row:
    kind: str
    portfolio_id: int
    values: tuple[str | None, ...]

    def text(self, i: int) -> str:
        value = self.values[i]
        assert value is not None
        return value

    def decimal(self, i: int) -> Decimal | None:
        value = self.values[i]
        return None if value is None else trim(Decimal(value))

    def amount(self, i: int) -> Decimal:
        return trim(Decimal(self.text(i)))

    def day(self, i: int) -> date | None:
        value = self.values[i]
        return None if value is None else date.fromisoformat(value[:10])

    def integer(self, i: int) -> int:
        return int(self.text(i))


def _table(model: type[Model], alias: str) -> str:
    return f"{connection.ops.quote_name(model._meta.db_table)} {alias}"


def _col(model: type[Model], alias: str, field: str) -> str:
    column = cast("Field[Any, Any]", model._meta.get_field(field)).column
    return f"{alias}.{connection.ops.quote_name(column)}"


def _select(kind: str, portfolio: str, columns: Sequence[str], source: str, where: str) -> str:
    texts = [f"CAST({column} AS TEXT)" for column in columns]
    texts += ["CAST(NULL AS TEXT)"] * (WIDTH - len(columns))
    return f"SELECT '{kind}', {portfolio}, {', '.join(texts)} FROM {source} WHERE {where}"


@cache
def _statement(batch: int) -> str:
    ids = ", ".join(["%s"] * batch)
    a, lot, s, w, t, p, r, v = (
        Account,
        TaxLot,
        Asset,
        TargetWeight,
        Target,
        Policy,
        IncomeRecord,
        ValuePoint,
    )
    parts = [
        # The accounts' order is the database's (its collation), as the ORM's order_by("name", "id") gave it.
        _select(
            ACCOUNT,
            _col(a, "a", "portfolio"),
            [
                *(_col(a, "a", f) for f in ("id", "name", "tax_treatment", "kind")),
                f"ROW_NUMBER() OVER (ORDER BY {_col(a, 'a', 'name')}, {_col(a, 'a', 'id')})",
            ],
            _table(a, "a"),
            f"{_col(a, 'a', 'portfolio')} IN ({ids})",
        ),
        _select(
            LOT,
            _col(lot, "l", "portfolio"),
            [
                *(_col(lot, "l", f) for f in ("lot_id", "account", "asset", "quantity", "basis")),
                *(_col(lot, "l", f) for f in ("acquired", "received", "long_term_from")),
                *(_col(s, "s", f) for f in ("symbol", "name", "asset_class")),
            ],
            f"{_table(lot, 'l')} JOIN {_table(s, 's')} ON {_col(s, 's', 'id')} = {_col(lot, 'l', 'asset')}",
            f"{_col(lot, 'l', 'portfolio')} IN ({ids})",
        ),
        _select(
            WEIGHT,
            _col(t, "t", "portfolio"),
            [
                _col(w, "w", "target"),
                *(_col(t, "t", f) for f in ("name", "band_absolute", "band_relative")),
                *(_col(p, "p", f) for f in ("band_mode", "band_floor")),
                *(_col(w, "w", f) for f in ("asset", "weight")),
                *(_col(s, "s", f) for f in ("symbol", "name", "asset_class")),
            ],
            f"{_table(w, 'w')} JOIN {_table(t, 't')} ON {_col(t, 't', 'id')} = {_col(w, 'w', 'target')} "
            f"JOIN {_table(s, 's')} ON {_col(s, 's', 'id')} = {_col(w, 'w', 'asset')} "
            f"LEFT JOIN {_table(p, 'p')} ON {_col(p, 'p', 'portfolio')} = {_col(t, 't', 'portfolio')}",
            f"{_col(t, 't', 'portfolio')} IN ({ids})",
        ),
        # By portfolio only: the few rows dated after today are left out by the caller.
        _select(
            INCOME,
            _col(r, "r", "portfolio"),
            [_col(r, "r", f) for f in ("kind", "date", "value")],
            _table(r, "r"),
            f"{_col(r, 'r', 'portfolio')} IN ({ids})",
        ),
        _select(
            POINT,
            _col(v, "v", "portfolio"),
            [_col(v, "v", f) for f in ("date", "value", "cost_basis", "net_deposits")],
            _table(v, "v"),
            f"{_col(v, 'v', 'portfolio')} IN ({ids}) AND {_col(v, 'v', 'date')} >= %s "
            f"AND {_col(v, 'v', 'date')} <= %s",
        ),
    ]
    return " UNION ALL ".join(parts)


def snapshot_rows(portfolio_ids: Sequence[int], *, points_from: date, points_to: date) -> Iterator[Row]:
    """The rows of these portfolios; history points only from `points_from` to `points_to`."""
    ids = list(portfolio_ids)
    params: list[Any] = [*ids, *ids, *ids, *ids, *ids, points_from, points_to]
    with connection.cursor() as cursor:
        cursor.execute(_statement(len(ids)), params)
        for kind, portfolio_id, *values in cursor.fetchall():
            yield Row(kind, int(portfolio_id), tuple(values))
