"""Scheduled reports: run each entry that is due, mail it, remember the period sent.

What was sent is kept in ``<data_dir>/reports-sent.json`` (entry name -> period label), so a
restart neither repeats a mail nor forgets one; ``pbxctl serve`` checks every minute and
``pbxctl report-send`` does the same from cron (use one of the two: they share the file but
do not lock it). A failed send is logged and tried again at the next check.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from controller.config import ReportSettings
from controller.export.formats import render
from controller.reports import mail
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest, site_zone
from controller.reports.result import Report
from controller.reports.runner import run_report
from controller.reports.schedule import Period, due
from controller.reports.schedule_settings import ScheduledReport
from controller.reports.service_level import Variant

logger = logging.getLogger(__name__)
STATE_FILE = "reports-sent.json"


@dataclass(frozen=True, slots=True)
class SentState:
    """The last period sent per entry, in a JSON file written atomically."""

    path: Path

    def load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            logger.warning("reports=sent_state_unreadable path=%s error=%r", self.path, str(err))
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def record(self, name: str, label: str) -> None:
        state = self.load()
        state[name] = label
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        partial.replace(self.path)


def run_entry(session: Session, entry: ScheduledReport, period: Period, tz: ZoneInfo) -> Report:
    request = ReportRequest(
        Window(period.first, period.last, tz), Interval(entry.chosen_interval),
        frozenset(entry.queues), frozenset(entry.agents), Variant(entry.sl),
        options=dict(entry.options),
    )  # fmt: skip
    return run_report(session, entry.report, request)


def send_entry(
    factory: sessionmaker[Session], settings: ReportSettings, entry: ScheduledReport,
    period: Period,
) -> int:  # fmt: skip
    """Run ``entry`` for ``period`` and mail it; the attachment's size."""
    with factory() as session:
        report = run_entry(session, entry, period, site_zone(session))
    data = render(report, entry.format, entry.language)
    mail.send(settings, mail.message(settings, entry, period, report, data))
    logger.info("reports=sent name=%s period=%s bytes=%d recipients=%d", entry.name,
                period.label, len(data), len(entry.recipients))  # fmt: skip
    return len(data)


def send_due(
    factory: sessionmaker[Session], settings: ReportSettings, state: SentState,
    now: dt.datetime | None = None,
) -> list[tuple[str, str]]:  # fmt: skip
    """Send every entry whose period is due and not sent yet; (name, period) of those sent.
    An entry that fails is logged and left for the next call; the others still go."""
    if not settings.schedule:
        return []
    now = now or dt.datetime.now(dt.UTC)
    with factory() as session:
        tz = site_zone(session)
    sent_before = state.load()
    sent = []
    for entry in settings.schedule:
        period = due(entry, now, tz, sent_before.get(entry.name))
        if period is None:
            continue
        try:
            send_entry(factory, settings, entry, period)
        except Exception as err:  # a report or the mail server failed: next time
            logger.warning("reports=send_failed name=%s period=%s error=%r", entry.name,
                           period.label, str(err)[:300])  # fmt: skip
            continue
        state.record(entry.name, period.label)
        sent.append((entry.name, period.label))
    return sent
