"""The tracker: typed AMI events in, live state and history records out. No I/O, no clock.

Feed it with :meth:`Tracker.apply` (one event) and :meth:`Tracker.tick` (the passing of time,
for wrap-ups that end without an event); after a (re)connect, :meth:`Tracker.resync` with the
lists Asterisk returned. What it produced since the last call is collected by
:meth:`Tracker.drain`: finished calls and agent-state intervals for the history writer, screen
pops, and the keys of calls, queues and agents that changed (for the websocket).

The read-only query API (``calls``, ``call``, ``queues``, ``queue``, ``seats``, ``seat``,
``channel_names_of``, ``knows_uniqueid``) returns frozen views, safe to hand to other code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from controller.ami import events as ev
from controller.ami.tracker import calls, queues, seats
from controller.ami.tracker.channels import LIVE, PARTIAL, RECOVERED
from controller.ami.tracker.resync import Snapshot, resync
from controller.ami.tracker.state import Outbox, TrackerState
from controller.ami.tracker.views import (
    CallView,
    QueueView,
    SeatView,
    call_view,
    channel_agents,
    current_queue,
    queue_view,
    seat_view,
    talking_agents,
)

Handler = Callable[[TrackerState, Any], None]

# Explicit dispatch table: event type -> handler.
HANDLERS: dict[type, Handler] = {
    ev.NewChannel: calls.on_new_channel,
    ev.ChannelUpdate: calls.on_channel_update,
    ev.Hangup: calls.on_hangup,
    ev.VarSet: calls.on_varset,
    ev.CallMark: calls.on_call_mark,
    ev.DialBegin: calls.on_dial_begin,
    ev.DialEnd: calls.on_dial_end,
    ev.BridgeEnter: calls.on_bridge_enter,
    ev.BridgeLeave: calls.on_bridge_leave,
    ev.Hold: calls.on_hold,
    ev.BlindTransfer: calls.on_blind_transfer,
    ev.AttendedTransfer: calls.on_attended_transfer,
    ev.Recording: calls.on_recording,
    ev.AppStart: calls.on_app_start,
    ev.QueueCallerJoin: queues.on_caller_join,
    ev.QueueCallerLeave: queues.on_caller_leave,
    ev.QueueCallerAbandon: queues.on_caller_abandon,
    ev.QueueExit: queues.on_queue_exit,
    ev.AgentEvent: queues.on_agent_event,
    ev.Member: queues.apply_member,
    ev.QueueParams: queues.on_queue_params,
}


class Tracker:
    def __init__(
        self,
        server_id: str = "default",
        *,
        queue_wrapup: Mapping[str, int] | None = None,
        device_agents: Mapping[str, str] | None = None,
    ) -> None:
        """``queue_wrapup``: wrap-up seconds per queue (AMI does not list them);
        ``device_agents``: an agent's usual phone (``PJSIP/1001`` -> ``8001``)."""
        self._st = TrackerState(server_id, dict(queue_wrapup or {}), dict(device_agents or {}))

    # -- input ----------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        handler = HANDLERS.get(type(event))
        if handler is None:
            return
        st = self._st
        st.events += 1
        if event.at > st.now:
            st.now = event.at
        handler(st, event)
        if st.dirty_agents:
            seats.update_dirty(st, event.at, type(event).__name__)

    def apply_many(self, events: Iterable[ev.Event]) -> None:
        for event in events:
            self.apply(event)

    def replay(self, events: Iterable[ev.Event]) -> tuple[int, int]:
        """Apply events recovered from Asterisk's own records (a time the tracker did not see):
        the calls they touch are marked recovered; the screen pops and agent-state intervals
        they produce are history already, so they are dropped. Returns (events applied,
        calls finished)."""
        st = self._st
        pops, intervals = len(st.outbox.screen_pops), len(st.outbox.intervals)
        finished = len(st.outbox.finished)
        st.replaying = True
        applied = 0
        try:
            for event in events:
                self.apply(event)
                applied += 1
                for linkedid in st.outbox.calls:
                    call = st.calls.get(linkedid)
                    if call is not None:
                        call.source = RECOVERED
        finally:
            st.replaying = False
            del st.outbox.screen_pops[pops:]
            del st.outbox.intervals[intervals:]
        return applied, len(st.outbox.finished) - finished

    def preload_members(self, members: Iterable[ev.Member]) -> None:
        """Queue members as Asterisk lists them now, before a replay: who is logged in at
        which phone is how the replay tells an agent's phone from a caller's."""
        for member in members:
            queues.apply_member(self._st, member)

    def mark_partial(self) -> None:
        """Every live call missed some of its events (an outage nothing could be recovered
        for): their records say so."""
        for call in self._st.calls.values():
            if call.source == LIVE:
                call.source = PARTIAL

    def knows_call(self, linkedid: str) -> bool:
        return linkedid in self._st.calls

    def tick(self, now: float) -> None:
        """Time passed without events: end wrap-ups that ran out."""
        st = self._st
        st.now = max(st.now, now)
        if st.wrapups:
            seats.expire_wrapups(st, now)

    def resync(self, snapshot: Snapshot) -> None:
        st = self._st
        st.now = max(st.now, snapshot.at)
        resync(st, snapshot)
        st.dirty_agents.update(st.seats)  # agents who vanished become logged out
        seats.update_dirty(st, snapshot.at, "resync")

    def configure(
        self,
        *,
        queue_wrapup: Mapping[str, int] | None = None,
        device_agents: Mapping[str, str] | None = None,
    ) -> None:
        """Replace the configuration-derived inputs (after a config import)."""
        if queue_wrapup is not None:
            self._st.queue_wrapup = dict(queue_wrapup)
        if device_agents is not None:
            self._st.device_agents = dict(device_agents)

    # -- output ---------------------------------------------------------------------------

    def drain(self) -> Outbox:
        outbox, self._st.outbox = self._st.outbox, Outbox()
        return outbox

    # -- read-only queries ----------------------------------------------------------------

    @property
    def server_id(self) -> str:
        return self._st.server_id

    @property
    def now(self) -> float:
        """Time of the latest event or tick (the tracker has no clock of its own)."""
        return self._st.now

    @property
    def events_applied(self) -> int:
        return self._st.events

    def calls(self, now: float | None = None) -> list[CallView]:
        at = self._st.now if now is None else now
        live = sorted(self._st.calls.values(), key=lambda c: c.started_at)
        return [call_view(self._st, c, at) for c in live]

    def call(self, linkedid: str, now: float | None = None) -> CallView | None:
        call = self._st.calls.get(linkedid)
        return None if call is None else call_view(self._st, call, now or self._st.now)

    def call_talking(self, linkedid: str) -> tuple[str, ...] | None:
        """``call(linkedid).agents`` of an answered live call without building the view; None
        for a call that is not live or not answered."""
        call = self._st.calls.get(linkedid)
        if call is None or call.answered_at is None:
            return None
        return talking_agents(call)

    def call_people(
        self, linkedid: str
    ) -> tuple[tuple[str, ...], tuple[str, ...], str | None] | None:
        """What ``call(linkedid)`` says of who is on the call, without building the view:
        (its ``agents``, the ``agent`` of each of its ``channels`` that has one, its
        ``queue``); None for a call that is not live."""
        call = self._st.calls.get(linkedid)
        if call is None:
            return None
        return talking_agents(call), channel_agents(call), current_queue(call)

    def queues(self, now: float | None = None) -> list[QueueView]:
        at = self._st.now if now is None else now
        return [queue_view(q, at) for q in sorted(self._st.queues.values(), key=lambda q: q.name)]

    def queue(self, name: str, now: float | None = None) -> QueueView | None:
        q = self._st.queues.get(name)
        return None if q is None else queue_view(q, now or self._st.now)

    def seats(self, now: float | None = None) -> list[SeatView]:
        at = self._st.now if now is None else now
        ordered = sorted(self._st.seats.values(), key=lambda s: s.agent)
        return [seat_view(self._st, s, at) for s in ordered]

    def seat(self, agent: str, now: float | None = None) -> SeatView | None:
        seat = self._st.seats.get(agent)
        return None if seat is None else seat_view(self._st, seat, now or self._st.now)

    def dynamic_members(self) -> dict[str, str]:
        """Agent code -> device of every agent logged in to a queue (static members of
        queues that need no login are not listed)."""
        found: dict[str, str] = {}
        for agent, members in self._st.member_index.items():
            for member in members.values():
                if member.dynamic:
                    found[agent] = member.state_interface
        return found

    def channel(self, uniqueid: str) -> tuple[str, str] | None:
        """(channel name, linkedid) of a live channel."""
        ch = self._st.channels.get(uniqueid)
        return None if ch is None else (ch.name, ch.linkedid)

    def channel_names_of(self, agent: str) -> list[str]:
        """The agent's phone channels that are in a call now (newest last)."""
        uids = self._st.agent_calls.get(agent, {})
        return [self._st.channels[uid].name for uid in uids if uid in self._st.channels]

    def peer_of(self, uniqueid: str) -> str | None:
        """The name of the other channel in ``uniqueid``'s bridge (two-party bridges)."""
        ch = self._st.channels.get(uniqueid)
        if ch is None or ch.bridge is None:
            return None
        others = [u for u in self._st.bridges.get(ch.bridge, ()) if u != uniqueid]
        return self._st.channels[others[0]].name if len(others) == 1 else None

    def held_peer_of(self, uniqueid: str) -> str | None:
        """The channel ``uniqueid`` put on hold from the controller (``[pbx-hold]``)."""
        ch = self._st.channels.get(uniqueid)
        call = self._st.calls.get(ch.linkedid) if ch is not None else None
        for other in call.channels.values() if call is not None else ():
            if other.uniqueid != uniqueid and other.context == "pbx-hold" and other.exten == "held":
                return other.name
        return None

    def knows_uniqueid(self, uniqueid: str) -> bool:
        """True when a channel with this uniqueid lives or lived recently."""
        return uniqueid in self._st.recent_uids

    def counts(self) -> dict[str, int]:
        st = self._st
        return {
            "channels": len(st.channels),
            "calls": len(st.calls),
            "bridges": len(st.bridges),
            "queues": len(st.queues),
            "queue_callers": sum(len(q.callers) for q in st.queues.values()),
            "agents": sum(1 for s in st.seats.values() if s.state != "logged_out"),
        }
