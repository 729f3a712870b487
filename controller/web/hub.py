"""Fan-out of live changes to websocket clients (a LiveState sink).

The tracker marks what changed; the hub coalesces changes and sends each subscribed socket
the current view of what changed: at once when nothing was sent for ``interval`` seconds,
else at most once per ``interval`` (a busy PBX gives a wallboard at most a few messages a
second; a quiet one gets each change without waiting). Screen pops go at once to the sockets
that follow that agent, with the caller's customer record and last calls looked up in the
database and the queue's CRM page (``screen_pop_url``, docs/crm.md).

Messages: ``{"type": "call"|"call_ended"|"queue"|"agent"|"screen_pop"|"board"|"figures",
"data": {...}}``. Each type needs a scope (:data:`MESSAGE_SCOPES`) and each message goes only
to the sockets whose principal may see that call, queue or agent
(:class:`~controller.web.scoping.Gate`): a wallboard's socket gets no calls and no caller
names, an agent's only their own.

``board`` (the wallboard's live tiles, :mod:`controller.web.board`) is sent after a change of
a queue or an agent that changed the tiles, at most once per ``board_interval`` (0.2 s: every
screen gets each board, so boards are most of the sockets' writes), one computation for every
socket that sees the same queues, from views kept between boards
(:class:`~controller.web.board.LiveViews`: only what changed is read again). ``figures``
(today's offered, answered, SL, ASA, AHT per queue) is published by
:class:`controller.web.figures.TodayFigures` every 10-15 s, computed server-side from the
history, never in the page. Both carry ``server_time`` so a page can keep timers counting.

Cost: sockets with the same principal, topics and agents form an *audience* (grouped again
only when a socket comes, goes or subscribes anew); what an audience may see is decided,
serialized and framed once per broadcast, and each socket gets one write of the prebuilt
websocket frames. Calls and seats are decided without their views (who is on a call, an
agent's code), and a view is built only for what some audience is shown. A socket that
reads so slowly that more than :data:`MAX_PENDING` bytes wait for it is closed (1013, "try
again later"): the page reconnects and starts again from a snapshot, and the others never
wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import struct
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, web

from controller.access.directory import AgentDirectory
from controller.access.policy import Principal, allows_any, queue_visible
from controller.access.scopes import Scope
from controller.ami.tracker import (
    Outbox,
    QueueView,
    ScreenPop,
    SeatView,
    Tracker,
    to_json,
)
from controller.web.board import TOTAL, LiveViews, Tile, board, serving_by_queue, tile_json
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
# Who is on a live call (Tracker.call_people): its talking agents, channels' agents, queue.
CallPeople = tuple[tuple[str, ...], tuple[str, ...], str | None]
# What a pop carries besides the call: {"customer": record | None, "last_calls": [...]}.
CustomerLookup = Callable[[ScreenPop], Awaitable[dict[str, Any]]]
# The queues a socket sees (None: all): sockets with the same key share a board and figures.
ViewKey = frozenset[str] | None
# Bytes written to a socket and not yet taken by the client beyond which it is closed: a
# second or more of a busy call center's messages (a board is 1-3 KiB).
MAX_PENDING = 1 << 20


def frame(text: str) -> bytes:
    """``text`` as one websocket text frame, server to client (unmasked, RFC 6455 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


def message_frame(kind: str, data: Any) -> bytes:
    return frame(json.dumps({"type": kind, "data": data}))


class Audience:
    """The sockets that get the same messages: one principal, the same topics and agents."""

    __slots__ = ("agents", "number", "principal", "sees_queues", "topics")

    def __init__(
        self, principal: Principal, number: int, topics: frozenset[str], agents: frozenset[str]
    ) -> None:
        self.principal, self.number, self.topics, self.agents = principal, number, topics, agents
        self.sees_queues = allows_any(principal, MESSAGE_SCOPES["board"])


class Subscriber:
    """One websocket: whom it belongs to, what it asked for, what it was sent."""

    changes = 0  # subscriptions changed, by any socket (the hub's groups are then made again)

    def __init__(
        self,
        socket: web.WebSocketResponse,
        principal: Principal,
        transport: asyncio.BaseTransport | None = None,
    ) -> None:
        self.socket = socket
        self.principal = principal
        # Where the hub writes its prebuilt frames (the request's; None: through ``socket``).
        self.transport = transport
        self._topics: frozenset[str] = DEFAULT_TOPICS
        self._agents: frozenset[str] = frozenset()  # screen pops only for these (empty: all)
        self.calls: set[str] = set()  # live calls it was sent
        self.sees_queues: bool | None = None  # whether it may get boards and figures (once known)
        self.board = 0  # the version of the last board it was sent (0: none since connecting)
        self.audience: Audience | None = None  # set by the hub, reset by a new subscription

    @property
    def topics(self) -> frozenset[str]:
        return self._topics

    @topics.setter
    def topics(self, value: Iterable[str]) -> None:
        self._topics, self.audience = frozenset(value), None
        Subscriber.changes += 1

    @property
    def agents(self) -> frozenset[str]:
        return self._agents

    @agents.setter
    def agents(self, value: Iterable[str]) -> None:
        self._agents, self.audience = frozenset(value), None
        Subscriber.changes += 1


class Subscribers(set[Subscriber]):
    """The hub's sockets, counting their comings and goings: the sockets grouped by audience
    are kept until one comes, goes or subscribes anew (not regrouped for every broadcast and
    screen pop: ten broadcasts a second, 200 sockets)."""

    def __init__(self) -> None:
        super().__init__()
        self.changes = 0

    def add(self, sub: Subscriber) -> None:
        super().add(sub)
        self.changes += 1

    def discard(self, sub: Subscriber) -> None:
        super().discard(sub)
        self.changes += 1

    def remove(self, sub: Subscriber) -> None:
        super().remove(sub)
        self.changes += 1

    def clear(self) -> None:
        super().clear()
        self.changes += 1


@dataclass(frozen=True, slots=True)
class _Board:
    """The last board sent to the sockets that see one set of queues."""

    signature: tuple[Any, ...]  # what a page shows of it (not the clock)
    version: int


def _tile_key(tile: Tile) -> tuple[Any, ...]:
    """What a page shows of a tile: the longest wait counts on from ``oldest_joined_at``."""
    joined = None if tile.oldest_joined_at is None else round(tile.oldest_joined_at, 3)
    return (tile.queue, tile.waiting, joined, tile.agents)


class Hub:
    def __init__(
        self,
        tracker: Tracker,
        lookup: CustomerLookup | None = None,
        interval: float = 0.1,
        gate: Gate | None = None,
        board_interval: float = 0.2,
    ) -> None:
        self.tracker = tracker
        self.gate = gate or Gate(AgentDirectory())
        self.lookup = lookup
        self.interval = interval
        # A board goes to every wallboard and workspace (one socket write each): boards go at
        # most once per board_interval, the rest at most once per interval.
        self.board_interval = max(board_interval, interval)
        self._boards_at = -float("inf")  # when boards last went (the event loop's clock)
        self.subscribers = Subscribers()
        self._grouped: tuple[tuple[int, int], dict[Audience, list[Subscriber]]] | None = None
        self._calls: set[str] = set()
        self._queues: set[str] = set()
        self._agents: set[str] = set()
        self._popping: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Task[None]] = set()
        # When the oldest change not yet broadcast reached the hub, and the oldest a board
        # shows (of a queue or an agent): the board tells the latter, so a page or a bench
        # can tell how long a change took to reach it.
        self._changed_since: float | None = None
        self._board_since: float | None = None
        self._wake = asyncio.Event()
        self.sent = 0
        # Today's figures by ViewKey, as last published; thresholds by queue (configuration).
        self.figures: dict[ViewKey, dict[str, Any]] = {}
        self._thresholds: dict[str, dict[str, Any]] = {}
        self._limits: dict[frozenset[str], dict[str, Any]] = {}  # by the queues shown
        self.figures_wanted = asyncio.Event()  # a socket sees queues nobody computed yet
        self._serving: tuple[AgentDirectory, dict[str, frozenset[str]]] | None = None
        self._audiences: dict[tuple[Principal, frozenset[str], frozenset[str]], Audience] = {}
        # Decisions of a broadcast are kept by principal number: one number, one principal.
        self._principals: dict[Principal, int] = {}
        self._numbers = itertools.count()
        self._boards: dict[ViewKey, _Board] = {}
        self._versions = itertools.count(1)
        self._views = LiveViews(tracker)
        self.clock = time.time

    @property
    def thresholds(self) -> dict[str, dict[str, Any]]:
        """The queues' wallboard thresholds (configuration), by queue."""
        return self._thresholds

    @thresholds.setter
    def thresholds(self, value: dict[str, dict[str, Any]]) -> None:
        self._thresholds, self._limits = value, {}

    def on_outbox(self, outbox: Outbox) -> None:
        """LiveState sink: remember what changed; the broadcaster sends it. Screen pops go
        at once (the phone is ringing), not at the next broadcast."""
        if outbox.calls or outbox.queues or outbox.agents:
            now = None
            if self._changed_since is None:
                now = self._changed_since = self.clock()
            if self._board_since is None and (outbox.queues or outbox.agents):
                self._board_since = now if now is not None else self.clock()
            self._calls |= outbox.calls
            self._queues |= outbox.queues
            self._agents |= outbox.agents
            self._views.changed(outbox.queues, outbox.agents)
            self._wake.set()
        for pop in outbox.screen_pops:
            targets = self._pop_targets(pop.agent)
            if not targets:  # most pops under load: agents without a workspace open
                continue
            task = asyncio.get_running_loop().create_task(self._pop(pop, targets))
            self._popping.add(task)
            task.add_done_callback(self._popping.discard)

    async def run(self) -> None:
        """Broadcast a change at once, then gather the changes of the next ``interval``;
        boards go with a broadcast at most once per ``board_interval`` (until then their
        changes wait, and the loop comes back for them)."""
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = loop.time()
            boards = started - self._boards_at >= self.board_interval - 0.001
            if boards and self._board_since is not None:
                self._boards_at = started
            try:
                await self.broadcast(boards=boards)
            except Exception:
                logger.exception("hub=broadcast_failed")
            if self._board_since is not None:  # boards held back: send them next time
                self._wake.set()
            await asyncio.sleep(self.interval)

    async def broadcast(self, boards: bool = True) -> None:
        """Send what changed since the last broadcast; boards too unless ``boards`` is
        false (their changes then wait for the next broadcast that sends boards)."""
        calls, self._calls = self._calls, set()
        queues, self._queues = self._queues, set()
        agents, self._agents = self._agents, set()
        self._changed_since = None
        board_since = self._board_since
        if boards or not self.subscribers:
            self._board_since = None
        if not self.subscribers:
            return
        cycle = _Cycle(
            self, sorted(calls), sorted(queues), sorted(agents), board_since if boards else None
        )
        for audience, subs in self._groups().items():
            self._deliver(cycle, audience, subs)

    def _groups(self) -> dict[Audience, list[Subscriber]]:
        """The sockets by audience, kept until a socket comes, goes or subscribes anew."""
        key = (self.subscribers.changes, Subscriber.changes)
        if self._grouped is not None and self._grouped[0] == key:
            return self._grouped[1]
        groups: dict[Audience, list[Subscriber]] = {}
        for sub in self.subscribers:
            audience = sub.audience or self._audience(sub)
            group = groups.get(audience)
            if group is None:
                groups[audience] = [sub]
            else:
                group.append(sub)
        self._grouped = (key, groups)
        return groups

    def _audience(self, sub: Subscriber) -> Audience:
        key = (sub.principal, sub.topics, sub.agents)
        found = self._audiences.get(key)
        if found is None:
            if len(self._audiences) > 4 * len(self.subscribers) + 64:  # gone principals
                self._audiences.clear()  # (numbers are never given twice)
                self._principals.clear()
            number = self._principals.get(sub.principal)
            if number is None:
                number = self._principals[sub.principal] = next(self._numbers)
            found = self._audiences[key] = Audience(sub.principal, number, *key[1:])
        sub.audience = found
        return found

    def _deliver(self, cycle: _Cycle, audience: Audience, subs: list[Subscriber]) -> None:
        """Write this cycle's messages for ``audience`` to its sockets, one write each."""
        frames = cycle.frames_for(audience)
        shown, hidden = cycle.calls_for(audience)
        board = cycle.board_for(audience)
        if not frames and not hidden and board is None:
            return
        common = b"".join(frames)
        for sub in subs:
            data, count = common, len(frames)
            if shown:
                sub.calls.update(shown)
            if hidden and not hidden.isdisjoint(sub.calls):
                ended = sorted(hidden & sub.calls)  # ended, or out of its sight now
                sub.calls.difference_update(ended)
                data += b"".join(cycle.ended(linkedid) for linkedid in ended)
                count += len(ended)
            if board is not None and sub.board != board[0]:
                sub.board = board[0]
                data += cycle.board_frame(audience.principal.queues)
                count += 1
            if data:
                self._write(sub, data, count)

    def snapshot(self, sub: Subscriber) -> dict[str, Any]:
        """What a socket gets on connect: everything live it may see."""
        who, gate = sub.principal, self.gate
        calls = [c for c in self.tracker.calls() if gate.call(who, c)]
        sub.calls = {c.linkedid for c in calls}
        sub.board = 0
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

    def join(self, sub: Subscriber) -> None:
        """Send a new socket its snapshot and add it to the broadcasts, with no change in
        between (nothing here waits)."""
        self._write(sub, message_frame("snapshot", self.snapshot(sub)["data"]), 1, slow=None)
        transport = sub.transport
        if transport is not None and not transport.is_closing() and not sub.socket.closed:
            self.subscribers.add(sub)

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

    def board_parts(
        self, who: Principal, live: tuple[list[QueueView], dict[str, SeatView]] | None = None
    ) -> tuple[list[Tile], dict[str, Any]]:
        """The tiles of the queues ``who`` sees, and their thresholds."""
        now = self.tracker.now
        queues, seats = live if live is not None else self._live_views(now)
        views = [q for q in queues if queue_visible(who, q.name)]
        tiles = board(views, seats, self._serving_by_queue(), now)
        return tiles, self._limits_of(frozenset(v.name for v in views))

    def _limits_of(self, names: frozenset[str]) -> dict[str, Any]:
        """The thresholds of these queues and of their total (kept until they change)."""
        found = self._limits.get(names)
        if found is None:
            shown = {q: t for q, t in self._thresholds.items() if q in names}
            found = self._limits[names] = {**shown, TOTAL: strictest(shown.values())}
        return found

    def board_message(
        self, who: Principal, live: tuple[list[QueueView], dict[str, SeatView]] | None = None
    ) -> dict[str, Any]:
        tiles, thresholds = self.board_parts(who, live)
        return self._board_message(tiles, thresholds)

    def _board_message(self, tiles: list[Tile], thresholds: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "board",
            "data": {
                "server_time": self.clock(),
                "tiles": [tile_json(tile) for tile in tiles],
                "thresholds": thresholds,
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
        frames = {key: message_frame("figures", data) for key, data in computed.items()}
        for sub in list(self.subscribers):
            key = sub.principal.queues
            if "figures" in sub.topics and key in frames and self.may_see_queues(sub):
                self._write(sub, frames[key], 1)

    async def publish(self, kind: str, data: dict[str, Any]) -> None:
        """A message to every socket subscribed to its topic (``kind``) that may have it."""
        data_frame = message_frame(kind, data)
        for sub in list(self.subscribers):
            if kind in sub.topics and allows_any(sub.principal, MESSAGE_SCOPES[kind]):
                self._write(sub, data_frame, 1)

    def _pop_targets(self, agent: str) -> list[Subscriber]:
        """The sockets that get ``agent``'s screen pops: decided once per audience."""
        targets: list[Subscriber] = []
        for audience, subs in self._groups().items():
            if (
                "screen_pops" in audience.topics
                and (not audience.agents or agent in audience.agents)
                and self.gate.screen_pop(audience.principal, agent)
            ):
                targets += subs
        return targets

    async def _pop(self, pop: ScreenPop, targets: list[Subscriber]) -> None:
        found: dict[str, Any] = {}
        if self.lookup is not None:
            try:
                found = await self.lookup(pop)
            except Exception:
                logger.exception("hub=customer_lookup_failed linkedid=%s", pop.linkedid)
        data = {**to_json(pop), "customer": None, "last_calls": [], "screen_pop_url": None, **found}
        pop_frame = message_frame("screen_pop", data)
        for sub in targets:
            self._write(sub, pop_frame, 1)

    def _write(
        self, sub: Subscriber, data: bytes, count: int, slow: int | None = MAX_PENDING
    ) -> None:
        """Give the socket's connection these frames (``count`` messages); never waits. More
        than ``slow`` bytes waiting for the client close the socket (None: a snapshot, as big
        as the call center, is not a sign of a slow reader)."""
        socket, transport = sub.socket, sub.transport
        if socket.closed or transport is None or transport.is_closing():
            self.subscribers.discard(sub)
            return
        transport.write(data)  # type: ignore[attr-defined]
        self.sent += count
        if slow is None:
            return
        pending = transport.get_write_buffer_size()  # type: ignore[attr-defined]
        if pending > slow:
            self.subscribers.discard(sub)
            logger.warning(
                "hub=slow_socket_closed who=%r pending_bytes=%d", sub.principal.name, pending
            )
            task = asyncio.get_running_loop().create_task(self._close_slow(sub))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _close_slow(self, sub: Subscriber) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                sub.socket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow"), 5
            )
        if sub.transport is not None and not sub.transport.is_closing():
            sub.transport.abort()  # type: ignore[attr-defined]

    async def close(self) -> None:
        for task in list(self._popping) + list(self._closing):
            task.cancel()
        for sub in list(self.subscribers):
            with contextlib.suppress(Exception):
                await sub.socket.close(code=1001, message=b"server shutting down")
        self.subscribers.clear()


class _Cycle:
    """One broadcast's changes: each message serialized and framed once, and what each
    principal may see of them decided once, whatever the number of sockets (a call center's
    wallboards share one principal, an agent's tabs another). Views are built only if some
    audience asks for them."""

    def __init__(
        self,
        hub: Hub,
        calls: list[str],
        queues: list[str],
        agents: list[str],
        board_since: float | None,
    ) -> None:
        self.hub, self.gate, self.now = hub, hub.gate, hub.tracker.now
        self.linkedids, self.queue_names, self.agent_codes = calls, queues, agents
        self.board_since = board_since  # None: no board in this cycle
        self._call_people: list[tuple[str, CallPeople | None]] | None = None
        self._queue_views: list[QueueView] | None = None
        self._seat_views: dict[str, SeatView | None] = {}
        self._live: tuple[list[QueueView], dict[str, SeatView]] | None = None
        self._frames: dict[tuple[str, str], bytes] = {}
        self._shown: dict[tuple[int, str], Any] = {}
        self._for: dict[Audience, list[bytes]] = {}
        self._boards: dict[ViewKey, tuple[int, bytes | None, Any]] = {}

    def _frame(self, kind: str, key: str, view: Any) -> bytes:
        found = self._frames.get((kind, key))
        if found is None:
            found = self._frames[(kind, key)] = message_frame(kind, to_json(view))
        return found

    def ended(self, linkedid: str) -> bytes:
        found = self._frames.get(("call_ended", linkedid))
        if found is None:
            found = message_frame("call_ended", {"linkedid": linkedid})
            self._frames[("call_ended", linkedid)] = found
        return found

    def _calls(self) -> list[tuple[str, CallPeople | None]]:
        """Who is on each changed call (None: it ended): enough to decide who may see it."""
        if self._call_people is None:
            people = self.hub.tracker.call_people
            self._call_people = [(lid, people(lid)) for lid in self.linkedids]
        return self._call_people

    def _call_frame(self, linkedid: str) -> bytes:
        """The call's message; its view is built only here, for a call some audience sees."""
        found = self._frames.get(("call", linkedid))
        if found is None:
            view = self.hub.tracker.call(linkedid, self.now)
            found = self._frames[("call", linkedid)] = message_frame("call", to_json(view))
        return found

    def _calls_shown(self, audience: Audience) -> tuple[list[bytes], tuple[str, ...], set[str]]:
        """The changed calls ``who`` may see (messages, linkedids); the others' linkedids."""
        found = self._shown.get((audience.number, "calls"))
        if found is None:
            who, frames, shown, hidden = audience.principal, [], [], set()
            for linkedid, people in self._calls():
                if people is not None and self.gate.call_of(who, people):
                    frames.append(self._call_frame(linkedid))
                    shown.append(linkedid)
                else:
                    hidden.add(linkedid)
            found = self._shown[(audience.number, "calls")] = (frames, tuple(shown), hidden)
        return found  # type: ignore[no-any-return]

    def calls_for(self, audience: Audience) -> tuple[tuple[str, ...], set[str]]:
        if "calls" not in audience.topics or not self.linkedids:
            return (), set()
        _, shown, hidden = self._calls_shown(audience)
        return shown, hidden

    def _queues_shown(self, audience: Audience) -> list[bytes]:
        found = self._shown.get((audience.number, "queues"))
        if found is None:
            if self._queue_views is None:
                tracker, now = self.hub.tracker, self.now
                views = (tracker.queue(n, now) for n in self.queue_names)
                self._queue_views = [q for q in views if q]
            found = []
            for queue in self._queue_views:
                shown = self.gate.queue(audience.principal, queue)
                if shown is not None:
                    variant = "full" if shown is queue else "redacted"
                    found.append(self._frame("queue", f"{queue.name}|{variant}", shown))
            self._shown[(audience.number, "queues")] = found
        return found  # type: ignore[no-any-return]

    def _seats_shown(self, audience: Audience) -> list[bytes]:
        found = self._shown.get((audience.number, "agents"))
        if found is None:
            who, gate, found = audience.principal, self.gate, []
            for code in self.agent_codes:  # decided by the code; a view only when shown
                if gate.seat_of(who, code):
                    seat = self._seat(code)
                    if seat is not None:
                        found.append(self._frame("agent", code, seat))
            self._shown[(audience.number, "agents")] = found
        return found  # type: ignore[no-any-return]

    def _seat(self, code: str) -> SeatView | None:
        if code not in self._seat_views:
            self._seat_views[code] = self.hub.tracker.seat(code, self.now)
        return self._seat_views[code]

    def frames_for(self, audience: Audience) -> list[bytes]:
        """The messages of this cycle every socket of ``audience`` gets (calls, queues,
        agents; not the board, nor the end of calls only some of its sockets were sent)."""
        found = self._for.get(audience)
        if found is None:
            topics, found = audience.topics, []
            if "calls" in topics and self.linkedids:
                found += self._calls_shown(audience)[0]
            if "queues" in topics and self.queue_names:
                found += self._queues_shown(audience)
            if "agents" in topics and self.agent_codes:
                found += self._seats_shown(audience)
            self._for[audience] = found
        return found

    def board_for(self, audience: Audience) -> tuple[int, bytes | None, Any] | None:
        """(version, frame, parts) of the board the audience's sockets should have now, or
        None when no queue or agent changed since the last boards (or boards wait for their
        window). A board whose tiles did not change keeps its version: sockets that have it
        get nothing."""
        if self.board_since is None:
            return None
        if "board" not in audience.topics or not audience.sees_queues:
            return None
        key = audience.principal.queues
        found = self._boards.get(key)
        if found is None:
            hub = self.hub
            if self._live is None:  # once per cycle, for every board: what changed since
                self._live = hub._views.read(self.now)
            tiles, thresholds = hub.board_parts(audience.principal, self._live)
            signature = (tuple(_tile_key(t) for t in tiles), thresholds)
            last = hub._boards.get(key)
            if last is not None and last.signature == signature:
                found = (last.version, None, (tiles, thresholds))
            else:
                version = next(hub._versions)
                hub._boards[key] = _Board(signature, version)
                found = (version, None, (tiles, thresholds))
            self._boards[key] = found
        return found

    def board_frame(self, key: ViewKey) -> bytes:
        """The board of ``key`` as a frame (built once, for the sockets that lack it)."""
        version, built, parts = self._boards[key]
        if built is None:
            message = self.hub._board_message(*parts)
            message["data"]["changes_since"] = self.board_since
            built = frame(json.dumps(message))
            self._boards[key] = (version, built, parts)
        return built
