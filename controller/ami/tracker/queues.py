"""Event handlers for queues: callers (position, waiting), legs, attempts and members."""

from __future__ import annotations

from controller.ami import events as ev
from controller.ami.tracker.channels import agent_of_interface, call_of, ensure_channel, screen_pop
from controller.ami.tracker.state import (
    Attempt,
    Handling,
    Leg,
    LiveQueue,
    MemberState,
    QueueCaller,
    TrackerState,
)

# QUEUESTATUS (UserEvent PbxQueueExit) -> history.LegOutcome
EXIT_OUTCOMES = {
    "TIMEOUT": "timeout",
    "FULL": "refused_full",
    "JOINEMPTY": "refused_empty",
    "JOINUNAVAIL": "refused_unavailable",
    "LEAVEEMPTY": "exit_empty",
    "LEAVEUNAVAIL": "exit_empty",
    "WITHDRAW": "withdrawn",
}


def queue(st: TrackerState, name: str) -> LiveQueue:
    q = st.queues.get(name)
    if q is None:
        q = st.queues[name] = LiveQueue(name)
    st.outbox.queues.add(name)
    return q


def open_leg(st: TrackerState, caller_uid: str, queue_name: str) -> Leg | None:
    ch = st.channels.get(caller_uid)
    call = st.calls.get(ch.linkedid) if ch is not None else None
    if call is None:
        return None
    for leg in reversed(call.legs):
        if leg.caller_uid == caller_uid and leg.queue == queue_name:
            return leg
    return None


def on_caller_join(st: TrackerState, e: ev.QueueCallerJoin) -> None:
    ch = ensure_channel(st, e.chan, e.at)
    q = queue(st, e.queue)
    for other in q.callers.values():  # a higher-priority caller was put in front
        if other.position >= e.position:
            other.position += 1
    q.callers[ch.uniqueid] = QueueCaller(
        ch.uniqueid, ch.name, ch.linkedid, ch.caller_num, ch.caller_name, e.position, e.at
    )
    call = call_of(st, ch)
    call.legs.append(Leg(e.queue, ch.uniqueid, e.at, e.position))
    st.outbox.calls.add(call.linkedid)


def on_caller_leave(st: TrackerState, e: ev.QueueCallerLeave) -> None:
    q = queue(st, e.queue)
    if q.callers.pop(e.chan.uniqueid, None) is not None:
        for other in q.callers.values():
            if other.position > e.position:
                other.position -= 1
    for member in q.members.values():
        if e.chan.uniqueid in member.ringing:
            member.ringing.discard(e.chan.uniqueid)
            st.dirty_agents.add(member.name)
    leg = open_leg(st, e.chan.uniqueid, e.queue)
    if leg is None:
        return
    if leg.exit_position is None and e.position > 0:  # 0: not known (a recovered call)
        leg.exit_position = e.position
    if leg.connected_at is None:
        if leg.ended_at is None:
            leg.ended_at = e.at
        for attempt in leg.attempts:
            if attempt.result is None:
                attempt.result, attempt.ended_at = "canceled", e.at
                attempt.ring_ms = round((e.at - attempt.rang_at) * 1000)


def on_caller_abandon(st: TrackerState, e: ev.QueueCallerAbandon) -> None:
    leg = open_leg(st, e.chan.uniqueid, e.queue)
    if leg is not None and leg.connected_at is None:
        leg.outcome, leg.ended_at = "abandoned", e.at
        leg.exit_position = e.position
    queue(st, e.queue).abandoned += 1


def on_queue_exit(st: TrackerState, e: ev.QueueExit) -> None:
    leg = open_leg(st, e.chan.uniqueid, e.queue)
    outcome = EXIT_OUTCOMES.get(e.status)
    if leg is not None and outcome is not None and leg.connected_at is None:
        leg.outcome = outcome
        if leg.ended_at is None:
            leg.ended_at = e.at


def _attempt(leg: Leg | None, dest_uid: str) -> Attempt | None:
    if leg is None:
        return None
    for attempt in reversed(leg.attempts):
        if attempt.dest_uid == dest_uid:
            return attempt
    return None


