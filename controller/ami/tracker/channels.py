"""Channels, calls and bridges: Newchannel/Hangup/VarSet/Dial*/Bridge* handling.

Who is an agent's phone (a *device leg*)? In order of precedence:

1. a channel named ``Local/<code>@pbx-agent-...`` is queue-member *plumbing*, never a device;
2. ``PBX_AGENT`` set on a channel outside the ``pbx-agent`` context: the generated dialplan sets
   ``__PBX_AGENT`` on the channel that dials the agent, and the dialled phone inherits it (a
   VarSet on the new channel). Set *inside* ``pbx-agent`` it marks the dialling channel, whose
   DialBegin destination becomes the device (covers an agent reached after a blind transfer);
3. the channel's device (``PJSIP/1001``) is where an agent is logged in, or an agent's usual
   phone.

A channel's Linkedid can change when bridging merges calls (attended transfer): the channel
then moves to the other call, and a call left without channels is finished.
"""

from __future__ import annotations

from controller.ami import events as ev
from controller.ami.tracker.state import Handling, LiveCall, LiveChannel, ScreenPop, TrackerState

AGENT_CONTEXT = "pbx-agent"
# LiveCall.source values (history.CallSource).
LIVE, RECOVERED, PARTIAL = "live", "recovered", "partial"
_MEMBER_MARK = "@" + AGENT_CONTEXT + "-"
RECENT_UIDS = 20_000


def device_of(name: str) -> str:
    """``PJSIP/1001-0000002a`` -> ``PJSIP/1001``; ``Local/x@ctx-00000002;1`` -> ``Local/x@ctx``."""
    base = name.rsplit(";", 1)[0] if name.startswith("Local/") else name
    head, sep, _ = base.rpartition("-")
    return head if sep else base


def member_agent(name: str) -> str | None:
    """The agent code of queue-member plumbing ``Local/<code>@pbx-agent-...``, else None."""
    if name.startswith("Local/") and _MEMBER_MARK in name:
        return name[6 : name.index("@")]
    return None


def agent_of_interface(interface: str) -> str | None:
    """``Local/8001@pbx-agent/n`` -> ``8001``."""
    if interface.startswith("Local/") and "@" + AGENT_CONTEXT in interface:
        return interface[6 : interface.index("@")]
    return None


def ensure_channel(st: TrackerState, c: ev.Chan, at: float) -> LiveChannel:
    ch = st.channels.get(c.uniqueid)
    if ch is None and c.uniqueid in st.ended_uids:
        # A late event of a channel that hung up: answer with a detached copy.
        return LiveChannel(c.uniqueid, c.name, c.linkedid, at)
    if ch is None:
        ch = LiveChannel(c.uniqueid, c.name, c.linkedid or c.uniqueid, at, dialed=c.exten)
        ch.member_of = member_agent(c.name)
        if ch.member_of is None:
            device = device_of(c.name)
            ch.agent = st.logged_in_devices.get(device) or st.device_agents.get(device)
        st.channels[c.uniqueid] = ch
        _remember(st, c.uniqueid, at)
        _attach(st, ch, at)
        if ch.agent:
            st.dirty_agents.add(ch.agent)
    elif c.linkedid and c.linkedid != ch.linkedid:
        move_channel(st, ch, c.linkedid, at)
    ch.name = c.name or ch.name
    ch.state = c.state
    ch.caller_num, ch.caller_name = c.caller_num, c.caller_name
    ch.connected_num, ch.connected_name = c.connected_num, c.connected_name
    if c.context:
        ch.context, ch.exten = c.context, c.exten
    if c.state == 6 and ch.answered_at is None:
        ch.answered_at = at
    return ch


