"""Bulk inserts that stay fast at ledger sizes: COPY on PostgreSQL, batched INSERTs elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


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
