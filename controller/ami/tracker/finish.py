"""A finished call's live state -> one immutable :class:`FinishedCall` for the history.

The call's outcome, in order: transferred (an answered call an agent transferred), answered,
called back (the caller left the queue with the callback key and never came back),
voicemail, rejected (a blacklisted caller), abandoned (left a queue by hanging up), unanswered
(reached a queue but no agent), closed (reached a closed or holiday branch of a time
condition and no queue), busy / failed (the last dial found the called party busy / could not
be put through), else unanswered. docs/history.md defines each for reports.
"""

from __future__ import annotations

from controller.ami.tracker import records as rec
from controller.ami.tracker.state import Handling, Leg, LiveCall, LiveChannel

# DIALSTATUS values, and Q.850 causes the dialplan hung the caller up with (Congestion() after
# every trunk failed, an unknown number), that mean the call could not be put through.
FAILED_DIAL = frozenset({"CHANUNAVAIL", "CONGESTION", "INVALIDARGS"})
FAILED_CAUSES = frozenset({1, 2, 3, 27, 28, 34, 38, 41, 42, 44, 58})
BUSY_CAUSE = 17


def _ms(start: float, end: float | None) -> int | None:
    return None if end is None else max(0, round((end - start) * 1000))


def _role(call: LiveCall, ch: LiveChannel) -> str:
    if ch.uniqueid == call.caller_uid:
        return "caller"
    if ch.agent and ch.member_of is None:
        return "agent"
    return "local" if ch.is_local else "other"


def _channel(call: LiveCall, ch: LiveChannel) -> rec.ChannelRecord:
    return rec.ChannelRecord(
        uniqueid=ch.uniqueid,
        channel=ch.name,
        role=_role(call, ch),
        caller_number=ch.caller_num,
        caller_name=ch.caller_name,
        connected_number=ch.connected_num,
        context=ch.context,
        exten=ch.dialed,
        agent_code=ch.agent if ch.member_of is None else ch.member_of,
        created_at=ch.created_at,
        answered_at=ch.answered_at,
        ended_at=ch.ended_at,
        hangup_cause=ch.cause,
    )


def _leg(leg: Leg, at: float) -> rec.LegRecord:
    ended = leg.ended_at if leg.ended_at is not None else at
    waited_until = leg.connected_at if leg.connected_at is not None else ended
    return rec.LegRecord(
        queue=leg.queue,
        entry_channel_uid=leg.caller_uid,
        entered_at=leg.entered_at,
        connected_at=leg.connected_at,
        ended_at=ended,
        wait_ms=_ms(leg.entered_at, waited_until),
        outcome=leg.outcome,
        exit_key=leg.exit_key,
        orig_position=leg.orig_position or None,
        exit_position=leg.exit_position,
        priority=leg.priority,
        answered_by_agent=leg.agent,
        member_channel_uid=leg.member_uid,
        ring_ms=leg.ring_ms,
        completed_by=leg.completed_by,
        attempts=tuple(
            rec.AttemptRecord(
                a.agent, a.interface, a.rang_at, a.ended_at or ended, a.ring_ms, a.result
            )
            for a in leg.attempts
        ),
    )


def _handling(h: Handling, legs: list[Leg], at: float) -> rec.HandlingRecord:
    end = h.talk_end if h.talk_end is not None else at
    holds = tuple((start, stop if stop is not None else end) for start, stop in h.holds)
    hold_ms = sum(_ms(start, stop) or 0 for start, stop in holds if start is not None)
    return rec.HandlingRecord(
        agent_code=h.agent,
        channel_uid=h.channel_uid,
        talk_start=h.talk_start,
        talk_end=end,
        hold_ms=hold_ms,
        holds=holds,  # type: ignore[arg-type]
        ended_by=h.ended_by,
        leg_index=next((i for i, leg in enumerate(legs) if leg is h.leg), None),
    )


def _outcome(call: LiveCall, channels: list[LiveChannel]) -> str:
    answered = bool(call.handlings) or any(leg.connected_at for leg in call.legs)
    if answered and any(t.success for t in call.transfers):
        return "transferred"
    if answered or (call.answered_at is not None and not call.legs):
        return "answered"
    last = call.legs[-1] if call.legs else None
    if last is not None and last.outcome == "exit_key" and "PBX_CALLBACK_KEY" in call.attrs:
        return "callback"
    if call.voicemail:
        return "voicemail"
    if call.attrs.get("PBX_REJECTED") == "1":
        return "rejected"
    if any(leg.outcome == "abandoned" for leg in call.legs):
        return "abandoned"
    if call.legs:
        return "unanswered"
    branch = call.attrs.get("PBX_TIME_BRANCH", "")
    if branch.endswith((":closed", ":holiday")):
        return "closed"
    statuses = {ch.dial_status for ch in channels if ch.dial_status}
    caller = next((ch for ch in channels if ch.uniqueid == call.caller_uid), None)
    cause = caller.cause if caller is not None else None
    if "BUSY" in statuses or cause == BUSY_CAUSE:
        return "busy"
    if (statuses and statuses <= FAILED_DIAL) or cause in FAILED_CAUSES:
        return "failed"
    return "unanswered"


def build_record(server_id: str, call: LiveCall, at: float) -> rec.FinishedCall:
    channels = sorted([*call.ended, *call.channels.values()], key=lambda c: c.created_at)
    caller = next((c for c in channels if c.uniqueid == call.caller_uid), None)
    handlings = [_handling(h, call.legs, at) for h in call.handlings]
    transfers = []
    for t in call.transfers:
        source = next(
            (i for i, h in enumerate(call.handlings) if h.channel_uid == t.from_channel), None
        )
        transfers.append(
            rec.TransferOut(
                t.at,
                t.kind,
                t.method,
                source,
                t.to_context,
                t.to_exten,
                t.target_uid,
                "success" if t.success else "failed",
            )
        )
    recordings = []
    for r in call.recordings.values():
        index = next(
            (i for i, h in enumerate(handlings) if (h.talk_end or at) >= r.started_at), None
        )
        agent = handlings[index].agent_code if index is not None else None
        recordings.append(
            rec.RecordingRecord(r.channel_uid, r.path, r.started_at, r.ended_at or at, agent, index)
        )
    attrs = call.attrs
    return rec.FinishedCall(
        server_id=server_id,
        linkedid=call.linkedid,
        direction=attrs.get("PBX_DIRECTION", "internal"),
        caller_number=caller.caller_num if caller else "",
        caller_name=caller.caller_name if caller else "",
        called_number=attrs.get("PBX_DID") or (caller.dialed if caller else ""),
        did=attrs.get("PBX_DID"),
        region=attrs.get("PBX_REGION"),
        ivr_path=attrs.get("PBX_IVR_PATH", ""),
        customer_code=attrs.get("PBX_CUSTOMER_CODE"),
        vip=attrs.get("PBX_VIP") == "1",
        started_at=min((c.created_at for c in channels), default=call.started_at),
        answered_at=call.answered_at,
        ended_at=max((c.ended_at or at for c in channels), default=at),
        outcome=_outcome(call, channels),
        channels=tuple(_channel(call, c) for c in channels),
        legs=tuple(_leg(leg, at) for leg in call.legs),
        handlings=tuple(handlings),
        transfers=tuple(transfers),
        recordings=tuple(recordings),
        source=call.source,
        route=attrs.get("PBX_ROUTE"),
    )
