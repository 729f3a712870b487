"""Event handlers for channels and calls: one function per event type, no I/O."""

from __future__ import annotations

from controller.ami import events as ev
from controller.ami.tracker.channels import (
    AGENT_CONTEXT,
    call_of,
    close_handling,
    ensure_channel,
    enter_bridge,
    hangup,
    leave_bridge,
    set_hold,
)
from controller.ami.tracker.state import RecordingState, TrackerState, TransferRecord

# Variables that describe the call as a whole (set at ingress, inherited by every leg).
CALL_ATTRS = frozenset(
    {
        "PBX_ROUTE",
        "PBX_DID",
        "PBX_DIRECTION",
        "PBX_IVR_PATH",
        "PBX_TIME_BRANCH",
        "PBX_QUEUE",
        "PBX_REGION",
        "PBX_CUSTOMER_CODE",
        "PBX_CUSTOMER_NAME",
        "PBX_VIP",
        "PBX_OWNER_AGENT",
        "PBX_REJECTED",
    }
)
# Every variable on_varset uses: the decoder builds VarSet events for these only (a call's
# dialplan sets a dozen more, each inherited by every leg; they were a sixth of the events
# under load).
TRACKED_VARIABLES = CALL_ATTRS | {
    "PBX_AGENT",
    "PBX_HOLD",
    "PBX_RECORDING",
    "PBX_CB_POSITION_LEFT",
    "PBX_QUEUE_POSITION",
}
# The generated dialplan announces the call's attributes in one UserEvent(PbxCall) from
# [pbx-mark] after it set them (docs/dialplan-contract.md), so the live AMI session asks
# Asterisk for the VarSets of the others only: a VarSet per attribute was 8 events per call in
# the load test, the marks are 3-5. VarSets of the attributes are still applied when they come
# (a dialplan from before the marks, the recorded transcripts, the resync's Status lists).
VARSET_VARIABLES = TRACKED_VARIABLES - CALL_ATTRS


def on_new_channel(st: TrackerState, e: ev.NewChannel) -> None:
    st.ended_uids.pop(e.chan.uniqueid, None)  # a ChannelId may be used again after a hangup
    ensure_channel(st, e.chan, e.at)


def on_channel_update(st: TrackerState, e: ev.ChannelUpdate) -> None:
    ch = ensure_channel(st, e.chan, e.at)
    st.outbox.calls.add(ch.linkedid)


def on_hangup(st: TrackerState, e: ev.Hangup) -> None:
    if e.chan.uniqueid in st.channels:
        ch = ensure_channel(st, e.chan, e.at)  # a last Linkedid change rides on the Hangup too
        ch.dial_status = e.dial_status or ch.dial_status
    hangup(st, e.chan.uniqueid, e.at, e.cause)


def on_varset(st: TrackerState, e: ev.VarSet) -> None:
    ch = ensure_channel(st, e.chan, e.at)
    name, value = e.name, e.value
    ch.vars[name] = value
    call = call_of(st, ch)
    if name in CALL_ATTRS:
        if value:
            call.attrs[name] = value
    elif name == "PBX_AGENT":
        if ch.context == AGENT_CONTEXT:
            ch.dialing_agent = value or None
        elif ch.member_of is None and value and ch.agent != value:
            if ch.agent:
                st.dirty_agents.add(ch.agent)
            ch.agent = value
            st.dirty_agents.add(value)
    elif name == "PBX_HOLD":
        set_hold(st, ch, value == "1", e.at)
    elif name == "PBX_CB_POSITION_LEFT" or (
        name == "PBX_QUEUE_POSITION" and ch.context.startswith("pbx-qcb-")
    ):
        # The caller left Queue() with a key into the queue's exit context.
        leg = next((leg for leg in reversed(call.legs) if leg.caller_uid == ch.uniqueid), None)
        if leg is not None and leg.connected_at is None and leg.outcome in (None, "exit_key"):
            leg.outcome = "exit_key"
            leg.exit_key = ch.exten if len(ch.exten) == 1 and ch.exten != "i" else None
            if name == "PBX_CB_POSITION_LEFT":
                call.attrs["PBX_CALLBACK_KEY"] = ch.exten
    st.outbox.calls.add(call.linkedid)


