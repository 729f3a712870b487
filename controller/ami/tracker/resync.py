"""Make the live model equal Asterisk's lists after a (re)connect.

Input: CoreShowChannels (channels, their bridges, optionally PBX_* variables from a Status
listing), QueueStatus (queue params, members, waiting callers) and QueueSummary. Channels we
knew that Asterisk no longer lists hung up while we were away: their calls finish now. Queue
members and callers are replaced by the lists. Events that arrived while the lists streamed
are applied afterwards by the client; every handler tolerates seeing a fact twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.ami import events as ev
from controller.ami.tracker.calls import on_varset
from controller.ami.tracker.channels import (
    LIVE,
    PARTIAL,
    ensure_channel,
    enter_bridge,
    hangup,
    leave_bridge,
)
from controller.ami.tracker.queues import apply_member, on_queue_params, queue
from controller.ami.tracker.state import Leg, QueueCaller, TrackerState


@dataclass
class Snapshot:
    at: float
    channels: list[ev.ListedChannel] = field(default_factory=list)
    params: list[ev.QueueParams] = field(default_factory=list)
    members: list[ev.Member] = field(default_factory=list)
    entries: list[ev.QueueEntry] = field(default_factory=list)
    summaries: list[ev.QueueSummary] = field(default_factory=list)


def resync(st: TrackerState, snap: Snapshot) -> None:
    at = snap.at
    _channels(st, snap, at)
    _queues(st, snap, at)


def _channels(st: TrackerState, snap: Snapshot, at: float) -> None:
    listed = {item.chan.uniqueid: item for item in snap.channels}
    for uid in [uid for uid in st.channels if uid not in listed]:
        hangup(st, uid, at, None)
    new = {uid for uid in listed if uid not in st.channels}
    known_calls = set(st.calls)
    for item in snap.channels:
        # A channel we did not know: the best estimate of its start is its age.
        ch = ensure_channel(st, item.chan, at - item.duration_s)
        call = st.calls.get(ch.linkedid)
        if call is not None and call.linkedid not in known_calls and call.source == LIVE:
            call.source = PARTIAL  # it began while we were away: its start is unknown
        for name, value in item.variables:
            if name.startswith("PBX_") and ch.vars.get(name) != value:
                on_varset(st, ev.VarSet(at, item.chan, name, value))
    # Bridges after every channel exists, so agents' phones find their peers.
    for item in snap.channels:
        ch = st.channels.get(item.chan.uniqueid)
        if ch is None:
            continue
        if item.bridge:
            enter_bridge(st, ch, item.bridge, at - item.duration_s if ch.uniqueid in new else at)
        else:
            leave_bridge(st, ch)


def _queues(st: TrackerState, snap: Snapshot, at: float) -> None:
    names = {p.queue for p in snap.params} | {s.queue for s in snap.summaries}
    for name in [name for name in st.queues if name not in names]:
        for member in list(st.queues[name].members.values()):
            apply_member(st, _removed(member.queue, member.interface, member.name, at))
        del st.queues[name]
        st.outbox.queues.add(name)
    for params in snap.params:
        on_queue_params(st, params)
    listed = {(m.queue, m.interface) for m in snap.members}
    for q in list(st.queues.values()):
        for interface, member in list(q.members.items()):
            if (q.name, interface) not in listed:
                apply_member(st, _removed(q.name, interface, member.name, at))
    for member_event in snap.members:
        apply_member(st, member_event)
    _callers(st, snap, at)


def _removed(queue_name: str, interface: str, name: str, at: float) -> ev.Member:
    return ev.Member(at, "removed", queue_name, name, interface, "", True, 0, 0, 0, 0, False, 0,
                     False, "", 0)  # fmt: skip


def _callers(st: TrackerState, snap: Snapshot, at: float) -> None:
    waiting: dict[str, dict[str, ev.QueueEntry]] = {}
    for entry in snap.entries:
        waiting.setdefault(entry.queue, {})[entry.uniqueid] = entry
    for q in st.queues.values():
        entries = waiting.get(q.name, {})
        for uid in [uid for uid in q.callers if uid not in entries]:
            del q.callers[uid]
            _end_leg(st, uid, q.name, at)
        for uid, entry in entries.items():
            ch = st.channels.get(uid)
            linkedid = ch.linkedid if ch is not None else uid
            joined = at - entry.wait_s
            caller = q.callers.get(uid)
            if caller is None:
                q.callers[uid] = QueueCaller(
                    uid, entry.channel, linkedid, entry.caller_num, entry.caller_name,
                    entry.position, joined, entry.priority,
                )  # fmt: skip
            else:
                caller.position, caller.priority = entry.position, entry.priority
            call = st.calls.get(linkedid)
            if call is not None and not any(
                leg.caller_uid == uid and leg.queue == q.name and leg.ended_at is None
                and leg.connected_at is None for leg in call.legs
            ):  # fmt: skip
                call.legs.append(Leg(q.name, uid, joined, entry.position, priority=entry.priority))
        st.outbox.queues.add(q.name)
    for summary in snap.summaries:
        queue(st, summary.queue)


def _end_leg(st: TrackerState, uid: str, queue_name: str, at: float) -> None:
    ch = st.channels.get(uid)
    call = st.calls.get(ch.linkedid) if ch is not None else None
    for leg in call.legs if call is not None else ():
        if leg.caller_uid == uid and leg.queue == queue_name and leg.connected_at is None:
            leg.ended_at = leg.ended_at or at
