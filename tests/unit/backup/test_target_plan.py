"""The restore policy: what a restore does to which target, and what it refuses."""

from __future__ import annotations

import pytest

from controller.backup.errors import BackupError
from controller.backup.target import RestorePlan, TargetState, plan_restore

EMPTY = TargetState(frozenset(), None, None)
SCHEMA_ONLY = TargetState(frozenset({"call", "alembic_version"}), "0005", None)
WITH_ROWS = TargetState(frozenset({"call", "alembic_version"}), "0005", "call")
OLDER_SCHEMA_ONLY = TargetState(frozenset({"call", "alembic_version"}), "0004", None)


def plan(
    target: TargetState, backup: str = "0005", *, transactional: bool = True, force: bool = False
) -> RestorePlan:
    return plan_restore(target, backup, "0005", transactional, force, "db")


def test_an_empty_database_gets_the_schema_then_the_rows() -> None:
    assert plan(EMPTY) == RestorePlan(False, True, False, False, False)
    # MariaDB: a failure drops the tables it created.
    assert plan(EMPTY, transactional=False) == RestorePlan(False, True, False, False, True)


def test_a_backup_of_an_older_schema_is_restored_at_its_revision_then_upgraded() -> None:
    assert plan(EMPTY, "0004") == RestorePlan(False, True, False, True, False)
    assert plan(EMPTY, "0004", transactional=False) == RestorePlan(False, True, False, True, True)


def test_a_schema_without_rows_at_the_backups_revision_is_used_as_it_is() -> None:
    assert plan(SCHEMA_ONLY) == RestorePlan(False, False, False, False, False)
    assert plan(SCHEMA_ONLY, transactional=False) == RestorePlan(False, False, False, False, False)


def test_a_database_with_rows_is_refused_without_force() -> None:
    with pytest.raises(BackupError, match=r"db is not empty \(table call has rows\).*--force"):
        plan(WITH_ROWS)


def test_force_empties_the_tables_in_the_same_transaction() -> None:
    assert plan(WITH_ROWS, force=True) == RestorePlan(False, False, True, False, False)
    assert plan(WITH_ROWS, force=True, transactional=False) == RestorePlan(
        False, False, True, False, False
    )


def test_a_schema_at_another_revision_is_replaced_where_ddl_is_transactional() -> None:
    assert plan(OLDER_SCHEMA_ONLY) == RestorePlan(True, True, False, False, False)
    assert plan(WITH_ROWS, "0004", force=True) == RestorePlan(True, True, False, True, False)


@pytest.mark.parametrize(
    ("target", "backup"),
    [(OLDER_SCHEMA_ONLY, "0005"), (SCHEMA_ONLY, "0004"), (WITH_ROWS, "0004")],
)
def test_mariadb_refuses_schema_changes_it_could_not_undo(target: TargetState, backup: str) -> None:
    with pytest.raises(BackupError, match="MariaDB cannot undo schema changes"):
        plan(target, backup, transactional=False, force=True)
