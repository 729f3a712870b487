"""The call-cost report from rated calls, by trunk, route and agent, on the three databases."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.reports.calendar import Interval, Window
from controller.reports.errors import ReportError
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from tests.db.test_call_charges import COMPANY, outbound, write

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))


@pytest.fixture
def rated(engine: Engine) -> Engine:
    from controller.pbxconfig.importer import import_config
    from controller.pbxconfig.load import parse_config

    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(COMPANY, "company.yaml"))
    write(
        engine,
        # voip-backup 66 s: 0.132 (the dearest itself: saved 0)
        outbound("local", "83219876", ("telecom", None), ("voip-backup", 61)),
        # telecom 180 s at 0.08 = 0.24, voip-backup would be 0.30: saved 0.06
        outbound("mobile", "13800138000", ("telecom", 150)),
        # voip-backup 96 s at 0.15 + 0.05 = 0.29 (the dearest itself)
        outbound("usa", "0014155550123", ("voip-backup", 95.2)),
    )
    return engine


def _run(engine: Engine, interval: Interval = Interval.MONTH, **kw: Any) -> Any:
    with session_factory(engine)() as session:
        req = ReportRequest(Window(*MAY, SHANGHAI), interval, **kw)
        return run_report(session, "cost", req)


def test_cost_per_trunk_for_the_month(rated: Engine) -> None:
    report = _run(rated)
    assert [(r["trunk"], r["calls"], r["minutes"], r["cost"], r["dearest"], r["saving"])
            for r in report.rows] == [
        ("", 3, 5.7, "0.6620", "0.7220", "0.0600"),
        ("telecom", 1, 3.0, "0.2400", "0.3000", "0.0600"),
        ("voip-backup", 2, 2.7, "0.4220", "0.4220", "0.0000"),
    ]  # fmt: skip
    assert {r["interval"] for r in report.rows} == {"2026-05"}
    assert {r["currency"] for r in report.rows} == {"CNY"}


def test_cost_per_route_and_per_agent(rated: Engine) -> None:
    routes = _run(rated, options={"by": "route"}).rows
    assert [(r["route"], r["cost"]) for r in routes] == [
        ("", "0.6620"), ("domestic", "0.3720"), ("international", "0.2900"),
    ]  # fmt: skip
    agents = _run(rated, Interval.TOTAL, options={"by": "agent"}).rows
    assert [(r["agent"], r["calls"], r["cost"]) for r in agents] == [
        ("", 3, "0.6620"), ("8001", 3, "0.6620"),
    ]  # fmt: skip


def test_days_list_every_day_with_zeros(rated: Engine) -> None:
    rows = _run(rated, Interval.DAY).rows
    assert len(rows) == 31 * 3
    quiet = next(r for r in rows if r["interval"] == "2026-05-05" and r["trunk"] == "")
    assert (quiet["calls"], quiet["cost"]) == (0, "0.0000")


def test_an_agent_sees_only_their_own_calls(rated: Engine) -> None:
    own = _run(rated, audience=Audience(own_agent="8001")).rows
    assert own[0]["cost"] == "0.6620"
    other = _run(rated, audience=Audience(own_agent="8002")).rows
    assert [(r["trunk"], r["currency"], r["cost"]) for r in other] == [("", "CNY", "0.0000")]


def test_hours_are_refused(rated: Engine) -> None:
    with pytest.raises(ReportError, match="takes --interval day, week, month or total, not hour"):
        _run(rated, Interval.HOUR)
