"""One FastAGI session: an asyncio Protocol that reads the headers and the responses itself.

Why not a StreamReader (or panoramisk's handler): every read here is bounded. The header
block has a deadline and a size limit, a peer that closes mid-headers ends the session at
once (``connection_lost``: no read loop left to spin on EOF), and each command's response
has its own timer. A ``HANGUP`` notice is recorded, never taken for a response, and after a
timed-out command the session refuses further commands, so a late answer can never be
matched to the wrong question.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from controller.agi.protocol import (
    HANGUP_NOTICE,
    MAX_HEADER_BYTES,
    AgiProtocolError,
    AgiResponse,
    arguments,
    array_assignments,
    parse_headers,
    parse_response,
    quote,
)

if TYPE_CHECKING:
    from controller.agi.server import AgiServer


class AgiError(Exception):
    """The session cannot go on: the channel hung up, the peer went away or stalled."""


class AgiHangup(AgiError):
    """The caller hung up or Asterisk closed the session."""


class AgiTimeout(AgiError):
    """Asterisk did not answer a command in time."""


class AgiCommandFailed(AgiError):
    """Asterisk answered a command with an error code."""


class AgiRequest:
    """What a route sees: the headers, its arguments, and a way to send commands."""

    __slots__ = ("_conn", "args", "headers", "script")

    def __init__(self, conn: AgiConnection, headers: Mapping[str, str]) -> None:
        self._conn = conn
        self.headers = headers
        script = headers.get("agi_network_script") or headers.get("agi_request", "")
        # "agi://host/route?x=1": the route is the path; arguments come as agi_arg_N.
        self.script = script.partition("?")[0].strip("/")
        self.args = arguments(headers)

    @property
    def uniqueid(self) -> str:
        return self.headers.get("agi_uniqueid", "")

    @property
    def channel(self) -> str:
        return self.headers.get("agi_channel", "")

    @property
    def caller_number(self) -> str:
        number = self.headers.get("agi_callerid", "")
        return "" if number == "unknown" else number

    @property
    def caller_name(self) -> str:
        name = self.headers.get("agi_calleridname", "")
        return "" if name == "unknown" else name

    @property
    def language(self) -> str:
        return self.headers.get("agi_language", "")

    @property
    def hung_up(self) -> bool:
        return self._conn.hung_up

    def arg(self, index: int, default: str = "") -> str:
        """Argument ``index`` (1-based, like agi_arg_N)."""
        return self.args[index - 1] if 0 < index <= len(self.args) else default

    async def command(self, line: str, timeout: float | None = None) -> AgiResponse:
        return await self._conn.command(line, timeout)

    async def set_variables(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Set variables in order, in as few commands as possible (one, usually)."""
        for line in array_assignments(pairs):
            response = await self._conn.command(line, None)
            if response.code != 200:
                raise AgiCommandFailed(f"SET VARIABLE refused: {response.line[:120]}")

    async def get_variable(self, name: str) -> str | None:
        """A channel variable or function value; None when unset."""
        response = await self._conn.command(f"GET VARIABLE {quote(name)}", None)
        return response.data if response.result == "1" else None

    async def get_full_variable(self, expression: str) -> str | None:
        """Evaluate ``${...}`` expressions in the channel's context."""
        response = await self._conn.command(f"GET FULL VARIABLE {quote(expression)}", None)
        return response.data if response.result == "1" else None


