"""The sandbox Asterisk itself: clean boot, AMI login, a Local call, restart, exclusivity."""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from controller.errors import SandboxError
from controller.sandbox import MODULES, AsteriskSandbox, process
from controller.sandbox.mounts import mounts_under
from tests.sandbox_fixtures import (
    AmiConnect,
    AmiEvents,
    AmiLoginError,
    OneShotManager,
    ami_login,
)

pytestmark = pytest.mark.asterisk


def _listening(pid: int) -> tuple[set[str], set[int]]:
    """(TCP listen addresses "ip:port", bound UDP ports) of the process, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = str(fd.readlink()) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    tcp: set[str] = set()
    udp: set[int] = set()
    for table in ("tcp", "tcp6", "udp", "udp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode not in inodes:
                continue
            addr_hex, port_hex = local.split(":")
            port = int(port_hex, 16)
            if table.startswith("udp"):
                udp.add(port)
            elif state == "0A":  # LISTEN
                addr = (
                    ".".join(str(int(addr_hex[i : i + 2], 16)) for i in (6, 4, 2, 0))
                    if len(addr_hex) == 8
                    else addr_hex
                )
                tcp.add(f"{addr}:{port}")
    return tcp, udp


def test_boot_is_clean_and_only_ami_listens(asterisk_sandbox: AsteriskSandbox) -> None:
    log = (asterisk_sandbox.log_dir / "messages.log").read_text()
    problems = [line for line in log.splitlines() if "WARNING[" in line or "ERROR[" in line]
    assert problems == []

    shown = asterisk_sandbox.cli("module show")
    running = {line.split()[0] for line in shown.splitlines() if " Running " in line}
    assert set(MODULES) <= running

    assert asterisk_sandbox.pid is not None
    tcp, udp = _listening(asterisk_sandbox.pid)
    assert tcp == {f"127.0.0.1:{asterisk_sandbox.ami.port}"}
    # res_pjsip keeps DNS resolver sockets on ephemeral ports; nothing on a service port.
    low, _high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    assert all(port >= low for port in udp), udp


@pytest.mark.asyncio
async def test_originated_local_call_is_seen_on_ami(
    ami: OneShotManager, ami_events: AmiEvents
) -> None:
    caller_id, dialplan_id = f"smoke-{secrets.token_hex(4)}", f"smoke-{secrets.token_hex(4)}"
    sent = time.monotonic()
    responses = await asyncio.wait_for(
        ami.send_action(
            {
                "Action": "Originate",
                "Channel": "Local/s@sandbox-smoke",
                "Application": "Wait",
                "Data": "10",
                "Async": "true",
                "ChannelId": caller_id,
                "OtherChannelId": dialplan_id,  # the ;2 half, which runs the dialplan
            }
        ),
        timeout=10,
    )
    # An async Originate resolves to [Response, OriginateResponse].
    assert len(responses) == 2
    assert responses[0].success
    assert responses[1]["Event"] == "OriginateResponse"
    assert responses[1]["Response"] == "Success"
    assert responses[1]["Uniqueid"] == caller_id

    def on(event: str, uniqueid: str) -> Callable[[Mapping[str, str]], bool]:
        return lambda e: e.get("Event") == event and e.get("Uniqueid") == uniqueid

    created = await ami_events.wait_for("Newchannel ;1", on("Newchannel", caller_id))
    assert created["Channel"].startswith("Local/s@sandbox-smoke-")
    assert created["Channel"].endswith(";1")
    await ami_events.wait_for("Newchannel ;2", on("Newchannel", dialplan_id))
    hangup = await ami_events.wait_for("Hangup ;2", on("Hangup", dialplan_id))
    assert hangup["Context"] == "sandbox-smoke"
    # Wait(1) ran before Hangup(): the ;2 leg lived at least a second.
    assert hangup["_received"] - sent >= 0.9
    await ami_events.wait_for("Hangup ;1", on("Hangup", caller_id))


@pytest.mark.asyncio
async def test_wrong_ami_secret_fails_fast_and_is_not_retried(
    asterisk_sandbox: AsteriskSandbox, ami_connect: AmiConnect
) -> None:
    log = asterisk_sandbox.log_dir / "messages.log"
    before = log.read_text().count("failed to authenticate as")
    started = time.monotonic()
    with pytest.raises(AmiLoginError, match="refused: Authentication failed"):
        await ami_connect(secret="wrong-secret-123")
    assert time.monotonic() - started < 4.0  # Asterisk itself delays a failed login ~1 s

    # Left alone, panoramisk would log in again every reconnect_timeout (1 s here), forever.
    await asyncio.sleep(2.5)
    assert log.read_text().count("failed to authenticate as") - before == 1


@pytest.mark.asyncio
async def test_unreachable_ami_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(AmiLoginError, match="cannot reach AMI"):
        await ami_login("127.0.0.1", _closed_port(), "nobody", "secret-secret")
    assert time.monotonic() - started < 2.0


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_restart_with_own_config_replaces_the_previous_one(
    asterisk_sandbox: AsteriskSandbox,
    restart_asterisk: Callable[[Mapping[str, str]], AsteriskSandbox],
) -> None:
    old_pid = asterisk_sandbox.pid
    assert old_pid is not None
    own = {"extensions.conf": "[own-test]\nexten => 100,1,NoOp(own)\n same => n,Hangup()\n"}
    restarted = restart_asterisk(own)

    assert not process.is_alive(old_pid)
    assert restarted.pid not in (None, old_pid)
    assert "'100' =>" in restarted.cli("dialplan show own-test")
    assert "There is no existence of 'sandbox-smoke' context" in restarted.cli(
        "dialplan show sandbox-smoke"
    )
    # asterisk -rx succeeds for unknown commands; the output is the only hint.
    assert "No such command" in restarted.cli("no such command")
    assert len(mounts_under(restarted.root)) == 3  # proc, dev, dev/pts: once each


def test_second_instance_on_the_same_root_is_refused(asterisk_sandbox: AsteriskSandbox) -> None:
    other = AsteriskSandbox(asterisk_sandbox.root)
    with pytest.raises(SandboxError, match="already in use by another process"):
        other.start({}, "other", "other-secret-1")
    assert asterisk_sandbox.running