def _remember(st: TrackerState, uid: str, at: float, ended: bool = False) -> None:
    seen = st.ended_uids if ended else st.recent_uids
    seen[uid] = at
    if len(seen) > RECENT_UIDS:
        for old in list(seen)[: RECENT_UIDS // 10]:
            del seen[old]


def _attach(st: TrackerState, ch: LiveChannel, at: float) -> LiveCall:
    call = st.calls.get(ch.linkedid)
    if call is None:
        call = st.calls[ch.linkedid] = LiveCall(ch.linkedid, ch.created_at or at)
    call.channels[ch.uniqueid] = ch
    if call.caller_uid is None or ch.uniqueid == ch.linkedid:
        call.caller_uid = ch.uniqueid  # the channel that started the call, when we see it
    st.outbox.calls.add(call.linkedid)
    return call


def move_channel(st: TrackerState, ch: LiveChannel, linkedid: str, at: float) -> None:
    """Bridging gave the channel another call's Linkedid: it belongs to that call now."""
    old = st.calls.get(ch.linkedid)
    ch.linkedid = linkedid
    new = _attach(st, ch, at)
    if old is None:
        return
    old.channels.pop(ch.uniqueid, None)
    handling = old.open_handling(ch.uniqueid)
    if handling is not None:  # e.g. the consultation call of an attended transfer
        close_handling(st, old, handling, at, "transfer")
    for key in ("PBX_REGION", "PBX_CUSTOMER_CODE", "PBX_CUSTOMER_NAME", "PBX_VIP"):
        if key in old.attrs and key not in new.attrs:
            new.attrs[key] = old.attrs[key]
    if not old.channels:
        finish_call(st, old, at)


def call_of(st: TrackerState, ch: LiveChannel) -> LiveCall:
    return st.calls.get(ch.linkedid) or _attach(st, ch, ch.created_at)


def start_handling(st: TrackerState, call: LiveCall, ch: LiveChannel, at: float) -> Handling:
    agent = ch.agent or ""
    leg = next((leg for leg in reversed(call.legs) if leg.agent == agent), None)
    handling = Handling(agent, ch.uniqueid, at, leg=leg)
    call.handlings.append(handling)
    if call.answered_at is None:
        call.answered_at = at
    st.agent_calls.setdefault(agent, {})[ch.uniqueid] = call.linkedid
    st.dirty_agents.add(agent)
    screen_pop(st, agent, call.linkedid, leg.queue if leg else "", at)
    return handling


def screen_pop(st: TrackerState, agent: str, linkedid: str, queue_name: str, at: float) -> None:
    call = st.calls.get(linkedid)
    if call is None or agent in call.popped:
        return
    call.popped.add(agent)
    caller = call.channels.get(call.caller_uid or "")
    attrs = call.attrs
    st.outbox.screen_pops.append(
        ScreenPop(
            agent=agent,
            linkedid=linkedid,
            at=at,
            caller_num=caller.caller_num if caller else "",
            caller_name=caller.caller_name if caller else "",
            queue=queue_name or attrs.get("PBX_QUEUE"),
            region=attrs.get("PBX_REGION"),
            customer_code=attrs.get("PBX_CUSTOMER_CODE"),
            ivr_path=attrs.get("PBX_IVR_PATH", ""),
            vip=attrs.get("PBX_VIP") == "1",
        )
    )


def close_handling(
    st: TrackerState, call: LiveCall, handling: Handling, at: float, ended_by: str | None = None
) -> None:
    if handling.talk_end is not None:
        return
    handling.talk_end = at
    if handling.holds and handling.holds[-1][1] is None:
        handling.holds[-1][1] = at
    if ended_by is None:
        caller = call.channels.get(call.caller_uid or "")
        ended_by = handling.first_hangup or ("agent" if caller is not None else "caller")
    handling.ended_by = handling.ended_by or ended_by
    if handling.leg is not None:
        _start_wrapup(st, handling.agent, handling.leg.queue, at)
    calls = st.agent_calls.get(handling.agent)
    if calls is not None:
        calls.pop(handling.channel_uid, None)
        if not calls:
            del st.agent_calls[handling.agent]
    st.dirty_agents.add(handling.agent)
    st.outbox.calls.add(call.linkedid)


def _start_wrapup(st: TrackerState, agent: str, queue: str, at: float) -> None:
    """Wrap-up starts when the agent's phone hangs up; AgentComplete may come later (after a
    transfer through Local channels only when the whole call ends)."""
    for (member_queue, _), member in st.member_index.get(agent, {}).items():
        wrapup = member.wrapup_s or st.queue_wrapup.get(member_queue, 0)
        if member_queue == queue and wrapup:
            member.wrapup_until = max(member.wrapup_until, at + wrapup)
            st.wrapups[agent] = max(st.wrapups.get(agent, 0.0), member.wrapup_until)


def set_hold(st: TrackerState, ch: LiveChannel, on: bool, at: float) -> None:
    """Hold from the agent's phone (Hold/Unhold) or from the controller (PBX_HOLD)."""
    call = st.calls.get(ch.linkedid)
    if call is None:
        return
    handling = call.open_handling(ch.uniqueid)
    if handling is None and ch.bridge is not None:  # the held party reported it
        for uid in st.bridges.get(ch.bridge, ()):
            handling = call.open_handling(uid) or handling
    if handling is None:
        return
    if on and not handling.on_hold:
        handling.holds.append([at, None])
    elif not on and handling.on_hold:
        handling.holds[-1][1] = at
    ch.on_hold_since = at if on else None
    st.outbox.calls.add(call.linkedid)


def hangup(st: TrackerState, uid: str, at: float, cause: int | None) -> None:
    ch = st.channels.pop(uid, None)
    if ch is None:
        return
    _remember(st, uid, at, ended=True)
    ch.ended_at, ch.cause = at, cause
    leave_bridge(st, ch)
    call = st.calls.get(ch.linkedid)
    if call is None:
        return
    call.channels.pop(uid, None)
    call.ended.append(ch)
    if ch.member_of is None:
        # Who hung up first decides "ended_by": this agent, or the other side. Another
        # agent's leg leaving (the transferring agent, whose Hangup can come after the new
        # agent answered) decides nothing; close_handling falls back to the caller's state.
        agent = ch.agent or _local_pair_agent(call, ch)
        for open_one in call.handlings:
            if open_one.talk_end is None and open_one.first_hangup is None:
                if agent == open_one.agent:
                    open_one.first_hangup = "agent"
                elif not agent:
                    open_one.first_hangup = "caller"
    handling = call.open_handling(uid)
    if handling is not None:
        close_handling(st, call, handling, at)
    recording = call.recordings.get(uid)
    if recording is not None and recording.ended_at is None:
        recording.ended_at = at
    for queue in st.queues.values():  # a caller whose QueueCallerLeave we never saw
        if queue.callers.pop(uid, None) is not None:
            st.outbox.queues.add(queue.name)
    st.outbox.calls.add(call.linkedid)
    if not call.channels:
        finish_call(st, call, at)


def _local_pair_agent(call: LiveCall, ch: LiveChannel) -> str | None:
    """An agent's phone reached through a Local channel (a mobile number, a test agent) is a
    pair: ``;1`` is bridged and known as the agent's, ``;2`` runs the far side and usually
    hangs up first. The ``;2`` half is the agent's too."""
    if not ch.is_local or not ch.name.endswith((";1", ";2")):
        return None
    sibling = ch.name[:-1] + ("1" if ch.name.endswith("2") else "2")
    for other in (*call.channels.values(), *call.ended):
        if other.name == sibling and other.member_of is None:
            return other.agent
    return None


def leave_bridge(st: TrackerState, ch: LiveChannel) -> None:
    if ch.bridge is None:
        return
    members = st.bridges.get(ch.bridge)
    if members is not None:
        members.discard(ch.uniqueid)
        if not members:
            del st.bridges[ch.bridge]
    ch.bridge = None


def enter_bridge(st: TrackerState, ch: LiveChannel, bridge: str, at: float) -> None:
    if ch.bridge != bridge:
        leave_bridge(st, ch)
    st.bridges.setdefault(bridge, set()).add(ch.uniqueid)
    ch.bridge = bridge
    call = call_of(st, ch)
    if ch.agent and ch.member_of is None:
        handling = call.open_handling(ch.uniqueid)
        if handling is None:
            start_handling(st, call, ch, at)
        elif handling.on_hold and ch.on_hold_since is None:
            handling.holds[-1][1] = at
    elif call.answered_at is None and len(st.bridges[bridge]) > 1:
        call.answered_at = at
    st.outbox.calls.add(call.linkedid)


def finish_call(st: TrackerState, call: LiveCall, at: float) -> None:
    # Imported here: finish builds records from every part of the state.
    from controller.ami.tracker.finish import build_record

    st.calls.pop(call.linkedid, None)
    if st.replaying:
        call.source = RECOVERED
    for handling in call.handlings:
        close_handling(st, call, handling, at)
    st.outbox.finished.append(build_record(st.server_id, call, at))
    st.outbox.calls.add(call.linkedid)
