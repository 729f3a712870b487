"""Secret and recording files: staged, then put in place with fixed modes, or left untouched."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from controller.backup.errors import BackupError
from controller.backup.files import FileRestore, recording_file, secret_files
from controller.backup.manifest import FileEntry
from tests.unit.backup.test_archive import umask


def entry(member: str, content: bytes) -> FileEntry:
    return FileEntry(member=member, sha256=hashlib.sha256(content).hexdigest(), size=len(content))


SECRET = b"generated-secret\n"
RECORDING = b"RIFF....WAVEfmt "
FILES = {"secrets/ami-secret": SECRET, "recordings/2026/03/04/a 录音.wav": RECORDING}


def restore(tmp_path: Path, force: bool = False) -> FileRestore:
    planned = FileRestore.plan(
        tmp_path / "data", tmp_path / "rec", [entry(m, c) for m, c in FILES.items()], force
    )
    for member, content in FILES.items():
        if planned.wants(member):
            planned.stage(member, [content])
    return planned


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077, 0o277])
def test_secrets_get_0600_in_a_0700_directory_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    with umask(mask):
        assert restore(tmp_path).commit() == 2
    secret = tmp_path / "data" / "secrets" / "ami-secret"
    assert secret.read_bytes() == SECRET
    assert (mode(secret), mode(secret.parent)) == (0o600, 0o700)
    recording = tmp_path / "rec" / "2026" / "03" / "04" / "a 录音.wav"
    assert recording.read_bytes() == RECORDING
    assert mode(recording) == 0o640
    created = [d for d in recording.parents if d.is_relative_to(tmp_path / "rec")]
    assert [mode(d) for d in created] == [0o750] * 4  # rec/2026/03/04, whatever the umask
    assert sorted(p.name for p in secret.parent.iterdir()) == ["ami-secret"]  # no staging left


def test_an_existing_secrets_directory_is_made_private(tmp_path: Path) -> None:
    (tmp_path / "data" / "secrets").mkdir(parents=True, mode=0o755)
    (tmp_path / "data" / "secrets").chmod(0o755)
    restore(tmp_path).commit()
    assert mode(tmp_path / "data" / "secrets") == 0o700


def test_nothing_is_left_when_the_restore_fails_before_the_commit(tmp_path: Path) -> None:
    restore(tmp_path).discard()
    assert list(tmp_path.iterdir()) == []


def test_a_file_with_other_content_is_refused_without_force(tmp_path: Path) -> None:
    existing = tmp_path / "data" / "secrets" / "ami-secret"
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"the running system's secret\n")
    with pytest.raises(BackupError, match=r"ami-secret exist with other content.*--force"):
        restore(tmp_path)
    assert existing.read_bytes() == b"the running system's secret\n"
    restore(tmp_path, force=True).commit()
    assert existing.read_bytes() == SECRET


def test_a_file_with_the_same_content_is_left_alone(tmp_path: Path) -> None:
    existing = tmp_path / "data" / "secrets" / "ami-secret"
    existing.parent.mkdir(parents=True)
    existing.write_bytes(SECRET)
    planned = restore(tmp_path)
    assert not planned.wants("secrets/ami-secret")
    assert planned.commit() == 1


def test_a_recording_cannot_be_written_through_a_symlink_out_of_the_directory(
    tmp_path: Path,
) -> None:
    (tmp_path / "rec").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "rec" / "2026").symlink_to(tmp_path / "outside")
    with pytest.raises(BackupError, match="outside"):
        restore(tmp_path)
    assert list((tmp_path / "outside").iterdir()) == []


def test_only_regular_visible_secret_files_are_backed_up(tmp_path: Path) -> None:
    directory = tmp_path / "secrets"
    directory.mkdir()
    (directory / "ami-secret").write_text("x\n")
    (directory / ".ami-secret.swp").write_text("x\n")
    (directory / "link").symlink_to(directory / "ami-secret")
    (directory / "sub").mkdir()
    found, skipped = secret_files(tmp_path)
    assert [member for member, _path in found] == ["secrets/ami-secret"]
    assert len(skipped) == 2


def test_a_recording_path_from_the_database_must_stay_in_the_directory(tmp_path: Path) -> None:
    assert recording_file(tmp_path, "2026/a.wav") == (
        "recordings/2026/a.wav",
        tmp_path / "2026/a.wav",
    )
    for stored in ("/var/spool/asterisk/monitor/a.wav", "../../etc/shadow"):
        with pytest.raises(BackupError, match="unsafe name"):
            recording_file(tmp_path, stored)
