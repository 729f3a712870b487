"""pbxctl user / role / token / audit / recordings: the first admin, every change audited,
errors that name the field, no default password anywhere."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from controller.cli import build_cli
from controller.db.engine import make_engine, session_factory
from controller.db.models import Recording, Role, User

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "company.yaml"


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {
        "PBXCTL_DATA_DIR": str(tmp_path / "data"),
        "PBXCTL_CONFIG": str(tmp_path / "none.toml"),
        "PBXCTL_ASTERISK_RECORDINGS_DIR": str(tmp_path / "monitor"),
    }
    (tmp_path / "none.toml").write_text("")

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(build_cli(), list(args), env=env, input=stdin)

    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("config", "import", str(EXAMPLE)).exit_code == 0
    return invoke


def _db(tmp_path: Path):  # type: ignore[no-untyped-def]
    return session_factory(make_engine(f"sqlite:///{tmp_path / 'data' / 'pbx.sqlite3'}"))


def test_the_first_admin_is_made_here_with_a_password_typed_twice(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with _db(tmp_path)() as session:
        assert session.scalars(select(User)).all() == []  # no user, no default password
        assert sorted(session.scalars(select(Role.name))) == [
            "admin", "agent", "reports", "supervisor", "wallboard",
        ]  # fmt: skip
    made = run("user", "create", "admin", "--role", "admin",
               stdin="secret password 1\nsecret password 1\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "user 'admin' created with role admin" in made.output
    mismatch = run(
        "user", "create", "other", "--role", "admin", stdin="aaaaaaaaaaa1\nbbbbbbbbbbb2\n"
    )
    assert mismatch.exit_code != 0
    listed = run("user", "list")
    assert "admin" in listed.output
    assert "all queues" in listed.output


def test_errors_name_the_field(run) -> None:  # type: ignore[no-untyped-def]
    cases = {
        ("user", "create", "x y", "--role", "admin", "--password-stdin"): "field login",
        ("user", "create", "a1", "--role", "nope", "--password-stdin"): "no role 'nope'",
        ("user", "create", "a2", "--role", "agent", "--password-stdin"): "field agent",
        ("user", "create", "a3", "--role", "agent", "--agent", "9999", "--password-stdin"):
            "no agent '9999'",
        ("user", "create", "a4", "--role", "supervisor", "--queues", "sales,nope",
         "--password-stdin"): "field queues: no queue nope",
        ("token", "create", "t", "--role", "nope"): "no role 'nope'",
        ("role", "save", "admin", "#"): "shipped with the product",
        ("role", "save", "qa", "History.read"): "field scopes",
    }  # fmt: skip
    for args, message in cases.items():
        result = run(*args, stdin="a good password 1\n")
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    short = run("user", "create", "a5", "--role", "admin", "--password-stdin", stdin="short\n")
    assert "field password: at least 10 characters" in short.output


def test_roles_tokens_and_the_audit_log(run) -> None:  # type: ignore[no-untyped-def]
    assert run("role", "save", "qa", "history.read", "recordings.read",
               "--description", "quality").exit_code == 0  # fmt: skip
    assert "qa" in run("role", "list").output
    token = run("token", "create", "hall-screen", "--role", "wallboard", "--queues", "sales")
    assert token.exit_code == 0, token.output
    assert token.stdout.strip().startswith("pbx_")
    listed = run("token", "list").output
    assert "hall-screen" in listed
    assert "wallboard" in listed
    assert "sales" in listed
    assert run("user", "create", "lihua", "--role", "agent", "--agent", "8001",
               "--password-stdin", stdin="agent password 1\n").exit_code == 0  # fmt: skip
    assert run("user", "role", "lihua", "qa").exit_code == 0
    assert (
        run("user", "passwd", "lihua", "--password-stdin", stdin="new password 22\n").exit_code == 0
    )
    assert run("user", "disable", "lihua").exit_code == 0
    assert "disabled" in run("user", "list").output
    in_use = run("role", "delete", "qa")
    assert in_use.exit_code == 1
    assert "still given to user lihua" in in_use.output
    assert run("token", "revoke", "hall-screen").exit_code == 0
    log = [json.loads(line) for line in run("audit", "--json").stdout.splitlines()]
    actions = [event["action"] for event in reversed(log)]
    assert actions == ["config.import", "role.save", "token.create", "user.create", "user.role", "user.passwd",
                       "user.disable", "token.revoke"]  # fmt: skip
    assert all(event["actor_kind"] == "cli" for event in log)
    only_users = run("audit", "--action", "user.").stdout.splitlines()
    assert len(only_users) == 4
    assert "pbxctl" in only_users[0]


def test_recordings_past_their_date_are_deleted_and_audited(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monitor = tmp_path / "monitor" / "2026" / "01" / "02"
    monitor.mkdir(parents=True)
    (monitor / "old.wav").write_bytes(b"RIFF")
    (monitor / "new.wav").write_bytes(b"RIFF")
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    with _db(tmp_path)() as session, session.begin():
        for name, keep_until in (("old", dt.date(2026, 2, 1)), ("new", dt.date(2999, 1, 1))):
            session.add(Recording(server_id="s", channel_uid=name, path=f"2026/01/02/{name}.wav",
                                  started_at=at, delete_after=keep_until))  # fmt: skip
    dry = run("recordings", "purge", "--dry-run")
    assert "would delete 2026/01/02/old.wav" in dry.output
    assert (monitor / "old.wav").exists()
    done = run("recordings", "purge")
    assert "deleted 2026/01/02/old.wav" in done.output
    assert not (monitor / "old.wav").exists()
    assert (monitor / "new.wav").exists()
    assert "recording.purge" in run("audit").output
