"""pbxctl followup: create, change, list and show with the API's validator; errors name the
option; changes are recorded as the command line's."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.cli import build_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "company.yaml"


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"PBXCTL_DATA_DIR": str(tmp_path / "data"), "PBXCTL_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")

    def invoke(*args: str) -> Result:
        return runner.invoke(build_cli(), list(args), env=env)

    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("config", "import", str(EXAMPLE)).exit_code == 0
    return invoke


def test_create_change_list_and_show(run) -> None:  # type: ignore[no-untyped-def]
    made = run("followup", "create", "--subject", "回电报价", "--customer", "C10001",
               "--agent", "8001", "--due", "2026-12-04T18:00:00+08:00")  # fmt: skip
    assert made.exit_code == 0, made.output
    followup = json.loads(made.output)
    assert (followup["assignee_agent"], followup["due_at"]) == ("8001", "2026-12-04T10:00:00+00:00")
    changed = run("followup", "update", str(followup["id"]), "--status", "done", "--agent", "8002")
    assert changed.exit_code == 0, changed.output
    assert changed.output.splitlines() == [
        f"follow-up {followup['id']}: assignee_agent: 8001 -> 8002",
        f"follow-up {followup['id']}: status: open -> done",
    ]
    listed = run("followup", "list", "--status", "done", "--json")
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [followup["id"]]
    assert run("followup", "list", "--status", "open").output == ""
    shown = json.loads(run("followup", "show", str(followup["id"])).output)
    assert {h["actor"] for h in shown["history"]} == {f"cli {getpass.getuser()}"}


def test_errors_name_the_option(run) -> None:  # type: ignore[no-untyped-def]
    for args, message in (
        (("--subject", "x", "--agent", "8999"), "assignee_agent: no agent '8999'"),
        (("--subject", " ", "--due", "tomorrow"), "--subject: not one line of text; --due:"),
        (("--subject", "x", "--agent", "8001", "--user", "admin"), "not both"),
    ):
        result = run("followup", "create", *args)
        assert result.exit_code == 1
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    missing = run("followup", "update", "99", "--status", "done")
    assert (missing.exit_code, "no follow-up 99" in missing.output) == (1, True)
