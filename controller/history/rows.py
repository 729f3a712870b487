"""Small Core helpers for writing many history rows in few statements.

The history writer used the ORM: an object, a SELECT and a flush per row, which under a
100-call load cost the controller more CPU than everything else it does. These helpers let
:mod:`controller.history.store` write a whole batch with one statement per table instead.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Insert, Table, insert

Row = dict[str, Any]
T = TypeVar("T")

# Values per IN (...) list: far below every backend's limit on bound parameters.
IN_CHUNK = 500


def utc(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# The statements are built once per table, not per batch (SQLAlchemy then finds their
# compiled form in its cache without building a new statement object each time).
@functools.cache
def _insert(table: Table) -> Insert:
    return insert(table)


@functools.cache
def _insert_returning(table: Table) -> Insert:
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """One executemany INSERT (the driver batches it)."""
    if rows:
        conn.execute(_insert(table), list(rows))


def insert_returning_ids(conn: Connection, table: Table, rows: Sequence[Row]) -> list[int]:
    """Insert ``rows``; their new ids, in the order of ``rows``.

    SQLite, PostgreSQL and MariaDB (10.5+) return the ids of a multi-row INSERT in parameter
    order (SQLAlchemy's "insertmanyvalues"); a server without RETURNING gets one INSERT per
    row."""
    if not rows:
        return []
    if conn.dialect.insert_executemany_returning_sort_by_parameter_order:
        return list(conn.execute(_insert_returning(table), list(rows)).scalars())
    ids = []
    for row in rows:
        key = conn.execute(_insert(table), row).inserted_primary_key
        assert key is not None
        ids.append(int(key[0]))
    return ids
