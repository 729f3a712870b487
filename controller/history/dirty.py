"""Mark the local hours a history write touched, so the reports' hourly rollups of those
hours are computed again before they are read (controller/reports/rollup.py).

A call marks every hour from its start to its end (its queue legs, agents' talk, rings and
transfers all lie in them); an agent-state span every hour it covers; a handling that got
its after-call work later marks the hours of its queue leg and its talk. Marks are upserts:
marking again moves ``marked_at``, which tells a computation running meanwhile to keep it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from sqlalchemy import Connection, Executable, bindparam, func, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from controller.db.models import Handling, QueueLeg, ReportDirtyHour
from controller.history.call_rows import LocalTime
from controller.history.rows import chunks

DIRTY = ReportDirtyHour.__table__
HANDLING = Handling.__table__
LEG = QueueLeg.__table__
STEP = dt.timedelta(minutes=15)  # every zone's offset is a multiple of it
LONGEST = dt.timedelta(days=3)  # a span longer than this marks its first and last 3 days

Hour = tuple[dt.date, int]


def hours_between(start: dt.datetime, end: dt.datetime | None, local: LocalTime) -> set[Hour]:
    """The local hours [start, end] touches."""
    end = start if end is None or end < start else end
    if end - start > 2 * LONGEST:
        return hours_between(start, start + LONGEST, local) | hours_between(
            end - LONGEST, end, local
        )
    hours = {local(end)}
    at = start
    while at < end:
        hours.add(local(at))
        at += STEP
    return hours


# Built once, not per batch (the same SQL, found at once in SQLAlchemy's compiled cache).
_HANDLING_HOURS = (
    select(HANDLING.c.talk_start, LEG.c.local_date, LEG.c.local_hour)
    .select_from(HANDLING.outerjoin(LEG, LEG.c.id == HANDLING.c.leg_id))
    .where(HANDLING.c.id.in_(bindparam("ids", expanding=True)))
)


def handling_hours(conn: Connection, handling_ids: Iterable[int], local: LocalTime) -> set[Hour]:
    """The hours of these handlings' talk and of their queue legs."""
    ids = sorted(set(handling_ids))
    found: set[Hour] = set()
    for part in chunks(ids):
        rows = conn.execute(_HANDLING_HOURS, {"ids": list(part)})
        for talk_start, day, hour in rows:
            found.add(local(talk_start))
            if day is not None:
                found.add((day, int(hour)))
    return found


def mark(conn: Connection, hours: set[Hour]) -> None:
    if not hours:
        return
    now = dt.datetime.now(dt.UTC)
    rows = [{"local_date": d, "local_hour": h, "marked_at": now} for d, h in sorted(hours)]
    conn.execute(_mark_upsert(conn.dialect.name), rows)


@functools.cache
def _mark_upsert(dialect: str) -> Executable:
    if dialect in ("mysql", "mariadb"):
        stmt = mysql_insert(DIRTY)
        return stmt.on_duplicate_key_update(marked_at=stmt.inserted.marked_at)
    stmt = sqlite_insert(DIRTY) if dialect == "sqlite" else postgresql_insert(DIRTY)
    return stmt.on_conflict_do_update(
        index_elements=["local_date", "local_hour"],
        set_={"marked_at": func.coalesce(stmt.excluded.marked_at, DIRTY.c.marked_at)},
    )
