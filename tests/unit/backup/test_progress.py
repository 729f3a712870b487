"""Progress lines: phases always, tables when large or slow, not every batch."""

from __future__ import annotations

from controller.backup.progress import SilentProgress, TextProgress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_small_quick_tables_are_not_reported_large_ones_are() -> None:
    written: list[str] = []
    clock = Clock()
    progress = TextProgress(written.append, interval=5, large=1000, clock=clock)
    progress.step("reading")
    progress.rows("site", 1, 1)
    progress.rows("empty", 0, 0)
    progress.rows("call", 500, 2000)
    progress.rows("call", 2000, 2000)
    assert written == ["reading", "  call: 2,000 rows"]


def test_a_slow_table_is_reported_every_interval_and_when_done() -> None:
    written: list[str] = []
    clock = Clock()
    progress = TextProgress(written.append, interval=5, large=10**9, clock=clock)
    clock.now = 1
    progress.rows("call", 100, 400)  # too soon
    clock.now = 6
    progress.rows("call", 200, 400)
    clock.now = 7
    progress.rows("call", 300, 400)  # too soon again
    progress.rows("call", 400, 400)
    assert written == ["  call: 200 of 400 rows (50%)", "  call: 400 rows"]


def test_silent_progress_still_passes_warnings_on() -> None:
    written: list[str] = []
    progress = SilentProgress(warn_to=written.append)
    progress.step("reading")
    progress.rows("call", 1, 1)
    progress.warn("3 recordings missing")
    assert written == ["warning: 3 recordings missing"]
