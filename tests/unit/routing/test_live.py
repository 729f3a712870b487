"""Estimated wait and agent availability."""

from __future__ import annotations

import math

import pytest

from controller.routing.live import (
    DEFAULT_TALK_SECONDS,
    AgentLive,
    LiveView,
    QueueLive,
    StaticLiveView,
    estimated_wait,
)


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        (None, math.inf),  # no live data: no promise of a short wait
        (QueueLive("q", callers=3, logged_in=2, ready=0, free=0), math.inf),
        (QueueLive("q", callers=0, logged_in=2, ready=2, free=1, talk_seconds=100), 0.0),
        (QueueLive("q", callers=1, logged_in=2, ready=2, free=2, talk_seconds=100), 0.0),
        # Nobody waits but the only agent is on a call: one call's wait.
        (QueueLive("q", callers=0, logged_in=1, ready=1, free=0, talk_seconds=100), 100.0),
        # 3 ahead, 2 busy agents, 100 s each: the 4 calls share 2 agents.
        (QueueLive("q", callers=3, logged_in=2, ready=2, free=0, talk_seconds=100), 200.0),
        (QueueLive("q", callers=1, logged_in=1, ready=1, free=0), 2 * DEFAULT_TALK_SECONDS),
        # The queue's own recent hold time is a floor once callers wait.
        (QueueLive("q", 1, logged_in=1, ready=1, free=1, talk_seconds=10, hold_seconds=60), 60),
    ],
)
def test_estimated_wait(queue: QueueLive | None, expected: float) -> None:
    assert estimated_wait(queue) == expected


def test_estimated_wait_for_a_given_position() -> None:
    queue = QueueLive("q", callers=9, logged_in=1, ready=1, free=0, talk_seconds=60)
    assert estimated_wait(queue, ahead=2) == 180.0


def test_agent_availability() -> None:
    agent = AgentLive("8001", {"a": False, "b": True}, in_use=False, idle_since=0)
    assert agent.logged_in
    assert agent.available(now=100)
    assert agent.ready_in("a")
    assert not agent.ready_in("b")
    assert not agent.ready_in("c")
    assert not AgentLive("8001", {"a": True}, False, 0).available(100)
    assert not AgentLive("8001", {"a": False}, True, 0).available(100)
    assert not AgentLive("8001", {"a": False}, False, 0, wrapup_until=101).available(100)
    assert not AgentLive("8001", {}, False, 0).logged_in


def test_static_view_is_a_live_view() -> None:
    view = StaticLiveView({"8001": AgentLive("8001", {"a": False}, False, 0)})
    assert isinstance(view, LiveView)
    assert view.fresh
    assert view.agent("8001") is not None
    assert view.queue("a") is None
    assert not StaticLiveView().fresh  # nothing known: the classic AGI's view
