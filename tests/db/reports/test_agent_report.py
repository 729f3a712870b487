"""The agent report and timeline on a hand-worked day, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.db.models import SurveyResponse
from controller.reports import agents
from controller.reports.calendar import Interval, Window
from controller.reports.errors import ReportError
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from tests.db.reports.fixtures import agent_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 4)

AGENT_8001 = {
    "logged_in": 16240.0,  # ready 10650 + on calls 160 + ACW 30 + paused 5400
    "ready": 10650.0,  # 3610 + 3440 + 3600 (23:00 to midnight)
    "ringing": 0.0, "on_call": 160.0, "acw": 30.0, "paused": 5400.0,
    "paused:lunch": 3600.0, "paused:training": 1800.0,
    "occupancy": 0.0175,  # 190 ÷ 10840
    "handled": 2, "missed": 0, "transfers_made": 0, "transfers_received": 1,
    "avg_talk": 70.0,  # (100 + 40) ÷ 2
    "avg_hold": 10.0, "avg_acw": 15.0, "aht": 95.0, "surveys": 2, "satisfaction": 4.5,
}  # fmt: skip
AGENT_8002 = {
    "logged_in": 3665.0, "ready": 3605.0, "on_call": 60.0, "acw": 0.0, "paused": 0.0,
    "occupancy": 0.0164, "handled": 1, "missed": 1, "transfers_made": 1,
    "transfers_received": 0, "avg_talk": 60.0, "aht": 60.0, "surveys": 0, "satisfaction": None,
}  # fmt: skip


def _write(engine: Engine) -> None:
    agent_day().write(engine)
    with session_factory(engine)() as session, session.begin():
        for score in (4, 5):
            session.add(SurveyResponse(agent_code="8001", score=score, scale_max=5,
                                       answered_at=dt.datetime(2026, 5, 4, 2, tzinfo=dt.UTC)))  # fmt: skip


def _rows(engine: Engine, name: str, interval: Interval, **kw: Any) -> list[dict[str, Any]]:
    last = kw.pop("last", DAY)
    with session_factory(engine)() as session:
        req = ReportRequest(Window(DAY, last, SHANGHAI), interval, **kw)
        return run_report(session, name, req).rows


def _pick(rows: list[dict[str, Any]], interval: str, agent: str) -> dict[str, Any]:
    return next(r for r in rows if r["interval"] == interval and r["agent"] == agent)


def test_the_day_per_agent(engine: Engine) -> None:
    _write(engine)
    rows = _rows(engine, "agents", Interval.DAY)
    assert [r["agent"] for r in rows] == ["", "8001", "8002"]
    a = _pick(rows, "2026-05-04", "8001")
    assert {k: a[k] for k in AGENT_8001} == AGENT_8001
    b = _pick(rows, "2026-05-04", "8002")
    assert {k: b[k] for k in AGENT_8002} == AGENT_8002
    everyone = _pick(rows, "2026-05-04", "")
    assert everyone["handled"] == 3
    assert everyone["logged_in"] == 16240.0 + 3665.0


def test_logged_in_across_midnight_counts_on_both_days(engine: Engine) -> None:
    _write(engine)
    rows = _rows(engine, "agents", Interval.DAY, last=DAY + dt.timedelta(days=1))
    assert _pick(rows, "2026-05-05", "8001")["ready"] == 3600.0
    hours = _rows(engine, "agents", Interval.HOUR)
    assert _pick(hours, "2026-05-04 23:00", "8001")["ready"] == 3600.0
    assert _pick(hours, "2026-05-04 09:00", "8001")["ready"] == 10.0 + 3440.0
    assert _pick(hours, "2026-05-04 08:00", "8001")["ready"] == 3600.0


def test_an_agent_sees_only_their_own_row(engine: Engine) -> None:
    _write(engine)
    own = Audience(own_agent="8002")
    rows = _rows(engine, "agents", Interval.DAY, audience=own)
    assert [r["agent"] for r in rows] == ["8002"]
    with pytest.raises(ReportError, match="not yours"):
        _rows(engine, "agents", Interval.DAY, audience=own, agents=frozenset({"8001"}))
    with pytest.raises(ReportError, match="not open to agents"):
        _rows(engine, "queues", Interval.DAY, audience=own)


def test_the_timeline_of_a_day(engine: Engine) -> None:
    _write(engine)
    rows = _rows(engine, "timeline", Interval.DAY, agents=frozenset({"8001"}))
    assert [(r["state"], r["reason"], r["start"][11:19], r["seconds"]) for r in rows] == [
        ("ready", "", "08:00:00", 3610.0),
        ("on_call", "", "09:00:10", 120.0),
        ("acw", "", "09:02:10", 30.0),
        ("ready", "", "09:02:40", 3440.0),
        ("on_call", "", "10:01:05", 40.0),
        ("paused", "lunch", "12:00:00", 3600.0),
        ("paused", "training", "13:00:00", 1800.0),
        ("ready", "", "23:00:00", 3600.0),  # cut at the end of the day
    ]


@pytest.mark.parametrize("interval", [Interval.DAY, Interval.HOUR])
def test_agent_figures_drill_down_to_what_they_count(engine: Engine, interval: Interval) -> None:
    _write(engine)
    rows = _rows(engine, "agents", interval)
    drill = [c.key for c in agents.columns([]) if c.drill]
    checked = 0
    for row in rows:
        for figure in drill:
            if not row[figure] and interval is Interval.HOUR:
                continue
            with session_factory(engine)() as session:
                req = ReportRequest(Window(DAY, DAY, SHANGHAI), interval, options={
                    "report": "agents", "figure": figure, "row": row["agent"],
                    "at": row["interval"]})  # fmt: skip
                report = run_report(session, "detail", req)
            assert report.params["total"] == len(report.rows) == row[figure], (row, figure)
            checked += 1
    assert checked >= 8
