"""Report windows and intervals in the site's zone, across midnight and daylight saving."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from controller.reports.calendar import (
    Interval,
    Window,
    bucket_of,
    interval_key,
    intervals,
    label,
    quarter_shift,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def test_a_day_has_24_hours_and_96_quarters() -> None:
    w = Window(dt.date(2026, 5, 4), dt.date(2026, 5, 4), SHANGHAI)
    assert w.since == dt.datetime(2026, 5, 3, 16, tzinfo=dt.UTC)
    assert w.until == dt.datetime(2026, 5, 4, 16, tzinfo=dt.UTC)
    hours = intervals(w, Interval.HOUR)
    assert len(hours) == 24
    assert label(hours[0], Interval.HOUR) == "2026-05-04 00:00"
    assert len(intervals(w, Interval.QUARTER)) == 96
    assert label(intervals(w, Interval.QUARTER)[-1], Interval.QUARTER) == "2026-05-04 23:45"


def test_spring_forward_skips_an_hour_and_fall_back_folds_one() -> None:
    spring = Window(dt.date(2026, 3, 29), dt.date(2026, 3, 29), BERLIN)
    hours = [key[1] for key in intervals(spring, Interval.HOUR) if key]
    assert len(hours) == 23
    assert 2 not in hours
    autumn = Window(dt.date(2026, 10, 25), dt.date(2026, 10, 25), BERLIN)
    hours = [key[1] for key in intervals(autumn, Interval.HOUR) if key]
    assert hours == list(range(24))  # 02:00 happens twice, one interval holds both
    assert autumn.until - autumn.since == dt.timedelta(hours=25)


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    w = Window(dt.date(2026, 4, 29), dt.date(2026, 5, 12), SHANGHAI)
    weeks = intervals(w, Interval.WEEK)
    assert [label(k, Interval.WEEK) for k in weeks] == ["2026-W18", "2026-W19", "2026-W20"]
    assert weeks[0] == (dt.date(2026, 4, 27), 0, 0)
    assert [label(k, Interval.MONTH) for k in intervals(w, Interval.MONTH)] == [
        "2026-04",
        "2026-05",
    ]
    assert intervals(w, Interval.TOTAL) == [None]


def test_buckets_fold_into_intervals() -> None:
    at = dt.datetime(2026, 5, 4, 1, 50, tzinfo=dt.UTC)  # 09:50 in Shanghai
    bucket = bucket_of(at, SHANGHAI, quarters=True)
    assert bucket == (dt.date(2026, 5, 4), 9, 3)
    assert interval_key(bucket, Interval.HOUR) == (dt.date(2026, 5, 4), 9, 0)
    assert interval_key(bucket, Interval.DAY) == (dt.date(2026, 5, 4), 0, 0)
    assert interval_key(bucket, Interval.MONTH) == (dt.date(2026, 5, 1), 0, 0)


def test_quarter_shift_of_half_hour_zones() -> None:
    at = dt.datetime(2026, 5, 4, tzinfo=dt.UTC)
    assert quarter_shift(SHANGHAI, at) == 0
    assert quarter_shift(ZoneInfo("Asia/Kolkata"), at) == 30
    assert quarter_shift(ZoneInfo("Asia/Kathmandu"), at) == 45
