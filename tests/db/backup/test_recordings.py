"""Recordings travel with ``--with-recordings`` and land under the target's recordings
directory; a crafted archive cannot put a file anywhere else."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from controller.backup.dump import BackupSources, create_backup
from controller.backup.errors import BackupError
from controller.backup.progress import SilentProgress
from controller.backup.restore import RestoreTargets, restore_backup
from controller.db import models as m
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from tests.db.backup.sample import populate
from tests.unit.backup.crafting import rewrite

AT = dt.datetime(2026, 3, 4, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def backup_with_recordings(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, bytes]]:
    """The sample with a file for every recording row but one, plus a row whose path would
    leave the recordings directory; backed up with the recordings."""
    directory = tmp_path_factory.mktemp("source")
    engine = make_engine(f"sqlite:///{directory / 'source.sqlite3'}")
    upgrade(engine)
    populate(engine)
    with session_factory(engine)() as session, session.begin():
        for path in ("../../etc/shadow", "2026/03/04/missing.wav"):
            session.add(m.Recording(server_id="pbx1", channel_uid="x", path=path, started_at=AT))
        paths = session.scalars(select(m.Recording.path)).all()
    recordings = directory / "monitor"
    files = {}
    for n, path in enumerate(sorted(paths)):
        if path.startswith("..") or path.endswith("missing.wav"):
            continue
        files[path] = f"RIFF{n}".encode() * (1000 + n)
        (recordings / path).parent.mkdir(parents=True, exist_ok=True)
        (recordings / path).write_bytes(files[path])
    (recordings / "not-in-the-history.wav").write_bytes(b"RIFF")
    warnings: list[str] = []
    archive = directory / "pbx.zip"
    summary = create_backup(
        engine,
        archive,
        BackupSources(directory, recordings, "pbx1"),
        SilentProgress(warnings.append),
    )
    engine.dispose()
    assert summary.manifest.recordings_included
    assert summary.manifest.recordings_missing == 1
    assert len(warnings) == 2
    assert "'../../etc/shadow' left out" in warnings[0]
    assert "1 recording file(s)" in warnings[1]
    return archive, files


def test_recordings_are_restored_under_the_targets_directory(
    backup_with_recordings: tuple[Path, dict[str, bytes]], target_url: str, tmp_path: Path
) -> None:
    archive, files = backup_with_recordings
    assert len(files) >= 3
    recordings = tmp_path / "elsewhere" / "monitor"
    targets = RestoreTargets(target_url, tmp_path / "data", recordings, "pbx1")
    summary = restore_backup(archive, targets)
    restored = {
        path.relative_to(recordings).as_posix(): path.read_bytes()
        for path in recordings.rglob("*")
        if path.is_file()
    }
    assert restored == files
    assert summary.files_written == len(files)
    assert all(stat.S_IMODE((recordings / p).stat().st_mode) == 0o640 for p in files)


@pytest.mark.parametrize(
    "member",
    ["recordings/../../evil.sh", "recordings/a/../../../evil.sh", "secrets/../evil.sh"],
)
def test_a_crafted_archive_with_a_path_out_of_the_directory_changes_nothing(
    backup_with_recordings: tuple[Path, dict[str, bytes]],
    target: Engine,
    tmp_path: Path,
    member: str,
) -> None:
    archive, _files = backup_with_recordings
    crafted = rewrite(archive, tmp_path / "crafted.zip", members={member: b"#!/bin/sh\n"})
    base = tmp_path / "a" / "b"
    url = target.url.render_as_string(hide_password=False)
    targets = RestoreTargets(url, base / "data", base / "recordings", "pbx1")
    with pytest.raises(BackupError, match="unsafe name"):
        restore_backup(crafted, targets)
    assert inspect(target).get_table_names() == []
    assert list(tmp_path.rglob("evil.sh")) == []
    assert not base.exists()
