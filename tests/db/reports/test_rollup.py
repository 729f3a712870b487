"""The hourly rollups give exactly the reports computed from the facts, on the three databases:
whole days, hours, a window partly covered, a reader of some queues, a write after the build
(a dirty hour), an agent logged in across midnight, a day of each daylight-saving change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, func, select

from controller.db.engine import session_factory
from controller.db.models import (
    ReportAgentDay,
    ReportAgentHour,
    ReportAgentStateDay,
    ReportAgentStateHour,
    ReportDirtyHour,
    ReportQueueHour,
    ReportRollupRange,
)
from controller.reports import rollup
from controller.reports.calendar import Interval, Window, local_midnight
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from controller.reports.today import queue_day_figures
from tests.db.reports.builder import History, Leg, Work
from tests.db.reports.fixtures import agent_day, queue_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 5, 4)
LATER = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _reports(
    engine: Engine, first: dt.date, last: dt.date, tz: ZoneInfo, **kw: Any
) -> dict[str, Any]:
    out = {}
    with session_factory(engine)() as session:
        for name in ("queues", "agents"):
            for interval in (Interval.HOUR, Interval.DAY):
                req = ReportRequest(Window(first, last, tz), interval, **kw)
                out[f"{name}/{interval.value}"] = run_report(session, name, req).rows
    return out


def _build(engine: Engine, tz: ZoneInfo, first: dt.date, last: dt.date) -> None:
    with session_factory(engine)() as session:
        rollup.build(session, tz, local_midnight(first, tz), local_midnight(last, tz), LATER)


def _drop_range(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        session.execute(delete(ReportRollupRange))


def _write(engine: Engine) -> None:
    queue_day().write(engine)
    # agent_day's calls again under other Linkedids, for the agent figures.
    h = agent_day()
    h.calls = [c.__class__(**{**{f: getattr(c, f) for f in c.__dataclass_fields__},
                              "linkedid": "agent-" + c.linkedid}) for c in h.calls]  # fmt: skip
    h.versions = []
    h.write(engine)


def test_rollups_equal_the_facts(engine: Engine) -> None:
    _write(engine)
    raw = _reports(engine, DAY, DAY, SHANGHAI)
    _build(engine, SHANGHAI, DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=2))
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(ReportQueueHour)) > 0
    assert _reports(engine, DAY, DAY, SHANGHAI) == raw
    two_days = _reports(engine, DAY, DAY + dt.timedelta(days=1), SHANGHAI)
    _drop_range(engine)
    assert two_days == _reports(engine, DAY, DAY + dt.timedelta(days=1), SHANGHAI)


def test_a_window_partly_covered(engine: Engine) -> None:
    _write(engine)
    raw = _reports(engine, DAY, DAY, SHANGHAI)
    with session_factory(engine)() as session:  # covered from 09:00 to 13:00 only
        at = local_midnight(DAY, SHANGHAI)
        rollup.build(
            session, SHANGHAI, at + dt.timedelta(hours=9), at + dt.timedelta(hours=13), LATER
        )
    assert _reports(engine, DAY, DAY, SHANGHAI) == raw


def test_a_reader_of_some_queues(engine: Engine) -> None:
    _write(engine)
    support = Audience(queues=frozenset({"support"}), agents=frozenset({"8004"}))
    raw = _reports(engine, DAY, DAY, SHANGHAI, audience=support)
    _build(engine, SHANGHAI, DAY, DAY + dt.timedelta(days=1))
    assert _reports(engine, DAY, DAY, SHANGHAI, audience=support) == raw


def test_a_call_written_after_the_build_marks_its_hours(engine: Engine) -> None:
    _write(engine)
    _build(engine, SHANGHAI, DAY, DAY + dt.timedelta(days=1))
    with session_factory(engine)() as session:
        built = select(func.count()).where(ReportDirtyHour.local_date == DAY)
        assert session.scalar(built) == 0  # the build cleared the marks of the hours it made
    late = History()
    late.call("late", "2026-05-04 09:30:00", Leg("sales", 8, "answered", (Work("8001", 30, 0, 5),)))
    late.write(engine)
    with session_factory(engine)() as session:
        marked = session.scalars(
            select(ReportDirtyHour.local_hour).where(ReportDirtyHour.local_date == DAY)
        ).all()
    assert 9 in marked
    covered = _reports(engine, DAY, DAY, SHANGHAI)
    _drop_range(engine)
    assert covered == _reports(engine, DAY, DAY, SHANGHAI)
    # queue_day 9 + agent_day 2 + the late one
    assert next(r for r in covered["queues/day"] if r["queue"] == "sales")["offered"] == 12


def _plain(rows: Any) -> list[tuple[Any, ...]]:
    """Rows sorted, sums as int (SUM gives a Decimal on PostgreSQL and MariaDB)."""
    return sorted(tuple(int(v) if isinstance(v, int | Decimal) else v for v in r) for r in rows)


def _day_rows(engine: Engine) -> tuple[list[Any], list[Any]]:
    """(the agent day rollups, the sums of the hourly ones per date)."""
    stored: list[Any] = []
    sums: list[Any] = []
    with session_factory(engine)() as session:
        for day, hour in ((ReportAgentDay.__table__, ReportAgentHour.__table__),
                          (ReportAgentStateDay.__table__, ReportAgentStateHour.__table__)):  # fmt: skip
            keys = [c.name for c in day.primary_key.columns]
            values = [c.name for c in day.columns if c.name not in keys]
            stored += _plain(session.execute(select(*[day.c[c] for c in (*keys, *values)])))
            sums += _plain(session.execute(
                select(*[hour.c[k] for k in keys], *[func.sum(hour.c[v]) for v in values])
                .group_by(*[hour.c[k] for k in keys])
            ))  # fmt: skip
    return stored, sums


def test_the_day_rollups_are_the_sums_of_the_hours(engine: Engine) -> None:
    _write(engine)
    _build(engine, SHANGHAI, DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=2))
    stored, sums = _day_rows(engine)
    assert stored == sums
    assert any(row[0] == DAY for row in stored)
    # A call written later: its hour is computed again before a report, and its day too.
    late = History()
    late.call("late", "2026-05-04 09:30:00", Leg("sales", 8, "answered", (Work("8001", 30, 0, 5),)))
    late.write(engine)
    covered = _reports(engine, DAY, DAY, SHANGHAI)
    stored, sums = _day_rows(engine)
    assert stored == sums
    _drop_range(engine)
    assert covered == _reports(engine, DAY, DAY, SHANGHAI)


def test_todays_figures_over_rollups(engine: Engine) -> None:
    _write(engine)
    since = local_midnight(DAY, SHANGHAI)
    until = since + dt.timedelta(hours=10, minutes=7)  # "now", in the middle of an hour
    with session_factory(engine)() as session:
        raw = queue_day_figures(session, since=since, until=until, queues=None)
    with session_factory(engine)() as session:
        rollup.build(session, SHANGHAI, since, until, until)
        assert rollup.covered(session) == (since, since + dt.timedelta(hours=10))
        assert queue_day_figures(session, since=since, until=until, queues=None) == raw


@pytest.mark.parametrize("day", [dt.date(2026, 3, 29), dt.date(2026, 10, 25)])
def test_daylight_saving_days(engine: Engine, day: dt.date) -> None:
    h = History(tz="Europe/Berlin")
    start = local_midnight(day, BERLIN).timestamp()
    for n in range(0, 24 * 3600, 1800):  # a call every half hour of the UTC day
        h.call(
            f"d{n}", start + n, Leg("sales", 10 + n % 40, "answered", (Work("8001", 60, 5, 10),))
        )
    h.state("8001", "ready", start - 3600, start + 26 * 3600)
    h.write(engine)
    raw = _reports(engine, day, day, BERLIN)
    _build(engine, BERLIN, day, day + dt.timedelta(days=1))
    assert _reports(engine, day, day, BERLIN) == raw
