"""``pbxctl agi``: decide (dry run), install-classic, and serve as a real process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.cli import build_cli
from tests.conftest import EXAMPLE
from tests.unit.agi.fake_peer import call


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "none.toml").write_text("")
    return {"PBXCTL_DATA_DIR": str(tmp_path / "data"), "PBXCTL_CONFIG": str(tmp_path / "none.toml")}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(build_cli(), list(args), env=env, catch_exceptions=False)


@pytest.fixture
def company(env: dict[str, str]) -> dict[str, str]:
    assert run(env, "db", "upgrade").exit_code == 0
    assert run(env, "config", "import", str(EXAMPLE)).exit_code == 0
    return env


def test_decide_inbound_outbound_and_lookup(company: dict[str, str]) -> None:
    result = run(company, "agi", "decide", "inbound", "main-number", "--caller", "17000001111")
    assert result.exit_code == 0
    assert "PBX_DEST_CONTEXT=pbx-reject" in result.output
    assert result.output.rstrip().endswith("PBX_AGI_OK=1")
    result = run(company, "agi", "decide", "outbound", "domestic", "13800138000")
    assert "PBX_TRUNKS=telecom:30:" in result.output
    result = run(company, "agi", "decide", "caller-lookup", "--caller", "+14155550123")
    assert "PBX_CUSTOMER_CODE=C10003" in result.output


def test_decide_unknown_route_is_a_clean_error(company: dict[str, str]) -> None:
    result = run(company, "agi", "decide", "inbound", "no-such-route")
    assert result.exit_code == 1
    assert "no-such-route" in result.output
    assert "Traceback" not in result.output


def test_decide_before_the_schema_exists_says_what_to_do(env: dict[str, str]) -> None:
    result = run(env, "agi", "decide", "inbound", "main-number")
    assert result.exit_code == 1
    assert "pbxctl db upgrade" in result.output


def test_install_classic(env: dict[str, str], tmp_path: Path) -> None:
    result = run(env, "agi", "install-classic", "--agi-bin", str(tmp_path / "agi-bin"))
    assert result.exit_code == 0
    script = tmp_path / "agi-bin" / "pbx-agi.py"
    assert script.read_text().startswith(f"#!{sys.executable}\n")
    result = run(env, "agi", "install-classic", "--agi-bin", str(tmp_path), "--python", "/nope")
    assert result.exit_code == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_and_stops_on_sigterm(company: dict[str, str]) -> None:
    port = _free_port()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PBXCTL_")},
        **company,
        "PBXCTL_AMI_PORT": str(_free_port()),  # nothing listens: routing goes on without AMI
        "PBXCTL_AMI_SECRET": "not-used-in-this-test",
    }
    pbxctl = str(Path(sys.executable).with_name("pbxctl"))
    with subprocess.Popen(
        [pbxctl, "agi", "serve", "--port", str(port)],
        env=environ, stderr=subprocess.PIPE, text=True,
    ) as proc:  # fmt: skip
        try:
            assert proc.stderr is not None
            for line in proc.stderr:
                if "FastAGI listening" in line:
                    break
            else:
                pytest.fail(f"pbxctl agi serve exited with {proc.wait()}")
            session = asyncio.run(call(port, "inbound", ["main-number", "x"], caller="17000001111"))
            assert any("pbx-reject" in command for command in session.commands)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
