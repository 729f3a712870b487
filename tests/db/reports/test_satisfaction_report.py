"""The satisfaction report from survey rows, per queue and per agent, on the three databases;
its average is the agent report's satisfaction."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from controller.agi.stores import SurveyAnswer, SurveyStore
from controller.db.engine import session_factory
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from tests.db.reports.builder import SERVER

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 4)
FIGURES = ("offered", "answered", "response_rate", "average", "satisfied")


def at(local: str) -> dt.datetime:
    return dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).astimezone(dt.UTC)


def surveys(engine: Engine) -> None:
    """sales asks 1..5, support 1..3 (one row per survey: offered, answered or not)."""
    store = SurveyStore(engine, SERVER)
    for linkedid, queue, agent, score, scale, when in (
        ("a", "sales", "8001", 5, 5, "2026-05-04 09:10"),
        ("b", "sales", "8001", 4, 5, "2026-05-04 09:20"),
        ("c", "sales", "8002", 2, 5, "2026-05-04 09:40"),
        ("d", "sales", "8002", None, 5, "2026-05-04 10:05"),  # hung up without a key
        ("e", "support", "8001", 3, 3, "2026-05-04 10:10"),
        ("f", "support", "8003", 1, 3, "2026-05-04 10:20"),
        ("g", "sales", "8001", 1, 5, "2026-05-05 01:00"),  # the next day
    ):
        store.save_sync(SurveyAnswer(linkedid, agent, "csat", score, scale, at(when), queue))


def _run(engine: Engine, interval: Interval = Interval.DAY, **kw: Any) -> list[dict[str, Any]]:
    with session_factory(engine)() as session:
        req = ReportRequest(Window(DAY, DAY, SHANGHAI), interval, **kw)
        return run_report(session, "satisfaction", req).rows


def test_per_queue(engine: Engine) -> None:
    surveys(engine)
    rows = _run(engine)
    got = {r["queue"]: tuple(r[k] for k in FIGURES) for r in rows}
    assert got == {
        # 5 answers of 6: (5 + 4 + 2 + 3 + 1) / 5 = 3; top two keys: 5, 4 (of 5) and 3 (of 3).
        "": (6, 5, 0.8333, 3.0, 0.6),
        "sales": (4, 3, 0.75, 3.667, 0.6667),
        "support": (2, 2, 1.0, 2.0, 0.5),
    }
    center = rows[0]
    assert [center[f"score_{k}"] for k in range(1, 6)] == [1, 1, 1, 1, 1]
    assert [rows[1][f"score_{k}"] for k in range(1, 6)] == [0, 1, 0, 1, 1]


def test_per_agent_and_per_hour(engine: Engine) -> None:
    surveys(engine)
    got = {r["agent"]: tuple(r[k] for k in FIGURES) for r in _run(engine, options={"by": "agent"})}
    assert got == {
        "": (6, 5, 0.8333, 3.0, 0.6),
        "8001": (3, 3, 1.0, 4.0, 1.0),
        "8002": (2, 1, 0.5, 2.0, 0.0),
        "8003": (1, 1, 1.0, 1.0, 0.0),
    }
    hours = {
        r["interval"][11:]: r["offered"] for r in _run(engine, Interval.HOUR) if not r["queue"]
    }
    assert {h: n for h, n in hours.items() if n} == {"09:00": 3, "10:00": 3}


def test_an_agent_sees_their_own_answers(engine: Engine) -> None:
    surveys(engine)
    rows = _run(engine, options={"by": "agent"}, audience=Audience(own_agent="8002"))
    assert [(r["agent"], r["offered"], r["answered"]) for r in rows] == [
        ("", 2, 1),
        ("8002", 2, 1),
    ]


def test_the_agent_reports_satisfaction_is_this_average(engine: Engine) -> None:
    surveys(engine)
    mine = {r["agent"]: r["average"] for r in _run(engine, options={"by": "agent"})}
    with session_factory(engine)() as session:
        req = ReportRequest(Window(DAY, DAY, SHANGHAI), Interval.DAY)
        agents = run_report(session, "agents", req).rows
    theirs = {r["agent"]: r["satisfaction"] for r in agents if r["agent"]}
    assert theirs == {agent: mine[agent] for agent in theirs}
    assert set(theirs) == {"8001", "8002", "8003"}