def on_call_mark(st: TrackerState, e: ev.CallMark) -> None:
    """The attributes that changed since the channel's last mark or VarSet, as on_varset
    applies them (a mark names every attribute, set or not)."""
    ch = ensure_channel(st, e.chan, e.at)
    known = ch.vars
    call = call_of(st, ch)
    attrs = call.attrs
    for name, value in e.attrs:
        if known.get(name, "") != value:
            known[name] = value
            if value:
                attrs[name] = value
    st.outbox.calls.add(call.linkedid)


def on_dial_begin(st: TrackerState, e: ev.DialBegin) -> None:
    dest = ensure_channel(st, e.dest, e.at)
    if e.caller is None:
        return
    src = ensure_channel(st, e.caller, e.at)
    if src.dialing_agent and dest.member_of is None and dest.agent is None:
        dest.agent = src.dialing_agent
        st.dirty_agents.add(dest.agent)


def on_dial_end(st: TrackerState, e: ev.DialEnd) -> None:
    ensure_channel(st, e.dest, e.at)
    if e.caller is not None and e.status:
        ensure_channel(st, e.caller, e.at).dial_status = e.status


def on_bridge_enter(st: TrackerState, e: ev.BridgeEnter) -> None:
    ch = ensure_channel(st, e.chan, e.at)
    enter_bridge(st, ch, e.bridge, e.at)


def on_bridge_leave(st: TrackerState, e: ev.BridgeLeave) -> None:
    ch = st.channels.get(e.chan.uniqueid)
    if ch is not None and ch.bridge == e.bridge:
        leave_bridge(st, ch)
        st.outbox.calls.add(ch.linkedid)


def on_hold(st: TrackerState, e: ev.Hold) -> None:
    ch = ensure_channel(st, e.chan, e.at)
    set_hold(st, ch, e.on, e.at)


def _transfer_out(
    st: TrackerState, transferer_uid: str, record: TransferRecord, other_uid: str
) -> None:
    ch = st.channels.get(transferer_uid) or st.channels.get(other_uid)
    if ch is None:
        return
    call = call_of(st, ch)
    handling = call.open_handling(transferer_uid)
    if handling is not None:
        record.from_agent = handling.agent
        if record.success:
            close_handling(st, call, handling, record.at, "transfer")
    call.transfers.append(record)
    st.outbox.calls.add(call.linkedid)


def on_blind_transfer(st: TrackerState, e: ev.BlindTransfer) -> None:
    record = TransferRecord(
        e.at, "blind", "", None, e.transferer, e.context, e.exten, e.transferee, e.success
    )
    _transfer_out(st, e.transferer, record, e.transferee)


def on_attended_transfer(st: TrackerState, e: ev.AttendedTransfer) -> None:
    record = TransferRecord(
        e.at, "attended", e.method, None, e.transferer, "", "", e.target or None, e.success
    )
    # The consultation leg of the transferring agent ends with the transfer too.
    second = st.channels.get(e.second_transferer)
    if e.success and second is not None:
        consult = call_of(st, second)
        handling = consult.open_handling(second.uniqueid)
        if handling is not None:
            close_handling(st, consult, handling, e.at, "transfer")
    _transfer_out(st, e.transferer, record, e.transferee)


def on_recording(st: TrackerState, e: ev.Recording) -> None:
    ch = ensure_channel(st, e.chan, e.at)
    call = call_of(st, ch)
    recording = call.recordings.get(ch.uniqueid)
    if e.on:
        if recording is None:
            # MixMonitor events carry no file name: the dialplan names the file after the
            # recording channel's UNIQUEID and tells us in PBX_RECORDING.
            path = ch.vars.get("PBX_RECORDING") or f"{ch.uniqueid}.wav"
            call.recordings[ch.uniqueid] = RecordingState(ch.uniqueid, path, e.at)
        else:
            recording.ended_at = None
    elif recording is not None:
        recording.ended_at = e.at
    st.outbox.calls.add(call.linkedid)


def on_app_start(st: TrackerState, e: ev.AppStart) -> None:
    ch = ensure_channel(st, e.chan, e.at)
    if e.application == "VoiceMail":
        call_of(st, ch).voicemail = True
