"""The call's attributes in one ``UserEvent(PbxCall)`` per change point ([pbx-mark]) instead of
a ``VarSet`` per attribute: decoded, filtered, kept out of the raw history, and tracked into
the same call as the VarSets they replace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from controller.ami import events as ev
from controller.ami.decode import CALL_MARK, decode
from controller.ami.filters import allows
from controller.ami.live import raw_event, tracker_filters
from controller.ami.protocol import Message
from controller.ami.replay import messages
from controller.ami.tracker import Tracker, to_json
from controller.ami.tracker.calls import CALL_ATTRS, TRACKED_VARIABLES, VARSET_VARIABLES
from controller.recovery.marks import MARKED_VARIABLES

FILTERS = tracker_filters()


def mark_text(context: str, exten: str, values: dict[str, str]) -> str:
    """What [pbx-mark] writes: where, then every marked variable (unset ones empty), each value
    URIENCODEd (Asterisk encodes all but unreserved characters, as quote(safe="") does)."""
    pairs = [("_context", context), ("_exten", exten)]
    pairs += [(name, values.get(name, "")) for name in MARKED_VARIABLES]
    return "&".join(f"{name}={quote(value, safe='')}" for name, value in pairs)


def mark_message(uid: str, context: str, exten: str, values: dict[str, str]) -> Message:
    return Message(
        [
            ("Event", "UserEvent"), ("Channel", f"Local/x@y-{uid};1"), ("ChannelState", "6"),
            ("CallerIDNum", "13900001111"), ("CallerIDName", "张伟"),
            ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"),
            ("Context", "pbx-mark"), ("Exten", "s"), ("Priority", "3"), ("Uniqueid", uid),
            ("Linkedid", uid), ("UserEvent", CALL_MARK),
            ("Mark", mark_text(context, exten, values)),
        ]
    )  # fmt: skip


def test_a_mark_decodes_to_the_attributes_where_the_dialplan_set_them() -> None:
    values = {
        "PBX_ROUTE": "service-24h",
        "PBX_IVR_PATH": "/main:1",
        "PBX_CUSTOMER_NAME": '赵明, "老客户" (VIP) \\ [A] ;x&y=1%',
        "PBX_AGENT": "8001",  # marked too, but followed through its VarSets
    }
    event = decode(mark_message("c1", "pbx-ivr-main", "1", values), 5.0)
    assert isinstance(event, ev.CallMark)
    assert (event.chan.context, event.chan.exten) == ("pbx-ivr-main", "1")
    assert (event.chan.uniqueid, event.chan.caller_name) == ("c1", "张伟")
    got = dict(event.attrs)
    assert set(got) == set(CALL_ATTRS)
    assert {k: v for k, v in got.items() if v} == {
        k: v for k, v in values.items() if k in CALL_ATTRS
    }


def test_the_live_session_asks_for_marks_and_not_for_the_attributes_varsets() -> None:
    message = mark_message("c1", "pbx-queue-sales", "s", {"PBX_QUEUE": "sales"})
    assert allows(FILTERS, message.fields)
    assert raw_event("pbx1", message, 0.0) is None  # not a verbatim history event
    assert VARSET_VARIABLES == TRACKED_VARIABLES - CALL_ATTRS
    for name in TRACKED_VARIABLES:
        varset = Message([("Event", "VarSet"), ("Variable", name), ("Value", "1"),
                          ("Uniqueid", "u")])  # fmt: skip
        assert allows(FILTERS, varset.fields) is (name in VARSET_VARIABLES), name
        # Still decoded when they come (a dialplan from before the marks, a resync).
        assert decode(varset, 0.0) is not None, name


def _caller(context: str, exten: str = "s") -> ev.Chan:
    return ev.Chan("Local/x@y-c1;1", "c1", "c1", 6, "13900001111", "", "", "", context, exten)


# The attributes of an inbound call, where the dialplan sets them: the route, the controller's
# decision, the menu, a key, the queue.
STEPS: list[tuple[str, str, dict[str, str]]] = [
    ("pbx-in-service-24h", "s",
     {"PBX_ROUTE": "service-24h", "PBX_DID": "+8675586009999", "PBX_DIRECTION": "inbound"}),
    ("pbx-agi", "s", {"PBX_REGION": "北京市", "PBX_CUSTOMER_CODE": "C10001", "PBX_VIP": "1"}),
    ("pbx-ivr-main", "s", {"PBX_IVR_PATH": "/main"}),
    ("pbx-ivr-main", "1", {"PBX_IVR_PATH": "/main:1"}),
    ("pbx-queue-sales", "s", {"PBX_QUEUE": "sales"}),
]  # fmt: skip


@pytest.mark.parametrize("how", ["marks", "both"])
def test_marks_make_the_same_call_as_the_varsets(how: str) -> None:
    def run(events: list[ev.Event]) -> object:
        tracker = Tracker()
        tracker.apply(ev.NewChannel(0.0, _caller("pbx-from-trunk")))
        tracker.apply_many(events)
        live = to_json(tracker.calls())
        tracker.apply(ev.Hangup(9.0, _caller("pbx-queue-sales"), 16))
        return live, to_json(tracker.drain().finished)

    varsets: list[ev.Event] = []
    marks: list[ev.Event] = []
    values: dict[str, str] = {}
    for n, (context, exten, changed) in enumerate(STEPS, start=1):
        at = float(n)
        for name, value in changed.items():
            varsets.append(ev.VarSet(at, _caller(context, exten), name, value))
        values.update(changed)
        message = mark_message("c1", context, exten, values)
        mark = decode(message, at)
        assert isinstance(mark, ev.CallMark)
        marks.append(ev.CallMark(at, _caller(context, exten), mark.attrs))
        if how == "both":  # an unfiltered session gets the VarSets and the mark
            marks[-1:-1] = varsets[-len(changed) :]
    assert run(marks) == run(varsets)
    (call,) = run(marks)[1]  # type: ignore[misc]
    assert (call["route"], call["did"], call["region"], call["ivr_path"], call["vip"]) == (
        "service-24h", "+8675586009999", "北京市", "/main:1", True,
    )  # fmt: skip


def test_an_attribute_cleared_later_stays_on_the_call_as_with_varsets() -> None:
    tracker = Tracker()
    tracker.apply(ev.NewChannel(0.0, _caller("q")))
    tracker.apply(ev.CallMark(1.0, _caller("q"), (("PBX_QUEUE", "sales"),)))
    tracker.apply(ev.CallMark(2.0, _caller("q"), (("PBX_QUEUE", ""),)))
    (call,) = tracker.calls()
    assert call.queue == "sales"


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"


def _replay(data: bytes, keep: Callable[[Message], bool]) -> tuple[object, object, int]:
    """The tracker's records from the events ``keep`` lets through, each timed as in the whole
    stream (its Timestamp), and how many typed events it read."""
    tracker = Tracker("test", queue_wrapup={"sales": 15, "support": 10})
    clock, applied = 1_000_000.0, 0
    for message in messages(data):
        clock += 0.001
        if message.kind != "Event" or "ActionID" in message.fields or not keep(message):
            continue  # the lists at the end: a resync, not what this compares
        event = decode(message, clock)
        if event is not None:
            tracker.apply(event)
            applied += 1
    outbox = tracker.drain()
    return to_json(outbox.finished), to_json(outbox.screen_pops), applied


def test_a_recorded_inbound_call_is_the_same_from_what_the_live_session_receives() -> None:
    """tests/fixtures/ami/inbound.ami: every event Asterisk sent for a call through the route,
    the menu and the queue with the marks (tests/integration/record_transcripts.py)."""
    data = (FIXTURES / "inbound.ami").read_bytes()
    recorded = list(messages(data))
    marks = [m for m in recorded if m.fields.get("UserEvent") == CALL_MARK]
    assert len(marks) >= 4  # the route, the decision, the menu, its key, the queue
    everything = _replay(data, lambda _m: True)
    filtered = _replay(data, lambda m: allows(FILTERS, m.fields))
    assert filtered[:2] == everything[:2]
    assert filtered[2] < everything[2]  # the attributes' VarSets were not needed
    (call,) = everything[0]  # type: ignore[misc]
    assert (call["route"], call["did"], call["direction"], call["outcome"]) == (
        "service-24h", "+8675586009999", "inbound", "answered",
    )  # fmt: skip
    assert call["ivr_path"] in ("/main:1", "/main:timeout")  # the key, or no menu prompt
    assert [h["agent_code"] for h in call["handlings"]] == ["8001"]
