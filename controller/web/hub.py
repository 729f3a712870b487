"""Fan-out of live changes to websocket clients (a LiveState sink).

The tracker marks what changed; the hub coalesces changes and, every ``interval`` seconds,
sends each subscribed socket the current view of what changed (a wallboard never gets more
than a few messages a second, however busy the PBX). Screen pops go at once to the sockets
that follow that agent, with the caller's customer record and last calls looked up in the
database and the queue's CRM page (``screen_pop_url``, docs/crm.md).

Messages: ``{"type": "call"|"call_ended"|"queue"|"agent"|"screen_pop"|"board"|"figures",
"data": {...}}``. Each type needs a scope (:data:`MESSAGE_SCOPES`) and each message goes only
to the sockets whose principal may see that call, queue or agent
(:class:`~controller.web.scoping.Gate`): a wallboard's socket gets no calls and no caller
names, an agent's only their own.

``board`` (the wallboard's live tiles, :mod:`controller.web.board`) is sent after a change of
a queue or an agent, one computation for every socket that sees the same queues.
``figures`` (today's offered, answered, SL, ASA, AHT per queue) is published by
:class:`controller.web.figures.TodayFigures` every 10-15 s, computed server-side from the
history, never in the page. Both carry ``server_time`` so a page can keep timers counting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from controller.access.directory import AgentDirectory
from controller.access.policy import Principal, allows_any, queue_visible
from controller.access.scopes import Scope
from controller.ami.tracker import (
    CallView,
    Outbox,
    QueueView,
    ScreenPop,
    SeatView,
    Tracker,
    to_json,
)
from controller.web.board import TOTAL, board, serving_by_queue
from controller.web.gate import Gate
from controller.web.thresholds import strictest

logger = logging.getLogger(__name__)

DEFAULT_TOPICS = frozenset({"calls", "queues", "agents", "screen_pops"})
# board and figures are asked for ({"subscribe": [..., "board", "figures"]}); the snapshot
# carries both for every socket that may see queues.
TOPICS = DEFAULT_TOPICS | {"board", "figures", "apply"}
# What a socket's principal needs to receive each message type (one of them).
MESSAGE_SCOPES: dict[str, tuple[Scope, ...]] = {
    "snapshot": (),  # made of the others, each filtered as below
    "call": (Scope.CALLS_READ,),
    "call_ended": (Scope.CALLS_READ,),  # only for a call the socket was sent
    "queue": (Scope.QUEUES_READ, Scope.WALLBOARD_READ),
    "agent": (Scope.AGENTS_READ,),
    "screen_pop": (Scope.SCREEN_POPS,),
    "board": (Scope.QUEUES_READ, Scope.WALLBOARD_READ),  # of the queues the socket sees
    "figures": (Scope.QUEUES_READ, Scope.WALLBOARD_READ),  # of the queues the socket sees
    "apply": (Scope.CONFIG_READ,),  # progress of a configuration apply (admin pages)
    "subscribed": (),
    "pong": (),
    "error": (),
}
# What a pop carries besides the call: {"customer": record | None, "last_calls": [...]}.
CustomerLookup = Callable[[ScreenPop], Awaitable[dict[str, Any]]]
# The queues a socket sees (None: all): sockets with the same key share a board and figures.
ViewKey = frozenset[str] | None


@dataclass(eq=False)
class Subscriber:
    socket: web.WebSocketResponse
    principal: Principal
    topics: set[str] = field(default_factory=lambda: set(DEFAULT_TOPICS))
    agents: set[str] = field(default_factory=set)  # screen pops only for these (empty: all)
    calls: set[str] = field(default_factory=set)  # live calls it was sent
    sees_queues: bool | None = None  # whether it may get boards and figures (once known)


class Hub:
    def __init__(
        self,
        tracker: Tracker,
        lookup: CustomerLookup | None = None,
        interval: float = 0.25,
        gate: Gate | None = None,
    ) -> None:
        self.tracker = tracker
        self.gate = gate or Gate(AgentDirectory())
        self.lookup = lookup
        self.interval = interval
        self.subscribers: set[Subscriber] = set()
        self._calls: set[str] = set()
        self._queues: set[str] = set()
        self._agents: set[str] = set()
        self._popping: set[asyncio.Task[None]] = set()
        # When the oldest change not yet broadcast reached the hub (the board tells it, so a
        # page or a bench can tell how long a change took to reach it).
        self._changed_since: float | None = None
        self._wake = asyncio.Event()
        self.sent = 0
        # Today's figures by ViewKey, as last published; thresholds by queue (configuration).
        self.figures: dict[ViewKey, dict[str, Any]] = {}
        self.thresholds: dict[str, dict[str, Any]] = {}
        self.figures_wanted = asyncio.Event()  # a socket sees queues nobody computed yet
        self._serving: tuple[AgentDirectory, dict[str, frozenset[str]]] | None = None
        self.clock = time.time

    def on_outbox(self, outbox: Outbox) -> None:
        """LiveState sink: remember what changed; the broadcaster sends it. Screen pops go
        at once (the phone is ringing), not at the next broadcast."""
        if self._changed_since is None and (outbox.calls or outbox.queues or outbox.agents):
            self._changed_since = self.clock()
        self._calls |= outbox.calls
        self._queues |= outbox.queues
        self._agents |= outbox.agents
        for pop in outbox.screen_pops:
            task = asyncio.get_running_loop().create_task(self._pop(pop))
            self._popping.add(task)
            task.add_done_callback(self._popping.discard)
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
        since, self._changed_since = self._changed_since, None
        if not self.subscribers:
            return
        now = self.tracker.now
        cycle = _Cycle(
            self.gate,
            [(lid, self.tracker.call(lid, now)) for lid in sorted(calls)],
            [q for q in (self.tracker.queue(n, now) for n in sorted(queues)) if q],
            [s for s in (self.tracker.seat(c, now) for c in sorted(agents)) if s],
        )
        boards: dict[ViewKey, str] = {}
        live: tuple[list[QueueView], dict[str, SeatView]] | None = None
        for sub in list(self.subscribers):
            for text in cycle.messages_for(sub):
                await self._send_text(sub, text)
            if (queues or agents) and "board" in sub.topics and self.may_see_queues(sub):
                key = sub.principal.queues
                if key not in boards:
                    if live is None:  # every queue and seat once per cycle, for every board
                        live = self._live_views(now)
                    message = self.board_message(sub.principal, live)
                    message["data"]["changes_since"] = since
                    boards[key] = json.dumps(message)
                await self._send_text(sub, boards[key])

    def snapshot(self, sub: Subscriber) -> dict[str, Any]:
        """What a socket gets on connect: everything live it may see."""
        who, gate = sub.principal, self.gate
        calls = [c for c in self.tracker.calls() if gate.call(who, c)]
        sub.calls = {c.linkedid for c in calls}
        queues = [q for q in (gate.queue(who, q) for q in self.tracker.queues()) if q]
        seats = [s for s in self.tracker.seats() if gate.seat(who, s)]
        data: dict[str, Any] = {
            "calls": to_json(calls),
            "queues": to_json(queues),
            "agents": to_json(seats),
            "server_time": self.clock(),
        }
        if self.may_see_queues(sub):
            data["board"] = self.board_message(who)["data"]
            figures = self.figures.get(who.queues)
            if figures is None:
                self.figures_wanted.set()
            data["figures"] = figures
        return {"type": "snapshot", "data": data}

    # -- the wallboard's tiles and today's figures -------------------------------------------

    def may_see_queues(self, sub: Subscriber) -> bool:
        if sub.sees_queues is None:  # a socket's principal does not change
            sub.sees_queues = allows_any(sub.principal, MESSAGE_SCOPES["board"])
        return sub.sees_queues

    def _serving_by_queue(self) -> dict[str, frozenset[str]]:
        directory = self.gate.directory
        if self._serving is None or self._serving[0] is not directory:
            self._serving = (directory, serving_by_queue(directory.queues_by_agent))
        return self._serving[1]

    def _live_views(self, now: float) -> tuple[list[QueueView], dict[str, SeatView]]:
        return self.tracker.queues(now), {s.agent: s for s in self.tracker.seats(now)}

    def board_message(
        self, who: Principal, live: tuple[list[QueueView], dict[str, SeatView]] | None = None
    ) -> dict[str, Any]:
        """The tiles of the queues ``who`` sees, and their thresholds."""
        now = self.tracker.now
        queues, seats = live if live is not None else self._live_views(now)
        views = [q for q in queues if queue_visible(who, q.name)]
        tiles = board(views, seats, self._serving_by_queue(), now)
        shown = {q: t for q, t in self.thresholds.items() if q in {v.name for v in views}}
        return {
            "type": "board",
            "data": {
                "server_time": self.clock(),
                "tiles": to_json(tiles),
                "thresholds": {**shown, TOTAL: strictest(shown.values())},
            },
        }

    def figure_keys(self) -> set[ViewKey]:
        """The queue sets whose figures some socket is waiting for."""
        return {
            sub.principal.queues
            for sub in self.subscribers
            if "figures" in sub.topics and self.may_see_queues(sub)
        }

    async def publish_figures(self, computed: dict[ViewKey, dict[str, Any]]) -> None:
        """Keep today's figures of each queue set and send them to the sockets that see it."""
        self.figures.update(computed)
        texts = {
            key: json.dumps({"type": "figures", "data": data}) for key, data in computed.items()
        }
        for sub in list(self.subscribers):
            key = sub.principal.queues
            if "figures" in sub.topics and key in texts and self.may_see_queues(sub):
                await self._send_text(sub, texts[key])

    async def publish(self, kind: str, data: dict[str, Any]) -> None:
        """A message to every socket subscribed to its topic (``kind``) that may have it."""
        text = json.dumps({"type": kind, "data": data})
        for sub in list(self.subscribers):
            if kind in sub.topics and allows_any(sub.principal, MESSAGE_SCOPES[kind]):
                await self._send_text(sub, text)

    async def _pop(self, pop: ScreenPop) -> None:
        targets = [
            s for s in self.subscribers
            if "screen_pops" in s.topics and (not s.agents or pop.agent in s.agents)
            and self.gate.screen_pop(s.principal, pop.agent)
        ]  # fmt: skip
        if not targets:
            return
        found: dict[str, Any] = {}
        if self.lookup is not None:
            try:
                found = await self.lookup(pop)
            except Exception:
                logger.exception("hub=customer_lookup_failed linkedid=%s", pop.linkedid)
        data = {**to_json(pop), "customer": None, "last_calls": [], "screen_pop_url": None, **found}
        for sub in targets:
            await self._send(sub, {"type": "screen_pop", "data": data})

    async def _send(self, sub: Subscriber, message: dict[str, Any]) -> None:
        await self._send_text(sub, json.dumps(message))

    async def _send_text(self, sub: Subscriber, text: str) -> None:
        if sub.socket.closed:
            self.subscribers.discard(sub)
            return
        try:
            await sub.socket.send_str(text)
            self.sent += 1
        except (ConnectionError, RuntimeError):
            self.subscribers.discard(sub)

    async def close(self) -> None:
        for task in list(self._popping):
            task.cancel()
        for sub in list(self.subscribers):
            with contextlib.suppress(Exception):
                await sub.socket.close(code=1001, message=b"server shutting down")
        self.subscribers.clear()


