"""The database a restore writes to: what it holds now, and what the restore will do to it.

:func:`plan_restore` is the whole policy, as a pure function:

- a database with rows is refused unless ``force`` (then its contents are replaced);
- no tables: the schema is created with the migrations, at the backup's revision;
- tables at the backup's revision: the rows go straight in (after deleting, with ``force``);
- tables at another revision: dropped and created again at the backup's revision;
- a backup older than this program's schema is restored at its own revision, then upgraded
  by the migrations, exactly as ``pbxctl db upgrade`` upgrades a running database.

PostgreSQL and SQLite do all of it in one transaction. MariaDB commits every schema change
on its own, so there only the rows are one transaction; a plan whose schema changes could
not be undone is refused, except creating the schema in a database without tables, which a
failure undoes by dropping the tables again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, literal, select, table

from controller.backup.errors import BackupError

VERSION_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class TargetState:
    tables: frozenset[str]  # the controller's tables present, with alembic's version table
    revision: str | None
    table_with_rows: str | None  # the first table found holding a row


@dataclass(frozen=True, slots=True)
class RestorePlan:
    drop_schema: bool  # drop the controller's tables first
    create_schema: bool  # run the migrations up to the backup's revision
    delete_rows: bool  # empty the existing tables first
    upgrade_after: bool  # run the migrations from the backup's revision to the newest
    drop_on_failure: bool  # schema changes are not transactional: undo them by dropping


def inspect_target(engine: Engine, owned: Iterable[str], seeded: Iterable[str] = ()) -> TargetState:
    """The state of the target database; ``owned`` are the table names a restore may touch,
    ``seeded`` those the migrations fill themselves (their rows do not make it non-empty)."""
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        mine = present & ({*owned, VERSION_TABLE})
        revision = None
        if VERSION_TABLE in mine:
            revision = MigrationContext.configure(connection).get_current_revision()
        with_rows = None
        for name in sorted(mine - {VERSION_TABLE} - set(seeded)):
            if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first():
                with_rows = name
                break
    return TargetState(frozenset(mine), revision, with_rows)


def plan_restore(
    target: TargetState,
    backup_revision: str,
    head: str,
    transactional_ddl: bool,
    force: bool,
    where: str,
) -> RestorePlan:
    """What a restore of a backup at ``backup_revision`` does to ``target``; BackupError
    when it must not run."""
    if target.table_with_rows is not None and not force:
        raise BackupError(
            f"{where} is not empty (table {target.table_with_rows} has rows): restore into an "
            "empty database, or pass --force to replace its contents"
        )
    upgrade_after = backup_revision != head
    if not target.tables:
        return RestorePlan(
            drop_schema=False,
            create_schema=True,
            delete_rows=False,
            upgrade_after=upgrade_after,
            drop_on_failure=not transactional_ddl,
        )
    same_revision = target.revision == backup_revision
    if not transactional_ddl and not (same_revision and not upgrade_after):
        found = target.revision or "an unknown revision"
        raise BackupError(
            f"{where} already has tables (schema at {found}) and the backup is at schema "
            f"{backup_revision}{f', older than {head}' if upgrade_after else ''}: MariaDB "
            "cannot undo schema changes if the restore fails, so restore into a database "
            "without tables (drop and create the database first)"
        )
    if same_revision:
        return RestorePlan(
            drop_schema=False,
            create_schema=False,
            delete_rows=target.table_with_rows is not None,
            upgrade_after=upgrade_after,
            drop_on_failure=False,
        )
    return RestorePlan(
        drop_schema=True,
        create_schema=True,
        delete_rows=False,
        upgrade_after=upgrade_after,
        drop_on_failure=False,
    )
