"""pbxctl token and status (against a scripted AMI server in a thread of its own)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.cli import build_cli
from tests.unit.ami.fake_ami import FakeAmi


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"PBXCTL_DATA_DIR": str(tmp_path / "data"), "PBXCTL_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")

    def invoke(*args: str, **extra_env: str) -> Result:
        return runner.invoke(build_cli(), list(args), env={**env, **extra_env})

    return invoke


def test_tokens_are_shown_once_listed_and_revoked(run) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").exit_code == 0
    created = run("token", "create", "wallboard", "--role", "wallboard")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("pbx_")
    assert len(token) > 40
    again = run("token", "create", "wallboard", "--role", "wallboard")
    assert again.exit_code == 1
    assert "a token named 'wallboard' exists already" in again.output
    listed = run("token", "list")
    assert "wallboard" in listed.output
    assert token[:12] in listed.output
    assert token not in listed.output  # never shown again
    assert run("token", "revoke", "wallboard").exit_code == 0
    assert "revoked" in run("token", "list").output
    assert "no token named 'other'" in run("token", "revoke", "other").output


@pytest.fixture
def fake_ami() -> Iterator[FakeAmi]:
    loop = asyncio.new_event_loop()
    server = FakeAmi()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server.port = loop.run_until_complete(server.start())  # type: ignore[attr-defined]
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(5)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_status_reads_asterisk_now(run, fake_ami: FakeAmi) -> None:  # type: ignore[no-untyped-def]
    env = {"PBXCTL_AMI_PORT": str(fake_ami.port), "PBXCTL_AMI_USERNAME": "ctl",  # type: ignore[attr-defined]
           "PBXCTL_AMI_SECRET": fake_ami.secret}  # fmt: skip
    table = run("status", **env)
    assert table.exit_code == 0, table.output
    assert "QUEUE" in table.output
    assert "AGENT" in table.output
    as_json = run("status", "--json", **env)
    assert json.loads(as_json.stdout) == {
        "queues": [], "agents": [],
        "counts": {"channels": 0, "calls": 0, "bridges": 0, "queues": 0, "queue_callers": 0,
                   "agents": 0},
    }  # fmt: skip
    refused = run("status", **{**env, "PBXCTL_AMI_SECRET": "wrong-secret"})
    assert refused.exit_code == 2
    assert "refused the login of user 'ctl'" in refused.output


def test_status_without_asterisk_exits_1(run) -> None:  # type: ignore[no-untyped-def]
    result = run("status", PBXCTL_AMI_PORT="9", PBXCTL_AMI_SECRET="some-secret")
    assert result.exit_code == 1
    assert "cannot reach AMI at 127.0.0.1:9" in result.output
