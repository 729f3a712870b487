"""Asterisk's records of ten real calls (CEL + queue_log, recorded from the sandbox by
tests/integration/test_call_outcomes.py) replayed through the tracker: each call comes out as
the live tracker recorded it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from controller.ami import events as ev
from controller.ami.tracker import FinishedCall, Tracker
from controller.recovery import cel, queue_log
from controller.recovery.recover import Family, _group, family_events

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "recovery"
# No phone is known as an agent's: the replay tells them from [pbx-agent]'s dials alone.
PHONES: dict[str, str] = {}


def records(shuffle: bool = False) -> list[Family]:
    lines = (FIXTURES / "outcomes.cel.csv").read_text(encoding="utf-8").splitlines()
    if shuffle:
        lines = _disorder(lines)
    families = _group([cel.parse_line(line) for line in lines])
    qlines = (FIXTURES / "outcomes.queue_log").read_text(encoding="utf-8").splitlines()
    owner = {uid: f for f in families for uid in f.uniqueids}
    for line in qlines:
        parsed = queue_log.parse_line(line)
        owner[parsed.callid].lines.append(parsed)
    return families


def _disorder(lines: list[str]) -> list[str]:
    """As Asterisk's threads write the CEL file: events of different moments in any order;
    those of one moment (one thread) in theirs."""
    shuffled = lines[:]
    random.Random(7).shuffle(shuffled)
    slots: dict[float | None, list[int]] = {}
    for position, line in enumerate(shuffled):
        slots.setdefault(cel.line_time(line), []).append(position)
    for at, positions in slots.items():
        in_order = [line for line in lines if cel.line_time(line) == at]
        for position, line in zip(positions, in_order, strict=True):
            shuffled[position] = line
    return shuffled


def replayed(families: list[Family]) -> dict[str, FinishedCall]:
    tracker = Tracker("default", device_agents=PHONES)
    for family in families:
        tracker.replay(family_events(family, None))
    return {call.linkedid.split("-")[0]: call for call in tracker.drain().finished}


@pytest.fixture(scope="module")
def calls() -> dict[str, FinishedCall]:
    return replayed(records())


def test_every_outcome_comes_back(calls: dict[str, FinishedCall]) -> None:
    outcomes = {name: call.outcome for name, call in calls.items()}
    assert outcomes == {
        "answered": "answered", "transferred": "transferred", "abandoned": "abandoned",
        "rejected": "rejected", "closed": "closed", "voicemail": "voicemail",
        "unanswered": "unanswered", "failed": "failed", "busy": "busy",
        "callback": "callback", "waiter": "abandoned",
    }  # fmt: skip
    assert {call.source for call in calls.values()} == {"recovered"}


def test_agents_talk_and_who_ended_it(calls: dict[str, FinishedCall]) -> None:
    answered = calls["answered"]
    assert [(h.agent_code, h.ended_by) for h in answered.handlings] == [("8001", "agent")]
    assert answered.handlings[0].talk_ms == pytest.approx(3500, abs=300)
    transferred = calls["transferred"]
    assert [(h.agent_code, h.ended_by) for h in transferred.handlings] == [
        ("8001", "transfer"), ("8002", "agent"),
    ]  # fmt: skip
    assert [(t.kind, t.result, t.from_handling) for t in transferred.transfers] == [
        ("blind", "success", 0)
    ]


def test_queue_legs_with_their_waits(calls: dict[str, FinishedCall]) -> None:
    (leg,) = calls["abandoned"].legs
    assert (leg.queue, leg.outcome, leg.orig_position, leg.exit_position) == (
        "sales", "abandoned", 1, 1,
    )  # fmt: skip
    assert leg.wait_ms == pytest.approx(2120, abs=100)  # queue_log says 2 (whole seconds)
    (leg,) = calls["callback"].legs
    assert (leg.outcome, leg.exit_key) == ("exit_key", "5")


def test_call_attributes_come_from_our_cel_user_events(calls: dict[str, FinishedCall]) -> None:
    answered = calls["answered"]
    assert (answered.direction, answered.did) == ("inbound", "4008600000")
    assert answered.region  # the routing service's 归属地, carried by [pbx-mark]
    assert calls["unanswered"].ivr_path == "/main"
    assert calls["busy"].direction == "outbound"


def test_the_file_order_does_not_matter(calls: dict[str, FinishedCall]) -> None:
    again = replayed(records(shuffle=True))
    assert {k: (c.outcome, [h.ended_by for h in c.handlings]) for k, c in again.items()} == {
        k: (c.outcome, [h.ended_by for h in c.handlings]) for k, c in calls.items()
    }


def test_a_call_the_tracker_followed_is_continued_from_where_it_stopped() -> None:
    (family,) = [f for f in records() if any(x.startswith("transferred") for x in f.linkedids)]
    events = family_events(family, None)
    cut = events[len(events) // 2].at
    whole = Tracker("default", device_agents=PHONES)
    whole.replay(events)
    split = Tracker("default", device_agents=PHONES)
    for event in events:
        if event.at <= cut:
            split.apply(event)  # what the tracker saw live before the outage
    split.replay(family_events(family, cut))
    (expected,), (got,) = whole.drain().finished, split.drain().finished
    assert [(h.agent_code, h.ended_by) for h in got.handlings] == [
        (h.agent_code, h.ended_by) for h in expected.handlings
    ]
    assert got.outcome == expected.outcome == "transferred"


def test_queue_events_are_timed_by_the_cel_events_around_them() -> None:
    (family,) = [f for f in records() if any(x.startswith("abandoned") for x in f.linkedids)]
    events = family_events(family, None)
    join = next(e for e in events if isinstance(e, ev.QueueCallerJoin))
    abandon = next(e for e in events if isinstance(e, ev.QueueCallerAbandon))
    queue_start = next(r for r in family.rows if r.event == "APP_START" and r.app == "Queue")
    assert join.at == queue_start.at  # not the whole second queue_log wrote
    hangup = next(
        e for e in events if isinstance(e, ev.Hangup) and e.chan.uniqueid == join.chan.uniqueid
    )
    assert events.index(abandon) < events.index(hangup)  # the leg ends while the call lives
