"""pbxctl webhook: add (the secret shown once), list, update, a test send that fails with the
reason, the delivery log, a retry, remove; a follow-up changed on the command line becomes a
pending followup.changed delivery; errors name the option."""

from __future__ import annotations

import json
import socket
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

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(build_cli(), list(args), env=env, input=input)

    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("config", "import", str(EXAMPLE)).exit_code == 0
    return invoke


def _closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (a refused connection, at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_add_list_test_log_retry_and_remove(run) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    added = run("webhook", "add", "crm", url, "--events", "followup.changed,call.ended",
                "--queues", "sales")  # fmt: skip
    assert added.exit_code == 0, added.output
    secret = added.output.split("shown once; the receiver verifies X-Pbx-Signature with it): ")[1]
    assert secret.strip().startswith("whsec_")
    listed = [json.loads(line) for line in run("webhook", "list", "--json").output.splitlines()]
    assert [(e["name"], e["events"], e["queues"]) for e in listed] == [
        ("crm", ["call.ended", "followup.changed"], ["sales"])
    ]
    assert "secret" not in listed[0]
    assert secret.strip() in run("webhook", "show", "crm", "--include-secret").output
    assert secret.strip() not in run("webhook", "show", "crm").output

    tested = run("webhook", "test", "crm")
    assert tested.exit_code == 1
    assert "'crm' did not take the ping: ClientConnectorError" in tested.output, tested.output
    (ping,) = [json.loads(line) for line in
               run("webhook", "deliveries", "crm", "--json").output.splitlines()]  # fmt: skip
    assert (ping["event"], ping["status"], ping["attempts"], ping["test"]) == (
        "ping", "failed", 1, True
    )  # fmt: skip

    retried = run("webhook", "retry", "crm", str(ping["id"]))
    assert retried.exit_code == 0, retried.output
    pending = run("webhook", "deliveries", "crm", "--status", "pending", "--json").output
    assert [json.loads(line)["id"] for line in pending.splitlines()] == [ping["id"]]

    assert run("webhook", "update", "crm", "--disable").output.strip() == (
        "webhook endpoint 'crm': enabled changed"
    )
    dropped = run("webhook", "deliveries", "crm", "--status", "dropped", "--json").output
    assert [json.loads(line)["last_error"] for line in dropped.splitlines()] == [
        "dropped: the endpoint was disabled"
    ]
    assert run("webhook", "remove", "crm").exit_code == 0
    assert run("webhook", "list").output == ""


def test_a_followup_changed_from_the_shell_is_queued_for_the_crm(run) -> None:  # type: ignore[no-untyped-def]
    assert run("webhook", "add", "crm", "https://crm.example/hook", "--events",
               "followup.changed").exit_code == 0  # fmt: skip
    made = json.loads(run("followup", "create", "--subject", "回电报价", "--customer", "C10001",
                          "--agent", "8001").output)  # fmt: skip
    assert run("followup", "update", str(made["id"]), "--status", "done").exit_code == 0
    log = run("webhook", "deliveries", "crm", "--event", "followup.changed", "--json").output
    bodies = [json.loads(json.loads(line)["payload"]) for line in log.splitlines()]
    assert [(b["data"]["action"], b["data"]["followup"]["status"]) for b in bodies] == [
        ("changed", "done"), ("created", "open"),
    ]  # fmt: skip
    assert bodies[0]["data"]["changes"] == {"status": ["open", "done"]}
    assert bodies[0]["created_at"].startswith("20")  # the time it was queued, not 1970
    assert {json.loads(line)["status"] for line in log.splitlines()} == {"pending"}


def test_errors_name_the_option(run) -> None:  # type: ignore[no-untyped-def]
    for args, message in (
        (("add", "crm", "ftp://crm.example/"), "URL: not http(s)://host[:port]/path"),
        (
            ("add", "crm", "https://crm.example/", "--events", "call.rang"),
            "--events: unknown event(s) ['call.rang']; known: call.ringing, ",
        ),
        (("add", "Bad Name", "https://crm.example/"), "NAME: not a name"),
        (("update", "nope", "--disable"), "endpoint: no webhook endpoint 'nope'"),
        (("retry", "nope", "1"), "endpoint: no webhook endpoint 'nope'"),
    ):
        result = run("webhook", *args)
        assert result.exit_code != 0, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert run("webhook", "add", "crm", "https://crm.example/").exit_code == 0
    taken = run("webhook", "add", "crm", "https://crm.example/")
    assert (taken.exit_code, "name: a webhook endpoint named 'crm' exists" in taken.output) == (
        1, True
    )  # fmt: skip
    missing = run("webhook", "retry", "crm", "99")
    assert "delivery_id: no delivery 99 of this endpoint" in missing.output
