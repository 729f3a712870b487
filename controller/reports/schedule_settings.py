"""A scheduled report (``[[reports.schedule]]`` in the settings; SMTP is ``[reports]``,
controller/config.py's ReportSettings). Read by ``pbxctl serve`` and ``pbxctl report-send``
(docs/reports.md, "Scheduled reports").

.. code-block:: toml

    [reports]
    smtp_host = "mail.example.com"
    smtp_user = "pbx@example.com"
    smtp_password = "..."
    sender = "呼叫中心 <pbx@example.com>"

    [[reports.schedule]]
    name = "daily-queues"
    report = "queues"
    every = "daily"            # daily: yesterday; weekly: last Monday-Sunday; monthly: last month
    at = "07:00"               # local time it is sent (the day after the period; Monday; the 1st)
    format = "xlsx"
    interval = "hour"
    queues = ["sales"]
    recipients = ["boss@example.com"]
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A plain address or "Name <address>": enough to refuse a typo, not an RFC 5322 parser.
ADDRESS = r"^([^<>@\s][^<>@]*<)?[^<>@\s,]+@[^<>@\s,]+\.[^<>@\s,]+>?$"
Address = Annotated[str, Field(pattern=ADDRESS, max_length=320)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
FORMATS = ("csv", "xlsx", "pdf", "json")
INTERVALS = ("15m", "hour", "day", "week", "month", "total")


class ScheduledReport(BaseModel):
    """One report sent by mail every day, week or month, for the period that just ended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    report: str
    every: Literal["daily", "weekly", "monthly"]
    at: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "06:00"
    format: Literal["csv", "xlsx", "pdf", "json"] = "xlsx"
    # None: hour for a daily report, day for weekly and monthly ones.
    interval: Literal["15m", "hour", "day", "week", "month", "total"] | None = None
    queues: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    sl: Literal["A", "B", "C", "D", "E"] = "E"
    options: dict[str, str] = {}
    language: Literal["zh", "en"] = "zh"
    recipients: tuple[Address, ...] = Field(min_length=1)

    @field_validator("report")
    @classmethod
    def _known_report(cls, value: str) -> str:
        from controller.reports.registry import REPORTS  # the registry imports every report

        names = [spec.name for spec in REPORTS]
        if value not in names:
            raise ValueError(f"unknown report {value!r}; one of {', '.join(names)}")
        return value

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.at.split(":")
        return int(hour), int(minute)

    @property
    def chosen_interval(self) -> str:
        return self.interval or ("hour" if self.every == "daily" else "day")


def address_only(value: str) -> str:
    """The bare address of ``Name <address>``."""
    found = re.search(r"<([^<>]+)>", value)
    return found.group(1) if found else value
