"""Write tracker records to the history tables, idempotently (blocking; run it in a thread).

Writing the same record twice leaves one copy: a call is found by its unique key
``(server_id, linkedid)`` and rewritten with its children replaced; a channel by
``(server_id, uniqueid)``; a recording by ``(server_id, path)``; an agent-state interval by
``(server_id, agent_code, queue_name, state, started_at)``, so its start (``ended_at`` None)
and its end update one row; a raw AMI event by (server, time, event, uniqueid). A retry after
an unacknowledged commit is therefore harmless.

A batch is written with SQLAlchemy Core, a few statements per table for the whole batch
(existing keys are looked up with one SELECT per table, new rows inserted with one
executemany): the ORM's per-row objects, SELECTs and flushes were most of the controller's
CPU under load. Within a batch, a later record for the same key wins, as when the records
were written one by one.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Executable, bindparam, func, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from controller.ami.tracker import AgentInterval, FinishedCall, RawEvent
from controller.db.models import AgentStateInterval, RawAmiEvent, Site
from controller.history import dirty
from controller.history.acw import link_after_call_work
from controller.history.call_rows import LocalTime, local_time, write_calls
from controller.history.rows import Row, insert_rows, utc
from controller.history.surveys import link_surveys
from controller.rating.plan import RatingPlan
from controller.rating.store import load_plan, write_charges
from controller.routing.region import to_e164

Item = FinishedCall | AgentInterval | RawEvent


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What history rows freeze at insert: the local calendar, the country for E.164, and
    the tariffs outbound calls are rated with (controller/rating)."""

    tz: ZoneInfo
    country: str
    rating: RatingPlan | None = None

    @classmethod
    def load(cls, factory: sessionmaker[Session]) -> SiteInfo:
        with factory() as session:
            site = session.get(Site, 1)
            rating = load_plan(session)
        if site is None:
            return cls(ZoneInfo("UTC"), "CN", rating)
        return cls(ZoneInfo(site.timezone), site.country, rating)


INTERVAL = AgentStateInterval.__table__
INTERVAL_KEY = ["server_id", "agent_code", "queue_name", "state", "started_at"]
RAW = RawAmiEvent.__table__


def write_batch(factory: sessionmaker[Session], items: Sequence[Item], site: SiteInfo) -> None:
    """Write ``items`` in one transaction (on a connection of the factory's engine: the
    writer needs no ORM session, whose set-up and commit cost more than a small batch)."""
    bind = factory.kw.get("bind")
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            write_items(conn, items, site)
        return
    with factory() as session, session.begin():
        write_items(session.connection(), items, site)


def write_items(conn: Connection, items: Sequence[Item], site: SiteInfo) -> None:
    calls = [item for item in items if isinstance(item, FinishedCall)]
    intervals = [item for item in items if isinstance(item, AgentInterval)]
    raws = [item for item in items if isinstance(item, RawEvent)]
    local = local_time(site.tz)
    if intervals:
        _write_intervals(conn, intervals, local)
    if calls:
        written = write_calls(conn, calls, local, partial(to_e164, country=site.country))
        if site.rating is not None:
            write_charges(conn, written, site.rating, lambda at: local(at)[0])
        link_surveys(conn, written)
    linked = link_after_call_work(conn, intervals, calls, local)
    _mark_report_hours(conn, calls, intervals, linked, local)
    if raws:
        _write_raw(conn, raws)


def _mark_report_hours(
    conn: Connection,
    calls: Sequence[FinishedCall],
    intervals: Sequence[AgentInterval],
    linked: set[int],
    local: LocalTime,
) -> None:
    """The local hours these records touched: their report rollups are computed again."""
    hours = dirty.handling_hours(conn, linked, local)
    for fc in calls:
        hours |= dirty.hours_between(_at(fc.started_at), _at(fc.ended_at), local)
    for iv in intervals:
        end = _at(iv.ended_at) if iv.ended_at is not None else None
        hours |= dirty.hours_between(_at(iv.started_at), end, local)
    dirty.mark(conn, hours)


