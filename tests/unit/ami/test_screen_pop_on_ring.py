"""The screen pop leaves when the agent's phone starts ringing (AgentCalled), not when the
agent answers: the workspace shows who calls while it rings. One pop per agent and call."""

from __future__ import annotations

from controller.ami.replay import replay
from controller.ami.tracker import Tracker
from tests.unit.ami.test_tracker_transcripts import WRAPUP, only_call, transcript


def test_the_pop_leaves_when_the_phone_rings_once_per_agent() -> None:
    tracker = Tracker("test", queue_wrapup=WRAPUP)
    replay(transcript("answered"), tracker)
    box = tracker.drain()
    (pop,) = box.screen_pops
    assert (pop.agent, pop.queue) == ("8001", "sales")
    ringing = next(i for i in box.intervals if i.agent_code == "8001" and i.state == "ringing")
    (handling,) = only_call(box).handlings
    assert pop.at == ringing.started_at  # with the ringing, ...
    assert pop.at < handling.talk_start  # ... well before the answer
