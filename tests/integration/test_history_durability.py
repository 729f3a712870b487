"""The call history survives ``kill -9`` of `pbxctl serve` (a process of its own, as in
production): a call that ended just before the kill, calls talking across the kill, a caller
waiting in a queue across it, and calls that began and ended while the controller was dead
are each in the history exactly once, with the outcome, waits, talk and agents the test
scripted. Calls go on while the controller is dead (the dialplan's static fallback).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import ClientSession
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from controller.access.store import create_token
from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiSession
from controller.config import Settings
from controller.db.engine import make_engine, session_factory, transaction
from controller.db.models import Call
from controller.sandbox import AsteriskSandbox
from tests.integration import callcenter as cc
from tests.integration.running import free_port, prepare, sandbox_settings

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

PBXCTL = [sys.executable, "-m", "controller"]
TALK = {"8001": 2, "8002": 25, "8003": 25}  # seconds each agent's phone talks
DOWNTIME = 12.0
PHONE = re.compile(r"Local/t\d+-(\d+)@test-agents")  # an agent's phone: cc.agent_device


@dataclass
class Serve:
    """`pbxctl serve` as a process, started and killed by the test."""

    env: dict[str, str]
    log: Path
    token: str
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.env['PBXCTL_API_PORT']}"

    async def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *PBXCTL, "serve", env=self.env, stdout=out, stderr=out
            )
        await cc.until("serve resynced", self._synced_once, within=30)

    def _synced_once(self) -> bool:
        return self.log.read_text(errors="replace").count("ami=resynced") >= self.starts

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)  # by PID: the process this test started

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def request(self, method: str, path: str, body: object | None = None) -> object:
        async with ClientSession() as http:
            response = await http.request(
                method, self.api + path, json=body,
                headers={"Authorization": f"Bearer {self.token}"},
            )  # fmt: skip
            assert response.status < 300, await response.text()
            return await response.json()


@dataclass
class Site:
    sandbox: AsteriskSandbox
    settings: Settings
    serve: Serve
    ami: AmiSession
    events: list[Message] = field(default_factory=list)

    def hung_up(self, linkedid: str) -> bool:
        return any(e.get("Event") == "Hangup" and e.get("Uniqueid") == linkedid
                   for e in self.events)  # fmt: skip

    def calls(self) -> dict[str, Call]:
        engine = make_engine(self.settings.effective_database_url)
        try:
            with session_factory(engine)() as session:
                rows = session.scalars(
                    select(Call).options(
                        selectinload(Call.queue_legs), selectinload(Call.handlings)
                    )
                ).all()
                return {row.linkedid: row for row in rows}
        finally:
            engine.dispose()


def _environment(settings: Settings, log_dir: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("PBXCTL_")}
    (settings.data_dir / "none.toml").write_text("")
    return {
        **keep,
        "PBXCTL_CONFIG": str(settings.data_dir / "none.toml"),
        "PBXCTL_DATA_DIR": str(settings.data_dir),
        "PBXCTL_AMI_PORT": str(settings.ami.port),
        "PBXCTL_AMI_USERNAME": settings.ami.username,
        "PBXCTL_AMI_SECRET": settings.ami.secret.get_secret_value() if settings.ami.secret else "",
        "PBXCTL_API_PORT": str(settings.api.port),
        "PBXCTL_AGI_PORT": str(settings.agi.port),
        "PBXCTL_ASTERISK_CONFIG_DIR": str(settings.asterisk.config_dir),
        "PBXCTL_ASTERISK_RECORDINGS_DIR": str(settings.asterisk.recordings_dir),
        "PBXCTL_ASTERISK_LOG_DIR": str(log_dir),
        "PBXCTL_LOG_LEVEL": "info",
    }


@pytest_asyncio.fixture
async def site(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> AsyncIterator[Site]:
    sandbox = restart_asterisk(cc.files())
    settings = sandbox_settings(sandbox, tmp_path, free_port(socket.SOCK_DGRAM))
    await prepare(settings, cc.company)
    engine = make_engine(settings.effective_database_url)
    with transaction(session_factory(engine)) as session:
        token = create_token(session, "durability", "admin")
    engine.dispose()
    serve = Serve(_environment(settings, sandbox.log_dir), tmp_path / "serve.log", token)
    account = sandbox.ami
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    await serve.start()
    try:
        async with await AmiSession.open(credentials) as ami:
            found = Site(sandbox, settings, serve, ami)
            ami.on_event = found.events.append
            yield found
    finally:
        await serve.stop()


@dataclass
class Expected:
    outcome: str
    agent: str | None = None
    queue_outcome: str | None = None  # of the call's last queue leg
    wait: tuple[float, float] | None = None  # bounds of that leg's wait, seconds
    source: tuple[str, ...] = ("live", "recovered")


async def _talking(site: Site, linkedid: str) -> str:
    """The agent whose phone was connected to ``linkedid`` (AgentConnect or a bridge)."""

    def agent() -> str | None:
        for event in site.events:
            if event.get("Event") == "AgentConnect" and event.get("Linkedid") == linkedid:
                return event.get("MemberName")
            phone = PHONE.match(event.get("Channel", ""))
            if event.get("Event") == "BridgeEnter" and event.get("Linkedid") == linkedid and phone:
                return phone.group(1)
        return None

    found = await cc.until(f"an agent talking on {linkedid}", agent)
    assert isinstance(found, str)
    return found


async def _pause(site: Site, code: str, paused: bool) -> None:
    """As an agent's phone would (*47/*48): over AMI, whether the controller runs or not."""
    await site.ami.action(
        "QueuePause", Interface=f"Local/{code}@pbx-agent/n", Paused="true" if paused else "false"
    )