def _at(epoch: float) -> dt.datetime:
    at = utc(epoch)
    assert at is not None
    return at


def _write_intervals(
    conn: Connection, intervals: Sequence[AgentInterval], local: LocalTime
) -> None:
    """Upsert on the unique key: the start of an interval inserts its row, the end updates it.
    An end is never undone by a later record without one (as before: only set when known)."""
    merged: dict[tuple[str, str, str, str, dt.datetime], Row] = {}
    for iv in intervals:
        started = utc(iv.started_at)
        assert started is not None
        key = (iv.server_id, iv.agent_code, iv.queue_name, str(iv.state), started)
        row = merged.get(key)
        if row is None:
            row = merged[key] = {
                "server_id": iv.server_id,
                "agent_code": iv.agent_code,
                "queue_name": iv.queue_name,
                "state": iv.state,
                "started_at": started,
                "local_date": local(started)[0],
                "ended_at": None,
            }
        row["reason_code"] = iv.reason[:32] if iv.reason else None
        row["source_event"] = iv.source_event[:32]
        if iv.ended_at is not None:
            row["ended_at"] = utc(iv.ended_at)
    conn.execute(_interval_upsert(conn.dialect.name), list(merged.values()))


@functools.cache
def _interval_upsert(dialect: str) -> Executable:
    """One INSERT that updates the row already there (each backend spells it its own way);
    the keys are unique within a batch, as PostgreSQL requires."""
    ended = INTERVAL.c.ended_at
    if dialect in ("mysql", "mariadb"):
        mysql = mysql_insert(INTERVAL)
        new = mysql.inserted
        return mysql.on_duplicate_key_update(
            reason_code=new.reason_code,
            source_event=new.source_event,
            ended_at=func.coalesce(new.ended_at, ended),
        )
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"history upserts are not written for {dialect}")
    insert = sqlite_insert(INTERVAL) if dialect == "sqlite" else postgresql_insert(INTERVAL)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=INTERVAL_KEY,
        set_={
            "reason_code": new.reason_code,
            "source_event": new.source_event,
            "ended_at": func.coalesce(new.ended_at, ended),
        },
    )


_RAW_STORED = select(RAW.c.received_at, RAW.c.event, RAW.c.uniqueid).where(
    RAW.c.server_id == bindparam("server"),
    RAW.c.received_at.between(bindparam("first"), bindparam("last")),
)


def _write_raw(conn: Connection, raws: Sequence[RawEvent]) -> None:
    """Insert the events not stored yet. There is no unique key: the rows already stored in
    the batch's time window (on the server/time index; a batch spans a second or so, and is
    new unless retried) are read once and compared."""
    seen: set[tuple[str, dt.datetime, str, str | None]] = set()
    for server_id in dict.fromkeys(raw.server_id for raw in raws):
        times = [raw.at for raw in raws if raw.server_id == server_id]
        window = {"server": server_id, "first": utc(min(times)), "last": utc(max(times))}
        seen.update((server_id, *row) for row in conn.execute(_RAW_STORED, window))
    rows = []
    for raw in raws:
        at = utc(raw.at)
        assert at is not None
        key = (raw.server_id, at, raw.event[:64], raw.uniqueid)
        if key in seen:
            continue
        seen.add(key)
        # The first value of a repeated name, as the history always kept; built in C when
        # no name repeats (almost always).
        fields = dict(raw.fields)
        if len(fields) != len(raw.fields):
            fields = {}
            for name, value in raw.fields:
                fields.setdefault(name, value)
        rows.append(
            {
                "server_id": raw.server_id,
                "received_at": at,
                "event": raw.event[:64],
                "linkedid": raw.linkedid,
                "uniqueid": raw.uniqueid,
                "fields": fields,
            }
        )
    insert_rows(conn, RAW, rows)
