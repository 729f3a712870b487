"""Engines and sessions for SQLite (default), PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from controller.errors import DatabaseError
from controller.filemodes import create_private_file, make_private_dirs, remove_other_access

_DRIVER_HINTS = {
    "postgresql": "pip install 'pbx-controller[postgresql]' (psycopg)",
    "mysql": "pip install 'pbx-controller[mariadb]' (PyMySQL)",
    "mariadb": "pip install 'pbx-controller[mariadb]' (PyMySQL)",
}


def normalize_url(url: str) -> URL:
    """Parse a database URL and pick the drivers we support when none is named."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(
            f"database URL {url!r} is not valid: expected e.g. sqlite:////var/lib/pbx.sqlite3, "
            "postgresql://user@host/db or mariadb://user@host/db"
        ) from exc
    backend = parsed.get_backend_name()
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername in {"mysql", "mariadb"}:
        parsed = parsed.set(drivername=f"{backend}+pymysql")
    if backend in {"mysql", "mariadb"} and "charset" not in parsed.query:
        # Without utf8mb4, MariaDB silently mangles Chinese names into question marks.
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# SQLite's own files beside the database; it creates them with the database file's mode.
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _prepare_sqlite_file(database: Path) -> None:
    """Create the database file 0600 (in a 0700 directory, if that is new) before SQLite does.

    It holds SIP and voicemail passwords, customers and token hashes; SQLite would create it
    0644 under the usual umask, readable by every local user. Files an older version created
    lose their access for others.
    """
    try:
        make_private_dirs(database.parent)
        if not create_private_file(database):
            for suffix in ("", *_SQLITE_COMPANIONS):
                remove_other_access(database.with_name(database.name + suffix))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DatabaseError(f"cannot create the SQLite database {database}: {reason}") from exc


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite, create a private file and enforce foreign keys."""
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        _prepare_sqlite_file(Path(parsed.database))
    else:
        kwargs.setdefault("pool_pre_ping", True)
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        hint = _DRIVER_HINTS.get(backend, "install the database driver")
        raise DatabaseError(f"no driver for {parsed.drivername}: {hint}") from exc
    except ModuleNotFoundError as exc:
        hint = _DRIVER_HINTS.get(backend, "install the database driver")
        raise DatabaseError(f"database driver {exc.name} is missing: {hint}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        with engine.connect() as connection:
            # WAL lets the history writer and readers work at the same time.
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    return engine


def describe(engine: Engine) -> str:
    """The engine's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Raise DatabaseError with a clear message when the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot connect to database {describe(engine)}: {reason}") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back on error."""
    with factory() as session, session.begin():
        yield session