def on_agent_event(st: TrackerState, e: ev.AgentEvent) -> None:
    agent = e.member or agent_of_interface(e.interface) or e.interface
    leg = open_leg(st, e.caller_uid, e.queue)
    q = queue(st, e.queue)
    member = q.members.get(e.interface)
    st.dirty_agents.add(agent)
    if e.kind == "called":
        if leg is not None:
            leg.attempts.append(Attempt(agent, e.interface, e.dest_uid, e.at))
        if member is not None:
            member.ringing.add(e.caller_uid)
        # The workspace shows who calls while the phone rings, not once it is answered.
        screen_pop(st, agent, e.linkedid, e.queue, e.at)
        return
    if member is not None:
        member.ringing.discard(e.caller_uid)
    attempt = _attempt(leg, e.dest_uid)
    if e.kind in ("noanswer", "dump") and attempt is not None:
        attempt.result = "no_answer" if e.kind == "noanswer" else "dump"
        attempt.ended_at = e.at
        attempt.ring_ms = e.ring_ms if e.ring_ms is not None else attempt.ring_ms
    elif e.kind == "connect" and leg is not None:
        leg.connected_at, leg.outcome, leg.ended_at = e.at, "answered", None
        leg.agent, leg.member_uid = agent, e.dest_uid
        if attempt is not None:
            attempt.result, attempt.ended_at = "answered", e.at
            attempt.ring_ms = round((e.at - attempt.rang_at) * 1000)
            leg.ring_ms = attempt.ring_ms
        for other in leg.attempts:
            if other.result is None:
                other.result, other.ended_at = "canceled", e.at
        call = st.calls.get(e.linkedid)
        for handling in call.handlings if call is not None else ():
            # The agent's phone is often bridged a moment before AgentConnect arrives.
            if handling.agent == agent and handling.leg is None and handling.talk_end is None:
                handling.leg = leg
        screen_pop(st, agent, e.linkedid, e.queue, e.at)
    elif e.kind == "complete":
        if leg is not None:
            leg.ended_at = e.at
            leg.completed_by = e.reason if e.reason in ("caller", "agent", "transfer") else None
            if e.reason in ("caller", "agent"):
                _ended_by(st, e.linkedid, leg, agent, e.reason)
        q.completed += 1
        wrapup = (member.wrapup_s if member and member.wrapup_s else 0) or st.queue_wrapup.get(
            e.queue, 0
        )
        if member is not None and wrapup and leg is not None and leg.agent == agent:
            # Only when this agent still had the call (not after a transfer away).
            mine = [h for h in _handlings(st, e.linkedid) if h.agent == agent]
            if not mine or any(h.talk_end is None for h in mine):
                member.wrapup_until = max(member.wrapup_until, e.at + wrapup)
            st.wrapups[agent] = max(st.wrapups.get(agent, 0.0), member.wrapup_until)


def _ended_by(st: TrackerState, linkedid: str, leg: Leg, agent: str, reason: str) -> None:
    """app_queue saw which side of its bridge went first: that settles who ended the agent's
    handling of this leg (the order of Hangup events across channels does not always tell)."""
    for handling in _handlings(st, linkedid):
        if handling.leg is leg and handling.agent == agent and handling.ended_by != "transfer":
            handling.first_hangup = reason
            if handling.talk_end is not None:
                handling.ended_by = reason


def _handlings(st: TrackerState, linkedid: str) -> list[Handling]:
    call = st.calls.get(linkedid)
    return call.handlings if call is not None else []


def apply_member(st: TrackerState, e: ev.Member) -> None:
    q = queue(st, e.queue)
    agent = e.name or agent_of_interface(e.interface) or e.interface
    st.dirty_agents.add(agent)
    key = (e.queue, e.interface)
    if e.kind == "removed":
        gone = q.members.pop(e.interface, None)
        index = st.member_index.get(agent)
        if index is not None:
            index.pop(key, None)
            if not index:
                del st.member_index[agent]
                _forget_device(st, agent)
        if gone is not None and gone.state_interface:
            st.logged_in_devices.pop(gone.state_interface, None)
        return
    member = q.members.get(e.interface)
    if member is None:
        member = q.members[e.interface] = MemberState(e.queue, e.interface, agent)
        st.member_index.setdefault(agent, {})[key] = member
    member.name = agent
    member.state_interface, member.dynamic = e.state_interface, e.dynamic
    member.penalty, member.calls_taken, member.last_call = e.penalty, e.calls_taken, e.last_call
    member.login_time, member.in_call, member.status = e.login_time, e.in_call, e.status
    member.paused, member.paused_reason, member.wrapup_s = e.paused, e.paused_reason, e.wrapup_s
    if e.state_interface and not e.state_interface.startswith(("Custom:", "Queue:")):
        st.logged_in_devices[e.state_interface] = agent


def _forget_device(st: TrackerState, agent: str) -> None:
    for device, code in list(st.logged_in_devices.items()):
        if code == agent:
            del st.logged_in_devices[device]


def on_queue_params(st: TrackerState, e: ev.QueueParams) -> None:
    q = queue(st, e.queue)
    q.strategy, q.max_callers, q.service_level_s = e.strategy, e.max_callers, e.service_level_s
    q.completed, q.abandoned = e.completed, e.abandoned
    q.holdtime_s, q.talktime_s = e.holdtime_s, e.talktime_s
    q.service_level_perf = e.service_level_perf
