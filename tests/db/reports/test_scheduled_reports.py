"""Scheduled reports through a local SMTP server (STARTTLS, login): the mail carries the
report's own figures, goes once per period, waits while the server is away, and `pbxctl
serve`'s upkeep sends it by itself."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from controller.config import ReportSettings
from controller.db.engine import session_factory
from controller.export import csv_out
from controller.reports import rollup
from controller.reports.calendar import Interval, Window
from controller.reports.delivery import SentState, send_due
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from controller.reports.schedule_settings import ScheduledReport
from controller.reports.upkeep import ReportUpkeep
from tests.db.reports.fixtures import queue_day
from tests.smtp_server import PASSWORD, USER, LocalSmtp, free_port

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 4)
NEXT_MORNING = dt.datetime(2026, 5, 5, 7, 0, tzinfo=SHANGHAI)


def daily(**changes: Any) -> ScheduledReport:
    return ScheduledReport(**{
        "name": "daily-sales", "report": "queues", "every": "daily", "at": "07:00",
        "format": "csv", "interval": "day", "queues": ("sales",),
        "recipients": ("boss@example.com", "王丽 <wang.li@example.com>"), **changes})  # fmt: skip


def settings(smtp: LocalSmtp | None, port: int | None = None, **changes: Any) -> ReportSettings:
    tls = smtp is not None and smtp.cert is not None
    return ReportSettings(
        smtp_host="127.0.0.1", smtp_port=port or (smtp.port if smtp else 25),
        smtp_security="starttls" if tls else "none",
        smtp_ca_file=smtp.cert if smtp else None,
        smtp_user=USER if tls else None, smtp_password=SecretStr(PASSWORD) if tls else None,
        sender="呼叫中心 <pbx@example.com>", schedule=(daily(**changes),),
    )  # fmt: skip


@pytest.fixture
def smtp(tmp_path: Path) -> Any:
    with LocalSmtp(tmp_path, tls=True) as server:
        yield server


def test_the_due_report_is_mailed_once_with_its_figures(
    engine: Engine, smtp: LocalSmtp, tmp_path: Path
) -> None:
    queue_day().write(engine)
    factory = session_factory(engine)
    state = SentState(tmp_path / "sent.json")
    state.record("daily-sales", "2026-05-03")  # the day before went out yesterday
    early = NEXT_MORNING - dt.timedelta(minutes=1)
    assert send_due(factory, settings(smtp), state, early.astimezone(dt.UTC)) == []
    assert smtp.messages == []

    sent = send_due(factory, settings(smtp), state, NEXT_MORNING.astimezone(dt.UTC))

    assert sent == [("daily-sales", "2026-05-04")]
    ((envelope, msg),) = smtp.messages
    assert envelope == ["boss@example.com", "wang.li@example.com"]
    assert msg["Subject"] == "队列绩效 2026-05-04"
    assert "呼叫中心" in str(msg["From"])
    assert "期间: 2026-05-04 – 2026-05-04 (Asia/Shanghai)" in msg.get_body().get_content()
    (attachment,) = msg.iter_attachments()
    assert attachment.get_filename() == "queues-2026-05-04.csv"
    data = attachment.get_payload(decode=True)
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_param("charset") == "utf-8"
    with session_factory(engine)() as session:
        report = run_report(session, "queues", ReportRequest(
            Window(DAY, DAY, SHANGHAI), Interval.DAY, frozenset({"sales"})))  # fmt: skip
    assert data == csv_out.render(report, "zh")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    offered = rows[0].index("呼入量")
    assert [r[offered] for r in rows[1:] if "sales" in r] == ["9"]  # queue_day's sales

    assert send_due(factory, settings(smtp), state, NEXT_MORNING.astimezone(dt.UTC)) == []
    later = NEXT_MORNING + dt.timedelta(hours=12)
    assert send_due(factory, settings(smtp), state, later.astimezone(dt.UTC)) == []
    assert len(smtp.messages) == 1


def test_a_server_away_leaves_the_report_due(
    engine: Engine, smtp: LocalSmtp, tmp_path: Path
) -> None:
    queue_day().write(engine)
    factory = session_factory(engine)
    state = SentState(tmp_path / "sent.json")
    now = NEXT_MORNING.astimezone(dt.UTC)
    assert send_due(factory, settings(smtp, port=free_port()), state, now) == []
    assert state.load() == {}
    wrong = settings(smtp).model_copy(update={"smtp_password": SecretStr("wrong")})
    assert send_due(factory, wrong, state, now) == []  # refused login: not sent either
    assert smtp.messages == []
    assert send_due(factory, settings(smtp), state, now) == [("daily-sales", "2026-05-04")]
    assert state.load() == {"daily-sales": "2026-05-04"}


def test_every_format_is_attached(engine: Engine, tmp_path: Path) -> None:
    queue_day().write(engine)
    factory = session_factory(engine)
    with LocalSmtp(tmp_path, tls=False) as plain:
        for fmt, media in (("xlsx", "application/vnd.openxmlformats-officedocument."
                            "spreadsheetml.sheet"), ("json", "application/json")):  # fmt: skip
            state = SentState(tmp_path / f"{fmt}.json")
            config = settings(plain, format=fmt, language="en", every="weekly")
            sent = send_due(factory, config, state, NEXT_MORNING.astimezone(dt.UTC))
            assert sent == [("daily-sales", "2026-W18")]  # Monday: last week, with 05-04
            _, msg = plain.messages[-1]
            (attachment,) = msg.iter_attachments()
            assert attachment.get_content_type() == media
            assert attachment.get_filename() == f"queues-2026-W18.{fmt}"
            assert msg["Subject"] == "Queue performance 2026-W18"


def test_serve_upkeep_builds_rollups_and_sends(
    engine: Engine, smtp: LocalSmtp, tmp_path: Path
) -> None:
    queue_day().write(engine)  # the queue the entry names
    factory = session_factory(engine)
    state = SentState(tmp_path / "sent.json")
    # Due at midnight: yesterday's (empty) report is due whenever the test runs.
    upkeep = ReportUpkeep(factory, settings(smtp, at="00:00"), state, lambda: SHANGHAI,
                          rollup_every=3600, mail_every=0.05)  # fmt: skip

    async def until_sent() -> None:
        task = asyncio.create_task(upkeep.run())
        try:
            for _ in range(600):
                if smtp.messages:
                    return
                await asyncio.sleep(0.05)
        finally:
            task.cancel()

    asyncio.run(until_sent())
    yesterday = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    assert len(smtp.messages) == 1
    assert state.load() == {"daily-sales": yesterday.isoformat()}
    with factory() as session:
        assert rollup.covered(session) is not None
