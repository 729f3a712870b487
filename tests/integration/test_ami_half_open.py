"""A half-open AMI connection to the real Asterisk: the keepalive notices, the client reconnects.

A proxy between the client and Asterisk stops forwarding while keeping both sockets open (no
FIN, no RST: what a dead NAT entry or a pulled cable behind a switch looks like). Nothing
but the client's own keepalive can tell; once it drops the connection, the next one goes
through and the tracker is resynchronised.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import pytest

from controller.ami.client import AmiClient
from controller.ami.live import LiveState
from controller.ami.session import AmiCredentials
from controller.ami.tracker import Tracker
from controller.sandbox import AsteriskSandbox
from tests.sandbox_fixtures import BASE_CONFIG

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]


class StallingProxy:
    def __init__(self, port: int) -> None:
        self.target_port = port
        self.stalled = False  # new connections are still forwarded; open ones go silent
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._old: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if writer in self._old:
                    continue  # the stalled connection: swallow, never close
                writer.write(data)
                await writer.drain()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def stall_open_connections(self) -> None:
        self._old |= self._writers

    async def close(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


async def _until(check: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s")
        await asyncio.sleep(0.05)


async def test_half_open_connection_is_detected_and_replaced(
    restart_asterisk: Callable[..., AsteriskSandbox],
) -> None:
    sandbox = restart_asterisk(BASE_CONFIG)
    account = sandbox.ami
    proxy = StallingProxy(account.port)
    await proxy.start()
    tracker = Tracker()
    live = LiveState(tracker)
    credentials = AmiCredentials("127.0.0.1", proxy.port, account.username, account.secret)
    client = AmiClient(
        credentials, live.on_message, on_connected=live.resync, keepalive_interval=0.5,
        keepalive_timeout=1.0, min_backoff=0.1,
    )  # fmt: skip
    task = asyncio.create_task(client.run())
    try:
        await _until(lambda: live.resyncs == 1, within=15)
        proxy.stall_open_connections()
        await _until(lambda: client.keepalive_failures == 1, within=15)
        await _until(lambda: live.resyncs == 2 and client.connected, within=15)
        response = await client.action("Ping")  # the new connection works
        assert response["Ping"] == "Pong"
        assert client.connects == 2
    finally:
        client.stop()
        await asyncio.wait_for(task, 10)
        await proxy.close()
