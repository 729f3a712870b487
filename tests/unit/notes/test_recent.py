"""Who was on which call: live calls, calls that ended lately, and forgetting them."""

from __future__ import annotations

from pathlib import Path

from controller.ami.replay import replay
from controller.ami.tracker import Outbox, Tracker
from controller.notes.recent import RecentCalls

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"


def _fed(name: str, keep_seconds: float = 3600.0) -> tuple[Tracker, RecentCalls]:
    tracker = Tracker("pbx1", queue_wrapup={"sales": 15})
    recent = RecentCalls(tracker, keep_seconds=keep_seconds)
    replay((FIXTURES / f"{name}.ami").read_bytes(), tracker, start=1_795_467_800.0)
    recent.on_outbox(tracker.drain())
    return tracker, recent


def test_a_transferred_call_remembers_both_agents_after_it_ended() -> None:
    tracker, recent = _fed("transfer")
    assert tracker.call("1795468460.0") is None  # ended: the live model forgot it
    facts = recent.get("1795468460.0")
    assert facts is not None
    assert (facts.agents, facts.queues) == ({"8001", "8002"}, {"sales"})
    assert facts.ended_at is not None


def test_a_live_call_is_known_by_its_view() -> None:
    tracker, recent = _fed("live")
    talking = next(c for c in tracker.calls() if c.agents)
    facts = recent.get(talking.linkedid)
    assert facts is not None
    assert ("8001" in facts.agents, facts.queues) == (True, {"sales"})
    assert recent.get("no-such-call") is None


def test_calls_are_forgotten_after_keep_seconds_and_beyond_the_count() -> None:
    tracker, recent = _fed("answered", keep_seconds=60.0)
    assert recent.get("cust-1") is not None
    tracker.tick(tracker.now + 61.0)
    recent.on_outbox(Outbox())
    assert recent.get("cust-1") is None
    tracker, recent = _fed("transfer")
    recent.max_calls = 0
    recent.on_outbox(Outbox())
    assert len(recent) == 0