class _Cycle:
    """One broadcast's changes: each message serialized once, and what each principal may see
    of them decided once, whatever the number of sockets (a call center's wallboards share
    one principal, an agent's tabs another). Per socket there is only the list to send and
    which of its calls ended."""

    def __init__(
        self,
        gate: Gate,
        calls: list[tuple[str, CallView | None]],
        queues: list[QueueView],
        seats: list[SeatView],
    ) -> None:
        self.gate, self.calls, self.queues, self.seats = gate, calls, queues, seats
        self._texts: dict[tuple[str, str], str] = {}
        # Principals are compared by value once per socket and cycle; decisions are keyed
        # by the principal's number here (hashing a Principal costs more than the lookup).
        self._numbers: dict[Principal, int] = {}
        self._shown: dict[tuple[int, str], Any] = {}

    def _text(self, kind: str, key: str, view: Any) -> str:
        found = self._texts.get((kind, key))
        if found is None:
            found = self._texts[(kind, key)] = json.dumps({"type": kind, "data": to_json(view)})
        return found

    def _calls_shown(self, number: int, who: Principal) -> tuple[list[tuple[str, str]], set[str]]:
        """The changed calls ``who`` may see, as (linkedid, message); the others' linkedids."""
        found = self._shown.get((number, "calls"))
        if found is None:
            shown, hidden = [], set()
            for linkedid, view in self.calls:
                if view is not None and self.gate.call(who, view):
                    shown.append((linkedid, self._text("call", linkedid, view)))
                else:
                    hidden.add(linkedid)
            found = self._shown[(number, "calls")] = (shown, hidden)
        return found  # type: ignore[no-any-return]

    def _queues_shown(self, number: int, who: Principal) -> list[str]:
        found = self._shown.get((number, "queues"))
        if found is None:
            found = []
            for queue in self.queues:
                shown = self.gate.queue(who, queue)
                if shown is not None:
                    variant = "full" if shown is queue else "redacted"
                    found.append(self._text("queue", f"{queue.name}|{variant}", shown))
            self._shown[(number, "queues")] = found
        return found  # type: ignore[no-any-return]

    def _seats_shown(self, number: int, who: Principal) -> list[str]:
        found = self._shown.get((number, "agents"))
        if found is None:
            found = [self._text("agent", s.agent, s) for s in self.seats if self.gate.seat(who, s)]
            self._shown[(number, "agents")] = found
        return found  # type: ignore[no-any-return]

    def messages_for(self, sub: Subscriber) -> list[str]:
        who, out = sub.principal, []
        number = self._numbers.setdefault(who, len(self._numbers))
        if "calls" in sub.topics and self.calls:
            shown, hidden = self._calls_shown(number, who)
            for linkedid, text in shown:
                sub.calls.add(linkedid)
                out.append(text)
            for linkedid in sorted(hidden & sub.calls):  # ended, or out of its sight now
                sub.calls.discard(linkedid)
                out.append(json.dumps({"type": "call_ended", "data": {"linkedid": linkedid}}))
        if "queues" in sub.topics and self.queues:
            out += self._queues_shown(number, who)
        if "agents" in sub.topics and self.seats:
            out += self._seats_shown(number, who)
        return out
