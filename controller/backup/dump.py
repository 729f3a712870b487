"""``pbxctl backup``: every table, the secrets and optionally the recordings into one file.

All rows are read in one consistent snapshot (:func:`.snapshot.read_snapshot`), table by
table in dependency order and primary-key order, streamed (server-side cursors) into the
archive, so memory stays flat however long the history is. The manifest is written last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, String, Table, func, select, type_coerce
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import DBAPIError

from controller import __version__
from controller.backup.archive import BackupWriter
from controller.backup.errors import BackupError, database_problem
from controller.backup.files import file_chunks, recording_file, secret_files
from controller.backup.manifest import FileEntry, Manifest, TableEntry
from controller.backup.members import table_member
from controller.backup.progress import Progress, SilentProgress
from controller.backup.revisions import Revisions
from controller.backup.rows import encode_rows
from controller.backup.snapshot import read_snapshot
from controller.backup.tables import TableSpec, table_specs
from controller.db.engine import check_connection, describe
from controller.db.models import Base, Recording

FETCH_ROWS = 2000


@dataclass(frozen=True, slots=True)
class BackupSources:
    data_dir: Path  # its secrets/ directory is backed up
    recordings_dir: Path | None  # None: recordings are left out
    server_id: str


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    size: int
    manifest: Manifest


def _read_column(table: Table, name: str) -> Any:
    column = table.c[name]
    # Enum values are read as the stored text: exact, and never refused by the Python enum.
    if isinstance(column.type, sqltypes.Enum):
        return type_coerce(column, String()).label(name)
    return column


def _table_rows(
    connection: Connection, table: Table, spec: TableSpec, total: int, progress: Progress
) -> Iterator[tuple[Any, ...]]:
    statement = (
        select(*(_read_column(table, name) for name in spec.column_names))
        .select_from(table)
        .order_by(*(table.c[name] for name in spec.primary_key))
    )
    statement = statement.execution_options(stream_results=True, yield_per=FETCH_ROWS)
    done = 0
    for partition in connection.execute(statement).partitions():
        for row in partition:
            yield tuple(row)
        done += len(partition)
        progress.rows(spec.name, done, total)


def _dump_table(
    connection: Connection,
    writer: BackupWriter,
    table: Table,
    spec: TableSpec,
    progress: Progress,
) -> TableEntry:
    total = connection.scalar(select(func.count()).select_from(table)) or 0
    counted = 0

    def counting() -> Iterator[tuple[Any, ...]]:
        nonlocal counted
        for row in _table_rows(connection, table, spec, total, progress):
            counted += 1
            yield row

    digest = writer.write_member(
        table_member(spec.name), encode_rows(spec, counting()), compress=True
    )
    if counted != total:  # cannot happen in a snapshot; a backup must not hide it if it does
        raise BackupError(f"table {spec.name}: counted {total} rows but read {counted}")
    return TableEntry(**spec.model_dump(), **digest.model_dump(), rows=counted)


def _dump_secrets(writer: BackupWriter, data_dir: Path, progress: Progress) -> list[FileEntry]:
    found, skipped = secret_files(data_dir)
    for message in skipped:
        progress.warn(message)
    entries = []
    for member, path in found:
        try:
            digest = writer.write_member(member, file_chunks(path), compress=True)
        except OSError as exc:
            raise BackupError(f"cannot read secret file {path}: {exc.strerror}") from exc
        entries.append(FileEntry(**digest.model_dump()))
    return entries


def _dump_recordings(
    connection: Connection, writer: BackupWriter, recordings_dir: Path, progress: Progress
) -> tuple[list[FileEntry], int]:
    """The recording files the (snapshot's) ``recording`` rows name; and how many are missing.

    Paths are read in order so two rows naming one file (from two servers) add it once."""
    paths = connection.scalars(
        select(Recording.path)
        .distinct()
        .order_by(Recording.path)
        .execution_options(stream_results=True, yield_per=FETCH_ROWS)
    )
    entries: list[FileEntry] = []
    missing = 0
    for stored in paths:
        try:
            member, path = recording_file(recordings_dir, stored)
        except BackupError as exc:
            progress.warn(f"recording {stored!r} left out: {exc}")
            continue
        if not path.is_file():
            missing += 1
            continue
        try:
            # Audio hardly compresses; storing it keeps a large backup fast.
            digest = writer.write_member(member, file_chunks(path), compress=False)
        except OSError as exc:
            raise BackupError(f"cannot read recording {path}: {exc.strerror}") from exc
        entries.append(FileEntry(**digest.model_dump()))
        if len(entries) % 1000 == 0:
            progress.step(f"  recordings: {len(entries):,} files")
    if missing:
        progress.warn(
            f"{missing} recording file(s) named in the history are not in {recordings_dir}"
        )
    return entries, missing


def create_backup(
    engine: Engine, path: Path, sources: BackupSources, progress: Progress | None = None
) -> BackupSummary:
    """Write a backup of the database behind ``engine`` (at the newest schema) to ``path``."""
    check_connection(engine)
    try:
        return _create_backup(engine, path, sources, progress or SilentProgress())
    except DBAPIError as exc:
        raise BackupError(
            f"reading {describe(engine)} failed, no backup was written: {database_problem(exc)}"
        ) from None


def _create_backup(
    engine: Engine, path: Path, sources: BackupSources, progress: Progress
) -> BackupSummary:
    head = Revisions.load().head
    specs = table_specs(Base.metadata)
    with BackupWriter(path) as writer, read_snapshot(engine) as connection:
        # The first read fixes the snapshot: the revision belongs to the rows that follow.
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision != head:
            raise BackupError(
                f"the database schema is at {revision or 'nothing (empty database)'}, this "
                f"version of pbx-controller writes backups at {head}: run `pbxctl db upgrade` "
                "first, or back up with the version that matches the database"
            )
        progress.step(f"reading {len(specs)} tables in one snapshot")
        tables = [_dump_table(connection, writer, table, spec, progress) for table, spec in specs]
        progress.step("adding the secrets")
        files = _dump_secrets(writer, sources.data_dir, progress)
        missing = 0
        if sources.recordings_dir is not None:
            progress.step(f"adding the recordings from {sources.recordings_dir}")
            recordings, missing = _dump_recordings(
                connection, writer, sources.recordings_dir, progress
            )
            files += recordings
        manifest = Manifest(
            created_at=dt.datetime.now(dt.UTC),
            program_version=__version__,
            server_id=sources.server_id,
            source_engine=engine.dialect.name,
            source_engine_version=".".join(map(str, engine.dialect.server_version_info or ())),
            schema_revision=revision,
            tables=tuple(tables),
            files=tuple(files),
            recordings_included=sources.recordings_dir is not None,
            recordings_missing=missing,
        )
        writer.write_manifest(manifest)
        size = writer.commit()
    return BackupSummary(path=path, size=size, manifest=manifest)
