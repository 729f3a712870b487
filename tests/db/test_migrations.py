"""The alembic migrations create exactly the schema the models describe, on every backend."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, func, insert, inspect, select

from controller.db.migrate import alembic_config, schema_state, upgrade
from controller.db.models import Base, Call, CallChannel


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


def test_an_upgrade_keeps_every_history_row(engine: Engine) -> None:
    """0005 rebuilds table `call` on SQLite: its legs, channels, handlings must survive."""
    config = alembic_config()
    with engine.begin() as connection:  # the tables are empty: back to 0004
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert schema_state(engine).current == "0004"
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:  # the tables as 0004 made them
        old = MetaData()
        call, channel = (Table(name, old, autoload_with=conn) for name in ("call", "call_channel"))
        call_id = conn.execute(
            insert(call).values(
                server_id="s", linkedid="L1", direction="inbound", caller_number="1",
                caller_name="", called_number="", ivr_path="", vip=False, started_at=now,
                local_date=now.date(), local_hour=1, outcome="answered",
            )
        ).inserted_primary_key[0]  # fmt: skip
        conn.execute(
            insert(channel).values(
                call_id=call_id, server_id="s", uniqueid="U1", channel="PJSIP/1-1", role="caller",
                caller_number="", caller_name="", connected_number="", context="", exten="",
                created_at=now,
            )
        )  # fmt: skip
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CallChannel.__table__)) == 1
        assert conn.scalar(select(Call.__table__.c.source)) == "live"
