"""What a backup needs to know about each table, derived from the SQLAlchemy metadata.

Tables come in dependency order (a table after every table it references), so a restore can
insert them one after the other with every foreign key checked. Two kinds of reference cannot
be satisfied by that order and are *deferred* (inserted as NULL, set once the rows exist):

- a reference to a row of the same table (``queue_leg.prev_leg_id``) that comes later in
  primary-key order, the order rows are written in;
- a reference that closes a cycle between tables (there is none today; the sort breaks it).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKeyConstraint, MetaData, Table
from sqlalchemy.schema import sort_tables_and_constraints

from controller.backup.errors import BackupError
from controller.backup.kinds import Kind, kind_of

# Table and column names become file names and SQL identifiers: plain identifiers only.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSpec(_Frozen):
    name: Identifier
    kind: Kind
    nullable: bool


class DeferredReference(_Frozen):
    column: Identifier
    # True: deferred only when it points at a row at or after its own (by primary key);
    # False: always deferred (the reference closes a cycle between tables).
    forward_only: bool


class TableSpec(_Frozen):
    name: Identifier
    columns: tuple[ColumnSpec, ...] = Field(min_length=1)
    primary_key: tuple[Identifier, ...] = Field(min_length=1)
    deferred: tuple[DeferredReference, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _column_specs(table: Table) -> tuple[ColumnSpec, ...]:
    specs = []
    for column in table.columns:
        kind = kind_of(column.type)
        if kind is None:
            raise BackupError(
                f"table {table.name} column {column.name}: backups do not support its type "
                f"{column.type!r}; add it to controller/backup/kinds.py"
            )
        specs.append(ColumnSpec(name=column.name, kind=kind, nullable=bool(column.nullable)))
    return tuple(specs)


def _deferred(
    table: Table, cycle_breakers: set[ForeignKeyConstraint]
) -> tuple[DeferredReference, ...]:
    primary_key = [column.name for column in table.primary_key.columns]
    deferred = []
    for constraint in sorted(table.foreign_key_constraints, key=lambda c: c.column_keys):
        self_reference = constraint.referred_table is table
        if not (self_reference or constraint in cycle_breakers):
            continue
        if len(constraint.columns) != 1:
            continue  # composite: rely on the order (no such key exists)
        column = next(iter(constraint.columns))
        if not column.nullable:
            continue  # cannot be inserted as NULL: rely on the order
        target = next(iter(constraint.elements)).column.name
        forward_only = self_reference and [target] == primary_key
        deferred.append(DeferredReference(column=column.name, forward_only=forward_only))
    return tuple(deferred)


def table_specs(metadata: MetaData) -> list[tuple[Table, TableSpec]]:
    """Every table of ``metadata`` in dependency order, with its spec."""
    ordered = sort_tables_and_constraints(metadata.tables.values())
    cycle_breakers = {c for table, fks in ordered if table is None for c in fks}
    result = []
    for table, _constraints in ordered:
        if table is None:
            continue
        if not table.primary_key.columns:
            raise BackupError(f"table {table.name} has no primary key: its rows have no order")
        spec = TableSpec(
            name=table.name,
            columns=_column_specs(table),
            primary_key=tuple(column.name for column in table.primary_key.columns),
            deferred=_deferred(table, cycle_breakers),
        )
        result.append((table, spec))
    return result
