"""Bulk writes that stay fast at ledger sizes.

`insert_rows`, `replace_rows` and `upsert_rows` take rows as plain tuples, never model instances: each column
is turned into what the database stores by one encoder per kind of column (the encoding the model's fields
use: ExactDecimalField's fixed-point text on SQLite, exact numerics on PostgreSQL, timezone-aware datetimes
stored in UTC). PostgreSQL receives them through COPY, SQLite through one executemany; both inside the
caller's transaction. `portfolios.bulk` lists each table's columns.

`bulk_insert` does the same for model instances (COPY on PostgreSQL, Django's bulk_create elsewhere).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from django.core import exceptions
from django.db import connection, models, transaction
from django.db.models import QuerySet

M = TypeVar("M", bound=models.Model)
Row = Sequence[Any]
Encoder = Callable[[Any], Any]  # one value
ColumnEncoder = Callable[[Sequence[Any]], Iterable[Any]]  # a whole column


class Kind(StrEnum):
    """How a column's values are stored."""

    INT = "int"  # integers, and foreign keys as their ids
    TEXT = "text"  # text, and choices as their values
    DECIMAL = "decimal"  # ExactDecimalField
    DATETIME = "datetime"  # timezone-aware
    DATE = "date"
    BOOL = "bool"
    JSON = "json"


@dataclass(frozen=True, eq=False)
class Table:
    """A table written without model instances: every column but the primary key, by attribute name
    (`portfolio_id` for a foreign key), with its kind."""

    model: type[models.Model]
    columns: Mapping[str, Kind]
    _encoders: dict[tuple[str, tuple[str, ...]], list[ColumnEncoder | None]] = field(
        default_factory=dict, repr=False
    )
    _stored_forms: dict[tuple[str, tuple[str, ...]], list[Encoder | None]] = field(
        default_factory=dict, repr=False
    )

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def field(self, name: str) -> models.Field:
        found = self.model._meta.get_field(name)
        assert isinstance(found, models.Field)
        return found

    def column_sql(self, names: Sequence[str]) -> str:
        quote = connection.ops.quote_name
        return ", ".join(quote(self.field(name).column) for name in names)

    def check_names(self, names: Sequence[str]) -> None:
        """Rows must give every column once: a column left out or unknown is a mistake, not a default."""
        expected = set(self.columns)
        if len(names) != len(set(names)) or set(names) != expected:
            missing = sorted(expected - set(names))
            unknown = sorted(set(names) - expected)
            raise ValueError(
                f"{self.name}: rows must give each column once; missing {missing}, unknown {unknown}"
            )

    def encoders(self, names: Sequence[str]) -> list[ColumnEncoder | None]:
        """Per column: the function that checks its values and turns them into what this database stores
        (None: they go as they are)."""
        key = (connection.vendor, tuple(names))
        found = self._encoders.get(key)
        if found is None:
            found = self._encoders[key] = [self._column_encoder(name) for name in names]
        return found

    def _column_encoder(self, name: str) -> ColumnEncoder | None:
        encoder = self._encoder(name, stored=False)
        if connection.vendor == "postgresql" and name != "id" and self.columns[name] is Kind.DECIMAL:
            assert encoder is not None
            return _decimal_column_check(self._places(name), encoder)
        return None if encoder is None else partial(map, encoder)

    def _places(self, name: str) -> int:
        places = getattr(self.field(name), "decimal_places", None)
        assert isinstance(places, int)
        return places

    def stored_forms(self, names: Sequence[str]) -> list[Encoder | None]:
        """Per column: the function that turns a value into what reading the column back returns (None: as
        it is), so new rows compare with stored ones exactly."""
        key = (connection.vendor, tuple(names))
        found = self._stored_forms.get(key)
        if found is None:
            found = self._stored_forms[key] = [self._encoder(name, stored=True) for name in names]
        return found

    def _encoder(self, name: str, *, stored: bool) -> Encoder | None:
        kind = Kind.INT if name == "id" else self.columns[name]
        sqlite = connection.vendor == "sqlite"
        if kind is Kind.DECIMAL:
            if stored and not sqlite:
                return None  # numerics compare as numbers
            return _decimal_encoder(f"{self.name}.{name}", self._places(name), text=sqlite)
        if kind is Kind.DATETIME:
            if not sqlite:
                return None if stored else _aware
            return _sqlite_naive_utc if stored else _sqlite_datetime
        if kind is Kind.DATE and sqlite and not stored:
            return _iso
        if kind is Kind.JSON:
            if stored:
                # PostgreSQL's jsonb keeps its own formatting of the text: no exact comparison.
                raise ValueError(f"{self.name}.{name}: rows with JSON are inserted, never compared")
            model_field = self.field(name)
            encoder = getattr(model_field, "encoder", None)
            return lambda value: None if value is None else json.dumps(value, cls=encoder)
        return None


