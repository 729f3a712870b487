"""The two FastAGI servers the benchmark compares, each run in its own process.

- ``bare``: panoramisk 1.4's FastAGI Application with one route doing one ``SET VARIABLE``
  (the baseline the targets are expressed against);
- ``controller``: the controller's :class:`~controller.agi.server.AgiServer` with its real
  route table, deciding ``inbound`` over the benchmark's rule set and live state.

Each server binds 127.0.0.1 on a free port, reports it through a pipe, and exits when the
pipe closes or after ``lifetime`` seconds, whichever comes first.
"""

from __future__ import annotations

import asyncio
import os
from multiprocessing.connection import Connection

from bench import agi_dataset


async def _bare(conn: Connection, lifetime: float) -> None:
    from panoramisk import fast_agi

    loop = asyncio.get_running_loop()
    app = fast_agi.Application(loop=loop)

    async def inbound(request: fast_agi.Request) -> None:
        await request.send_command('SET VARIABLE PBX_DEST_CONTEXT "pbx-queue-q0"')

    app.add_route("inbound", inbound)
    server = await asyncio.start_server(app.handler, "127.0.0.1", 0)
    await _serve(conn, server.sockets[0].getsockname()[1], lifetime)
    server.close()


async def _controller(conn: Connection, lifetime: float) -> None:
    from controller.agi.routes import route_table
    from controller.agi.server import AgiServer
    from controller.agi.service import settle_memory
    from controller.agi.services import AgiServices, FixedRules
    from controller.routing.region import RegionLookup

    rules = agi_dataset.rules()
    live = agi_dataset.live_state(rules, agi_dataset.NOW.timestamp())
    region = RegionLookup()
    region.warm_up(["CN"])
    last = {number: rules.customers[number].owner for number in list(rules.customers)[::7]}
    services = AgiServices(
        FixedRules(rules),
        live=live,
        region=region,
        history=_History({k: v for k, v in last.items() if v}),
        clock=lambda: agi_dataset.NOW,
    )
    settle_memory()  # what AgiService does after each rules load
    server = AgiServer(route_table(services))
    await server.start("127.0.0.1", 0)
    await _serve(conn, server.port, lifetime)
    await server.stop(grace=0.5)


class _History:
    def __init__(self, last: dict[str, str]) -> None:
        self._last = last

    def last_agent(self, e164: str) -> str | None:
        return self._last.get(e164)


async def _serve(conn: Connection, port: int, lifetime: float) -> None:
    conn.send(port)
    loop = asyncio.get_running_loop()
    closed = asyncio.Event()
    loop.add_reader(conn.fileno(), closed.set)  # the parent closed the pipe: time to go
    try:
        await asyncio.wait_for(closed.wait(), lifetime)
    except TimeoutError:
        pass
    finally:
        loop.remove_reader(conn.fileno())


def serve(kind: str, conn: Connection, cpu: int | None, lifetime: float = 600.0) -> None:
    """Process entry point: run server ``kind`` ("bare" or "controller")."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    main = _bare if kind == "bare" else _controller
    asyncio.run(main(conn, lifetime))
