"""Which connections the FastAGI server keeps when too many are still sending headers."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from controller.agi.connection import AgiRequest
from controller.agi.server import REFUSALS_LOGGED, AgiServer, Route
from tests.unit.agi.fake_peer import headers, raw_connection, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="function")


async def ok(request: AgiRequest) -> None:
    await request.set_variables([("PBX_AGI_OK", "1")])


@pytest_asyncio.fixture
async def server() -> AsyncIterator[AgiServer]:
    srv = AgiServer({"ok": Route(ok)}, header_timeout=5, max_pending=3)
    await srv.start("127.0.0.1", 0)
    yield srv
    await srv.stop(grace=0.2)


async def _closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), 0.5) == b""
    except TimeoutError:
        return False


async def test_the_connection_silent_the_longest_is_closed_first(server: AgiServer) -> None:
    first = await raw_connection(server.port)
    second = await raw_connection(server.port)
    third = await raw_connection(server.port)
    await wait_until(lambda: server.pending_headers == 3)
    first[1].write(b"agi_network: yes\n")  # the first is sending its headers: kept
    await wait_until(lambda: server.stats.evicted == 0 and server.pending_headers == 3)
    await asyncio.sleep(0.05)
    fourth = await raw_connection(server.port)
    await wait_until(lambda: server.stats.evicted == 1)
    assert await _closed_by_server(second[0])
    assert not await _closed_by_server(first[0])
    assert not await _closed_by_server(third[0])
    assert server.pending_headers == 3
    for _reader, writer in (first, second, third, fourth):
        writer.close()


async def _answer(sock: socket.socket) -> bool:
    """Play Asterisk on a connected socket whose headers were sent: True if answered."""
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        command = await asyncio.wait_for(reader.readline(), 5)
        if not command.startswith(b"SET VARIABLE"):
            return False
        writer.write(b"200 result=1\n")
        return await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        writer.close()


async def test_a_call_whose_headers_are_there_at_accept_never_waits_among_idle_ones(
    server: AgiServer,
) -> None:
    idle = [await raw_connection(server.port) for _ in range(3)]
    await wait_until(lambda: server.pending_headers == 3)  # the cap: every slot is taken
    # Twenty calls connect and send their whole header block before the server's loop runs
    # again, as Asterisk does (connect, then the block at once).
    calls = []
    for n in range(20):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(headers("ok", uniqueid=f"1700.{n}"))
        calls.append(sock)
    assert await asyncio.gather(*(_answer(sock) for sock in calls)) == [True] * 20
    assert server.stats.completed == 20
    assert server.stats.evicted == 0  # nobody had to make room for them
    for _reader, writer in idle:
        writer.close()


async def test_headers_one_byte_per_write_still_make_a_session(server: AgiServer) -> None:
    reader, writer = await raw_connection(server.port)
    for byte in headers("ok"):
        writer.write(bytes([byte]))
        await writer.drain()
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"SET VARIABLE")
    writer.write(b"200 result=1\n")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_refusals_are_logged_one_by_one_then_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    srv = AgiServer({"ok": Route(ok)}, header_timeout=0.2)
    await srv.start("127.0.0.1", 0)
    idle = [await raw_connection(srv.port) for _ in range(REFUSALS_LOGGED + 15)]
    with caplog.at_level(logging.WARNING, logger="controller.agi"):
        await wait_until(lambda: srv.stats.header_timeouts == len(idle))
        await srv.stop(grace=0.1)
    one_by_one = [r for r in caplog.records if "event=agi_refused " in r.getMessage()]
    counted = [r.getMessage() for r in caplog.records if "event=agi_refused_more" in r.getMessage()]
    assert len(one_by_one) == REFUSALS_LOGGED
    assert counted == ["event=agi_refused_more kind=header_timeout count=15 seconds=10"]
    for _reader, writer in idle:
        writer.close()


async def test_stopping_closes_the_sockets_of_connections_still_being_set_up() -> None:
    srv = AgiServer({"ok": Route(ok)})
    await srv.start("127.0.0.1", 0)
    with socket.create_connection(("127.0.0.1", srv.port)) as client:
        accepted, _address = srv._listener.sockets[0].accept()  # type: ignore[union-attr]
        accepted.setblocking(False)
        srv._admit(accepted)  # its transport is set up by a task that has not run yet
        await srv.stop(grace=0.1)
        assert accepted.fileno() == -1  # closed, not left to the garbage collector
        client.settimeout(5)
        assert client.recv(1) == b""