_EXACT = Context(prec=80, traps=[Inexact, InvalidOperation])


def _decimal_encoder(name: str, places: int, *, text: bool) -> Encoder:
    """A value must be a finite Decimal (or int) exact at `places` decimals (no digit but zeros after them),
    as ExactDecimalField keeps it; SQLite gets the field's fixed-point text with exactly `places` decimals,
    PostgreSQL the number itself."""
    quantum = Decimal(1).scaleb(-places)

    def encode(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not Decimal:
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name}: {value!r} is not a Decimal")
            value = Decimal(value)
        try:
            fixed = value.quantize(quantum, context=_EXACT)
        except (Inexact, InvalidOperation):
            fixed = None
        if fixed is None or not value.is_finite():
            raise exceptions.ValidationError(
                f"{name}: {value} is not a finite number with at most {places} decimal places"
            )
        return format(fixed, "f") if text else value

    return encode


def _decimal_column_check(places: int, encode: Encoder) -> ColumnEncoder:
    """`encode`'s checks (a `_decimal_encoder` for PostgreSQL) over a whole column at C speed: the exact sum
    of numbers has as many decimals as the one with the most, and is finite only if they all are. Only a
    column whose sum fails is checked value by value, which names the bad value."""

    def check(column: Sequence[Any]) -> Sequence[Any]:
        values = [value for value in column if value is not None]
        total: Decimal | None = None
        if set(map(type, values)) <= {Decimal, int}:
            try:
                with localcontext(_EXACT):
                    total = sum(values, Decimal(0))
            except (Inexact, InvalidOperation):
                total = None
        exponent = total.as_tuple().exponent if total is not None else None
        if not isinstance(exponent, int) or -exponent > places:
            for value in values:  # raises for the first bad one (a number padded with zeros is not bad)
                encode(value)
        return column

    return check


def _aware(value: Any) -> Any:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone; timestamps are stored in UTC")
    return value


def _sqlite_naive_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    _aware(value)
    naive: datetime = value.astimezone(UTC).replace(tzinfo=None)
    return naive


def _sqlite_datetime(value: Any) -> str | None:
    """As Django's SQLite backend stores a datetime: naive UTC text, microseconds when there are any."""
    naive = _sqlite_naive_utc(value)
    return None if naive is None else str(naive)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _encoded(encoders: list[ColumnEncoder | None], rows: Sequence[Row]) -> Iterator[Row]:
    """The rows with each column encoded, column by column."""
    if all(encoder is None for encoder in encoders):
        return iter(rows)
    columns = zip(*rows, strict=True)
    out = [col if enc is None else enc(col) for enc, col in zip(encoders, columns, strict=True)]
    return zip(*out, strict=True)


def insert_rows(
    table: Table, names: Sequence[str], rows: Sequence[Row], *, with_ids: bool = False
) -> list[int]:
    """Insert `rows` (tuples of values in the order `names` gives the columns: all of them, no primary key).
    With with_ids, new primary keys are drawn and returned in the rows' order."""
    table.check_names(names)
    _check_width(table, names, rows)
    if not rows:
        return []
    with transaction.atomic():
        ids = _new_ids(table, len(rows)) if with_ids else []
        if with_ids:
            names = ("id", *names)
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        _write(table, names, rows)
    return ids


def _check_width(table: Table, names: Sequence[str], rows: Sequence[Row]) -> None:
    width = len(names)
    if any(len(row) != width for row in rows):
        raise ValueError(f"{table.name}: every row must have {width} values")


def _new_ids(table: Table, count: int) -> list[int]:
    """Primary keys for `count` new rows. PostgreSQL draws them from the table's sequence; SQLite continues
    after both the largest id and the AUTOINCREMENT counter, inside the transaction's write lock (Lotwise's
    SQLite transactions begin IMMEDIATE), so no id is ever used twice."""
    pk = table.model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table.name, pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT max({quote(pk.column)}) FROM {quote(table.name)}")
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone() is not None:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table.name])
            counter = cursor.fetchone()
            largest = max(largest, counter[0] if counter else 0)
    return list(range(largest + 1, largest + 1 + count))


