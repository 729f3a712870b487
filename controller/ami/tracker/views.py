"""Read-only, JSON-ready copies of the live model (what the API, the websocket and routing see).

Every view is a frozen dataclass built from the state at one instant; :func:`to_json` turns
one into plain dicts and lists. Times are epoch seconds; durations are computed at ``now``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from controller.ami.tracker.state import LiveCall, LiveQueue, Seat, TrackerState


@dataclass(frozen=True, slots=True)
class ChannelView:
    uniqueid: str
    name: str
    state: int
    caller_num: str
    caller_name: str
    connected_num: str
    bridge: str | None
    agent: str | None
    on_hold: bool


@dataclass(frozen=True, slots=True)
class CallView:
    linkedid: str
    started_at: float
    answered_at: float | None
    duration_s: float
    state: str  # ivr, queued, ringing, talking, on_hold
    direction: str
    caller_num: str
    caller_name: str
    called_num: str
    queue: str | None
    agents: tuple[str, ...]  # agents talking on it now
    region: str | None
    customer_code: str | None
    ivr_path: str
    recording: str | None
    channels: tuple[ChannelView, ...]


@dataclass(frozen=True, slots=True)
class CallerView:
    uniqueid: str
    linkedid: str
    position: int
    caller_num: str
    caller_name: str
    wait_s: float
    priority: int


@dataclass(frozen=True, slots=True)
class MemberView:
    agent: str
    interface: str
    state_interface: str
    penalty: int
    status: int
    in_call: bool
    paused: bool
    paused_reason: str
    calls_taken: int
    last_call: int


@dataclass(frozen=True, slots=True)
class QueueView:
    name: str
    strategy: str
    service_level_s: int
    completed: int
    abandoned: int
    logged_in: int
    available: int
    longest_wait_s: float
    ready: int  # members not paused
    holdtime_s: int  # Asterisk's average wait of answered calls
    talktime_s: int  # Asterisk's average talk time
    callers: tuple[CallerView, ...]
    members: tuple[MemberView, ...]


@dataclass(frozen=True, slots=True)
class SeatView:
    agent: str
    state: str  # logged_out, idle, ringing, on_call, wrap_up, paused
    reason: str
    since: float
    duration_s: float
    device: str
    queues: tuple[str, ...]
    linkedid: str | None
    paused_in: tuple[str, ...] = ()  # queues where the agent is paused
    wrapup_until: float = 0.0  # after-call work ends (epoch seconds)
    idle_since: float = 0.0  # last call end, login or state change (epoch seconds)


def talking_agents(call: LiveCall) -> tuple[str, ...]:
    """The agents talking on the call now (:attr:`CallView.agents`), in the order they came."""
    if not call.handlings:
        return ()
    return tuple(dict.fromkeys([h.agent for h in call.handlings if h.talk_end is None]))


def channel_agents(call: LiveCall) -> tuple[str, ...]:
    """The agents whose phones are the call's live channels (:attr:`ChannelView.agent`)."""
    return tuple([c.agent for c in call.channels.values() if c.agent and c.member_of is None])


def current_queue(call: LiveCall) -> str | None:
    """The queue of the caller's latest live stay, else the dialplan's PBX_QUEUE."""
    for leg in reversed(call.legs):
        if leg.ended_at is None:
            return leg.queue
    return call.attrs.get("PBX_QUEUE")


def call_view(st: TrackerState, call: LiveCall, now: float) -> CallView:
    channels = tuple(
        ChannelView(
            c.uniqueid,
            c.name,
            c.state,
            c.caller_num,
            c.caller_name,
            c.connected_num,
            c.bridge,
            c.agent if c.member_of is None else None,
            c.on_hold_since is not None,
        )
        for c in sorted(call.channels.values(), key=lambda c: c.created_at)
    )
    talking = [h for h in call.handlings if h.talk_end is None]
    caller = call.channels.get(call.caller_uid or "")
    queued = any(leg.ended_at is None and leg.connected_at is None for leg in call.legs)
    if any(h.on_hold for h in talking):
        state = "on_hold"
    elif talking or (call.answered_at is not None and not queued):
        state = "talking"
    elif queued:
        ringing = any(a.result is None for leg in call.legs for a in leg.attempts)
        state = "ringing" if ringing else "queued"
    else:
        state = "ivr"
    recording = next(iter(call.recordings.values()), None)
    return CallView(
        linkedid=call.linkedid,
        started_at=call.started_at,
        answered_at=call.answered_at,
        duration_s=round(now - call.started_at, 3),
        state=state,
        direction=call.attrs.get("PBX_DIRECTION", "internal"),
        caller_num=caller.caller_num if caller else "",
        caller_name=caller.caller_name if caller else "",
        called_num=call.attrs.get("PBX_DID") or (caller.dialed if caller else ""),
        queue=current_queue(call),
        agents=tuple(dict.fromkeys(h.agent for h in talking)),
        region=call.attrs.get("PBX_REGION"),
        customer_code=call.attrs.get("PBX_CUSTOMER_CODE"),
        ivr_path=call.attrs.get("PBX_IVR_PATH", ""),
        recording=recording.path if recording else None,
        channels=channels,
    )


def queue_view(q: LiveQueue, now: float) -> QueueView:
    callers = tuple(
        CallerView(
            c.uniqueid,
            c.linkedid,
            c.position,
            c.caller_num,
            c.caller_name,
            round(now - c.joined_at, 3),
            c.priority,
        )
        for c in sorted(q.callers.values(), key=lambda c: c.position)
    )
    members = tuple(
        MemberView(
            m.name,
            m.interface,
            m.state_interface,
            m.penalty,
            m.status,
            m.in_call,
            m.paused,
            m.paused_reason,
            m.calls_taken,
            m.last_call,
        )
        for m in sorted(q.members.values(), key=lambda m: m.name)
    )
    available = sum(
        1 for m in q.members.values() if not m.paused and not m.in_call and m.status == 1
    )
    return QueueView(
        name=q.name,
        strategy=q.strategy,
        service_level_s=q.service_level_s,
        completed=q.completed,
        abandoned=q.abandoned,
        logged_in=len(q.members),
        available=available,
        longest_wait_s=max((c.wait_s for c in callers), default=0.0),
        ready=sum(1 for m in q.members.values() if not m.paused),
        holdtime_s=q.holdtime_s,
        talktime_s=q.talktime_s,
        callers=callers,
        members=members,
    )


def seat_view(st: TrackerState, seat: Seat, now: float) -> SeatView:
    members = st.member_index.get(seat.agent, {})
    queues = tuple(sorted({q for q, _ in members}))
    last_call = max((float(m.last_call) for m in members.values()), default=0.0)
    login = max((float(m.login_time) for m in members.values()), default=0.0)
    return SeatView(
        seat.agent,
        seat.state,
        seat.reason,
        seat.since,
        round(now - seat.since, 3),
        seat.device,
        queues,
        seat.linkedid,
        paused_in=tuple(sorted(q for (q, _), m in members.items() if m.paused)),
        wrapup_until=max((m.wrapup_until for m in members.values()), default=0.0),
        idle_since=max(last_call, login, seat.since if seat.state == "idle" else 0.0),
    )


def to_json(view: Any) -> Any:
    """A view (or a list of views) as plain JSON-ready data."""
    if isinstance(view, list | tuple):
        return [to_json(item) for item in view]
    return dataclasses.asdict(view)
