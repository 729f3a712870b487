"""A queue's wallboard thresholds: defaults, partial settings, wrong orders named by field."""

from __future__ import annotations

from controller.pbxconfig.load import parse_config
from controller.pbxconfig.schema import Threshold, WallboardThresholds
from tests.unit.pbxconfig.test_load import EXAMPLE_TEXT, MINIMAL, only_issue


def _with(block: str) -> str:
    return MINIMAL.replace("  - name: support\n", "  - name: support\n    wallboard:\n" + block)


def test_defaults_colour_the_longest_wait_and_the_service_level() -> None:
    (queue,) = parse_config(MINIMAL).config.queues
    assert queue.wallboard == WallboardThresholds(
        waiting_callers=None,
        longest_wait_seconds=Threshold(amber=60, red=120),
        service_level_percent=Threshold(amber=80, red=60),
    )


def test_the_example_sets_waiting_callers_and_keeps_the_default_sl() -> None:
    queues = {q.name: q for q in parse_config(EXAMPLE_TEXT).config.queues}
    board = queues["support"].wallboard
    assert board.waiting_callers == Threshold(amber=3, red=6)
    assert board.longest_wait_seconds == Threshold(amber=90, red=180)
    assert board.service_level_percent == Threshold(amber=80, red=60)


def test_a_threshold_can_be_switched_off() -> None:
    (queue,) = parse_config(_with("      service_level_percent: null\n")).config.queues
    assert queue.wallboard.service_level_percent is None


def test_amber_after_red_is_refused_naming_queue_and_field() -> None:
    issue = only_issue(_with("      longest_wait_seconds: {amber: 200, red: 100}\n"))
    assert issue.object == "queue 'support'"
    assert issue.field == "wallboard"
    assert "longest_wait_seconds: amber (200) must not be above red (100)" in issue.message


def test_a_service_level_turns_red_below_amber() -> None:
    issue = only_issue(_with("      service_level_percent: {amber: 50, red: 70}\n"))
    assert "amber (50) must not be below red (70)" in issue.message
    issue = only_issue(_with("      service_level_percent: {amber: 120, red: 70}\n"))
    assert "percentages, 0-100" in issue.message


def test_an_unknown_threshold_is_refused() -> None:
    issue = only_issue(_with("      longest_wait: {amber: 1, red: 2}\n"))
    assert issue.field == "wallboard.longest_wait"