class AgiConnection(asyncio.Protocol):
    def __init__(
        self,
        server: AgiServer,
        on_request: Callable[[AgiConnection], None],
        early: bytes = b"",
    ) -> None:
        self.server = server
        self._on_request = on_request
        self._early = early  # read by the server at accept, before the transport existed
        self.transport: asyncio.Transport | None = None
        self.request: AgiRequest | None = None
        self.task: asyncio.Task[None] | None = None
        self.hung_up = False
        self._buffer = bytearray()
        self._searched = 0  # bytes of the header block already searched for its end
        self._pending: asyncio.Future[AgiResponse] | None = None
        self._usage: list[str] | None = None  # a multi-line "520-" answer being collected
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._broken: str | None = None  # why no more commands may be sent

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if self._closed:  # closed by the server before it was even set up
            transport.close()
            return
        self._timer = self.server.loop.call_later(self.server.header_timeout, self._no_headers)
        if self._early:
            early, self._early = self._early, b""
            self.data_received(early)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self.request is None:
            self.server.headers_progressing(self)
            self._read_headers()
        else:
            self._read_lines()

    def eof_received(self) -> bool:
        self._gone()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._gone()
        if self.task is not None and not self.task.done():
            # A route waiting on something other than Asterisk (a callback confirmation)
            # must not outlive its call.
            self.task.cancel()
        self.server._forget(self)

    # -- headers ----------------------------------------------------------------------------

    def _read_headers(self) -> None:
        # Search only what arrived since the last look (and the newline before it): Asterisk
        # sends one line per write, a hostile peer one byte per write.
        end = self._buffer.find(b"\n\n", max(0, self._searched - 1))
        if end < 0:
            self._searched = len(self._buffer)
            if len(self._buffer) > MAX_HEADER_BYTES:
                self.server.log_refused(self, "header block too long", "headers_too_long")
                self.close()
            return
        block = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        self._cancel_timer()
        try:
            self.request = AgiRequest(self, parse_headers(block))
        except AgiProtocolError as exc:
            self.server.log_refused(self, str(exc), "bad_headers")
            self.close()
            return
        self._on_request(self)
        if self._buffer:
            self._read_lines()

    def _no_headers(self) -> None:
        self._timer = None
        self.server.stats.header_timeouts += 1
        self.server.log_refused(self, "no complete AGI headers in time", "header_timeout")
        self.close()

    # -- responses --------------------------------------------------------------------------

    def _read_lines(self) -> None:
        buffer = self._buffer
        while (end := buffer.find(b"\n")) >= 0:
            line = buffer[:end].decode("utf-8", "replace").rstrip("\r")
            del buffer[: end + 1]
            self._line(line)
        if len(buffer) > MAX_HEADER_BYTES:
            self._fail(AgiError("response line too long"), "an overlong response line")

    def _line(self, line: str) -> None:
        if line == HANGUP_NOTICE:
            self.hung_up = True  # a notice, not the answer to the command in flight
            return
        if self._usage is not None:
            self._usage.append(line)
            if line.startswith("520 "):
                usage, self._usage = self._usage, None
                self._resolve(AgiResponse(520, "", "\n".join(usage), usage[0]))
            return
        if line.startswith("520-"):
            self._usage = [line]
            return
        if not line:
            return
        try:
            response = parse_response(line)
        except AgiProtocolError as exc:
            self._fail(AgiError(f"not AGI: {exc}"), "garbage instead of a response")
            return
        self._resolve(response)

    def _resolve(self, response: AgiResponse) -> None:
        pending, self._pending = self._pending, None
        self._cancel_timer()
        if pending is None or pending.done():
            # An answer nobody asked for: the session is out of step; stop using it.
            self._broken = "an unexpected response arrived"
            return
        pending.set_result(response)

    async def command(self, line: str, timeout: float | None) -> AgiResponse:
        if self._closed or self.transport is None:
            raise AgiHangup("the AGI session is closed")
        if self._broken is not None:
            raise AgiError(f"session unusable: {self._broken}")
        if self._pending is not None:
            raise RuntimeError("AGI commands must not overlap: await each one")
        loop = self.server.loop
        future: asyncio.Future[AgiResponse] = loop.create_future()
        self._pending = future
        self._timer = loop.call_later(
            timeout or self.server.command_timeout, self._command_timed_out
        )
        self.transport.write(line.encode("utf-8") + b"\n")
        return await future

    def _command_timed_out(self) -> None:
        self._timer = None
        self._fail(AgiTimeout("Asterisk did not answer in time"), "a command timed out")

    def _fail(self, error: AgiError, why: str) -> None:
        self._broken = why
        pending, self._pending = self._pending, None
        self._cancel_timer()
        if pending is not None and not pending.done():
            pending.set_exception(error)

    def _gone(self) -> None:
        self._closed = True
        self._cancel_timer()
        if self._broken is None:
            self._broken = "the peer closed the session"
        pending, self._pending = self._pending, None
        if pending is not None and not pending.done():
            pending.set_exception(AgiHangup("Asterisk closed the session"))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.transport is not None:
            self.transport.close()  # else at connection_made

    @property
    def peer(self) -> str:
        if self.transport is None:
            return "?"
        peer = self.transport.get_extra_info("peername")
        return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
