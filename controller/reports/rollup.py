"""Hourly rollups of the queue and agent facts: the same numbers, read from few rows.

A month by hour over ten million calls is ~400,000 legs, handlings and a million agent
spans: too many to add up within the reports' targets. So each local hour's facts, as the
fact queries of queue_facts.py and agent_facts.py give them, are stored
(controller/db/models/reports.py) and a report adds up hours instead of rows:

- **build** (``pbxctl report-rollup``, ``pbxctl serve`` every five minutes): compute the facts
  of whole local hours, a week at a time, replace their rows, widen the covered range
  (``report_rollup_range``) up to the last hour that has ended;
- **dirty hours**: the history writer marks every hour it writes (controller/history/dirty.py);
  before a report reads covered hours, the marked ones among them are computed again;
- **read**: the covered, whole hours of the window come from the rollups; the rest of the
  window (the hour going on now, anything outside the range, a 15-minute report) from the
  facts; callbacks and survey answers always from the facts (their rows are few and written
  outside the history writer).

The rollups are never a second definition: they hold what the fact queries returned, and a
test compares every report over rollups with the same report computed from the facts. A
reader narrowed to some queues gets the center computed from the facts (the rollups'
center row counts every queue).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    BigInteger,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from controller.db.models import (
    ReportAgentDay,
    ReportAgentHour,
    ReportAgentStateDay,
    ReportAgentStateHour,
    ReportDirtyHour,
    ReportQueueHour,
    ReportRollupRange,
)
from controller.reports import agent_facts as af
from controller.reports import queue_facts as qf
from controller.reports.calendar import Bucket, bucket_of, local_midnight
from controller.reports.thresholds import Thresholds

QUEUE = ReportQueueHour.__table__
AGENT = ReportAgentHour.__table__
STATE = ReportAgentStateHour.__table__
AGENT_DAY = ReportAgentDay.__table__  # the sums of AGENT's rows per date
STATE_DAY = ReportAgentStateDay.__table__
DIRTY = ReportDirtyHour.__table__
RANGE = ReportRollupRange.__table__
CHUNK = dt.timedelta(days=7)
QUEUE_COLUMNS = [f.name for f in fields(qf.QueueFacts) if not f.name.startswith("callbacks_")]
AGENT_COLUMNS = ("handled", "talk_ms", "hold_ms", "acw_ms", "transfers_received", "missed",
                 "transfers_made")  # fmt: skip
Hour = tuple[dt.date, int]


# -- hours -------------------------------------------------------------------------------


def hour_start(at: dt.datetime, tz: Any) -> dt.datetime:
    """The start of the local hour ``at`` is in (a UTC quarter-hour edge)."""
    here = at.astimezone(tz)
    return here.replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def next_hour(at: dt.datetime, tz: Any) -> dt.datetime:
    start = hour_start(at, tz)
    return start if start == at else hour_start(start + dt.timedelta(minutes=75), tz)


def hours_in(since: dt.datetime, until: dt.datetime, tz: Any) -> list[Hour]:
    return list(_hours_in(since, until, tz))


@functools.lru_cache(maxsize=64)
def _hours_in(since: dt.datetime, until: dt.datetime, tz: Any) -> tuple[Hour, ...]:
    """The local hours of [since, until) (a report asks for the same ones several times)."""
    found: dict[Hour, None] = {}
    at = since
    while at < until:
        day, hour, _ = bucket_of(at, tz, False)
        found[(day, hour)] = None
        at += dt.timedelta(minutes=15)
    return tuple(found)


def _hours_where(table: Table, hours: Iterable[Hour]) -> Any:
    by_day: dict[dt.date, set[int]] = {}
    for day, hour in hours:
        by_day.setdefault(day, set()).add(hour)
    return or_(*[
        and_(table.c.local_date == day, table.c.local_hour.in_(sorted(hours_of_day)))
        for day, hours_of_day in by_day.items()
    ])  # fmt: skip


# -- computing and storing ---------------------------------------------------------------


def _compute(
    session: Session, tz: Any, since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> None:
    """Replace the rollup rows of the hours in [since, until) (local hour edges)."""
    hours = hours_in(since, until, tz)
    if not hours:
        return
    started = dt.datetime.now(dt.UTC)  # marks made after this are kept
    q = qf.FactQuery(since, until, tz, None, False, Thresholds.load(session))
    facts = qf.all_facts(session, q, callbacks=False)
    aq = af.AgentQuery(since, until, tz, None, False, now)
    states = af.state_facts(session, aq)
    calls = af.call_facts(session, aq, surveys=False)
    conn = session.connection()
    for table in (QUEUE, AGENT, STATE):
        for part in _chunks(hours, 400):
            conn.execute(delete(table).where(_hours_where(table, part)))
    queue_rows = [
        {"local_date": b[0], "local_hour": b[1], "queue_name": queue,
         **{name: getattr(f, name) for name in QUEUE_COLUMNS}}
        for (queue, b), f in facts.items()
    ]  # fmt: skip
    agent_rows = [
        {"local_date": b[0], "local_hour": b[1], "agent_code": agent,
         **{name: getattr(f, name) for name in AGENT_COLUMNS}}
        for (agent, b), f in calls.items()
    ]  # fmt: skip
    state_rows = [
        {"local_date": b[0], "local_hour": b[1], "agent_code": agent, "state": state,
         "reason": reason[:32], "ms": ms}
        for (agent, b), f in states.items()
        for (state, reason), ms in f.state_ms.items()
    ]  # fmt: skip
    for table, rows in ((QUEUE, queue_rows), (AGENT, agent_rows), (STATE, state_rows)):
        for part in _chunks(rows, 5000):
            conn.execute(insert(table), list(part))
    _compute_days(session, sorted({day for day, _ in hours}))
    for part in _chunks(hours, 400):
        conn.execute(delete(DIRTY).where(_hours_where(DIRTY, part), DIRTY.c.marked_at <= started))


def _compute_days(session: Session, days: Sequence[dt.date]) -> None:
    """Make the agent day rollups of these dates the sums of their hourly rows again."""
    conn = session.connection()
    for day_table, hour_table, values in (
        (AGENT_DAY, AGENT, AGENT_COLUMNS), (STATE_DAY, STATE, ("ms",))
    ):  # fmt: skip
        keys = [c.name for c in day_table.primary_key.columns]
        for part in _chunks(days, 400):
            conn.execute(delete(day_table).where(day_table.c.local_date.in_(list(part))))
            sums = select(*[hour_table.c[k] for k in keys],
                          *[func.sum(hour_table.c[v]) for v in values])  # fmt: skip
            sums = sums.where(hour_table.c.local_date.in_(list(part))).group_by(
                *[hour_table.c[k] for k in keys]
            )
            conn.execute(insert(day_table).from_select([*keys, *values], sums))


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def covered(session: Session) -> tuple[dt.datetime, dt.datetime] | None:
    row = session.execute(select(RANGE.c.since, RANGE.c.until).where(RANGE.c.id == 1)).first()
    return None if row is None else (row[0], row[1])


def _set_range(session: Session, since: dt.datetime, until: dt.datetime) -> None:
    conn = session.connection()
    conn.execute(delete(RANGE))
    conn.execute(insert(RANGE), [{"id": 1, "since": since, "until": until}])


def build(
    session: Session, tz: Any, since: dt.datetime, until: dt.datetime,
    now: dt.datetime | None = None, progress: Any = None,
) -> None:  # fmt: skip
    """Compute [since, until) (widened to local hour edges, cut at the last hour that has
    ended) and make the covered range span it, a week per transaction."""
    now = now or dt.datetime.now(dt.UTC)
    since, until = hour_start(since, tz), hour_start(min(until, now), tz)
    if until <= since:
        return
    at = since
    while at < until:
        end = min(until, next_hour(at + CHUNK, tz))
        _compute(session, tz, at, end, now)
        known = covered(session)
        lo = min(known[0], since) if known else since
        hi = max(known[1], end) if known and known[1] >= since else end
        _set_range(session, lo, hi)
        session.commit()
        if progress is not None:
            progress(end)
        at = end


def clear(session: Session) -> None:
    """Forget every rollup (reports then compute from the facts until the next build)."""
    conn = session.connection()
    for table in (RANGE, QUEUE, AGENT, STATE, AGENT_DAY, STATE_DAY, DIRTY):
        conn.execute(delete(table))
    session.commit()


def extend(session: Session, tz: Any, now: dt.datetime | None = None) -> None:
    """Widen the covered range to the last hour that has ended (``pbxctl serve``)."""
    known = covered(session)
    if known is not None:
        build(session, tz, known[1], now or dt.datetime.now(dt.UTC), now)


def refresh(session: Session, tz: Any, since: dt.datetime, until: dt.datetime) -> int:
    """Compute again the marked hours of [since, until) that are covered; how many."""
    known = covered(session)
    if known is None:
        return 0
    lo, hi = max(since, known[0]), min(until, known[1])
    if hi <= lo:
        return 0
    first, last = lo.astimezone(tz).date(), hi.astimezone(tz).date()
    marked = session.execute(
        select(DIRTY.c.local_date, DIRTY.c.local_hour, DIRTY.c.marked_at).where(
            DIRTY.c.local_date >= first, DIRTY.c.local_date <= last
        )
    ).all()
    wanted = set(hours_in(lo, hi, tz))
    todo = [(d, int(h), at) for d, h, at in marked if (d, int(h)) in wanted]
    if not todo:
        return 0
    now = dt.datetime.now(dt.UTC)
    for start, end in _ranges(sorted((d, h) for d, h, _ in todo), tz, lo, hi):
        _compute(session, tz, start, end, now)
    session.commit()
    return len(todo)


def _ranges(
    hours: list[Hour], tz: Any, lo: dt.datetime, hi: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Contiguous UTC ranges of these local hours (within [lo, hi))."""
    wanted = set(hours)
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    at = lo
    step = dt.timedelta(minutes=15)
    while at < hi:
        day, hour, _ = bucket_of(at, tz, False)
        if (day, hour) in wanted:
            if ranges and ranges[-1][1] == at:
                ranges[-1] = (ranges[-1][0], at + step)
            else:
                ranges.append((at, at + step))
        at += step
    return ranges