async def test_kill_9_and_calls_while_down_leave_no_hole_in_the_history(site: Site) -> None:
    serve, ami = site.serve, site.ami
    expected: dict[str, Expected] = {}
    for code, talk in TALK.items():
        await serve.request("POST", f"/api/v1/agents/{code}/login",
                            {"device": cc.agent_device(code, talk)})  # fmt: skip
    await _pause(site, "8001", True)
    await _pause(site, "8003", True)

    # Two calls that will talk across the kill: 8002, then 8003.
    span1, span2 = cc.tag("span1"), cc.tag("span2")
    await cc.inbound(ami, "w45@test-caller", cc.SALES_DID, "13912345001", span1)
    assert await _talking(site, span1) == "8002"
    await _pause(site, "8003", False)
    await cc.inbound(ami, "w45@test-caller", cc.SALES_DID, "13912345002", span2)
    assert await _talking(site, span2) == "8003"
    expected[span1] = Expected("answered", "8002", source=("recovered",))
    expected[span2] = Expected("answered", "8003", source=("recovered",))

    # A call that ends a moment before the kill, and a caller waiting in the queue across it.
    await _pause(site, "8001", False)
    last = cc.tag("last")
    await cc.inbound(ami, "w30@test-caller", cc.SALES_DID, "13912345003", last)
    assert await _talking(site, last) == "8001"
    await _pause(site, "8001", True)
    waiter = cc.tag("waiter")
    await cc.inbound(ami, "w60@test-caller", cc.SALES_DID, "13912345004", waiter)
    await cc.until("the waiter in the queue", lambda: any(
        e.get("Event") == "QueueCallerJoin" and e.get("Linkedid") == waiter for e in site.events))  # fmt: skip
    entered = time.monotonic()
    await cc.until("the last call over", lambda: site.hung_up(last), within=15)
    serve.kill()
    stored_at_kill = set(site.calls())
    expected[last] = Expected("answered", "8001", source=("live",))

    # The controller is dead. The waiter is taken by 8001, new calls come and go.
    await asyncio.sleep(1.0)
    await _pause(site, "8001", False)
    answered_after = time.monotonic() - entered
    assert await _talking(site, waiter) == "8001"
    expected[waiter] = Expected("answered", "8001", "answered",
                                (answered_after - 1.0, answered_after + 1.0), ("recovered",))  # fmt: skip
    await cc.until("the waiter's call over", lambda: site.hung_up(waiter), within=15)
    during = cc.tag("during")
    await cc.inbound(ami, "w20@test-caller", cc.SALES_DID, "13912345005", during)
    assert await _talking(site, during) == "8001"
    await cc.until("that call over", lambda: site.hung_up(during), within=15)
    await _pause(site, "8001", True)
    gave_up, mailbox, menu = cc.tag("gaveup"), cc.tag("mailbox"), cc.tag("menu")
    await cc.inbound(ami, "w3@test-caller", cc.SALES_DID, "13912345006", gave_up)
    await cc.inbound(ami, "w4@test-caller", cc.VOICEMAIL_DID, "13912345007", mailbox)
    await cc.inbound(ami, "w1@test-caller", cc.MAIN_DID, "02087654321", menu)
    for linkedid in (gave_up, mailbox, menu):
        await cc.until(f"{linkedid} over", lambda linkedid=linkedid: site.hung_up(linkedid))
    expected[during] = Expected("answered", "8001", source=("recovered",))
    expected[gave_up] = Expected("abandoned", None, "abandoned", (1.5, 3.5), ("recovered",))
    expected[mailbox] = Expected("voicemail", source=("recovered",))
    expected[menu] = Expected("unanswered", source=("recovered",))
    await asyncio.sleep(max(0.0, DOWNTIME - (time.monotonic() - entered)))

    # Restarted: the calls still talking are live again, with their queue legs.
    await serve.start()
    live = await serve.request("GET", "/api/v1/calls")
    talking = {c["linkedid"]: c for c in live["calls"]}  # type: ignore[index]
    assert {span1, span2} <= set(talking), talking
    assert talking[span1]["agents"] == ["8002"]
    await serve.request("POST", "/api/v1/agents/8001/unpause")
    after = cc.tag("after")
    await cc.inbound(ami, "w20@test-caller", cc.SALES_DID, "13912345008", after)
    assert await _talking(site, after) == "8001"
    expected[after] = Expected("answered", "8001", source=("live",))

    await cc.until("every call in the history", lambda: set(expected) <= set(site.calls()),
                   within=60)  # fmt: skip
    calls = site.calls()
    assert set(calls) == set(expected)  # each call once, and nothing else
    problems = {lid: _check(calls[lid], want) for lid, want in expected.items()}
    assert {lid: p for lid, p in problems.items() if p} == {}, _log_tail(serve.log)
    # The journal, not luck, kept the last call when it had not reached the database.
    print(f"last call in the database at the kill: {last in stored_at_kill}")


