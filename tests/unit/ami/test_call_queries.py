"""The tracker's cheap per-call queries say what the call's view says, after every event.

The sinks (notes' recent calls, the webhooks' call events) ask ``call_people`` and
``call_talking`` for every call that changed instead of building its whole view: each
recorded transcript is fed event by event, and after each one every live call is compared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.ami.decode import decode
from controller.ami.replay import messages
from controller.ami.tracker import Tracker

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"
# Every transcript with calls in it (pause.ami has agents pausing only).
TRANSCRIPTS = sorted(path.stem for path in FIXTURES.glob("*.ami") if path.stem != "pause")


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_call_people_and_call_talking_match_the_view(name: str) -> None:
    tracker = Tracker("test", queue_wrapup={"sales": 15, "support": 10})
    at = 1_795_467_800.0
    compared = answered = with_agents = 0
    for message in messages((FIXTURES / f"{name}.ami").read_bytes()):
        at += 0.001
        event = decode(message, at)
        if event is None or "ActionID" in message.fields:
            continue
        tracker.apply(event)
        changed = tracker.drain().calls
        for linkedid in changed | {view.linkedid for view in tracker.calls()}:
            view = tracker.call(linkedid)
            if view is None:
                assert tracker.call_people(linkedid) is None
                assert tracker.call_talking(linkedid) is None
                continue
            agents_on_phones = tuple(c.agent for c in view.channels if c.agent)
            people = tracker.call_people(linkedid)
            assert people is not None
            assert (people[0], sorted(people[1]), people[2]) == (
                view.agents, sorted(agents_on_phones), view.queue
            )  # fmt: skip
            talking = view.agents if view.answered_at is not None else None
            assert tracker.call_talking(linkedid) == talking
            compared += 1
            answered += view.answered_at is not None
            with_agents += bool(view.agents)
    assert compared > 0
    if name != "abandon":
        # The comparison saw answered calls, with agents talking on them.
        assert answered > 0
        assert with_agents > 0
