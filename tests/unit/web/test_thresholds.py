"""The total tile's thresholds: the earliest amber and red of the queues shown."""

from __future__ import annotations

from controller.web.thresholds import strictest


def test_the_total_turns_amber_and_red_as_early_as_any_queue() -> None:
    sales = {"waiting_callers": None, "longest_wait_seconds": {"amber": 60, "red": 120},
             "service_level_percent": {"amber": 80, "red": 60}}  # fmt: skip
    support = {"waiting_callers": {"amber": 3, "red": 6},
               "longest_wait_seconds": {"amber": 90, "red": 100},
               "service_level_percent": {"amber": 85, "red": 50}}  # fmt: skip
    assert strictest([sales, support]) == {
        "waiting_callers": {"amber": 3, "red": 6},
        "longest_wait_seconds": {"amber": 60, "red": 100},
        "service_level_percent": {"amber": 85, "red": 60},  # higher is stricter here
    }


def test_no_queue_no_thresholds() -> None:
    assert strictest([]) == {
        "waiting_callers": None, "longest_wait_seconds": None, "service_level_percent": None,
    }  # fmt: skip
