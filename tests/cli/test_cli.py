"""The pbxctl command line: help, exit codes, and the config workflow on SQLite."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from controller.cli import build_cli
from tests.conftest import EXAMPLE


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"PBXCTL_DATA_DIR": str(tmp_path / "data"), "PBXCTL_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")

    def invoke(*args: str, **extra_env: str) -> Result:
        return runner.invoke(
            build_cli(), list(args), env={**env, **extra_env}, catch_exceptions=False
        )

    return invoke


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(build_cli()))
def test_every_command_has_help_with_an_example(run, path: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_config_workflow(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "status").exit_code == 1
    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "schema upgraded from empty" in upgraded.output
    assert run("db", "status").exit_code == 0

    assert run("config", "diff", str(EXAMPLE)).exit_code == 1
    imported = run("config", "import", str(EXAMPLE))
    assert imported.exit_code == 0, imported.output
    assert "extensions: 10 added" in imported.output
    assert "generated 13 secret(s)" in imported.output
    again = run("config", "diff", str(EXAMPLE))
    assert (again.exit_code, again.output) == (0, "no changes\n")

    exported = run("config", "export")
    assert exported.output == EXAMPLE.read_text(encoding="utf-8")
    backup = tmp_path / "backup.yaml"
    assert run("config", "export", "--include-secrets", "-o", str(backup)).exit_code == 0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert "password:" in backup.read_text(encoding="utf-8")

    summary = run("config", "summary")
    assert "Call flow:" in summary.output
    assert "hotline-400: 4008601234" in summary.output


def test_dry_run_changes_nothing(run) -> None:  # type: ignore[no-untyped-def]
    run("db", "upgrade")
    result = run("config", "import", "--dry-run", str(EXAMPLE))
    assert result.exit_code == 0
    assert "dry run: nothing was changed" in result.output
    assert run("config", "summary").exit_code == 1  # still nothing imported


def test_invalid_file_is_reported_without_traceback(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("'1': queue:sales", "'1': queue:nope")
    )
    result = run("config", "validate", str(broken))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "IVR menu 'main': field options['1']: destination queue:nope: queue does not exist" in (
        result.output
    )
    assert run("config", "validate", str(EXAMPLE)).exit_code == 0


def test_import_before_upgrade_says_what_to_do(run) -> None:  # type: ignore[no-untyped-def]
    result = run("config", "import", str(EXAMPLE))
    assert result.exit_code == 1
    assert "run `pbxctl db upgrade` first" in result.output


def test_bad_setting_exits_2(run) -> None:  # type: ignore[no-untyped-def]
    result = run("db", "status", PBXCTL_AMI_PORT="many")
    assert result.exit_code == 2
    assert "setting ami.port" in result.output


def test_unreachable_database_is_a_clear_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("db", "status", PBXCTL_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == 1
    assert (
        "cannot connect to database postgresql+psycopg://nobody@127.0.0.1:1/none" in result.output
    )


def test_dialplan_render_diff_and_lint_need_no_asterisk(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = tmp_path / "asterisk"
    env = {"PBXCTL_ASTERISK_CONFIG_DIR": str(etc)}
    run("db", "upgrade")
    run("config", "import", str(EXAMPLE))
    out = tmp_path / "out"
    rendered = run("dialplan", "render", "--out", str(out), **env)
    assert rendered.exit_code == 0, rendered.output
    assert (out / "extensions_ivr.conf").read_text(encoding="utf-8").count("[pbx-ivr-") == 3
    assert "password=" in (out / "pjsip.conf").read_text(encoding="utf-8")
    diff = run("dialplan", "diff", **env)
    assert diff.exit_code == 1
    assert "+[pbx-ivr-main]" in diff.output
    # Phones are realtime rows, not pjsip.conf sections: the diff shows the rows (no secrets).
    assert "+[1001](pbx-phone-endpoint)" not in diff.output
    assert "+ phone 1001: ps_endpoints row added: " in diff.output
    assert (
        "+ phone 1001: ps_auths row added: auth_type=userpass, username=1001, password=***\n"
        in (diff.output)
    )
    assert not (etc / "pbx-controller").exists()  # a diff changes nothing
    linted = run("dialplan", "lint", **env)
    assert linted.exit_code == 0, linted.output
    assert "0 error(s)" in linted.output


def test_dialplan_apply_without_asterisk_touches_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = tmp_path / "asterisk"
    env = {
        "PBXCTL_ASTERISK_CONFIG_DIR": str(etc),
        "PBXCTL_AMI_PORT": "1",
        "PBXCTL_AMI_SECRET": "x" * 16,
    }
    run("db", "upgrade")
    run("config", "import", str(EXAMPLE))
    result = run("dialplan", "apply", "--no-asterisklint", **env)
    assert result.exit_code == 1
    assert "cannot reach AMI at 127.0.0.1:1" in result.output
    assert "not applied: Asterisk was not touched" in result.output
    assert not (etc / "pbx-controller").exists()
    [event] = [
        json.loads(line)
        for line in run("audit", "--json", "--action", "dialplan.").stdout.splitlines()
    ]
    assert (event["success"], event["detail"]["outcome"]) == (False, "refused")
    assert "cannot reach AMI at 127.0.0.1:1" in event["detail"]["problems"][0]


def test_config_imports_that_change_something_are_audited(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("db", "upgrade")
    run("config", "import", "--dry-run", str(EXAMPLE))
    run("config", "import", str(EXAMPLE))
    run("config", "import", str(EXAMPLE))  # the same again: nothing changed, nothing to log
    smaller = tmp_path / "shorter.yaml"
    smaller.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("retention_days: 180", "retention_days: 90", 1)
    )
    run("config", "import", str(smaller))
    log = [json.loads(line) for line in run("audit", "--json").stdout.splitlines()]
    assert [(e["action"], e["object_id"]) for e in reversed(log)] == [
        ("config.import", "company.yaml"),
        ("config.import", "shorter.yaml"),
    ]
    assert log[1]["detail"]["extensions"] == {"added": 10, "changed": 0, "removed": 0}
    assert log[0]["actor"].startswith("pbxctl (")
    assert log[0]["detail"] == {"recording_policies": {"added": 0, "changed": 1, "removed": 0}}


def test_dialplan_setup_adds_includes_once_and_keeps_admin_files(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = tmp_path / "asterisk"
    etc.mkdir()
    (etc / "extensions.conf").write_text("[from-internal]\nexten => 100,1,Hangup()\n")
    env = {"PBXCTL_ASTERISK_CONFIG_DIR": str(etc)}
    first = run("dialplan", "setup", **env)
    assert first.exit_code == 0, first.output
    text = (etc / "extensions.conf").read_text()
    assert text.startswith("[from-internal]\nexten => 100,1,Hangup()\n")
    assert text.rstrip().endswith("#include pbx-controller/extensions.conf")
    assert (etc / "extensions.conf.pbx-backup").exists()
    assert "log_membername_as_agent=yes" in (etc / "queues.conf").read_text()
    manager = (etc / "pbx-controller" / "manager.conf").read_text()
    assert manager.startswith("[pbx-controller]\nsecret=")
    assert "permit=127.0.0.1/255.255.255.255" in manager
    assert "atxfer=*2" in (etc / "pbx-controller" / "features.conf").read_text()
    assert (
        (etc / "features.conf")
        .read_text()
        .strip()
        .endswith("#include pbx-controller/features.conf")
    )
    assert "generated a new AMI secret in" in first.output
    secret = manager.split("secret=", 1)[1].split("\n", 1)[0]
    assert secret not in first.output  # where it is, never what it is
    second = run("dialplan", "setup", **env)
    assert "already includes" in second.output
    assert "generated a new AMI secret" not in second.output  # said once only
    assert (etc / "extensions.conf").read_text() == text


def test_dialplan_setup_turns_on_asterisks_call_records(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc, logs = tmp_path / "asterisk", tmp_path / "log"
    etc.mkdir()
    logs.mkdir()
    # As Debian ships them: cel.conf has an active [general], cel_custom.conf only comments.
    (etc / "cel.conf").write_text("[general]\napps=dial,park\n\n[manager]\n")
    (etc / "cel_custom.conf").write_text(";[mappings]\n;Master.csv => ${CSV_QUOTE(${eventtype})}\n")
    env = {"PBXCTL_ASTERISK_CONFIG_DIR": str(etc), "PBXCTL_ASTERISK_LOG_DIR": str(logs)}
    result = run("dialplan", "setup", **env)
    assert result.exit_code == 0, result.output
    ours = etc / "pbx-controller"
    assert (ours / "cel.conf").read_text().splitlines()[2:4] == ["[general](+)", "enable=yes"]
    assert (
        "[mappings]\npbx-controller-cel-v1.csv => ${CSV_QUOTE(${eventtype})},"
        in (ours / "cel_custom.conf").read_text()
    )
    for name in ("cel.conf", "cel_custom.conf"):
        assert (etc / name).read_text().rstrip().endswith(f"#include pbx-controller/{name}")
    assert (logs / "cel-custom").is_dir()


def test_loadtest_refuses_unbounded_plans_before_starting_anything(run) -> None:  # type: ignore[no-untyped-def]
    result = run("loadtest", "--calls", "100000")
    assert result.exit_code == 2
    assert "calls must be 1-10000" in result.output
