"""``pbxctl backup`` and ``pbxctl restore``: the workflow, messages and exit codes (SQLite)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.cli import build_cli
from tests.conftest import EXAMPLE


class Machine:
    """pbxctl with its own data directory and recordings directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        (root / "none.toml").write_text("")
        self.env = {
            "PBXCTL_CONFIG": str(root / "none.toml"),
            "PBXCTL_DATA_DIR": str(root / "data"),
            "PBXCTL_ASTERISK_RECORDINGS_DIR": str(root / "monitor"),
        }

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(build_cli(), list(args), env=self.env, catch_exceptions=False)


@pytest.fixture
def old(tmp_path: Path) -> Machine:
    machine = Machine(tmp_path / "old")
    assert machine("db", "upgrade").exit_code == 0
    assert machine("config", "import", str(EXAMPLE)).exit_code == 0
    assert machine("token", "create", "wallboard", "--role", "wallboard").exit_code == 0
    return machine


def test_backup_then_restore_on_a_fresh_machine(old: Machine, tmp_path: Path) -> None:
    archive = tmp_path / "pbx.zip"
    made = old("backup", str(archive))
    assert made.exit_code == 0, made.output
    assert f"wrote {archive}" in made.stdout
    assert "tables in one snapshot" in made.stderr  # progress goes to stderr
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    checked = old("restore", "--check", str(archive))
    assert checked.exit_code == 0, checked.output
    assert "complete and intact" in checked.stdout

    new = Machine(tmp_path / "new")
    restored = new("restore", "--quiet", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "restored" in restored.stdout
    assert "dialplan setup" in restored.stderr
    assert "verifying" not in restored.stderr  # --quiet
    assert new("config", "export").stdout == old("config", "export").stdout
    assert new("token", "list").stdout == old("token", "list").stdout

    again = new("restore", str(archive))
    assert again.exit_code == 1
    assert again.stderr.startswith("error: sqlite:///")
    assert "is not empty" in again.stderr
    assert "Traceback" not in again.output
    assert new("restore", "--force", "--quiet", str(archive)).exit_code == 0


def test_bad_usage_exits_2(old: Machine, tmp_path: Path) -> None:
    assert old("restore", str(tmp_path / "missing.zip")).exit_code == 2
    assert old("backup").exit_code == 2


def test_a_corrupt_file_or_a_bad_place_exits_1_saying_what_and_where(
    old: Machine, tmp_path: Path
) -> None:
    archive = tmp_path / "pbx.zip"
    assert old("backup", "-q", str(archive)).exit_code == 0
    archive.write_bytes(archive.read_bytes()[:-100])
    result = old("restore", str(archive))
    assert result.exit_code == 1
    assert f"error: {archive} is not a complete pbx-controller backup" in result.stderr

    nowhere = tmp_path / "no" / "such" / "dir" / "pbx.zip"
    result = old("backup", str(nowhere))
    assert result.exit_code == 1
    assert f"cannot create the backup file {nowhere}" in result.stderr
