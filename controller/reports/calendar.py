"""Report windows and intervals in the site's time zone (pure: no database).

A report covers local calendar days ``first``..``last`` (both included). Facts are grouped by
the *bucket* frozen on each history row at insert: the local date and hour (``local_date``,
``local_hour``) and, for 15-minute intervals, the local quarter of the hour. Buckets are then
folded into the report's intervals (15 min, hour, day, ISO week starting Monday, month).

Every interval of the window is listed, with or without calls, so an empty interval shows
zeros. Hours follow the wall clock: on the day clocks go forward the skipped hour is not
listed (nothing can happen in it); on the day they go back the repeated hour is one interval
holding both (history rows freeze the local hour, which does not tell them apart). UTC stays
the truth for ordering and for the window's edges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo


class Interval(StrEnum):
    QUARTER = "15m"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    TOTAL = "total"  # the whole window as one interval


# (local_date, local_hour, quarter 0..3); quarter is 0 unless 15-minute intervals are asked.
Bucket = tuple[dt.date, int, int]
# An interval's key: what its rows are grouped and sorted by.
IntervalKey = tuple[dt.date, int, int] | None


@dataclass(frozen=True, slots=True)
class Window:
    """Local days ``first``..``last`` in ``tz``; ``since``/``until`` are its UTC edges."""

    first: dt.date
    last: dt.date
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the window ends ({self.last}) before it starts ({self.first})")

    @property
    def since(self) -> dt.datetime:
        return local_midnight(self.first, self.tz)

    @property
    def until(self) -> dt.datetime:
        return local_midnight(self.last + dt.timedelta(days=1), self.tz)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The instant (UTC) the local day starts."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def quarter_shift(tz: ZoneInfo, at: dt.datetime) -> int:
    """Minutes to add to a UTC minute to get the local minute (the zone's offset modulo an
    hour: 0 for whole-hour zones, 30 for India, 45 for Nepal). Daylight saving moves
    clocks by whole hours, so it is one number for a whole window."""
    offset = at.astimezone(tz).utcoffset() or dt.timedelta()
    return int(offset.total_seconds() // 60) % 60


def bucket_of(at: dt.datetime, tz: ZoneInfo, quarters: bool) -> Bucket:
    """The bucket of an instant, as the history writer freezes it (plus the quarter)."""
    here = at.astimezone(tz)
    return here.date(), here.hour, here.minute // 15 if quarters else 0


def interval_key(bucket: Bucket, interval: Interval) -> IntervalKey:
    day, hour, quarter = bucket
    if interval is Interval.QUARTER:
        return day, hour, quarter
    if interval is Interval.HOUR:
        return day, hour, 0
    if interval is Interval.DAY:
        return day, 0, 0
    if interval is Interval.WEEK:
        return day - dt.timedelta(days=day.weekday()), 0, 0
    if interval is Interval.MONTH:
        return day.replace(day=1), 0, 0
    return None


def intervals(window: Window, interval: Interval) -> list[IntervalKey]:
    """Every interval of the window, in order (the wall clock's, see the module text)."""
    if interval is Interval.TOTAL:
        return [None]
    keys: dict[IntervalKey, None] = {}
    if interval in (Interval.QUARTER, Interval.HOUR):
        step = dt.timedelta(minutes=15 if interval is Interval.QUARTER else 60)
        at, end = window.since, window.until
        while at < end:
            keys[interval_key(bucket_of(at, window.tz, True), interval)] = None
            at += step
        return list(keys)
    day = window.first
    while day <= window.last:
        keys[interval_key((day, 0, 0), interval)] = None
        day += dt.timedelta(days=1)
    return list(keys)


def label(key: IntervalKey, interval: Interval) -> str:
    """How an interval is written in tables and exports (ISO forms, language-neutral)."""
    if key is None:
        return "total"
    day, hour, quarter = key
    if interval in (Interval.QUARTER, Interval.HOUR):
        return f"{day.isoformat()} {hour:02d}:{quarter * 15:02d}"
    if interval is Interval.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if interval is Interval.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def parse_label(text: str, interval: Interval) -> IntervalKey:
    """The interval a label names (the inverse of :func:`label`); ValueError if it names none."""
    if interval is Interval.TOTAL or text == "total":
        return None
    try:
        if interval in (Interval.QUARTER, Interval.HOUR):
            day, clock = text.split(" ")
            hour, minute = (int(part) for part in clock.split(":"))
            if not (0 <= hour < 24 and minute in (0, 15, 30, 45)):
                raise ValueError(text)
            if interval is Interval.HOUR and minute:
                raise ValueError(text)
            return dt.date.fromisoformat(day), hour, minute // 15
        if interval is Interval.WEEK:
            year, week = text.split("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1), 0, 0
        if interval is Interval.MONTH:
            year, month = text.split("-")
            return dt.date(int(year), int(month), 1), 0, 0
        return dt.date.fromisoformat(text), 0, 0
    except (ValueError, TypeError) as err:
        raise ValueError(f"{text!r} is not a {interval.value} interval") from err


def days_of(key: IntervalKey, interval: Interval) -> tuple[dt.date, dt.date] | None:
    """The first and last local day an interval covers (None: the whole window)."""
    if key is None:
        return None
    day = key[0]
    if interval is Interval.WEEK:
        return day, day + dt.timedelta(days=6)
    if interval is Interval.MONTH:
        following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return day, following - dt.timedelta(days=1)
    return day, day


def instant_ranges(
    window: Window, interval: Interval, key: IntervalKey
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The UTC ranges [start, end) of the window whose local buckets fold into ``key`` (one
    range, or two for the hour clocks repeat when they go back)."""
    if key is None:
        return [(window.since, window.until)]
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    step = dt.timedelta(minutes=15)
    at = window.since
    while at < window.until:
        if interval_key(bucket_of(at, window.tz, True), interval) == key:
            if ranges and ranges[-1][1] == at:
                ranges[-1] = (ranges[-1][0], at + step)
            else:
                ranges.append((at, at + step))
        at += step
    return ranges
