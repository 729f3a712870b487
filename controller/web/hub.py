"""Fan-out of live changes to websocket clients (a LiveState sink).

The tracker marks what changed; the hub coalesces changes and, every ``interval`` seconds,
sends each subscribed socket the current view of what changed (a wallboard never gets more
than a few messages a second, however busy the PBX). Screen pops go at once to the sockets
that follow that agent, with the caller's customer record looked up in the database.

Messages: ``{"type": "call"|"call_ended"|"queue"|"agent"|"screen_pop", "data": {...}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from controller.ami.tracker import Outbox, ScreenPop, Tracker, to_json

logger = logging.getLogger(__name__)

TOPICS = frozenset({"calls", "queues", "agents", "screen_pops"})
CustomerLookup = Callable[[ScreenPop], Awaitable[dict[str, Any] | None]]


@dataclass(eq=False)
class Subscriber:
    socket: web.WebSocketResponse
    topics: set[str] = field(default_factory=lambda: set(TOPICS))
    agents: set[str] = field(default_factory=set)  # screen pops only for these (empty: all)


class Hub:
    def __init__(
        self, tracker: Tracker, lookup: CustomerLookup | None = None, interval: float = 0.25
    ) -> None:
        self.tracker = tracker
        self.lookup = lookup
        self.interval = interval
        self.subscribers: set[Subscriber] = set()
        self._calls: set[str] = set()
        self._queues: set[str] = set()
        self._agents: set[str] = set()
        self._pops: list[ScreenPop] = []
        self._wake = asyncio.Event()
        self.sent = 0

    def on_outbox(self, outbox: Outbox) -> None:
        """LiveState sink: remember what changed; the broadcaster sends it."""
        self._calls |= outbox.calls
        self._queues |= outbox.queues
        self._agents |= outbox.agents
        self._pops.extend(outbox.screen_pops)
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.broadcast()
            except Exception:
                logger.exception("hub=broadcast_failed")
            await asyncio.sleep(self.interval)

    async def broadcast(self) -> None:
        calls, self._calls = self._calls, set()
        queues, self._queues = self._queues, set()
        agents, self._agents = self._agents, set()
        pops, self._pops = self._pops, []
        if not self.subscribers:
            return
        messages: dict[str, list[dict[str, Any]]] = {"calls": [], "queues": [], "agents": []}
        for linkedid in sorted(calls):
            view = self.tracker.call(linkedid)
            if view is None:
                messages["calls"].append({"type": "call_ended", "data": {"linkedid": linkedid}})
            else:
                messages["calls"].append({"type": "call", "data": to_json(view)})
        for name in sorted(queues):
            queue = self.tracker.queue(name)
            if queue is not None:
                messages["queues"].append({"type": "queue", "data": to_json(queue)})
        for code in sorted(agents):
            seat = self.tracker.seat(code)
            if seat is not None:
                messages["agents"].append({"type": "agent", "data": to_json(seat)})
        for pop in pops:
            await self._pop(pop)
        for sub in list(self.subscribers):
            for topic, items in messages.items():
                if topic in sub.topics:
                    for message in items:
                        await self._send(sub, message)

    async def _pop(self, pop: ScreenPop) -> None:
        targets = [
            s for s in self.subscribers
            if "screen_pops" in s.topics and (not s.agents or pop.agent in s.agents)
        ]  # fmt: skip
        if not targets:
            return
        customer = None
        if self.lookup is not None:
            try:
                customer = await self.lookup(pop)
            except Exception:
                logger.exception("hub=customer_lookup_failed linkedid=%s", pop.linkedid)
        data = {**to_json(pop), "customer": customer}
        for sub in targets:
            await self._send(sub, {"type": "screen_pop", "data": data})

    async def _send(self, sub: Subscriber, message: dict[str, Any]) -> None:
        if sub.socket.closed:
            self.subscribers.discard(sub)
            return
        try:
            await sub.socket.send_json(message)
            self.sent += 1
        except (ConnectionError, RuntimeError):
            self.subscribers.discard(sub)

    async def close(self) -> None:
        for sub in list(self.subscribers):
            with contextlib.suppress(Exception):
                await sub.socket.close(code=1001, message=b"server shutting down")
        self.subscribers.clear()
