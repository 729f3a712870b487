"""What pbxctl writes with secrets or personal data is private under the usual umask 022."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.cli import build_cli
from tests.conftest import EXAMPLE


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_database_and_rendered_files_are_private(tmp_path: Path) -> None:
    (tmp_path / "none.toml").write_text("")
    data_dir = tmp_path / "data"
    env = {"PBXCTL_DATA_DIR": str(data_dir), "PBXCTL_CONFIG": str(tmp_path / "none.toml")}
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(build_cli(), list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("db", "upgrade")
    run("config", "import", str(EXAMPLE))
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "pbx.sqlite3") == 0o600

    out = tmp_path / "render" / "files"
    assert "(mode 0600)" in run("dialplan", "render", "--out", str(out))
    assert mode(out) == 0o700
    assert mode(out.parent) == 0o700
    written = {path.name: mode(path) for path in out.iterdir()}
    assert "pjsip.conf" in written
    assert "voicemail.conf" in written
    assert written == {name: 0o600 for name in written}
    assert "password=" in (out / "pjsip.conf").read_text(encoding="utf-8")
