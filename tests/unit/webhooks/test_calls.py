"""Call events from recorded AMI transcripts, fed event by event as serve does: ringing per
agent, answered once, ended held until the dispositions or the wait, then call.disposition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from controller.ami.decode import decode
from controller.ami.replay import messages
from controller.ami.tracker import Tracker
from controller.webhooks.calls import CallEvents
from controller.webhooks.events import Event

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_467_800.0

    def __call__(self) -> float:
        return self.now


def _feed(
    name: str, wait: float = 60.0, during: Callable[[CallEvents, list[Event]], None] | None = None
) -> tuple[CallEvents, list[Event], Clock]:
    """The transcript fed event by event; ``during`` is called after each."""
    tracker, sent, clock = Tracker("pbx1", queue_wrapup={"sales": 15}), [], Clock()
    calls = CallEvents(tracker, sent.append, wait=wait, margin=2.0, clock=clock)
    at = 1_795_467_800.0
    for message in messages((FIXTURES / f"{name}.ami").read_bytes()):
        at += 0.001
        event = decode(message, at)
        if event is not None and "ActionID" not in message.fields:
            tracker.apply(event)
            calls.on_outbox(tracker.drain())
            if during is not None:
                during(calls, sent)
    return calls, sent, clock


def test_ringing_then_answered_then_ended_after_the_disposition() -> None:
    calls, sent, clock = _feed("answered")
    assert [e.kind for e in sent] == ["call.ringing", "call.answered"]
    ringing, answered = sent
    assert (ringing.data["linkedid"], ringing.data["agent"], ringing.queues) == (
        "cust-1", "8001", ("sales",)
    )  # fmt: skip
    assert (answered.data["agents"], answered.data["queue"]) == (["8001"], "sales")
    assert calls.held == 1  # ended: waiting for 8001's disposition
    calls.note_saved({"linkedid": "cust-1", "agent": "8001", "disposition": "resolved"})
    assert calls.held == 1  # and for the margin (the history stores the call meanwhile)
    clock.now += 2.0
    calls.release()
    (ended,) = sent[2:]
    assert ended.kind == "call.ended"
    assert (ended.data["linkedid"], ended.data["outcome"], ended.data["agents"]) == (
        "cust-1", "answered", ["8001"]
    )  # fmt: skip
    # A note saved after call.ended went out: call.disposition.
    calls.note_saved({"linkedid": "cust-1", "agent": "8001", "disposition": "quote-sent"})
    assert [e.kind for e in sent[3:]] == ["call.disposition"]
    assert sent[3].data["disposition"] == "quote-sent"
    assert sent[3].queues == ("sales",)


def test_a_disposition_saved_during_the_call_does_not_hold_the_end() -> None:
    saved: list[str] = []

    def while_talking(calls: CallEvents, sent: list[Event]) -> None:
        if not saved and any(e.kind == "call.answered" for e in sent):
            saved.append("8001")
            calls.note_saved({"linkedid": "cust-1", "agent": "8001", "disposition": "resolved"})
            assert calls.held == 0  # remembered, not a call.disposition: the call is live

    calls, sent, clock = _feed("answered", during=while_talking)
    assert saved == ["8001"]
    assert [e.kind for e in sent] == ["call.ringing", "call.answered"]
    clock.now += 2.0  # the margin only, not the 60 s wait
    calls.release()
    assert [e.kind for e in sent] == ["call.ringing", "call.answered", "call.ended"]


def test_ended_goes_out_after_the_wait_without_dispositions() -> None:
    calls, sent, clock = _feed("transfer", wait=30.0)
    assert [(e.kind, e.data.get("agent")) for e in sent] == [
        ("call.ringing", "8001"), ("call.answered", None), ("call.ringing", "8002"),
    ]  # fmt: skip
    calls.note_saved({"linkedid": "1795468460.0", "agent": "8001", "disposition": "follow-up"})
    clock.now += 29.0
    calls.release()
    assert calls.held == 1  # 8002 has not disposed yet
    clock.now += 1.0
    calls.release()
    assert sent[-1].kind == "call.ended"
    assert sent[-1].data["agents"] == ["8001", "8002"]
    assert sent[-1].data["outcome"] == "transferred"


def test_an_abandoned_call_ends_without_waiting_for_anyone() -> None:
    calls, sent, clock = _feed("abandon")
    assert [e.kind for e in sent] == []  # nobody rang, nobody answered
    clock.now += 2.0
    calls.release()
    assert [(e.kind, e.data["outcome"]) for e in sent] == [("call.ended", "abandoned")]


def test_a_stop_sends_what_is_held() -> None:
    calls, sent, _clock = _feed("answered")
    calls.release(force=True)
    assert sent[-1].kind == "call.ended"
    assert calls.held == 0


def test_an_answered_call_is_not_asked_about_again() -> None:
    """call.answered is said once: the tracker is not asked who talks on that call after it,
    though the call changes after nearly every batch of events until it ends."""
    asked: list[str] = []
    answered_at: list[int] = []

    def during(calls: CallEvents, sent: list[Event]) -> None:
        if not answered_at and any(e.kind == "call.answered" for e in sent):
            answered_at.append(len(asked))
        if not hasattr(calls.tracker, "_counted"):
            talking = calls.tracker.call_talking

            def counted(linkedid: str) -> tuple[str, ...] | None:
                asked.append(linkedid)
                return talking(linkedid)

            calls.tracker.call_talking = counted  # type: ignore[method-assign]
            calls.tracker._counted = True  # type: ignore[attr-defined]

    _, sent, _ = _feed("answered", during=during)
    assert [e.kind for e in sent] == ["call.ringing", "call.answered"]
    assert answered_at
    assert len(asked) == answered_at[0]  # none after call.answered went out