def _write(
    table: Table, names: Sequence[str], rows: Sequence[Row], *, into: str = "", suffix: str = ""
) -> None:
    """COPY the rows into the table (into the table named `into` when given), or on SQLite executemany an
    INSERT of them, ending with `suffix`."""
    encoded = _encoded(table.encoders(names), rows)
    target = f"{into or connection.ops.quote_name(table.name)} ({table.column_sql(names)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                write_row = copy.write_row
                for row in encoded:
                    write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {target} VALUES ({marks}){suffix}", list(encoded))


def upsert_rows(table: Table, names: Sequence[str], rows: Sequence[Row], *, unique: Sequence[str]) -> None:
    """Insert `rows`, each replacing the values of the stored row with the same `unique` columns (a unique
    constraint of the table, e.g. a portfolio's value point on a date) when there is one."""
    table.check_names(names)
    _check_width(table, names, rows)
    if not rows:
        return
    quote = connection.ops.quote_name
    updates = ", ".join(
        f"{column} = EXCLUDED.{column}"
        for column in (quote(table.field(name).column) for name in names if name not in unique)
    )
    conflict = f" ON CONFLICT ({table.column_sql(unique)}) DO UPDATE SET {updates}"
    with transaction.atomic():
        if connection.vendor != "postgresql":
            _write(table, names, rows, suffix=conflict)
            return
        columns = table.column_sql(names)
        staging = quote(f"staging_{table.name}")
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {quote(table.name)} WITH NO DATA"
            )
            _write(table, names, rows, into=staging)
            cursor.execute(
                f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM {staging}{conflict}"
            )
            cursor.execute(f"DROP TABLE {staging}")


@dataclass(frozen=True)
class Replaced:
    kept: int
    deleted: int
    inserted: int


def replace_rows(table: Table, names: Sequence[str], rows: Sequence[Row], stored: QuerySet) -> Replaced:
    """Make the rows `stored` selects equal to `rows`, in the same id order a delete and an insert would give.

    The longest run of stored rows (in id order) equal to the first of `rows` stays as it is; the stored rows
    after it are deleted and the rest of `rows` inserted. After an edit most of a recompute's rows are those
    already stored, and a row that is kept is not written again.
    """
    table.check_names(names)
    _check_width(table, names, rows)
    forms = table.stored_forms(names)
    sql, params = stored.order_by("pk").values_list("pk", *names).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        old = cursor.fetchall()
    kept = _common_prefix(forms, old, rows) if old and rows else 0
    deleted = len(old) - kept
    with transaction.atomic():
        if deleted:
            rest = stored.filter(pk__gt=old[kept - 1][0]) if kept else stored
            rest.delete()
        insert_rows(table, names, rows[kept:])
    return Replaced(kept=kept, deleted=deleted, inserted=len(rows) - kept)


def _common_prefix(forms: list[Encoder | None], old: Sequence[Row], rows: Sequence[Row]) -> int:
    """How many of `rows`, from the first, equal the stored rows `old` (each led by its id) as the database
    holds them."""
    pairs = [(i, form) for i, form in enumerate(forms) if form is not None]
    kept = 0
    for stored_row, new in zip(old, rows, strict=False):
        if pairs:
            new = list(new)
            for i, form in pairs:
                new[i] = form(new[i])
        if tuple(stored_row[1:]) != tuple(new):
            break
        kept += 1
    return kept


def bulk_insert(
    model: type[M], objs: Iterable[M], *, need_ids: bool = False, batch_size: int = 2000
) -> list[M]:
    """Insert `objs` (no signals, no save()). With need_ids the returned objects carry their primary keys.

    On PostgreSQL the rows go through COPY, with ids drawn from the table's sequence first when needed;
    multi-row INSERTs of this size spend most of their time building and parsing the statement.
    """
    rows = list(objs)
    if not rows:
        return rows
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(rows, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields: Sequence[models.Field] = [f for f in meta.concrete_fields if f is not pk or need_ids]
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        if need_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(rows)],
            )
            for obj, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
                obj.pk = new_id
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in rows:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    for obj in rows:
        obj._state.adding = False
        obj._state.db = connection.alias
    return rows
