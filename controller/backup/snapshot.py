"""One consistent read snapshot for a backup, and one write transaction for a restore.

A backup reads every table while ``pbxctl serve`` keeps writing history; reading table after
table in separate transactions would store legs of calls it never saw. So all reads happen in
one transaction that sees the database as of its first read:

- PostgreSQL: ``REPEATABLE READ, READ ONLY`` (a snapshot; writers are not blocked);
- MariaDB: ``START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`` at REPEATABLE READ
  (InnoDB MVCC; writers are not blocked);
- SQLite: an explicit ``BEGIN``: in WAL mode (which ``make_engine`` sets) a read transaction
  sees one snapshot and does not block the writer. The Python driver would otherwise run
  each SELECT in a transaction of its own, hence the driver-level autocommit and the
  explicit statements.

A restore writes in one transaction; on SQLite it is ``BEGIN IMMEDIATE`` (explicit, so the
schema creation by the migrations is inside it too, and the write lock is taken at once),
with foreign keys checked once before the commit (see :func:`_sqlite_write_transaction`).
MariaDB commits each DDL statement implicitly: :mod:`.restore` plans around that.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from controller.backup.errors import BackupError


def is_mariadb(engine_or_connection: Engine | Connection) -> bool:
    return engine_or_connection.dialect.name in {"mysql", "mariadb"}


@contextmanager
def _explicit_sqlite_transaction(connection: Connection, begin: str, end: str) -> Iterator[None]:
    """``begin`` ... ``end`` on a connection whose driver is in autocommit mode."""
    connection.exec_driver_sql(begin)
    try:
        yield
    except BaseException:
        # SQLite may have rolled back already (some errors end the transaction).
        if connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql("ROLLBACK")
        raise
    connection.exec_driver_sql(end)


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see the database as of the first one."""
    dialect = engine.dialect.name
    with engine.connect() as connection:
        if dialect == "sqlite":
            connection.execution_options(isolation_level="AUTOCOMMIT")
            with _explicit_sqlite_transaction(connection, "BEGIN", "ROLLBACK"):
                yield connection
            return
        if dialect == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            try:
                yield connection
            finally:
                connection.rollback()
            return
        if is_mariadb(connection):
            connection.execution_options(isolation_level="REPEATABLE READ")
            connection.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            try:
                yield connection
            finally:
                connection.rollback()
            return
        raise NotImplementedError(f"no consistent snapshot for database engine {dialect}")


@contextmanager
def _sqlite_write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        # Off outside the transaction (SQLite ignores the pragma inside one) and checked once
        # at the end: a migration that rebuilds a table (batch mode) drops the old one, and
        # with enforcement on that DROP cascades to every row that references it.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            with _explicit_sqlite_transaction(connection, "BEGIN IMMEDIATE", "COMMIT"):
                yield connection
                _check_foreign_keys(connection)
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    violation = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
    if violation is not None:
        table, rowid, parent, _index = violation
        raise BackupError(
            f"table {table} row {rowid} references a row of {parent} that does not exist"
        )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction, committed when the block ends without an error."""
    if engine.dialect.name == "sqlite":
        with _sqlite_write_transaction(engine) as connection:
            yield connection
        return
    with engine.connect() as connection, connection.begin():
        yield connection
