"""The database half of a restore, on one connection inside the restore's transaction.

Rows are inserted with SQLAlchemy Core executemany in batches, keeping their primary keys,
bound with the portable type of each column's kind (:func:`.kinds.bind_type`), so neither the
models nor the engine the backup came from matter. Afterwards identity sequences continue
after the restored keys (PostgreSQL ``setval``; MariaDB's AUTO_INCREMENT and SQLite's rowid
follow the largest key by themselves).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from alembic import command
from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    bindparam,
    func,
    insert,
    inspect,
    select,
    table,
    update,
)
from sqlalchemy.exc import DBAPIError

from controller.backup.errors import BackupError, database_problem
from controller.backup.kinds import Kind, bind_type
from controller.backup.manifest import TableEntry
from controller.backup.progress import Progress
from controller.backup.rows import Row, batches, row_decoder
from controller.backup.tables import TableSpec
from controller.backup.target import VERSION_TABLE
from controller.db.migrate import alembic_config

BATCH_ROWS = 2000


def migrate(connection: Connection, revision: str) -> None:
    """Run the migrations up to ``revision`` on ``connection``, as ``pbxctl db upgrade`` does
    (inside the caller's transaction where the engine allows)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def drop_tables(connection: Connection, names: Iterable[str]) -> None:
    """Drop these tables (as they are in the database) and alembic's version table."""
    metadata = MetaData()
    present = set(inspect(connection).get_table_names())
    metadata.reflect(connection, only=sorted(present & {*names, VERSION_TABLE}))
    metadata.drop_all(connection)


def check_columns(connection: Connection, tables: Iterable[TableSpec], owned: set[str]) -> None:
    """The schema must have exactly the backup's tables and columns (of those it owns)."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    wanted = {spec.name: spec for spec in tables}
    for name, spec in wanted.items():
        if name not in present:
            raise BackupError(f"the schema has no table {name}, which the backup holds")
        columns = {column["name"] for column in inspector.get_columns(name)}
        if columns != set(spec.column_names):
            difference = sorted(columns.symmetric_difference(spec.column_names))
            raise BackupError(
                f"table {name}: the columns of the backup and of the schema differ "
                f"({', '.join(difference)})"
            )
    unexpected = sorted((present & owned) - set(wanted) - {VERSION_TABLE})
    if unexpected:
        raise BackupError(f"the backup has no table {unexpected[0]}, which the schema has")


def _bind_table(spec: TableSpec) -> Table:
    return Table(
        spec.name,
        MetaData(),
        *(Column(c.name, bind_type(c.kind, c.nullable)) for c in spec.columns),
    )


def delete_rows(connection: Connection, tables: list[TableSpec]) -> None:
    """Empty the tables, children first. Deferred references are cleared first, since MariaDB
    checks a self-reference row by row while deleting."""
    for spec in reversed(tables):
        table = _bind_table(spec)
        for reference in spec.deferred:
            column = table.c[reference.column]
            connection.execute(update(table).where(column.is_not(None)).values({column: None}))
        connection.execute(table.delete())


@dataclass
class Fixups:
    """Deferred references: (table, column) -> [(primary key, value)], set after all rows."""

    pending: dict[tuple[str, str], list[tuple[Any, Any]]] = field(default_factory=dict)

    def add(self, table: str, column: str, key: Any, value: Any) -> None:
        self.pending.setdefault((table, column), []).append((key, value))


def defer_references(spec: TableSpec, row: Row, fixups: Fixups) -> None:
    """Replace the deferred references of ``row`` that may point at a row not inserted yet
    by NULL, remembering them in ``fixups``."""
    if not spec.deferred:
        return
    key = row[spec.primary_key[0]]
    for reference in spec.deferred:
        value = row[reference.column]
        if value is None or (reference.forward_only and value < key):
            continue
        fixups.add(spec.name, reference.column, key, value)
        row[reference.column] = None


def _decoded(entry: TableEntry, lines: Iterator[bytes]) -> Iterator[Row]:
    decode = row_decoder(entry)
    for number, line in enumerate(lines, start=1):
        yield decode(line, number)


def insert_rows(
    connection: Connection,
    entry: TableEntry,
    lines: Iterator[bytes],
    fixups: Fixups,
    progress: Progress,
) -> int:
    """Insert the rows of one table in batches; the number inserted."""
    # executemany: psycopg pipelines it, PyMySQL rewrites it into multi-row INSERTs, SQLite
    # runs it in C. (One INSERT with many VALUES rows was ten times slower on PostgreSQL.)
    statement = insert(_bind_table(entry))
    done = 0
    for batch in batches(_decoded(entry, lines), BATCH_ROWS):
        for row in batch:
            defer_references(entry, row, fixups)
        try:
            connection.execute(statement, batch)
        except DBAPIError as exc:
            first, last = done + 1, done + len(batch)
            raise BackupError(
                f"table {entry.name} rows {first} to {last} could not be inserted: "
                f"{database_problem(exc)}"
            ) from None
        done += len(batch)
        progress.rows(entry.name, done, entry.rows)
    return done


def apply_fixups(connection: Connection, tables: list[TableSpec], fixups: Fixups) -> None:
    by_name = {spec.name: spec for spec in tables}
    for (name, column), pairs in fixups.pending.items():
        spec = by_name[name]
        table = _bind_table(spec)
        key_column = table.c[spec.primary_key[0]]
        statement = (
            update(table)
            .where(key_column == bindparam("fixup_key"))
            .values({column: bindparam("fixup_value")})
        )
        for batch in batches(({"fixup_key": k, "fixup_value": v} for k, v in pairs), BATCH_ROWS):
            connection.execute(statement, batch)


def reset_sequences(connection: Connection, tables: list[TableSpec]) -> None:
    """PostgreSQL: make each table's id sequence continue after the largest restored id."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for spec in tables:
        if len(spec.primary_key) != 1:
            continue
        key = spec.primary_key[0]
        if next(c.kind for c in spec.columns if c.name == key) is not Kind.INT:
            continue
        sequence = connection.scalar(select(func.pg_get_serial_sequence(quote(spec.name), key)))
        if sequence is None:
            continue  # a key without a sequence (site, config_revision)
        largest = connection.scalar(select(func.max(_bind_table(spec).c[key])))
        # setval(s, n, false): the next id is n itself (an empty table starts at 1).
        next_is_after = largest is not None
        connection.execute(select(func.setval(sequence, largest or 1, next_is_after)))


def count_rows(connection: Connection, name: str) -> int:
    return connection.scalar(select(func.count()).select_from(table(name))) or 0
