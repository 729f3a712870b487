"""The FastAGI server over real TCP, with well- and badly-behaved fake Asterisk peers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

import pytest
import pytest_asyncio

from controller.agi.connection import AgiCommandFailed, AgiRequest
from controller.agi.server import AgiServer, Route
from tests.unit.agi.asterisk_parsing import agi_parse_args
from tests.unit.agi.fake_peer import call, headers, raw_connection, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="function")


class Probe:
    """Routes that record what happened to them."""

    def __init__(self) -> None:
        self.requests: list[AgiRequest] = []
        self.cancelled = asyncio.Event()
        self.responses: list[object] = []
        self.never: asyncio.Future[None] | None = None

    async def ok(self, request: AgiRequest) -> None:
        self.requests.append(request)
        await request.set_variables([("PBX_DEST_CONTEXT", "pbx-queue-sales"), ("PBX_AGI_OK", "1")])

    async def boom(self, request: AgiRequest) -> None:
        self.requests.append(request)
        raise ZeroDivisionError("a bug in a route")

    async def two_commands(self, request: AgiRequest) -> None:
        self.responses.append(await request.command("GET VARIABLE QUEUE_PRIO"))
        self.responses.append(request.hung_up)
        await request.set_variables([("PBX_AGI_OK", "1")])

    async def waits(self, request: AgiRequest) -> None:
        self.never = asyncio.get_running_loop().create_future()
        try:
            await self.never
        finally:
            self.cancelled.set()


@pytest_asyncio.fixture
async def probe() -> Probe:
    return Probe()


@pytest_asyncio.fixture
async def server(probe: Probe) -> AsyncIterator[AgiServer]:
    routes = {
        "ok": Route(probe.ok),
        "boom": Route(probe.boom),
        "two": Route(probe.two_commands),
        "waits": Route(probe.waits, timeout=30),
        "short": Route(probe.waits, timeout=0.2),
    }
    srv = AgiServer(routes, header_timeout=0.3, command_timeout=0.3)
    await srv.start("127.0.0.1", 0)
    yield srv
    await srv.stop(grace=0.5)


def _variables(commands: Sequence[str]) -> list[str]:
    """Names set by the commands, in order (ARRAY() lists expanded)."""
    names: list[str] = []
    for command in commands:
        words = agi_parse_args(command)
        assert words[:2] == ["SET", "VARIABLE"]
        name = words[2]
        names += name[6:-1].split(",") if name.startswith("ARRAY(") else [name]
    return names


async def test_a_route_answers_with_pbx_agi_ok_last(server: AgiServer, probe: Probe) -> None:
    session = await call(server.port, "ok", ["main", "+8675586001234"])
    assert session.closed_by_server
    assert _variables(session.commands) == ["PBX_DEST_CONTEXT", "PBX_AGI_OK"]
    request = probe.requests[0]
    assert request.args == ("main", "+8675586001234")
    assert request.uniqueid == "1700.1"
    assert server.stats.completed == 1


async def test_headers_written_line_by_line_like_asterisk(server: AgiServer) -> None:
    session = await call(server.port, "ok", ["x"], line_by_line=True)
    assert _variables(session.commands)[-1] == "PBX_AGI_OK"


async def test_query_string_in_the_url_still_finds_the_route(server: AgiServer) -> None:
    session = await call(server.port, "ok?x=1")
    assert _variables(session.commands)[-1] == "PBX_AGI_OK"


async def test_exception_gives_the_fallback_is_logged_and_server_lives_on(
    server: AgiServer, probe: Probe, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="controller.agi"):
        session = await call(server.port, "boom", uniqueid="1700.42")
    assert session.commands == []  # no PBX_AGI_OK: the dialplan falls back
    assert session.closed_by_server
    assert "uniqueid=1700.42" in caplog.text
    assert "ZeroDivisionError" in caplog.text
    assert server.stats.failed == 1
    again = await call(server.port, "ok")
    assert _variables(again.commands)[-1] == "PBX_AGI_OK"


async def test_unknown_route_is_refused(server: AgiServer) -> None:
    session = await call(server.port, "no-such-route")
    assert session.commands == []
    assert server.stats.refused == 1


async def test_disconnect_mid_headers_ends_the_session_without_spinning(
    server: AgiServer,
) -> None:
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            beats += 1
            await asyncio.sleep(0)

    ticker = asyncio.get_running_loop().create_task(heartbeat())
    try:
        for _ in range(20):
            _reader, writer = await raw_connection(server.port)
            writer.write(b"agi_network: yes\nagi_network_script: ok\nagi_chan")
            await writer.drain()
            writer.close()
        await wait_until(lambda: server.active_sessions == 0)
        before = beats
        # The loop keeps turning: other work still gets its turns right away.
        await wait_until(lambda: beats > before + 100)
    finally:
        ticker.cancel()
    assert server.stats.sessions == 0  # no route ever started
    assert server.stats.refused == 0  # EOF is not an error, just the end
    session = await call(server.port, "ok")
    assert _variables(session.commands)[-1] == "PBX_AGI_OK"


async def test_stalled_headers_time_out(server: AgiServer) -> None:
    reader, writer = await raw_connection(server.port)
    writer.write(b"agi_network: yes\nagi_network_script: ok\n")  # ... and nothing more
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the server hung up
    writer.close()
    assert server.stats.refused == 1
    await wait_until(lambda: server.active_sessions == 0)


async def test_garbage_without_end_of_headers_is_cut_off(server: AgiServer) -> None:
    reader, writer = await raw_connection(server.port)
    writer.write(bytes(range(1, 256)) * 100)  # 25 KiB, no blank line
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    assert server.stats.refused == 1


async def test_garbage_headers_are_refused(server: AgiServer) -> None:
    reader, writer = await raw_connection(server.port)
    writer.write(b"\x00\xff\xfe garbage\nmore: garbage\n\n")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    assert server.stats.refused == 1


async def test_garbage_instead_of_a_response_fails_the_route(server: AgiServer) -> None:
    session = await call(server.port, "ok", answer=lambda _c: ["garbage!"])
    assert len(session.commands) == 1  # the first command, then nothing: no PBX_AGI_OK
    assert server.stats.failed == 1


async def test_stalled_response_times_out_without_ok(server: AgiServer) -> None:
    session = await call(server.port, "ok", answer=lambda _c: [])
    assert len(session.commands) == 1
    assert session.closed_by_server
    assert server.stats.failed == 1


async def test_hangup_notice_is_never_taken_for_the_response(
    server: AgiServer, probe: Probe
) -> None:
    def answer(command: str) -> list[str]:
        if command.startswith("GET VARIABLE"):
            return ["HANGUP", "200 result=1 (10)"]
        return ["200 result=1"]

    session = await call(server.port, "two", answer=answer)
    response, hung_up = probe.responses
    assert (response.code, response.result, response.data) == (200, "1", "10")  # type: ignore[attr-defined]
    assert hung_up is True
    assert _variables(session.commands[1:]) == ["PBX_AGI_OK"]


async def test_multiline_usage_error_is_one_response(server: AgiServer) -> None:
    usage = [
        "520-Invalid command syntax.  Proper usage follows:",
        "Usage: ...",
        "520 End of proper usage.",
    ]
    session = await call(server.port, "ok", answer=lambda _c: usage)
    assert len(session.commands) == 1  # refused SET VARIABLE: no second command
    assert server.stats.failed == 1


async def test_route_that_never_finishes_is_ended(server: AgiServer, probe: Probe) -> None:
    session = await call(server.port, "short")
    assert session.commands == []
    assert probe.cancelled.is_set()
    assert server.stats.failed == 1


async def test_caller_hanging_up_cancels_a_waiting_route(server: AgiServer, probe: Probe) -> None:
    _reader, writer = await raw_connection(server.port)
    writer.write(headers("waits"))
    await wait_until(lambda: probe.never is not None)
    writer.close()
    await asyncio.wait_for(probe.cancelled.wait(), 5)
    await wait_until(lambda: server.active_sessions == 0)
    assert server.stats.hangups == 1


async def test_stop_ends_running_sessions_after_the_grace(probe: Probe) -> None:
    srv = AgiServer({"waits": Route(probe.waits, timeout=30)})
    await srv.start("127.0.0.1", 0)
    reader, writer = await raw_connection(srv.port)
    writer.write(headers("waits"))
    await wait_until(lambda: probe.never is not None)
    await srv.stop(grace=0.1)
    assert probe.cancelled.is_set()
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_many_sessions_at_once(server: AgiServer) -> None:
    sessions = await asyncio.gather(
        *(call(server.port, "ok", uniqueid=f"1700.{n}") for n in range(200))
    )
    assert all(_variables(s.commands)[-1] == "PBX_AGI_OK" for s in sessions)
    assert server.stats.completed == 200


async def test_too_many_sessions_are_refused_not_queued(probe: Probe) -> None:
    srv = AgiServer(
        {"waits": Route(probe.waits, timeout=30), "ok": Route(probe.ok)}, max_sessions=1
    )
    await srv.start("127.0.0.1", 0)
    try:
        _r, writer = await raw_connection(srv.port)
        writer.write(headers("waits"))
        await wait_until(lambda: probe.never is not None)
        refused = await call(srv.port, "ok")
        assert refused.commands == []
        assert srv.stats.refused == 1
        writer.close()
    finally:
        await srv.stop(grace=0.1)


async def test_a_refused_set_variable_raises(server: AgiServer) -> None:
    async def route(request: AgiRequest) -> None:
        with pytest.raises(AgiCommandFailed):
            await request.set_variables([("A", "1"), ("B", "2")])
        await request.set_variables([("PBX_AGI_OK", "1")])

    server.routes["refuse"] = Route(route)
    answers = iter([["510 Invalid or unknown command"], ["200 result=1"]])
    session = await call(server.port, "refuse", answer=lambda _c: next(answers))
    assert len(session.commands) == 2
    assert server.stats.completed == 1
