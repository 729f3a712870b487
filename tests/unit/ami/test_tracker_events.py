"""Tracker cases the recorded transcripts do not cover, driven by hand-made events."""

from __future__ import annotations

from controller.ami import events as ev
from controller.ami.tracker import Tracker


def chan(uid: str, name: str, linkedid: str, context: str = "pbx-phones") -> ev.Chan:
    return ev.Chan(name=name, uniqueid=uid, linkedid=linkedid, state=6, caller_num="13900001111",
                   context=context)  # fmt: skip


def test_a_late_event_after_hangup_does_not_bring_the_channel_back() -> None:
    tracker = Tracker()
    c = chan("u1", "PJSIP/trunk-1", "u1")
    tracker.apply(ev.NewChannel(1.0, c))
    tracker.apply(ev.Hangup(2.0, c, 16))
    tracker.apply(ev.ChannelUpdate(2.1, c))  # Asterisk does this for Local channels
    assert tracker.calls() == []
    assert [f.linkedid for f in tracker.drain().finished] == ["u1"]


def test_phone_hold_is_counted_and_the_usual_phone_names_the_agent() -> None:
    tracker = Tracker(device_agents={"PJSIP/1001": "8001"})
    caller = chan("c1", "PJSIP/trunk-00000001", "c1")
    phone = chan("a1", "PJSIP/1001-00000002", "c1")
    for event in (
        ev.NewChannel(0.0, caller),
        ev.NewChannel(1.0, phone),
        ev.BridgeEnter(2.0, "b1", caller),
        ev.BridgeEnter(2.0, "b1", phone),
        ev.Hold(10.0, phone, True),
        ev.Hold(15.0, phone, False),
        ev.Hangup(32.0, phone, 16),
        ev.Hangup(32.1, caller, 16),
    ):
        tracker.apply(event)
    (call,) = tracker.drain().finished
    (handling,) = call.handlings
    assert handling.agent_code == "8001"
    assert handling.hold_ms == 5000
    assert handling.talk_ms == 25000  # 30 s bridged, less 5 s on hold
    assert handling.ended_by == "agent"
    assert call.outcome == "answered"


def test_attended_transfer_moves_the_target_into_the_callers_call() -> None:
    tracker = Tracker(device_agents={"PJSIP/1001": "8001", "PJSIP/1002": "8002"})
    caller = chan("c1", "PJSIP/trunk-1", "c1")
    first = chan("a1", "PJSIP/1001-1", "c1")
    consult = chan("a2", "PJSIP/1001-2", "a2")  # 8001 dials 8002: a new call
    target = chan("t1", "PJSIP/1002-3", "a2")
    events = [
        ev.NewChannel(0.0, caller), ev.NewChannel(1.0, first),
        ev.BridgeEnter(2.0, "b1", caller), ev.BridgeEnter(2.0, "b1", first),
        ev.NewChannel(10.0, consult), ev.NewChannel(10.5, target),
        ev.BridgeEnter(12.0, "b2", consult), ev.BridgeEnter(12.0, "b2", target),
        ev.AttendedTransfer(20.0, "a1", "a2", "c1", "t1", "Bridge", True),
        ev.Hangup(20.1, first, 16), ev.Hangup(20.1, consult, 16),
        # Bridging merged the calls: the target now carries the caller's Linkedid.
        ev.BridgeEnter(20.2, "b1", chan("t1", "PJSIP/1002-3", "c1")),
        ev.Hangup(50.0, chan("t1", "PJSIP/1002-3", "c1"), 16), ev.Hangup(50.1, caller, 16),
    ]  # fmt: skip
    tracker.apply_many(events)
    finished = {f.linkedid: f for f in tracker.drain().finished}
    call = finished["c1"]
    assert call.outcome == "transferred"
    assert [(h.agent_code, h.ended_by) for h in call.handlings] == [
        ("8001", "transfer"),
        ("8002", "agent"),
    ]
    assert call.transfers[0].kind == "attended"
    assert {c.uniqueid for c in call.channels} == {"c1", "a1", "t1"}
    consultation = finished["a2"]  # 8001 asking 8002: an internal call of its own
    assert [h.agent_code for h in consultation.handlings] == ["8001", "8002"]


