"""The FastAGI server: an explicit route table, one task per session, nothing fatal.

A route is an ``async def handler(request)`` that sets its channel variables, ``PBX_AGI_OK``
last (see docs/dialplan-contract.md). Whatever goes wrong inside a route (an exception, a
timeout, a hangup) is logged with the call's uniqueid and ends only that session; since
``PBX_AGI_OK`` was never set, the dialplan takes its fallback.

    server = AgiServer(routes)              # routes: Mapping[str, Route]
    await server.start("127.0.0.1", 4573)
    ...
    await server.stop()

A flood of connections that never finish their headers must not keep real calls waiting
(issue 12: 1,500 idle connections held them 4.7 s). Asterisk writes its header block at once,
so a connection still without headers after ``header_timeout`` is closed; at most
``max_pending`` connections may be sending headers, and beyond that the one of them silent
the longest is closed to let the new one in (an attacker's idle connection: a real call's
header lines arrive back to back within a millisecond). Sessions past their headers are
capped separately (``max_sessions``: refused at once, so Asterisk falls back instead of
waiting). Both caps fit within the process's descriptor limit with a reserve for the rest
of the service (``controller/agi/descriptors.py``), and the accept loop is our own
(``controller/agi/listener.py``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from controller.agi.connection import AgiConnection, AgiError, AgiHangup, AgiRequest
from controller.agi.descriptors import Capacity, fit_capacity, raise_soft_limit
from controller.agi.listener import ACCEPT_BATCH, Listener, listening_sockets
from controller.agi.protocol import MAX_HEADER_BYTES

log = logging.getLogger("controller.agi")

Handler = Callable[[AgiRequest], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    timeout: float = 5.0  # the whole session, from headers to the last command


@dataclass
class ServerStats:
    sessions: int = 0
    completed: int = 0
    failed: int = 0  # exceptions and timeouts inside routes
    hangups: int = 0
    refused: int = 0  # bad or missing headers, unknown route, too many sessions
    evicted: int = 0  # closed while sending headers, to make room for a newer connection
    header_timeouts: int = 0  # closed for not sending their headers in time
    by_route: dict[str, int] = field(default_factory=dict)


# Refusals of each kind are logged one by one up to REFUSALS_LOGGED per window, then
# counted: a flood must not turn into a flood of log lines, nor hide another kind of refusal.
REFUSALS_LOGGED = 20
REFUSAL_WINDOW_SECONDS = 10.0
# How long a connection ceiling learnt from running out of descriptors holds.
CEILING_SECONDS = 60.0


class AgiServer:
    def __init__(
        self,
        routes: Mapping[str, Route],
        *,
        header_timeout: float = 2.0,
        command_timeout: float = 5.0,
        max_sessions: int = 2000,
        max_pending: int = 512,
    ) -> None:
        self.routes = dict(routes)
        self.header_timeout = header_timeout
        self.command_timeout = command_timeout
        self.wanted = Capacity(sessions=max_sessions, pending=max_pending)
        self.capacity = self.wanted  # fitted to the descriptor limit at start()
        self.stats = ServerStats()
        self._listener: Listener | None = None
        self._connections: set[AgiConnection] = set()  # open (or closing), holding a descriptor
        # Still sending headers, the longest silent first (the order of eviction).
        self._pending: dict[AgiConnection, None] = {}
        self._sessions: set[AgiConnection] = set()  # past their headers
        # Accepted sockets whose transport is being set up, by the task doing it.
        self._attaching: dict[asyncio.Task[None], socket.socket] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._logged: Counter[str] = Counter()  # refusals logged in this window, by kind
        self._unlogged: Counter[str] = Counter()
        self._window: asyncio.TimerHandle | None = None
        # After accept() ran out of descriptors: fewer connections than planned, for a while.
        self._ceiling: int | None = None
        self._ceiling_until = 0.0

    @property
    def max_sessions(self) -> int:
        return self.capacity.sessions

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "AgiServer.start() was not called"
        return self._loop

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        assert self._listener is not None, "server not started"
        return int(self._listener.sockets[0].getsockname()[1])

    @property
    def active_sessions(self) -> int:
        """Connections open, whether still sending headers or running a route."""
        return len(self._connections)

    @property
    def pending_headers(self) -> int:
        return len(self._pending)

    async def start(self, host: str, port: int) -> None:
        self._loop = asyncio.get_running_loop()
        descriptors = raise_soft_limit()
        self.capacity = fit_capacity(self.wanted, descriptors)
        if self.capacity != self.wanted:
            log.warning(
                "event=agi_capacity_reduced descriptors=%d sessions=%d pending=%d "
                "hint=%r", descriptors, self.capacity.sessions, self.capacity.pending,
                "raise the open files limit (LimitNOFILE in the systemd unit)",
            )  # fmt: skip
        self._listener = Listener(
            self._loop,
            listening_sockets(host, port),
            admit=self._admit,
            free_descriptors=self._out_of_descriptors,
        )
        self._listener.start()
        log.info(
            "event=agi_listening host=%s port=%d routes=%s sessions=%d pending=%d "
            "header_timeout=%.1f", host, self.port, ",".join(self.routes),
            self.capacity.sessions, self.capacity.pending, self.header_timeout,
        )  # fmt: skip

    async def stop(self, grace: float = 5.0) -> None:
        """Stop listening; let running sessions finish for ``grace`` seconds, then end them."""
        if self._listener is None:
            return
        self._listener.close()
        tasks = [c.task for c in self._connections if c.task is not None and not c.task.done()]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        for conn in list(self._connections):
            conn.close()
        attaching = dict(self._attaching)
        for task in attaching:
            task.cancel()
        if attaching:
            await asyncio.wait(attaching, timeout=1.0)
        for sock in attaching.values():
            sock.close()  # a task cancelled before it ran never closed its socket
        await asyncio.sleep(0)  # let the closed transports give their sockets back
        self._flush_refusals()
        self._listener = None
        log.info("event=agi_stopped")

    # -- admission ----------------------------------------------------------------------

    def _connection_ceiling(self) -> int:
        if self._ceiling is not None and self.loop.time() < self._ceiling_until:
            return self._ceiling
        self._ceiling = None
        return self.capacity.connections

    def _make_room(self, *, sending_headers: bool) -> bool:
        """Whether a new connection may be kept, closing the connection silent the longest
        among those still sending headers if need be."""
        if len(self._connections) >= self._connection_ceiling():
            return self._evict_longest_silent()
        if sending_headers and len(self._pending) >= self.capacity.pending:
            return self._evict_longest_silent()
        return True

    def _out_of_descriptors(self) -> bool:
        """accept() failed for want of descriptors: the rest of the process holds more than
        the reserve. Take what is open now, less a batch, as the ceiling for a while, and
        close a batch of the longest silent connections; True if any was closed."""
        self._ceiling = max(1, len(self._connections) - ACCEPT_BATCH)
        self._ceiling_until = self.loop.time() + CEILING_SECONDS
        closed = 0
        while closed < ACCEPT_BATCH and self._evict_longest_silent():
            closed += 1
        return closed > 0

    def headers_progressing(self, conn: AgiConnection) -> None:
        """``conn`` sent part of its headers: it moves to the back of the eviction order."""
        if self._pending.pop(conn, False) is None:
            self._pending[conn] = None

    def _evict_longest_silent(self) -> bool:
        """Close the connection still sending headers that has been silent the longest;
        False if none.

        Asterisk writes a session's header lines back to back within a millisecond of
        connecting: the connection silent the longest is the least likely to be a call."""
        conn = next(iter(self._pending), None)
        if conn is None:
            return False
        del self._pending[conn]
        self.stats.evicted += 1
        self.log_refused(conn, f"still no headers with {self.capacity.pending} waiting", "evicted")
        conn.close()
        return True

    def _admit(self, sock: socket.socket) -> None:
        # Asterisk writes its header block as soon as it is connected: by the time a
        # connection is accepted from the queue, the whole block is usually there. Read it
        # now, so that a call never waits among the connections still sending headers (to be
        # evicted by a flood before its transport is even set up).
        try:
            early = sock.recv(MAX_HEADER_BYTES + 1)
        except (BlockingIOError, InterruptedError):
            early = b""
        except OSError:
            sock.close()
            return
        sending_headers = b"\n\n" not in early
        if not self._make_room(sending_headers=sending_headers):
            self._refuse_unadmitted(sock)
            return
        conn = AgiConnection(self, self._dispatch, early)
        self._connections.add(conn)
        if sending_headers:
            self._pending[conn] = None
        task = self.loop.create_task(self._attach(conn, sock))
        self._attaching[task] = sock
        task.add_done_callback(self._attached)

    def _refuse_unadmitted(self, sock: socket.socket) -> None:
        """Full of sessions past their headers: closed at once, so Asterisk falls back now."""
        self.stats.refused += 1
        try:
            peer = "{}:{}".format(*sock.getpeername()[:2])
        except OSError:
            peer = "?"
        self._log_refusal(peer, "", f"{len(self._sessions)} sessions, no room", "full")
        sock.close()

    def _attached(self, task: asyncio.Task[None]) -> None:
        self._attaching.pop(task, None)

    async def _attach(self, conn: AgiConnection, sock: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(lambda: conn, sock)
        except (OSError, asyncio.CancelledError):
            sock.close()
            self._forget(conn)

    # -- sessions -----------------------------------------------------------------------

    def _forget(self, conn: AgiConnection) -> None:
        self._connections.discard(conn)
        self._pending.pop(conn, None)
        self._sessions.discard(conn)

    def _dispatch(self, conn: AgiConnection) -> None:
        request = conn.request
        assert request is not None
        self._pending.pop(conn, None)
        self.stats.sessions += 1
        route = self.routes.get(request.script)
        if route is None:
            self.log_refused(conn, f"no route {request.script!r}", "no_route")
            conn.close()
            return
        if len(self._sessions) >= self.capacity.sessions:
            self.log_refused(conn, f"more than {self.capacity.sessions} sessions", "full")
            conn.close()
            return
        self._sessions.add(conn)
        self.stats.by_route[request.script] = self.stats.by_route.get(request.script, 0) + 1
        conn.task = self.loop.create_task(self._run(conn, request, route))

    async def _run(self, conn: AgiConnection, request: AgiRequest, route: Route) -> None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(route.timeout):
                await route.handler(request)
            self.stats.completed += 1
        except AgiHangup as exc:
            self.stats.hangups += 1
            log.info("event=agi_hangup route=%s uniqueid=%s detail=%r",
                     request.script, request.uniqueid, str(exc))  # fmt: skip
        except asyncio.CancelledError:
            # Hung up while the route waited for something else, or the server is stopping.
            self.stats.hangups += 1
            log.info("event=agi_cancelled route=%s uniqueid=%s", request.script, request.uniqueid)
        except (AgiError, TimeoutError) as exc:
            self.stats.failed += 1
            log.warning("event=agi_route_failed route=%s uniqueid=%s error=%r after_ms=%.1f",
                        request.script, request.uniqueid, str(exc) or type(exc).__name__,
                        (time.perf_counter() - started) * 1000)  # fmt: skip
        except Exception:
            self.stats.failed += 1
            # The dialplan's fallback takes the call: PBX_AGI_OK was not set.
            log.exception("event=agi_route_error route=%s uniqueid=%s args=%r",
                          request.script, request.uniqueid, request.args)  # fmt: skip
        finally:
            conn.close()

    def log_refused(self, conn: AgiConnection, why: str, kind: str) -> None:
        self.stats.refused += 1
        uniqueid = conn.request.uniqueid if conn.request is not None else ""
        self._log_refusal(conn.peer, uniqueid, why, kind)

    def _log_refusal(self, peer: str, uniqueid: str, why: str, kind: str) -> None:
        if self._window is None:
            self._window = self.loop.call_later(REFUSAL_WINDOW_SECONDS, self._flush_refusals)
        if self._logged[kind] >= REFUSALS_LOGGED:
            self._unlogged[kind] += 1
            return
        self._logged[kind] += 1
        log.warning("event=agi_refused peer=%s uniqueid=%s kind=%s reason=%r",
                    peer, uniqueid, kind, why)  # fmt: skip

    def _flush_refusals(self) -> None:
        if self._window is not None:
            self._window.cancel()
            self._window = None
        for kind, count in self._unlogged.items():
            log.warning("event=agi_refused_more kind=%s count=%d seconds=%.0f",
                        kind, count, REFUSAL_WINDOW_SECONDS)  # fmt: skip
        self._unlogged.clear()
        self._logged.clear()
