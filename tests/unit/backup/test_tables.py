"""Table specs from the metadata: dependency order, kinds, deferred references."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, Integer, Interval, MetaData, String, Table

from controller.backup.errors import BackupError
from controller.backup.kinds import Kind
from controller.backup.tables import DeferredReference, table_specs
from controller.db.models import Base


def test_every_model_table_comes_after_the_tables_it_references() -> None:
    specs = table_specs(Base.metadata)
    order = [spec.name for _table, spec in specs]
    assert sorted(order) == sorted(Base.metadata.tables)
    position = {name: n for n, name in enumerate(order)}
    for table, spec in specs:
        deferred = {reference.column for reference in spec.deferred}
        for key in table.foreign_keys:
            if key.parent.name in deferred:
                continue
            assert position[key.column.table.name] < position[table.name], key


def test_a_later_previous_leg_is_the_one_deferred_reference_of_the_models() -> None:
    deferred = {
        spec.name: spec.deferred for _t, spec in table_specs(Base.metadata) if spec.deferred
    }
    assert deferred == {"queue_leg": (DeferredReference(column="prev_leg_id", forward_only=True),)}


def test_columns_carry_their_kind_and_nullability() -> None:
    specs = {spec.name: spec for _t, spec in table_specs(Base.metadata)}
    call = {column.name: column for column in specs["call"].columns}
    assert (call["started_at"].kind, call["started_at"].nullable) == (Kind.UTC_DATETIME, False)
    assert (call["answered_at"].kind, call["answered_at"].nullable) == (Kind.UTC_DATETIME, True)
    assert call["outcome"].kind is Kind.TEXT
    assert call["vip"].kind is Kind.BOOL
    assert specs["call"].primary_key == ("id",)
    assert {c.name: c.kind for c in specs["trunk_tariff"].columns}["per_minute"] is Kind.DECIMAL


def test_a_reference_that_closes_a_cycle_is_always_deferred() -> None:
    metadata = MetaData()
    Table("a", metadata, Column("id", Integer, primary_key=True),
          Column("b_id", Integer, ForeignKey("b.id", use_alter=True), nullable=True))  # fmt: skip
    Table("b", metadata, Column("id", Integer, primary_key=True),
          Column("a_id", Integer, ForeignKey("a.id"), nullable=False))  # fmt: skip
    specs = {spec.name: spec for _t, spec in table_specs(metadata)}
    assert [name for name in specs] == ["a", "b"]
    assert specs["a"].deferred == (DeferredReference(column="b_id", forward_only=False),)
    assert specs["b"].deferred == ()


def test_a_table_without_a_primary_key_is_refused() -> None:
    metadata = MetaData()
    Table("loose", metadata, Column("name", String(10)))
    with pytest.raises(BackupError, match="table loose has no primary key"):
        table_specs(metadata)


def test_a_column_type_backups_do_not_know_is_refused_naming_the_column() -> None:
    metadata = MetaData()
    Table("odd", metadata, Column("id", Integer, primary_key=True), Column("span", Interval))
    with pytest.raises(BackupError, match="table odd column span: backups do not support"):
        table_specs(metadata)
