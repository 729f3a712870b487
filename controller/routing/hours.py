"""Business hours: which branch of a time condition applies at a moment.

The same order as the generated dialplan (extensions_routes.conf.j2), so the controller and
the static fallback agree: a closed day (holiday) first, then a worked weekend day (调休,
open with Monday's hours), then the weekly hours.
"""

from __future__ import annotations

import datetime as dt

from controller.domain import Destination, TimeBranch
from controller.routing.rules import ScheduleRule

MONDAY = 0


def branch_at(schedule: ScheduleRule, now: dt.datetime) -> TimeBranch:
    """The branch in force at ``now`` (an aware datetime), in the schedule's time zone."""
    local = now.astimezone(schedule.timezone)
    day = local.date()
    if day in schedule.holidays:
        return TimeBranch.HOLIDAY
    ranges = schedule.weekly[MONDAY if day in schedule.workdays else local.weekday()]
    minute = local.hour * 60 + local.minute
    for start, end in ranges:
        if start <= minute < end:
            return TimeBranch.OPEN
    return TimeBranch.CLOSED


def is_open(schedule: ScheduleRule, now: dt.datetime) -> bool:
    return branch_at(schedule, now) is TimeBranch.OPEN


def destination_of(schedule: ScheduleRule, branch: TimeBranch) -> Destination | None:
    """Where the branch leads; a holiday without its own destination is treated as closed."""
    if branch is TimeBranch.OPEN:
        return schedule.open
    if branch is TimeBranch.HOLIDAY and schedule.holiday is not None:
        return schedule.holiday
    return schedule.closed
