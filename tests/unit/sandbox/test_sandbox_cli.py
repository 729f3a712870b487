"""``pbxctl sandbox``: help texts, exit codes that need no built sandbox."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from controller.cli import build_cli, sandbox_cmd
from controller.sandbox import daemon


@pytest.fixture
def pbxctl() -> click.Group:
    return build_cli()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "none.toml").write_text("")
    return {
        "PBXCTL_CONFIG": str(tmp_path / "none.toml"),
        "PBXCTL_DATA_DIR": str(tmp_path / "data"),
        "PBXCTL_SANDBOX_ROOT": str(tmp_path / "asterisk-root"),
    }


@pytest.mark.parametrize("command", ["build", "start", "status", "cli"])
def test_every_sandbox_command_has_help_with_an_example(
    pbxctl: click.Group, env: dict[str, str], command: str
) -> None:
    result = CliRunner().invoke(pbxctl, ["sandbox", command, "--help"], env=env)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_status_of_an_unbuilt_sandbox_exits_3(
    pbxctl: click.Group, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daemon.os, "geteuid", lambda: 0)
    result = CliRunner().invoke(pbxctl, ["sandbox", "status"], env=env)
    assert result.exit_code == 3, result.output
    assert "built:   no" in result.output
    assert "running: no" in result.output


def test_cli_on_a_stopped_sandbox_is_a_clean_error(
    pbxctl: click.Group, env: dict[str, str]
) -> None:
    result = CliRunner().invoke(pbxctl, ["sandbox", "cli", "core", "show", "uptime"], env=env)
    assert result.exit_code == 1
    assert "error: the sandbox Asterisk is not running" in result.output


def test_config_dir_is_read_recursively_with_relative_names(tmp_path: Path) -> None:
    (tmp_path / "extensions.conf").write_text("[a]\n")
    (tmp_path / "pjsip.d").mkdir()
    (tmp_path / "pjsip.d" / "phones.conf").write_text("[p]\n")
    assert sandbox_cmd._read_config_dir(tmp_path) == {
        "extensions.conf": "[a]\n",
        "pjsip.d/phones.conf": "[p]\n",
    }
