"""Schema migrations (alembic scripts in the top-level ``sql/`` directory)."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from controller.db.engine import check_connection
from controller.errors import DatabaseError
from controller.paths import resource_dir


def alembic_config() -> Config:
    sql_dir = resource_dir("sql")
    config = Config(str(sql_dir / "alembic.ini"))
    config.set_main_option("script_location", str(sql_dir))
    config.set_main_option("version_locations", str(sql_dir / "versions"))
    return config


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None  # None: empty database
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    check_connection(engine)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise DatabaseError("no migrations found in sql/versions")
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(current=current, head=head)


def upgrade(engine: Engine, revision: str = "head") -> SchemaState:
    """Create or upgrade the schema to ``revision``; safe to run again when up to date."""
    check_connection(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return schema_state(engine)


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