def _check(call: Call, want: Expected) -> list[str]:
    problems = []
    if call.outcome != want.outcome:
        problems.append(f"outcome {call.outcome} != {want.outcome}")
    if call.source not in want.source:
        problems.append(f"source {call.source} not in {want.source}")
    agents = [h.agent_code for h in call.handlings]
    if want.agent is not None and agents != [want.agent]:
        problems.append(f"agents {agents} != [{want.agent}]")
    for handling in call.handlings:
        talk = (handling.talk_end - handling.talk_start).total_seconds() - handling.hold_ms / 1000
        if abs(talk - TALK[handling.agent_code]) > 1.5:
            problems.append(f"{handling.agent_code} talked {talk:.1f} s")
    if want.queue_outcome is not None:
        if not call.queue_legs:
            problems.append("no queue leg")
        else:
            leg = max(call.queue_legs, key=lambda leg: leg.entered_at)
            if leg.outcome != want.queue_outcome:
                problems.append(f"leg outcome {leg.outcome} != {want.queue_outcome}")
            low, high = want.wait or (0.0, 1e9)
            if leg.wait_ms is None or not low <= leg.wait_ms / 1000 <= high:
                problems.append(f"wait {leg.wait_ms} ms not in [{low:.1f}, {high:.1f}] s")
    return problems


def _log_tail(path: Path) -> str:
    lines = path.read_text(errors="replace").splitlines()
    return "\n".join(line for line in lines if "recovery=" in line or "journal=" in line)[-4000:]
