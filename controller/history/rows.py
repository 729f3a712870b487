"""Small Core helpers for writing many history rows in few statements.

The history writer used the ORM: an object, a SELECT and a flush per row, which under a
100-call load cost the controller more CPU than everything else it does. These helpers let
:mod:`controller.history.store` write a whole batch with one statement per table instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, insert

Row = dict[str, Any]
T = TypeVar("T")

# Values per IN (...) list: far below every backend's limit on bound parameters.
IN_CHUNK = 500


def utc(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """One executemany INSERT (the driver batches it)."""
    if rows:
        conn.execute(insert(table), list(rows))


def insert_returning_ids(conn: Connection, table: Table, rows: Sequence[Row]) -> list[int]:
    """Insert ``rows``; their new ids, in the order of ``rows``.

    SQLite, PostgreSQL and MariaDB (10.5+) return the ids of a multi-row INSERT in parameter
    order (SQLAlchemy's "insertmanyvalues"); a server without RETURNING gets one INSERT per
    row."""
    if not rows:
        return []
    if conn.dialect.insert_executemany_returning_sort_by_parameter_order:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(conn.execute(statement, list(rows)).scalars())
    ids = []
    for row in rows:
        key = conn.execute(insert(table), row).inserted_primary_key
        assert key is not None
        ids.append(int(key[0]))
    return ids
