"""A restore refuses what it must, and a refused or failed restore changes nothing."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, update

from controller.access.store import create_token, list_tokens
from controller.backup.errors import BackupError
from controller.backup.revisions import Revisions
from controller.db import models as m
from controller.db.engine import session_factory
from controller.db.migrate import schema_state, upgrade
from tests.db.backup.sample import (
    all_rows,
    export_text,
    import_example,
    populate,
    reference,
    restore_into,
)
from tests.unit.backup.crafting import Manifest, rewrite


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def edit_row(backup: Path, out: Path, table: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of ``backup`` whose first row of ``table`` is changed, checksums recomputed."""
    with zipfile.ZipFile(backup) as archive:
        manifest: Manifest = json.loads(archive.read("manifest.json"))
        lines = archive.read(f"tables/{table}.jsonl").splitlines()
    (spec,) = [t for t in manifest["tables"] if t["name"] == table]
    names = [column["name"] for column in spec["columns"]]
    row = dict(zip(names, json.loads(lines[0]), strict=True))
    change(row)
    lines[0] = json.dumps([row[name] for name in names]).encode()
    return rewrite(backup, out, members={f"tables/{table}.jsonl": b"\n".join(lines) + b"\n"})


def test_a_corrupt_or_truncated_backup_is_refused_and_changes_nothing(
    sample_backup: Path, target: Engine, tmp_path: Path
) -> None:
    data = bytearray(sample_backup.read_bytes())
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(BackupError, match="not a complete pbx-controller backup"):
        restore_into(truncated, target, tmp_path)
    forged = rewrite(sample_backup, tmp_path / "forged.zip",
                     members={"tables/agent.jsonl": b'[1,"mallory"]\n'}, fix_checksums=False)  # fmt: skip
    with pytest.raises(BackupError, match=r"tables/agent\.jsonl does not match its checksum"):
        restore_into(forged, target, tmp_path)
    assert tables(target) == set()
    assert not (tmp_path / "data").exists()


def test_a_backup_of_a_newer_schema_is_refused(
    sample_backup: Path, target: Engine, tmp_path: Path
) -> None:
    def newer(manifest: Manifest) -> None:
        manifest["schema_revision"] = "9999_from_the_future"

    future = rewrite(sample_backup, tmp_path / "future.zip", edit=newer)
    with pytest.raises(BackupError, match=r"9999_from_the_future, which this version .* newer"):
        restore_into(future, target, tmp_path)
    assert tables(target) == set()


def test_a_database_with_rows_is_refused_unless_forced(
    sample_backup: Path, target: Engine, tmp_path: Path
) -> None:
    upgrade(target)
    import_example(target)
    with session_factory(target)() as session, session.begin():
        create_token(session, "theirs", "admin")
    before = all_rows(target)
    with pytest.raises(BackupError, match=r"is not empty \(table .* has rows\).*--force"):
        restore_into(sample_backup, target, tmp_path)
    assert all_rows(target) == before

    restore_into(sample_backup, target, tmp_path, force=True)
    with session_factory(target)() as session:
        assert [token.name for token in list_tokens(session)] == ["wallboard"]
    assert export_text(target) == export_text(reference(sample_backup, tmp_path))


def test_a_schema_without_rows_is_filled_as_it_is(
    sample_backup: Path, target: Engine, tmp_path: Path
) -> None:
    upgrade(target)  # what an admin may well do first on a fresh machine
    restore_into(sample_backup, target, tmp_path)
    assert all_rows(target) == all_rows(reference(sample_backup, tmp_path))


LATE_FAILURES = {
    # A foreign key the database refuses, in one of the last tables restored.
    "missing call": ("survey_response", "call_id", 987_654_321, "survey_response|call"),
    # A value the restore itself refuses while inserting.
    "bad time": ("survey_response", "answered_at", "yesterday", "column answered_at"),
}


@pytest.mark.parametrize("failure", sorted(LATE_FAILURES))
def test_a_restore_that_fails_late_leaves_an_empty_database_empty(
    sample_backup: Path, target: Engine, tmp_path: Path, failure: str
) -> None:
    table, column, value, message = LATE_FAILURES[failure]
    broken = edit_row(
        sample_backup, tmp_path / "broken.zip", table, lambda row: row.update({column: value})
    )
    with pytest.raises(BackupError, match=message):
        restore_into(broken, target, tmp_path)
    assert tables(target) == set()  # MariaDB too: it drops the tables it created


@pytest.mark.parametrize("failure", sorted(LATE_FAILURES))
def test_a_forced_restore_that_fails_late_keeps_the_old_contents(
    sample_backup: Path, target: Engine, tmp_path: Path, failure: str
) -> None:
    upgrade(target)
    import_example(target)
    with session_factory(target)() as session, session.begin():
        create_token(session, "theirs", "admin")
    before = all_rows(target)
    table, column, value, message = LATE_FAILURES[failure]
    broken = edit_row(
        sample_backup, tmp_path / "broken.zip", table, lambda row: row.update({column: value})
    )
    with pytest.raises(BackupError, match=message):
        restore_into(broken, target, tmp_path, force=True)
    assert all_rows(target) == before


def test_a_schema_at_another_revision_is_replaced_except_on_mariadb(
    sample_backup: Path, target: Engine, target_backend: str, tmp_path: Path
) -> None:
    previous = Revisions.load().ordered[-2]
    upgrade(target, previous)
    if target_backend == "mariadb":
        with pytest.raises(BackupError, match="MariaDB cannot undo schema changes"):
            restore_into(sample_backup, target, tmp_path)
        assert schema_state(target).current == previous
        return
    restore_into(sample_backup, target, tmp_path)
    assert schema_state(target).up_to_date
    assert all_rows(target) == all_rows(reference(sample_backup, tmp_path))


def test_force_replaces_a_whole_history_with_legs_that_reference_legs(
    sample_backup: Path, target: Engine, tmp_path: Path
) -> None:
    upgrade(target)
    populate(target)  # its leg 900001 names leg 900002 as its previous one
    with session_factory(target)() as session, session.begin():
        session.execute(
            update(m.QueueLeg).where(m.QueueLeg.id == 900_002).values(prev_leg_id=900_001)
        )
    restore_into(sample_backup, target, tmp_path, force=True)
    assert all_rows(target) == all_rows(reference(sample_backup, tmp_path))
