"""Business hours, holidays and worked weekend days (调休)."""

from __future__ import annotations

import datetime as dt

import pytest

from controller.domain import Destination, TimeBranch
from controller.routing.hours import branch_at, destination_of, is_open
from controller.routing.rules import Rules
from tests.unit.routing.conftest import SHANGHAI, company, make_rules


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "branch"),
    [
        (at("2026-11-24", "09:00"), TimeBranch.OPEN),  # Tuesday, first minute
        (at("2026-11-24", "08:59"), TimeBranch.CLOSED),
        (at("2026-11-24", "17:59"), TimeBranch.OPEN),
        (at("2026-11-24", "18:00"), TimeBranch.CLOSED),  # the end is exclusive
        (at("2026-11-28", "11:59"), TimeBranch.OPEN),  # Saturday morning
        (at("2026-11-28", "12:00"), TimeBranch.CLOSED),
        (at("2026-11-29", "10:00"), TimeBranch.CLOSED),  # Sunday
        (at("2026-10-01", "10:00"), TimeBranch.HOLIDAY),  # 国庆节, a Thursday
        (at("2026-10-07", "23:59"), TimeBranch.HOLIDAY),  # last day of the range
        (at("2026-10-08", "10:00"), TimeBranch.OPEN),
        (at("2026-10-10", "10:00"), TimeBranch.OPEN),  # 调休: a Saturday worked all day
        (at("2026-10-10", "17:30"), TimeBranch.OPEN),  # ... with Monday's hours, not Saturday's
        (at("2026-10-10", "18:30"), TimeBranch.CLOSED),
        (at("2026-10-11", "10:00"), TimeBranch.CLOSED),  # the Sunday after: not worked
    ],
)
def test_branch(rules: Rules, moment: dt.datetime, branch: TimeBranch) -> None:
    assert branch_at(rules.schedules["hours"], moment) is branch


def test_moments_are_read_in_the_schedules_time_zone(rules: Rules) -> None:
    # 01:30 UTC is 09:30 in Shanghai: open, although it is night in UTC.
    assert is_open(rules.schedules["hours"], dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC))
    assert not is_open(rules.schedules["hours"], dt.datetime(2026, 11, 24, 0, 59, tzinfo=dt.UTC))


def test_a_condition_can_have_its_own_time_zone() -> None:
    data = company()
    data["time_conditions"][0]["timezone"] = "Europe/Berlin"
    schedule = make_rules(data).schedules["hours"]
    # 16:00 in Shanghai is 09:00 in Berlin (winter time).
    assert is_open(schedule, at("2026-11-24", "16:00"))
    assert not is_open(schedule, at("2026-11-24", "15:59"))


def test_open_until_midnight() -> None:
    data = company()
    data["time_conditions"][0]["rules"] = [{"days": ["tue"], "start": "22:00", "end": "24:00"}]
    schedule = make_rules(data).schedules["hours"]
    assert is_open(schedule, at("2026-11-24", "23:59"))
    assert not is_open(schedule, at("2026-11-25", "00:00"))


def test_destinations_of_branches(rules: Rules) -> None:
    schedule = rules.schedules["hours"]
    assert destination_of(schedule, TimeBranch.OPEN) == Destination.parse("queue:sales")
    assert destination_of(schedule, TimeBranch.CLOSED) == Destination.parse("voicemail:1000")
    assert destination_of(schedule, TimeBranch.HOLIDAY) == Destination.parse("hangup")


def test_holiday_without_its_own_destination_is_closed() -> None:
    data = company()
    del data["time_conditions"][0]["holiday"]
    schedule = make_rules(data).schedules["hours"]
    assert destination_of(schedule, TimeBranch.HOLIDAY) == Destination.parse("voicemail:1000")
