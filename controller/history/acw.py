"""After-call work onto the handling it follows (``handling.acw_start``/``acw_end``).

The tracker reports wrap-up as an agent-state interval (state ``acw``) that begins when the
agent's part of a call ends and is finished later (the wrap-up time, or a "done"); the call
itself is written when its last channel hangs up. Either may reach the database first, so
both directions are linked, per batch, with one SELECT and one UPDATE each:

- a finished ACW interval goes to the agent's handling whose talk ended last, at most
  :data:`SLACK` before the interval began;
- a handling written goes to a finished ACW interval of its agent that began at most
  :data:`SLACK` after its talk ended.

Reports then read talk, hold and after-call work from one row per agent and call (AHT).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, and_, bindparam, or_, select, update

from controller.ami.tracker import AgentInterval, FinishedCall
from controller.db.models import AgentStateInterval, Handling
from controller.history.call_rows import LocalTime
from controller.history.rows import chunks, utc

SLACK = dt.timedelta(seconds=2)
HANDLING = Handling.__table__
INTERVAL = AgentStateInterval.__table__


def link_after_call_work(
    conn: Connection,
    intervals: Sequence[AgentInterval],
    calls: Sequence[FinishedCall],
    local: LocalTime,
) -> set[int]:
    """Link them; the ids of the handlings that got after-call work."""
    done = [(iv.agent_code, utc(iv.started_at), utc(iv.ended_at)) for iv in intervals
            if iv.state == "acw" and iv.ended_at is not None]  # fmt: skip
    ended = [(h.agent_code, utc(h.talk_end)) for fc in calls for h in fc.handlings
             if h.talk_end is not None]  # fmt: skip
    links: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    if done:
        links.update(_handlings_for(conn, done, local))  # type: ignore[arg-type]
    if ended:
        links.update(_intervals_for(conn, ended))  # type: ignore[arg-type]
    if links:
        conn.execute(
            update(HANDLING)
            .where(HANDLING.c.id == bindparam("hid"))
            .values(acw_start=bindparam("s"), acw_end=bindparam("e")),
            [{"hid": hid, "s": s, "e": e} for hid, (s, e) in links.items()],
        )
    return set(links)


def _handlings_for(
    conn: Connection,
    done: list[tuple[str, dt.datetime, dt.datetime]],
    local: LocalTime,
) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    found: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for part in chunks(done, 200):
        # Candidate handlings: the agent's, talk ended within SLACK before the interval.
        # local_date narrows the (agent_code, local_date) index to a day or two.
        where = [
            and_(
                HANDLING.c.agent_code == agent,
                HANDLING.c.local_date.between(local(start - dt.timedelta(days=1))[0],
                                              local(start)[0]),
                HANDLING.c.talk_end.between(start - SLACK, start),
            )
            for agent, start, _ in part
        ]  # fmt: skip
        rows = conn.execute(
            select(HANDLING.c.id, HANDLING.c.agent_code, HANDLING.c.talk_end).where(or_(*where))
        ).all()
        for agent, start, end in part:
            near = [(talk_end, hid) for hid, code, talk_end in rows
                    if code == agent and start - SLACK <= talk_end <= start]  # fmt: skip
            if near:
                found[max(near)[1]] = (start, end)
    return found


def _intervals_for(
    conn: Connection, ended: list[tuple[str, dt.datetime]]
) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    found: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for part in chunks(ended, 200):
        where = [
            and_(
                INTERVAL.c.agent_code == agent,
                INTERVAL.c.started_at.between(talk_end, talk_end + SLACK),
            )
            for agent, talk_end in part
        ]
        acws = conn.execute(
            select(INTERVAL.c.agent_code, INTERVAL.c.started_at, INTERVAL.c.ended_at).where(
                INTERVAL.c.state == "acw", INTERVAL.c.ended_at.is_not(None), or_(*where)
            )
        ).all()
        if not acws:
            continue
        agents = sorted({agent for agent, _ in part})
        rows = conn.execute(
            select(HANDLING.c.id, HANDLING.c.agent_code, HANDLING.c.talk_end).where(
                HANDLING.c.agent_code.in_(agents),
                HANDLING.c.talk_end.in_(sorted({t for _, t in part})),
            )
        ).all()
        for code, start, end in acws:
            near = [(talk_end, hid) for hid, agent, talk_end in rows
                    if agent == code and start - SLACK <= talk_end <= start]  # fmt: skip
            if near:
                found[max(near)[1]] = (start, end)
    return found
