"""An agent's state across queues, derived from members and calls, and its history intervals.

Precedence, first match wins: on a call (an open handling, InCall, or the device in use) >
ringing > paused (with the reason) > wrap-up (until the last call's end + wrap-up time) >
idle; without any queue membership the agent is logged out (unless on a call). Wrap-up ends
without an event: :func:`expire_wrapups` ends it at the exact second it ran out.
"""

from __future__ import annotations

from controller.ami.tracker.records import AgentInterval
from controller.ami.tracker.state import Seat, TrackerState

# Device states (app_queue Status) meaning the agent's phone is busy.
BUSY_STATUSES = frozenset({2, 3, 7, 8})  # INUSE, BUSY, RINGINUSE, ONHOLD
RINGING = 6

# Seat state -> history.AgentState (logged_out has no interval).
HISTORY_STATE = {
    "idle": "ready",
    "ringing": "ringing",
    "on_call": "on_call",
    "wrap_up": "acw",
    "paused": "paused",
}


def derive(st: TrackerState, agent: str, at: float) -> tuple[str, str, str, str | None]:
    """(state, reason, device, linkedid) of ``agent`` at ``at``."""
    members = st.member_index.get(agent, {}).values()
    calls = st.agent_calls.get(agent)
    linkedid = next(iter(calls.values())) if calls else None
    device = next((m.state_interface for m in members if m.state_interface), "")
    if calls or any(m.in_call or m.status in BUSY_STATUSES for m in members):
        return "on_call", "", device, linkedid
    if not members:
        return "logged_out", "", device, None
    if any(m.ringing or m.status == RINGING for m in members):
        return "ringing", "", device, None
    paused = next((m for m in members if m.paused), None)
    if paused is not None:
        return "paused", paused.paused_reason, device, None
    if any(m.wrapup_until > at for m in members):
        return "wrap_up", "", device, None
    return "idle", "", device, None


def update(st: TrackerState, agent: str, at: float, source: str) -> None:
    state, reason, device, linkedid = derive(st, agent, at)
    seat = st.seats.get(agent)
    if seat is None:
        seat = st.seats[agent] = Seat(agent, since=at)
    seat.device, seat.linkedid = device or seat.device, linkedid
    if (state, reason) == (seat.state, seat.reason):
        return
    _interval(st, seat, at, source, closing=True)
    seat.state, seat.reason, seat.since = state, reason, at
    _interval(st, seat, at, source, closing=False)
    if state == "wrap_up":
        until = max(m.wrapup_until for m in st.member_index.get(agent, {}).values())
        st.wrapups[agent] = until
    st.outbox.agents.add(agent)


def _interval(st: TrackerState, seat: Seat, at: float, source: str, closing: bool) -> None:
    history_state = HISTORY_STATE.get(seat.state)
    if history_state is None:
        return
    st.outbox.intervals.append(
        AgentInterval(
            server_id=st.server_id,
            agent_code=seat.agent,
            queue_name="",
            state=history_state,
            reason=seat.reason or None,
            started_at=seat.since,
            ended_at=at if closing else None,
            source_event=source,
        )
    )


def update_dirty(st: TrackerState, at: float, source: str) -> None:
    if not st.dirty_agents:
        return
    dirty, st.dirty_agents = st.dirty_agents, set()
    for agent in dirty:
        update(st, agent, at, source)


def expire_wrapups(st: TrackerState, now: float) -> None:
    """End wrap-ups that ran out by ``now``, each at its own end time."""
    for agent, until in sorted(st.wrapups.items(), key=lambda item: item[1]):
        if until > now:
            continue
        del st.wrapups[agent]
        update(st, agent, until, "wrapup_end")