# -- reading -------------------------------------------------------------------------------


def _split(
    session: Session, tz: Any, since: dt.datetime, until: dt.datetime, quarters: bool
) -> tuple[dt.datetime, dt.datetime] | None:
    """The part of [since, until) read from the rollups (after refreshing it), or None."""
    known = None if quarters else covered(session)
    if known is None:
        return None
    lo = next_hour(max(since, known[0]), tz)
    hi = hour_start(min(until, known[1]), tz)
    if hi <= lo:
        return None
    refresh(session, tz, lo, hi)
    return lo, hi


class _Addable(Protocol):
    def add(self, other: Any, /) -> Any: ...


_K = TypeVar("_K")
_F = TypeVar("_F", bound=_Addable)


def _add_into(merged: dict[_K, _F], found: Mapping[_K, _F]) -> None:
    """Add each of ``found``'s facts to ``merged``'s of the same key (taken as they are when
    the key is new)."""
    for key, f in found.items():
        mine = merged.get(key)
        if mine is None:
            merged[key] = f
        else:
            mine.add(f)


def queue_facts(
    session: Session, q: qf.FactQuery, *, daily: bool = False
) -> dict[qf.FactKey, qf.QueueFacts]:
    """Every fact per (queue, bucket) as queue_facts.all_facts gives it, from the rollups
    where they cover the window. ``daily``: the caller folds into days or longer, so the
    rollups' hours of a day come added up by the database, under the day's hour 0."""
    part = _split(session, q.tz, q.since, q.until, q.quarters)
    if part is None:
        return qf.all_facts(session, q)
    lo, hi = part
    merged: dict[qf.FactKey, qf.QueueFacts] = {}

    for start, end in ((q.since, lo), (hi, q.until)):
        if start < end:
            _add_into(merged, qf.all_facts(session, replace(q, since=start, until=end)))
    _add_into(merged, _read_queues(session, q, lo, hi, daily))
    if q.queues is not None:  # the center of some queues only: from the facts
        raw = qf.all_facts(session, replace(q, since=lo, until=hi), callbacks=False)
        _add_into(merged, {key: f for key, f in raw.items() if key[0] == qf.CENTER})
    for key, f in qf.callback_facts(session, replace(q, since=lo, until=hi)).items():
        _add_into(merged, {key: f, (qf.CENTER, key[1]): replace(f)})
    return merged


