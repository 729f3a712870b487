"""The hub decides calls without their views (Gate.call_of, from Tracker.call_people): the
same decisions as from the views, for every principal, at every step of recorded calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.access import roles
from controller.access.directory import AgentDirectory
from controller.access.policy import Principal
from controller.ami.decode import decode
from controller.ami.replay import LIST_COMPLETE, SnapshotBuilder, messages
from controller.ami.tracker import Tracker
from controller.web.gate import Gate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"
DIRECTORY = AgentDirectory(
    {"8001": frozenset({"sales"}), "8002": frozenset({"sales", "support"}), "8004": frozenset()}
)


def _principal(role: str, queues: set[str] | None = None, agent: str | None = None) -> Principal:
    patterns = frozenset(str(p) for p in roles.BUILTIN[role])
    return Principal("user", role, role, patterns, frozenset(queues) if queues else None, agent)


PRINCIPALS = [
    _principal(roles.AGENT, agent="8001"),
    _principal(roles.AGENT, agent="8002"),
    _principal(roles.AGENT, agent="8009"),
    _principal(roles.SUPERVISOR),
    _principal(roles.SUPERVISOR, {"sales"}),
    _principal(roles.SUPERVISOR, {"support"}),
    _principal(roles.WALLBOARD, {"sales"}),
    _principal(roles.ADMIN),
]


@pytest.mark.parametrize(
    "name", ["answered", "transfer", "transfer-late-hangup", "abandon", "live", "local-phone"]
)
def test_calls_decided_without_their_views_as_with_them(name: str) -> None:
    tracker = Tracker("pbx1", queue_wrapup={"sales": 15})
    gate = Gate(DIRECTORY)
    clock, pending = 1_795_468_000.0, None
    decided: dict[bool, int] = {True: 0, False: 0}
    for message in messages((FIXTURES / f"{name}.ami").read_bytes()):
        clock += 0.25
        fields = message.fields
        if "ActionID" in fields and "Event" in fields:  # a resync's lists, as replay() does
            pending = pending or SnapshotBuilder(clock)
            if fields["Event"] == LIST_COMPLETE:
                tracker.resync(pending.build(clock))
                pending = None
            else:
                pending.add(message, clock)
        elif (event := decode(message, clock)) is not None:
            tracker.apply(event)
        for view in tracker.calls():
            people = tracker.call_people(view.linkedid)
            assert people is not None
            for who in PRINCIPALS:
                expected = gate.call(who, view)
                assert gate.call_of(who, people) is expected, (who.name, who.agent, view)
                decided[expected] += 1
    assert decided[True]  # both answers were compared
    assert decided[False]
