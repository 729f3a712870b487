"""`pbxctl serve` as its own process against the real Asterisk: ready, SIGTERM, bad login."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import ClientError, ClientSession

from controller.sandbox import AsteriskSandbox
from tests.sandbox_fixtures import BASE_CONFIG

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

PBXCTL = [sys.executable, "-m", "controller"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(
    sandbox: AsteriskSandbox, tmp_path: Path, secret: str | None = None
) -> dict[str, str]:
    account = sandbox.ami
    (tmp_path / "none.toml").write_text("")
    keep = {k: v for k, v in os.environ.items() if not k.startswith("PBXCTL_")}
    return {
        **keep,
        "PBXCTL_CONFIG": str(tmp_path / "none.toml"),
        "PBXCTL_DATA_DIR": str(tmp_path / "data"),
        "PBXCTL_AMI_PORT": str(account.port),
        "PBXCTL_AMI_USERNAME": account.username,
        "PBXCTL_AMI_SECRET": secret or account.secret,
        "PBXCTL_API_PORT": str(_free_port()),
        "PBXCTL_AGI_PORT": str(_free_port()),
        "PBXCTL_LOG_LEVEL": "info",
    }


async def _pbxctl(env: dict[str, str], *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *PBXCTL, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


async def _until(check: Callable[[], object], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():  # type: ignore[misc]
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {within} s")


@pytest.fixture
def base(restart_asterisk: Callable[..., AsteriskSandbox]) -> AsteriskSandbox:
    return restart_asterisk(BASE_CONFIG)


async def test_serve_starts_answers_and_stops_cleanly_on_sigterm(
    base: AsteriskSandbox, tmp_path: Path
) -> None:
    env = _environment(base, tmp_path)
    await _pbxctl(env, "db", "upgrade")
    token = await _pbxctl(env, "token", "create", "probe", "--role", "admin")
    process = await asyncio.create_subprocess_exec(
        *PBXCTL, "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    url = f"http://127.0.0.1:{env['PBXCTL_API_PORT']}/api/v1/status"

    async def synced() -> bool:
        try:
            async with ClientSession() as http:
                response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
                body = json.loads(await response.text())
        except ClientError:
            return False
        return bool(body.get("ami", {}).get("connected")) and body["ami"]["resyncs"] >= 1

    try:
        await _until(synced, within=30)
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = err.decode()
    assert process.returncode == 0, log
    assert "ami=connected" in log
    assert "service=stopped history_unwritten=0" in log


async def test_serve_with_a_wrong_ami_secret_exits_2_at_once(
    base: AsteriskSandbox, tmp_path: Path
) -> None:
    env = _environment(base, tmp_path, secret="not-the-secret")
    await _pbxctl(env, "db", "upgrade")
    process = await asyncio.create_subprocess_exec(
        *PBXCTL, "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 2
    assert f"error: AMI at 127.0.0.1:{base.ami.port} refused the login" in err.decode()
    assert "Traceback" not in err.decode()
