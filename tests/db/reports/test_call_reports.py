"""Numbers and routes, IVR menus and regions on a hand-worked day, on the three databases."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from tests.db.reports.builder import History, Leg, Work

DAY = dt.date(2026, 5, 4)
A, B = "+862160001000", "+862160002000"


def _history() -> History:
    h = History()
    h.call(
        "n1",
        "2026-05-04 09:00:00",
        Leg("sales", 10, "answered", (Work("8001", 60),)),
        did=A,
        route="r1",
        region="广东省深圳市",
        ivr_path="/main:1",
    )
    h.call(
        "n2",
        "2026-05-04 09:10:00",
        Leg("sales", 30, "abandoned"),
        did=A,
        route="r1",
        region="广东省广州市",
        ivr_path="/main:1",
    )
    h.call(
        "n3",
        "2026-05-04 10:00:00",
        Leg("support", 20, "answered", (Work("8002", 60),)),
        did=A,
        route="r2",
        region="北京市",
        ivr_path="/main:2",
    )
    h.call("n4", "2026-05-04 11:00:00", did=B, route="r3", region=None, ivr_path="/main")
    h.call(
        "n5", "2026-05-04 11:10:00", did=B, route="r3", region="美国", ivr_path="/main:timeout/main"
    )
    h.call("n6", "2026-05-04 23:00:00", did=B, route="r3", region="广东省深圳市", outcome="closed")
    return h  # fmt: skip


def _rows(engine: Engine, name: str, **options: str) -> list[dict[str, Any]]:
    with session_factory(engine)() as session:
        req = ReportRequest(Window(DAY, DAY, ZoneInfo("Asia/Shanghai")), Interval.DAY,
                            options=options)  # fmt: skip
        return run_report(session, name, req).rows


FIGURES = ("calls", "answered", "abandoned", "closed", "unanswered", "answer_rate", "asa",
           "avg_wait_abandoned")  # fmt: skip


def _figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in FIGURES)


def test_numbers_and_routes(engine: Engine) -> None:
    _history().write(engine)
    rows = {(r["did"], r["route"]): _figures(r) for r in _rows(engine, "numbers")}
    assert rows == {
        ("", ""): (6, 2, 1, 1, 2, 0.3333, 15.0, 30.0),
        (A, "r1"): (2, 1, 1, 0, 0, 0.5, 10.0, 30.0),
        (A, "r2"): (1, 1, 0, 0, 0, 1.0, 20.0, None),
        (B, "r3"): (3, 0, 0, 1, 2, 0.0, None, None),
    }


def test_ivr_menus_keys_and_where_callers_left(engine: Engine) -> None:
    _history().write(engine)
    rows = {(r["menu"], r["key"]): (r["calls"], r["answered"], r["abandoned"])
            for r in _rows(engine, "ivr")}  # fmt: skip
    assert rows == {
        ("main", "*"): (5, 2, 1),
        ("main", "1"): (2, 1, 1),
        ("main", "2"): (1, 1, 0),
        ("main", "timeout"): (1, 0, 0),
        ("main", ""): (2, 0, 0),  # n4 and n5 left the IVR in main, without a choice
    }


def test_regions_by_province_and_by_city(engine: Engine) -> None:
    _history().write(engine)
    rows = {r["province"]: (r["calls"], r["answered"]) for r in _rows(engine, "regions")}
    assert rows == {"": (6, 2), "广东省": (3, 1), "北京市": (1, 1), "美国": (1, 0), "未知": (1, 0)}
    cities = {
        (r["province"], r["city"]): r["calls"] for r in _rows(engine, "regions", level="city")
    }
    assert cities[("广东省", "深圳市")] == 2
    assert cities[("广东省", "广州市")] == 1
