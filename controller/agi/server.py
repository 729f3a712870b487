"""The FastAGI server: an explicit route table, one task per session, nothing fatal.

A route is an ``async def handler(request)`` that sets its channel variables, ``PBX_AGI_OK``
last (see docs/dialplan-contract.md). Whatever goes wrong inside a route (an exception, a
timeout, a hangup) is logged with the call's uniqueid and ends only that session; since
``PBX_AGI_OK`` was never set, the dialplan takes its fallback.

    server = AgiServer(routes)              # routes: Mapping[str, Route]
    await server.start("127.0.0.1", 4573)
    ...
    await server.stop()
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from controller.agi.connection import AgiConnection, AgiError, AgiHangup, AgiRequest

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
    refused: int = 0  # bad headers, unknown route, too many sessions
    by_route: dict[str, int] = field(default_factory=dict)


class AgiServer:
    def __init__(
        self,
        routes: Mapping[str, Route],
        *,
        header_timeout: float = 5.0,
        command_timeout: float = 5.0,
        max_sessions: int = 2000,
    ) -> None:
        self.routes = dict(routes)
        self.header_timeout = header_timeout
        self.command_timeout = command_timeout
        self.max_sessions = max_sessions
        self.stats = ServerStats()
        self._server: asyncio.Server | None = None
        self._connections: set[AgiConnection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "AgiServer.start() was not called"
        return self._loop

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        assert self._server is not None, "server not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active_sessions(self) -> int:
        return len(self._connections)

    async def start(self, host: str, port: int) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await self._loop.create_server(
            self._accept, host, port, reuse_address=True, backlog=1024
        )
        log.info(
            "event=agi_listening host=%s port=%d routes=%s", host, self.port, ",".join(self.routes)
        )

    async def stop(self, grace: float = 5.0) -> None:
        """Stop listening; let running sessions finish for ``grace`` seconds, then end them."""
        if self._server is None:
            return
        self._server.close()
        tasks = [c.task for c in self._connections if c.task is not None and not c.task.done()]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        for conn in list(self._connections):
            conn.close()
        await self._server.wait_closed()
        self._server = None
        log.info("event=agi_stopped")

    # -- sessions -----------------------------------------------------------------------

    def _accept(self) -> AgiConnection:
        conn = AgiConnection(self, self._dispatch)
        self._connections.add(conn)
        return conn

    def _forget(self, conn: AgiConnection) -> None:
        self._connections.discard(conn)

    def _dispatch(self, conn: AgiConnection) -> None:
        request = conn.request
        assert request is not None
        self.stats.sessions += 1
        route = self.routes.get(request.script)
        if route is None:
            self.log_refused(conn, f"no route {request.script!r}")
            conn.close()
            return
        if len(self._connections) > self.max_sessions:
            self.log_refused(conn, f"more than {self.max_sessions} sessions")
            conn.close()
            return
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

    def log_refused(self, conn: AgiConnection, why: str) -> None:
        self.stats.refused += 1
        uniqueid = conn.request.uniqueid if conn.request is not None else ""
        log.warning("event=agi_refused peer=%s uniqueid=%s reason=%r", conn.peer, uniqueid, why)
