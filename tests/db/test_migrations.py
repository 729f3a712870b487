"""The alembic migrations create exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from controller.db.migrate import schema_state, upgrade
from controller.db.models import Base


def test_upgrade_reaches_head_and_is_repeatable(engine: Engine) -> None:
    state = upgrade(engine)
    assert state.up_to_date
    assert upgrade(engine) == state


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_model_table_exists_with_its_indexes(engine: Engine) -> None:
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    assert set(Base.metadata.tables) <= tables
    indexes = {ix["name"] for ix in inspector.get_indexes("queue_leg")}
    assert {"ix_queue_leg_q_day_hour", "ix_queue_leg_entry_uid", "ix_queue_leg_entered"} <= indexes
    call_uniques = inspector.get_unique_constraints("call")
    assert any(set(u["column_names"]) == {"server_id", "linkedid"} for u in call_uniques)


def test_schema_state_reports_current_revision(engine: Engine) -> None:
    state = schema_state(engine)
    assert state.current == state.head
