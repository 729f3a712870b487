"""Schema migrations (alembic scripts in the top-level ``sql/`` directory)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from controller.db.engine import check_connection
from controller.errors import DatabaseError
from controller.paths import resource_dir


def alembic_config() -> Config:
    sql_dir = resource_dir("sql")
    config = Config(str(sql_dir / "alembic.ini"))
    config.set_main_option("script_location", str(sql_dir))
    config.set_main_option("version_locations", str(sql_dir / "versions"))
    return config


@functools.cache
def _head() -> str | None:
    """The newest migration of this code. Finding it imports every script (0.1-1 s); the
    scripts cannot change while the process runs, and every apply checks the schema."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None  # None: empty database
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    check_connection(engine)
    head = _head()
    if head is None:
        raise DatabaseError("no migrations found in sql/versions")
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(current=current, head=head)


def upgrade(engine: Engine, revision: str = "head") -> SchemaState:
    """Create or upgrade the schema to ``revision``; safe to run again when up to date.

    On SQLite a migration that changes a table rebuilds it (copy, drop, rename): with foreign
    keys enforced, dropping ``call`` would cascade to every leg and handling of the history.
    So, as SQLite documents for such changes, enforcement is off during the migrations and
    the references are checked before the commit.
    """
    check_connection(engine)
    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    _check_references(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return schema_state(engine)


def _check_references(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        rows = ", ".join(f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in broken)
        raise DatabaseError(f"the migration left rows pointing nowhere: {rows[:500]}")


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database whose schema is missing or older than this code."""
    state = schema_state(engine)
    if state.current is None:
        raise DatabaseError("the database has no schema yet: run `pbxctl db upgrade` first")
    if not state.up_to_date:
        raise DatabaseError(
            f"the database schema is at {state.current}, this version needs {state.head}: "
            "run `pbxctl db upgrade`"
        )
