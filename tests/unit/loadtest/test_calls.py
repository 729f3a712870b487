"""The load test's accounting: outcomes and times decided from AMI events alone."""

from __future__ import annotations

import pytest

from controller.loadtest.calls import CallBook, Outcome, Summary, percentile
from controller.loadtest.report import render
from controller.loadtest.runner import LoadPlan


def _event(kind: str, uid: str, **fields: str) -> dict[str, str]:
    return {"Event": kind, "Uniqueid": uid, **fields}


def test_outcomes_and_times() -> None:
    book = CallBook()
    for call in ("a", "b", "c", "d"):
        book.sent(call, 10.0)
    book.on_event(_event("QueueCallerJoin", "a", Queue="sales"), 12.0)
    book.on_event(_event("AgentConnect", "a", MemberName="8001"), 13.5)
    book.on_event(_event("Hangup", "a"), 20.0)
    book.on_event(_event("QueueCallerJoin", "b", Queue="sales"), 12.0)
    book.on_event(_event("QueueCallerAbandon", "b"), 30.0)
    book.on_event(_event("Hangup", "b"), 30.0)
    book.on_event(_event("Hangup", "c", **{"Cause-txt": "Normal Clearing"}), 15.0)
    book.on_event(_event("OriginateResponse", "d", Response="Failure", Reason="5"), 10.2)
    book.on_event(_event("Hangup", "someone-else"), 11.0)  # not ours: ignored

    calls = book.calls
    assert calls["a"].outcome is Outcome.ANSWERED
    assert (calls["a"].routing_seconds, calls["a"].setup_seconds) == (2.0, 3.5)
    assert calls["a"].agent == "8001"
    assert calls["b"].outcome is Outcome.ABANDONED
    assert calls["c"].outcome is Outcome.UNANSWERED
    assert calls["c"].reason == "Normal Clearing"
    assert calls["d"].outcome is Outcome.FAILED
    assert book.finished() == 4


def test_a_call_still_pending_at_the_end_counts_as_failed() -> None:
    book = CallBook()
    book.sent("x", 0.0)
    book.on_event(_event("QueueCallerJoin", "x", Queue="sales"), 1.0)
    summary = Summary.of(book)
    assert (summary.attempted, summary.failed, summary.answered) == (1, 1, 0)


def test_percentiles() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.95) == 4.0
    assert percentile([float(n) for n in range(1, 101)], 0.5) == pytest.approx(50.5)
    assert percentile([float(n) for n in range(1, 101)], 0.95) == pytest.approx(95.05)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (LoadPlan(calls=0, concurrency=1, did="1"), "calls must be"),
        (LoadPlan(calls=1, concurrency=501, did="1"), "concurrency must be"),
        (LoadPlan(calls=1, concurrency=1, did="1", max_seconds=99999), "duration"),
        (LoadPlan(calls=1, concurrency=1, did="1", keys="1;Hangup"), "keys must be"),
    ],
)
def test_plans_are_bounded(plan: LoadPlan, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan.check()


def test_report_shows_the_cpu_ratio() -> None:
    book = CallBook()
    book.sent("a", 0.0)
    book.on_event(_event("AgentConnect", "a", MemberName="x"), 1.0)
    book.on_event(_event("Hangup", "a"), 2.0)
    text = render(Summary.of(book), 12.5, {"Asterisk": 4.0, "controller": 0.2}, 10)
    assert "answered by an agent           1" in text
    assert "controller CPU / Asterisk CPU  5.0%" in text
    assert "setup to agent p50 / p95       1.00 s / 1.00 s" in text