def test_voicemail_and_callback_outcomes() -> None:
    tracker = Tracker()
    vm = chan("v1", "PJSIP/trunk-1", "v1")
    tracker.apply_many([
        ev.NewChannel(0, vm), ev.QueueCallerJoin(1, vm, "sales", 1),
        ev.QueueCallerLeave(31, vm, "sales", 1),
        ev.QueueExit(31, vm, "sales", "TIMEOUT"),
        ev.AppStart(32, vm, "VoiceMail"), ev.Hangup(60, vm, 16),
    ])  # fmt: skip
    cb = chan("k1", "PJSIP/trunk-2", "k1", context="pbx-queue-sales")
    key = ev.Chan("PJSIP/trunk-2", "k1", "k1", 6, context="pbx-qcb-sales", exten="5")
    tracker.apply_many([
        ev.NewChannel(0, cb), ev.QueueCallerJoin(1, cb, "sales", 1),
        ev.QueueCallerLeave(20, cb, "sales", 1),
        ev.VarSet(20, key, "PBX_CB_POSITION_LEFT", "1"), ev.Hangup(25, key, 16),
    ])  # fmt: skip
    finished = {f.linkedid: f for f in tracker.drain().finished}
    assert finished["v1"].outcome == "voicemail"
    assert finished["v1"].legs[0].outcome == "timeout"
    assert finished["v1"].legs[0].wait_ms == 30_000
    assert finished["k1"].outcome == "callback"
    assert (finished["k1"].legs[0].outcome, finished["k1"].legs[0].exit_key) == ("exit_key", "5")


def test_app_queue_says_who_ended_a_queue_call_whatever_the_hangup_order() -> None:
    """The Hangup events of an agent's Local-channel phone can reach us after the caller's
    side has gone (each channel's events are raised as it is torn down): AgentComplete's
    Reason, app_queue's view of which side of its bridge left first, settles it."""
    tracker = Tracker(device_agents={"PJSIP/1001": "8001"})
    caller = chan("c1", "PJSIP/trunk-1", "c1", context="pbx-queue-sales")
    member = chan("m1", "Local/8001@pbx-agent-00000001;1", "c1")
    phone = chan("a1", "PJSIP/1001-2", "c1")
    agent = ev.AgentEvent(0.0, "called", "c1", "c1", "sales", "8001", "Local/8001@pbx-agent/n",
                          "m1")  # fmt: skip
    tracker.apply_many([
        ev.NewChannel(0.0, caller),
        ev.QueueCallerJoin(0.5, caller, "sales", 1),
        ev.NewChannel(1.0, member), ev.NewChannel(1.1, phone), agent,
        ev.BridgeEnter(2.0, "q", caller), ev.BridgeEnter(2.0, "q", member),
        ev.BridgeEnter(2.0, "d", phone),
        ev.QueueCallerLeave(2.0, caller, "sales", 1),
        ev.AgentEvent(2.0, "connect", "c1", "c1", "sales", "8001", agent.interface, "m1"),
        # The agent hung up, but the caller's Hangup is read first:
        ev.Hangup(30.0, chan("x", "PJSIP/trunk-9", "c1"), 16),  # a leg of the caller's side
        ev.AgentEvent(30.0, "complete", "c1", "c1", "sales", "8001", agent.interface, "m1",
                      reason="agent"),
        ev.Hangup(30.1, member, 16), ev.Hangup(30.1, caller, 16), ev.Hangup(30.2, phone, 16),
    ])  # fmt: skip
    (call,) = tracker.drain().finished
    assert [(h.agent_code, h.ended_by) for h in call.handlings] == [("8001", "agent")]
    assert call.legs[0].completed_by == "agent"
