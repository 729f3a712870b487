"""How long each staffing interval lasts on the wall clock, daylight saving included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from controller.reports.calendar import Interval, Window
from controller.reports.staffing_facts import interval_seconds


def test_hours_and_quarters_of_an_ordinary_day() -> None:
    window = Window(dt.date(2026, 5, 4), dt.date(2026, 5, 4), ZoneInfo("Asia/Shanghai"))
    hours = interval_seconds(window, Interval.HOUR)
    assert len(hours) == 24
    assert set(hours.values()) == {3600}
    quarters = interval_seconds(window, Interval.QUARTER)
    assert len(quarters) == 96
    assert set(quarters.values()) == {900}


def test_the_hour_the_clocks_go_back_lasts_two_hours() -> None:
    # New York, 2026-11-01: 01:00-02:00 happens twice; 23 other hours.
    window = Window(dt.date(2026, 11, 1), dt.date(2026, 11, 1), ZoneInfo("America/New_York"))
    hours = interval_seconds(window, Interval.HOUR)
    assert len(hours) == 24
    assert hours[(dt.date(2026, 11, 1), 1, 0)] == 7200
    assert sum(hours.values()) == 25 * 3600


def test_the_hour_the_clocks_go_forward_is_not_there() -> None:
    window = Window(dt.date(2026, 3, 8), dt.date(2026, 3, 8), ZoneInfo("America/New_York"))
    hours = interval_seconds(window, Interval.HOUR)
    assert (dt.date(2026, 3, 8), 2, 0) not in hours
    assert sum(hours.values()) == 23 * 3600