def _covered_hours(table: Table, tz: Any, lo: dt.datetime, hi: dt.datetime) -> Any:
    """Rows of the local hours in [lo, hi): whole days by date, the first and last day
    by their hours (a day of a daylight-saving change has 23 or 25 of them)."""
    by_day: dict[dt.date, set[int]] = {}
    for day, hour in hours_in(lo, hi, tz):
        by_day.setdefault(day, set()).add(hour)
    days = sorted(by_day)
    edges = sorted({days[0], days[-1]})
    inner = days[1:-1]
    terms = [and_(table.c.local_date == d, table.c.local_hour.in_(sorted(by_day[d])))
             for d in edges]  # fmt: skip
    if inner:
        terms.append(and_(table.c.local_date >= inner[0], table.c.local_date <= inner[-1]))
    return or_(*terms)


def _read_queues(
    session: Session, q: qf.FactQuery, lo: dt.datetime, hi: dt.datetime, daily: bool
) -> dict[qf.FactKey, qf.QueueFacts]:
    hour = (QUEUE.c.local_hour,) if not daily else ()
    # Cast: a sum of BIGINT is a NUMERIC (a Decimal to parse) on PostgreSQL and MariaDB.
    sums = [cast((func.max if n.startswith("max_") or n == "sl_seconds" else func.sum)(QUEUE.c[n]),
                 BigInteger).label(n) for n in QUEUE_COLUMNS]  # fmt: skip
    query = (
        select(QUEUE.c.local_date, *hour, QUEUE.c.queue_name, *sums)
        .where(_covered_hours(QUEUE, q.tz, lo, hi))
        .group_by(QUEUE.c.local_date, *hour, QUEUE.c.queue_name)
    )
    if q.queues is not None:
        query = query.where(QUEUE.c.queue_name.in_(sorted(q.queues)))
    found: dict[qf.FactKey, qf.QueueFacts] = {}
    n = len(sums)
    for row in session.execute(query).all():
        bucket: Bucket = (row[0], 0 if daily else int(row[1]), 0)
        values = dict(zip(QUEUE_COLUMNS, row[-n:], strict=True))
        found[(row[-n - 1], bucket)] = qf.QueueFacts(**values)
    return found


