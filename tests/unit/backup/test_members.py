"""Member names: a crafted archive cannot write outside the directories a restore chose."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest

from controller.backup.errors import BackupError
from controller.backup.members import Section, classify, inside, safe_relative_path


@pytest.mark.parametrize("path", ["a.wav", "2026/03/04/录音 1.wav", ".hidden", "a..b/c"])
def test_ordinary_relative_paths_are_accepted(path: str) -> None:
    assert safe_relative_path(path) == PurePosixPath(path)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "empty path"),
        ("/etc/passwd", "absolute path"),
        ("../x", "'..' component"),
        ("a/../../x", "'..' component"),
        ("..", "'..' component"),
        ("a/./b", "'.' or"),
        ("a//b", "empty, "),
        ("a/", "empty, "),
        ("a\\..\\b", "backslash"),
        ("a\x00b", "NUL"),
    ],
)
def test_paths_that_could_leave_the_directory_are_refused(path: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        safe_relative_path(path)


@pytest.mark.parametrize(
    ("member", "section", "relative"),
    [
        ("manifest.json", Section.MANIFEST, None),
        ("tables/call.jsonl", Section.TABLE, None),
        ("secrets/ami-secret", Section.SECRET, "ami-secret"),
        ("recordings/2026/a.wav", Section.RECORDING, "2026/a.wav"),
    ],
)
def test_members_are_classified(member: str, section: Section, relative: str | None) -> None:
    assert classify(member) == (section, None if relative is None else PurePosixPath(relative))


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ("recordings/../../etc/cron.d/x", "unsafe name"),
        ("recordings//etc/passwd", "unsafe name"),
        ("secrets/../controller.toml", "unsafe name"),
        ("secrets/sub/dir", "does not belong"),
        ("tables/call.csv", "does not belong"),
        ("tables/../call.jsonl", "unsafe name"),
        ("/etc/passwd", "does not belong"),
        ("other/file", "does not belong"),
    ],
)
def test_foreign_or_unsafe_members_are_refused(member: str, message: str) -> None:
    with pytest.raises(BackupError, match=message):
        classify(member)


def test_a_symlink_inside_the_directory_cannot_lead_outside(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (root / "2026").symlink_to(tmp_path / "elsewhere")
    assert inside(root, PurePosixPath("2025/a.wav")) == root.resolve() / "2025" / "a.wav"
    with pytest.raises(BackupError, match="outside"):
        inside(root, PurePosixPath("2026/a.wav"))
