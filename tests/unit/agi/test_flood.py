"""A flood of idle FastAGI connections does not hold up real calls (issue 12 §4 e).

The attack: 1,500 connections that never finished their headers. The service ran out of file
descriptors (systemd's default soft limit is 1024), asyncio then stopped accepting for a
second at a time, and real ``inbound`` sessions waited until the idle connections reached
their header deadline: 4.7 s. Here the server runs in the test's loop under a descriptor
limit a few hundred above what the process already uses, the flood comes from another
process (loopback, bounded, ends by itself), and a scripted Asterisk asks a real ``inbound``
question meanwhile. Nothing is asserted in seconds: the real call must be answered before
any idle connection reached its deadline, and every idle connection must then be closed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from controller.agi import server as server_module
from controller.agi.routes import route_table
from controller.agi.server import AgiServer
from controller.agi.services import AgiServices, FixedRules
from controller.pbxconfig.load import parse_config
from controller.routing.live import StaticLiveView
from controller.routing.rules import build_rules
from tests.conftest import EXAMPLE
from tests.unit.agi.fake_peer import call, wait_until
from tests.unit.agi.test_routes import variables

pytestmark = pytest.mark.asyncio(loop_scope="function")

FLOOD = 600
HEADER_TIMEOUT = 3.0
NO_HEADERS = "no complete AGI headers in time"
ROOT = Path(__file__).resolve().parents[3]


def _descriptors_in_use() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


def _limit_descriptors(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Room for a few hundred more descriptors, like a service under the default 1024, and
    (as under a hard limit) no way to raise it. Returns the limits to restore."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = _descriptors_in_use() + 400
    monkeypatch.setattr(server_module, "raise_soft_limit", lambda *_: low, raising=False)
    resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))
    return soft, hard


@pytest_asyncio.fixture(params=["known-at-start", "lowered-later"])
async def server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AgiServer]:
    """The server under a low descriptor limit: known when it starts (it fits its caps to
    it), or lowered afterwards (other parts of the service took descriptors: accept() then
    fails with EMFILE)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    rules = build_rules(parse_config(yaml.safe_dump(data, allow_unicode=True)).config, 1)
    services = AgiServices(FixedRules(rules), live=StaticLiveView())
    srv = AgiServer(route_table(services), header_timeout=HEADER_TIMEOUT)
    known = request.param == "known-at-start"
    restore = _limit_descriptors(monkeypatch) if known else None
    await srv.start("127.0.0.1", 0)
    if not known:
        restore = _limit_descriptors(monkeypatch)
    try:
        yield srv
    finally:
        await srv.stop(grace=0.5)
        resource.setrlimit(resource.RLIMIT_NOFILE, restore)


async def _inbound(port: int, spare: int) -> dict[str, str]:
    """What Asterisk does for a call to the main number: headers one line per write.

    Asterisk has descriptors of its own; here it shares the test's, so the ``spare`` one
    kept for it is closed and taken by its socket in the same step."""
    os.close(spare)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    session = await call(
        port, "inbound", ["main-number", "+8675586001234"], caller="13800138000",
        line_by_line=True, sock=sock,
    )  # fmt: skip
    return variables(session.commands)


async def test_idle_flood_neither_delays_nor_starves_a_real_call(
    server: AgiServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="controller.agi")
    spare = os.open(os.devnull, os.O_RDONLY)
    flood = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.unit.agi.flood_peer",
        str(server.port), str(FLOOD), str(HEADER_TIMEOUT * 10),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert flood.stdin is not None
    assert flood.stdout is not None
    try:
        opened = await asyncio.wait_for(flood.stdout.readline(), 60)
        assert opened == f"open {FLOOD}\n".encode()

        answer = await _inbound(server.port, spare)
        timed_out_before_answer = caplog.text.count(NO_HEADERS)

        assert answer["PBX_DEST_CONTEXT"] == "pbx-queue-support"  # a known customer's queue
        assert list(answer)[-1] == "PBX_AGI_OK"
        # Not one idle connection had to reach its deadline for the call to get in.
        assert timed_out_before_answer == 0
        assert server.stats.evicted > 0

        # The idle connections still held are closed at their deadline.
        await wait_until(lambda: server.active_sessions == 0, turns=int(HEADER_TIMEOUT * 300))
        assert NO_HEADERS in caplog.text
        assert server.stats.evicted + server.stats.header_timeouts == FLOOD
    finally:
        flood.stdin.close()
        report = await asyncio.wait_for(flood.stdout.readline(), 60)
        await flood.wait()
    assert report == f"closed_by_server {FLOOD}\n".encode()
    assert server.stats.completed == 1