def agent_facts(
    session: Session, q: af.AgentQuery, *, daily: bool = False
) -> dict[af.AgentKey, af.AgentFacts]:
    """Every fact per (agent, bucket) as agent_facts.all_agent_facts gives it, from the
    rollups where they cover the window (survey answers always from the facts); ``daily``
    as for :func:`queue_facts`."""
    part = _split(session, q.tz, q.since, q.until, q.quarters)
    if part is None:
        return af.all_agent_facts(session, q)
    lo, hi = part
    merged: dict[af.AgentKey, af.AgentFacts] = {}

    for start, end in ((q.since, lo), (hi, q.until)):
        if start < end:
            _add_into(merged, af.all_agent_facts(session, replace(q, since=start, until=end)))
    _add_into(merged, _read_agents(session, q, lo, hi, daily))
    _add_into(merged, af.survey_facts(session, replace(q, since=lo, until=hi)))
    return merged


def _whole_days(tz: Any, lo: dt.datetime, hi: dt.datetime) -> tuple[list[dt.date], list[Hour]]:
    """The local dates of [lo, hi) that lie in it whole, and the hours of the other ones."""
    whole: list[dt.date] = []
    rest: list[Hour] = []
    for day, hour in hours_in(lo, hi, tz):
        if whole and whole[-1] == day:
            continue
        if lo <= local_midnight(day, tz) and local_midnight(day + dt.timedelta(days=1), tz) <= hi:
            whole.append(day)
        else:
            rest.append((day, hour))
    return whole, rest


