"""Scheduled reports: which period is due when, and the [reports] settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from controller.config import load_settings, settings_environment
from controller.errors import SettingsError
from controller.reports.schedule import Period, due, period_before
from controller.reports.schedule_settings import ScheduledReport

SHANGHAI = ZoneInfo("Asia/Shanghai")


def entry(every: str, at: str = "07:00") -> ScheduledReport:
    return ScheduledReport(name="x", report="queues", every=every, at=at,  # type: ignore[arg-type]
                           recipients=("boss@example.com",))  # fmt: skip


@pytest.mark.parametrize(
    ("every", "day", "first", "last", "label"),
    [
        ("daily", "2026-05-05", "2026-05-04", "2026-05-04", "2026-05-04"),
        ("daily", "2026-01-01", "2025-12-31", "2025-12-31", "2025-12-31"),
        ("weekly", "2026-05-04", "2026-04-27", "2026-05-03", "2026-W18"),  # a Monday
        ("weekly", "2026-05-10", "2026-04-27", "2026-05-03", "2026-W18"),  # the Sunday after
        ("monthly", "2026-05-01", "2026-04-01", "2026-04-30", "2026-04"),
        ("monthly", "2026-03-15", "2026-02-01", "2026-02-28", "2026-02"),
        ("monthly", "2026-01-01", "2025-12-01", "2025-12-31", "2025-12"),
    ],
)
def test_the_period_before_a_day(every: str, day: str, first: str, last: str, label: str) -> None:
    period = period_before(every, dt.date.fromisoformat(day))
    assert period == Period(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    assert period.label == label


def at(local: str) -> dt.datetime:
    return dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).astimezone(dt.UTC)


def test_a_daily_report_is_due_at_its_time_once() -> None:
    daily = entry("daily")
    assert due(daily, at("2026-05-05 07:00"), SHANGHAI, None) == period_before(
        "daily", dt.date(2026, 5, 5)
    )
    assert due(daily, at("2026-05-05 07:00"), SHANGHAI, "2026-05-04") is None  # sent already
    # Before 07:00 the day before yesterday is what is due, if it was not sent.
    early = due(daily, at("2026-05-05 06:59"), SHANGHAI, "2026-05-02")
    assert early is not None
    assert early.label == "2026-05-03"
    assert due(daily, at("2026-05-05 06:59"), SHANGHAI, "2026-05-03") is None


def test_after_a_long_stop_only_the_latest_period_is_sent() -> None:
    assert due(entry("daily"), at("2026-05-20 09:00"), SHANGHAI, "2026-05-01") == Period(
        dt.date(2026, 5, 19), dt.date(2026, 5, 19)
    )


def test_weekly_and_monthly_wait_for_their_day() -> None:
    weekly, monthly = entry("weekly", "08:30"), entry("monthly", "00:00")
    assert due(weekly, at("2026-05-04 08:29"), SHANGHAI, "2026-W17") is None
    found = due(weekly, at("2026-05-04 08:30"), SHANGHAI, "2026-W17")
    assert found is not None
    assert found.label == "2026-W18"
    assert due(monthly, at("2026-05-01 00:00"), SHANGHAI, "2026-03") == Period(
        dt.date(2026, 4, 1), dt.date(2026, 4, 30)
    )
    assert due(monthly, at("2026-04-30 23:59"), SHANGHAI, "2026-03") is None


def _settings(tmp_path: Path, text: str, **environ: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "controller.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(config_file=path, environ=environ)


SCHEDULE = """
[reports]
smtp_host = "127.0.0.1"
smtp_user = "pbx"
smtp_password = "secret"
sender = "呼叫中心 <pbx@example.com>"

[[reports.schedule]]
name = "daily-queues"
report = "queues"
every = "daily"
format = "csv"
queues = ["sales"]
options = {}
recipients = ["boss@example.com", "王丽 <wang.li@example.com>"]
"""


def test_the_schedule_is_read_from_the_settings_file_and_survives_the_environment(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path, SCHEDULE)
    (daily,) = settings.reports.schedule
    assert daily.chosen_interval == "hour"
    assert daily.queues == ("sales",)
    assert daily.recipients[1] == "王丽 <wang.li@example.com>"
    # Another pbxctl process started with these settings as PBXCTL_* variables gets the same.
    env = settings_environment(settings)
    (tmp_path / "empty.toml").write_text("")
    again = load_settings(config_file=tmp_path / "empty.toml", environ=env)
    assert again.reports == settings.reports


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('report = "queues"', 'report = "queue"'), "unknown report 'queue'"),
        (('every = "daily"', 'every = "hourly"'), "reports.schedule.0.every"),
        (('recipients = ["boss@example.com", ', 'recipients = ["boss", '), "recipients"),
        (('smtp_host = "127.0.0.1"\n', ""), "need reports.smtp_host and reports.sender"),
        (('smtp_password = "secret"\n', ""), "smtp_user and reports.smtp_password together"),
        (("options = {}", 'at = "7:00"'), "reports.schedule.0.at"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_setting(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in SCHEDULE
    with pytest.raises(SettingsError, match="setting reports") as err:
        _settings(tmp_path, SCHEDULE.replace(*change))
    assert message in str(err.value)


def test_two_entries_of_one_name_are_refused(tmp_path: Path) -> None:
    text = SCHEDULE + SCHEDULE[SCHEDULE.index("[[reports.schedule]]") :]
    with pytest.raises(SettingsError, match="two scheduled reports are named 'daily-queues'"):
        _settings(tmp_path, text)
