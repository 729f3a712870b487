"""The backup file: private from the first byte, in place only when complete, and refused
when it is truncated, corrupt, or holds members its manifest does not vouch for."""

from __future__ import annotations

import datetime as dt
import os
import stat
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from controller.backup.archive import BackupReader, BackupWriter
from controller.backup.errors import BackupError
from controller.backup.kinds import Kind
from controller.backup.manifest import FileEntry, Manifest, TableEntry
from controller.backup.tables import ColumnSpec
from tests.unit.backup.crafting import rewrite

ROWS = b"".join(b'[%d,"\xe5\xbc\xa0\xe4\xb8\x89"]\n' % n for n in range(1000))


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def write_backup(path: Path) -> Path:
    with BackupWriter(path) as writer:
        table = writer.write_member("tables/agent.jsonl", [ROWS[:100], ROWS[100:]], compress=True)
        secret = writer.write_member("secrets/ami-secret", [b"s3cret\n"], compress=True)
        writer.write_manifest(
            Manifest(
                created_at=dt.datetime.now(dt.UTC),
                program_version="0.1.0",
                server_id="pbx1",
                source_engine="sqlite",
                source_engine_version="3",
                schema_revision="0005",
                tables=(
                    TableEntry(
                        name="agent",
                        columns=(
                            ColumnSpec(name="id", kind=Kind.INT, nullable=False),
                            ColumnSpec(name="name", kind=Kind.TEXT, nullable=False),
                        ),
                        primary_key=("id",),
                        rows=1000,
                        **table.model_dump(),
                    ),
                ),
                files=(FileEntry(**secret.model_dump()),),
                recordings_included=False,
            )
        )
        writer.commit()
    return path


def test_the_file_is_private_whatever_the_umask_and_reads_back(tmp_path: Path) -> None:
    with umask(0):
        path = write_backup(tmp_path / "b.zip")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["b.zip"]
    with BackupReader(path) as reader:
        (table,) = reader.manifest.tables
        assert b"\n".join(reader.lines(table)) + b"\n" == ROWS
        (secret,) = reader.manifest.files
        assert b"".join(reader.chunks(secret)) == b"s3cret\n"


def test_a_failed_backup_leaves_no_file_and_keeps_the_previous_one(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(b"yesterday's backup")

    def fail_midway() -> None:
        with BackupWriter(path) as writer:
            writer.write_member("tables/agent.jsonl", [ROWS], compress=True)
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        fail_midway()
    assert [p.name for p in tmp_path.iterdir()] == ["b.zip"]
    assert path.read_bytes() == b"yesterday's backup"


def test_a_backup_into_a_missing_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=r"cannot create the backup file .*nowhere/b.zip"):
        BackupWriter(tmp_path / "nowhere" / "b.zip")


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    path = write_backup(tmp_path / "b.zip")
    data = path.read_bytes()
    for keep in (len(data) - 10, len(data) // 2, 10, 0):
        path.write_bytes(data[:keep])
        with pytest.raises(BackupError, match="not a complete pbx-controller backup"):
            BackupReader(path)


def _flip_byte_in_member(path: Path, member: str, at: int) -> None:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 :][:4])
    start = info.header_offset + 30 + name_length + extra_length
    data[start + at] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("at", [0.0, 0.1, 0.5, 0.9])
def test_a_corrupt_member_is_refused_naming_it(tmp_path: Path, at: float) -> None:
    path = write_backup(tmp_path / "b.zip")
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo("tables/agent.jsonl").compress_size
    _flip_byte_in_member(path, "tables/agent.jsonl", int(at * size))
    with BackupReader(path) as reader, pytest.raises(BackupError, match=r"tables/agent\.jsonl"):
        list(reader.lines(reader.manifest.tables[0]))


def test_content_that_does_not_match_the_manifest_checksum_is_refused(tmp_path: Path) -> None:
    path = write_backup(tmp_path / "b.zip")
    forged = rewrite(path, tmp_path / "forged.zip", members={"secrets/ami-secret": b"mine\n"},
                     fix_checksums=False)  # fmt: skip
    with (
        BackupReader(forged) as reader,
        pytest.raises(BackupError, match="does not match its checksum"),
    ):
        list(reader.chunks(reader.manifest.files[0]))


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"secrets/ami-secret": None}, "member secrets/ami-secret is missing"),
        ({"recordings/../../etc/cron.d/evil": b"x"}, "unsafe name"),
        ({"secrets/../../.ssh/authorized_keys": b"x"}, "unsafe name"),
        ({"recordings//etc/passwd": b"x"}, "unsafe name"),
        ({"notes.txt": b"x"}, "does not belong"),
    ],
)
def test_members_the_manifest_does_not_vouch_for_are_refused(
    tmp_path: Path, members: dict[str, bytes | None], message: str
) -> None:
    path = write_backup(tmp_path / "b.zip")
    crafted = rewrite(path, tmp_path / "crafted.zip", members=members)
    with pytest.raises(BackupError, match=message):
        BackupReader(crafted)


def test_a_member_missing_from_the_manifest_is_refused(tmp_path: Path) -> None:
    path = write_backup(tmp_path / "b.zip")
    crafted = rewrite(path, tmp_path / "crafted.zip", edit=lambda m: m["files"].clear())
    with pytest.raises(BackupError, match="member secrets/ami-secret is not in the manifest"):
        BackupReader(crafted)


def test_a_member_that_appears_twice_is_refused(tmp_path: Path) -> None:
    path = write_backup(tmp_path / "b.zip")
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(path, "a") as archive,
    ):
        archive.writestr("secrets/ami-secret", b"other\n")
    with pytest.raises(BackupError, match="appears twice"):
        BackupReader(path)


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(BackupError, match="is not a pbx-controller backup: no manifest"):
        BackupReader(path)