def _agent_source(
    hour_table: Table, day_table: Table, values: Sequence[str], tz: Any, lo: dt.datetime,
    hi: dt.datetime, daily: bool,
) -> Any:  # fmt: skip
    """The rollup rows of [lo, hi) with columns local_date, [local_hour,] agent_code and
    ``values``: by hour from ``hour_table``; ``daily``, the whole dates from ``day_table``
    (the same sums, kept by :func:`_compute_days`) and the others' hours from ``hour_table``."""
    if not daily:
        return hour_table, [_covered_hours(hour_table, tz, lo, hi)]
    whole, rest = _whole_days(tz, lo, hi)
    columns = ("local_date", "agent_code", *values)
    parts = []
    if whole:
        parts.append(select(*[day_table.c[c] for c in columns])
                     .where(day_table.c.local_date >= whole[0],
                            day_table.c.local_date <= whole[-1]))  # fmt: skip
    if rest:
        parts.append(select(*[hour_table.c[c] for c in columns])
                     .where(_hours_where(hour_table, rest)))  # fmt: skip
    if len(parts) == 1 and not rest:
        return day_table, [day_table.c.local_date >= whole[0], day_table.c.local_date <= whole[-1]]
    return union_all(*parts).subquery("rolled"), []


def _read_agents(
    session: Session, q: af.AgentQuery, lo: dt.datetime, hi: dt.datetime, daily: bool
) -> dict[af.AgentKey, af.AgentFacts]:
    """The rollups' agent facts of [lo, hi): the call counts, the time per state in one row
    per agent and bucket (a column per state), the paused time per reason apart. ``daily``:
    whole days from the day rollups."""
    found: dict[af.AgentKey, af.AgentFacts] = {}

    def keys(table: Any) -> tuple[Any, ...]:
        hour = (table.c.local_hour,) if not daily else ()
        return (table.c.local_date, *hour, table.c.agent_code)

    def facts(row: Any) -> af.AgentFacts:
        key = (row[-1], (row[0], 0 if daily else int(row[1]), 0))
        f = found.get(key)
        if f is None:
            f = found[key] = af.AgentFacts()
        return f

    def chosen(table: Any) -> list[Any]:
        return [] if q.agents is None else [table.c.agent_code.in_(sorted(q.agents))]

    # The key columns come last in each row: date, [hour,] agent, [reason].
    src, where = _agent_source(AGENT, AGENT_DAY, AGENT_COLUMNS, q.tz, lo, hi, daily)
    calls = [cast(func.sum(src.c[n]), BigInteger) for n in AGENT_COLUMNS]  # not NUMERIC
    query = select(*calls, *keys(src)).where(*where, *chosen(src)).group_by(*keys(src))
    for row in session.execute(query).all():
        f = facts(row[len(calls) :])
        f.handled, f.talk_ms, f.hold_ms, f.acw_ms = (
            f.handled + int(row[0]), f.talk_ms + int(row[1]), f.hold_ms + int(row[2]),
            f.acw_ms + int(row[3]),
        )  # fmt: skip
        f.transfers_received += int(row[4])
        f.missed += int(row[5])
        f.transfers_made += int(row[6])
    src, where = _agent_source(STATE, STATE_DAY, ("state", "reason", "ms"), q.tz, lo, hi, daily)
    where = [*where, *chosen(src)]
    states = [s for s in af.STATES if s != "paused"]
    per_state = [cast(func.sum(case((src.c.state == s, src.c.ms), else_=0)), BigInteger)
                 for s in states]  # fmt: skip
    query = (select(*per_state, *keys(src)).where(*where, src.c.state != "paused")
             .group_by(*keys(src)))  # fmt: skip
    for row in session.execute(query).all():
        state_ms = facts(row[len(states) :]).state_ms
        for state, ms in zip(states, row, strict=False):
            if ms:
                state_ms[(state, "")] = state_ms.get((state, ""), 0) + int(ms)
    query = (select(cast(func.sum(src.c.ms), BigInteger), *keys(src), src.c.reason)
             .where(*where, src.c.state == "paused")
             .group_by(*keys(src), src.c.reason))  # fmt: skip
    for row in session.execute(query).all():
        state_ms = facts(row[1:-1]).state_ms
        key = ("paused", row[-1])
        state_ms[key] = state_ms.get(key, 0) + int(row[0])
    return found


def maintain(session: Session, tz: Any, now: dt.datetime | None = None, days: int = 35) -> None:
    """What ``pbxctl serve`` runs every few minutes: cover the last ``days`` days at first,
    then widen the range to the last hour that has ended and compute marked hours again."""
    now = now or dt.datetime.now(dt.UTC)
    known = covered(session)
    if known is None:
        build(session, tz, now - dt.timedelta(days=days), now, now)
        return
    extend(session, tz, now)
    known = covered(session)
    if known is not None:
        refresh(session, tz, known[0], known[1])
