"""When a scheduled report is due, and for which period (pure: no clock, no I/O).

A daily report covers yesterday and is sent at ``at`` (local time) today; a weekly one covers
last Monday to Sunday and is sent on Monday; a monthly one covers last month and is sent on
the 1st. A period is sent once (the caller remembers the last period it sent); after a
stop, only the latest period is sent, not every one that was missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from controller.reports.schedule_settings import ScheduledReport


@dataclass(frozen=True, slots=True)
class Period:
    first: dt.date
    last: dt.date  # included

    @property
    def label(self) -> str:
        """How the period is named in the mail and in the sent-state (2026-05-04,
        2026-W19, 2026-05)."""
        if self.first == self.last:
            return self.first.isoformat()
        if self.first.day == 1 and (self.last + dt.timedelta(days=1)).day == 1:
            return f"{self.first:%Y-%m}"
        if self.first.weekday() == 0 and (self.last - self.first).days == 6:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def period_before(every: str, day: dt.date) -> Period:
    """The last whole period that ended before local ``day``."""
    if every == "daily":
        last = day - dt.timedelta(days=1)
        return Period(last, last)
    if every == "weekly":
        monday = day - dt.timedelta(days=day.weekday())
        return Period(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))
    if every == "monthly":
        last = day.replace(day=1) - dt.timedelta(days=1)
        return Period(last.replace(day=1), last)
    raise ValueError(f"every: {every!r} is not daily, weekly or monthly")


def send_time(entry: ScheduledReport, period: Period, tz: ZoneInfo) -> dt.datetime:
    """When ``period``'s report is sent: ``at`` on the day after it ends."""
    hour, minute = entry.hour_minute
    day = period.last + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def due(
    entry: ScheduledReport, now: dt.datetime, tz: ZoneInfo, last_sent: str | None
) -> Period | None:
    """The period to send at ``now``, or None (not yet time, or already sent)."""
    local = now.astimezone(tz)
    period = period_before(entry.every, local.date())
    if now < send_time(entry, period, tz):
        period = period_before(entry.every, period.first)  # today's is not due yet
        if now < send_time(entry, period, tz):
            return None
    return None if period.label == last_sent else period
