"""``pbxctl restore``: a backup into an empty database (any engine), all or nothing.

1. Read and check the manifest: format, a schema revision this program knows, safe member
   names, exactly the members it lists. Inspect the target and decide the plan
   (:func:`.target.plan_restore`); check that no secret or recording file would be
   overwritten with other content. Any refusal here changes nothing.
2. Read every member once, comparing it with its checksum; secrets and recordings are written
   to staging directories meanwhile.
3. In one transaction: create the schema at the backup's revision with the migrations,
   insert every table in dependency order (checksums compared again while reading), set
   deferred references, reset identity sequences, upgrade an older schema to the newest,
   and check every table's row count against the manifest.
4. After the commit, move the staged files into place.

A failure in 1-3 leaves the database and the files as they were (on MariaDB, whose schema
changes commit on their own, by dropping the tables it created in a database that had none).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from controller.backup.archive import BackupReader
from controller.backup.errors import BackupError, database_problem
from controller.backup.files import FileRestore
from controller.backup.load import (
    Fixups,
    apply_fixups,
    check_columns,
    count_rows,
    delete_rows,
    drop_tables,
    insert_rows,
    migrate,
    reset_sequences,
)
from controller.backup.manifest import Manifest
from controller.backup.progress import Progress, SilentProgress
from controller.backup.revisions import Revisions
from controller.backup.snapshot import is_mariadb, write_transaction
from controller.backup.target import RestorePlan, inspect_target, plan_restore
from controller.db.engine import check_connection, describe, make_engine
from controller.db.models import Base


@dataclass(frozen=True, slots=True)
class RestoreTargets:
    database_url: str
    data_dir: Path  # secrets go to its secrets/ directory
    recordings_dir: Path
    server_id: str  # of this machine, to warn when the backup comes from another


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    manifest: Manifest
    database: str
    plan: RestorePlan
    head: str
    files_written: int


def _verify(reader: BackupReader, progress: Progress, files: FileRestore | None) -> None:
    """Read every member once against its checksum, staging the files ``files`` wants."""
    manifest = reader.manifest
    for entry in manifest.tables:
        count = 0
        for _line in reader.lines(entry):
            count += 1
            if count % 10_000 == 0:
                progress.rows(entry.name, count, entry.rows)
        if count != entry.rows:
            raise BackupError(
                f"{reader.path}: table {entry.name} has {count} rows, the manifest says "
                f"{entry.rows}"
            )
        progress.rows(entry.name, count, entry.rows)
    for file in manifest.files:
        if files is not None and files.wants(file.member):
            files.stage(file.member, reader.chunks(file))
        else:
            for _chunk in reader.chunks(file):
                pass


def verify_backup(path: Path, progress: Progress | None = None) -> Manifest:
    """Check a backup completely without restoring it; its manifest."""
    progress = progress or SilentProgress()
    with BackupReader(path) as reader:
        Revisions.load().require_known(reader.manifest.schema_revision, str(path))
        _verify(reader, progress, files=None)
        return reader.manifest


def _restore_database(
    engine: Engine,
    reader: BackupReader,
    plan: RestorePlan,
    head: str,
    owned: set[str],
    progress: Progress,
) -> None:
    manifest = reader.manifest
    tables = list(manifest.tables)
    with write_transaction(engine) as connection:
        if plan.drop_schema:
            progress.step("dropping the existing tables")
            drop_tables(connection, owned)
        if plan.create_schema:
            progress.step(f"creating the schema at revision {manifest.schema_revision}")
            migrate(connection, manifest.schema_revision)
        check_columns(connection, tables, owned)
        # Also when the database was empty: the migrations seed some tables (the shipped
        # roles), and the backup's rows replace those.
        progress.step("deleting the existing rows")
        delete_rows(connection, tables)
        progress.step(f"inserting {manifest.total_rows:,} rows")
        fixups = Fixups()
        for entry in tables:
            insert_rows(connection, entry, reader.lines(entry), fixups, progress)
        apply_fixups(connection, tables, fixups)
        reset_sequences(connection, tables)
        if plan.upgrade_after:
            progress.step(f"upgrading the schema from {manifest.schema_revision} to {head}")
            migrate(connection, head)
        present = set(inspect(connection).get_table_names())
        for entry in tables:
            if (
                entry.name in present
                and (found := count_rows(connection, entry.name)) != entry.rows
            ):
                raise BackupError(
                    f"table {entry.name} holds {found} rows after the restore, the backup "
                    f"{entry.rows}: a migration changed them; nothing was restored"
                )


def _undo_schema(engine: Engine, owned: set[str]) -> None:
    """MariaDB: drop what the failed restore created in a database that had no tables."""
    with engine.begin() as connection:
        drop_tables(connection, owned)


def _check_origin(
    manifest: Manifest,
    revisions: Revisions,
    targets: RestoreTargets,
    source: str,
    progress: Progress,
) -> None:
    revisions.require_known(manifest.schema_revision, source)
    if manifest.server_id != targets.server_id:
        progress.warn(
            f"the backup comes from server_id {manifest.server_id!r}, this machine's is "
            f"{targets.server_id!r}: set server_id = {manifest.server_id!r} to go on "
            "writing the same history"
        )


def _restore(
    engine: Engine,
    reader: BackupReader,
    revisions: Revisions,
    targets: RestoreTargets,
    force: bool,
    progress: Progress,
) -> RestoreSummary:
    check_connection(engine)
    where = describe(engine)
    manifest = reader.manifest
    owned = set(Base.metadata.tables) | {entry.name for entry in manifest.tables}
    seeded = {name for name, t in Base.metadata.tables.items() if t.info.get("seeded")}
    plan = plan_restore(
        inspect_target(engine, owned, seeded),
        manifest.schema_revision,
        revisions.head,
        transactional_ddl=not is_mariadb(engine),
        force=force,
        where=where,
    )
    files = FileRestore.plan(targets.data_dir, targets.recordings_dir, manifest.files, force)
    try:
        progress.step(f"verifying {reader.path}")
        _verify(reader, progress, files)
        progress.step(f"restoring into {where}")
        try:
            _restore_database(engine, reader, plan, revisions.head, owned, progress)
        except BaseException:
            if plan.drop_on_failure:
                _undo_schema(engine, owned)
            raise
    except BaseException:
        files.discard()
        raise
    written = files.commit()
    return RestoreSummary(manifest, where, plan, revisions.head, written)


def restore_backup(
    path: Path, targets: RestoreTargets, force: bool = False, progress: Progress | None = None
) -> RestoreSummary:
    """Restore the backup ``path``: all of it, or (BackupError) nothing."""
    progress = progress or SilentProgress()
    revisions = Revisions.load()
    with BackupReader(path) as reader:
        _check_origin(reader.manifest, revisions, targets, str(path), progress)
        engine = make_engine(targets.database_url)
        try:
            return _restore(engine, reader, revisions, targets, force, progress)
        except DBAPIError as exc:
            raise BackupError(
                f"restoring into {describe(engine)} failed, nothing was changed: "
                f"{database_problem(exc)}"
            ) from None
        finally:
            engine.dispose()
