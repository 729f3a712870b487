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
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from controller.ami.tracker import AgentInterval, FinishedCall
from controller.db.models import AgentStateInterval, Handling
from controller.history.call_rows import LocalTime
from controller.history.rows import utc

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
        rows = [{"hid": hid, "s": s, "e": e} for hid, (s, e) in links.items()]
        conn.execute(_SET_ACW, rows)
    return set(links)


_SET_ACW = (
    update(HANDLING)
    .where(HANDLING.c.id == bindparam("hid"))
    .values(acw_start=bindparam("s"), acw_end=bindparam("e"))
)


# A batch's records span a second or so; records replayed after an outage may span days. The
# candidate queries below cover a time window per chunk: a chunk ends at this span.
WINDOW = dt.timedelta(hours=1)


def _windows(items: list[tuple[str, dt.datetime, *tuple[Any, ...]]]) -> Iterator[list[Any]]:
    """``items`` by time (their second member), in chunks of at most 200 spanning at most
    :data:`WINDOW`."""
    part: list[Any] = []
    for item in sorted(items, key=lambda item: item[1]):
        if part and (len(part) == 200 or item[1] - part[0][1] > WINDOW):
            yield part
            part = []
        part.append(item)
    if part:
        yield part


# One statement text whatever the batch (expanding IN, a time window): compiled once and
# cached, where an OR of one condition per record was compiled anew for every batch. Rows
# the window lets through beyond the records' own conditions are dropped in Python, by the
# same test as before.
_HANDLINGS_NEAR = select(HANDLING.c.id, HANDLING.c.agent_code, HANDLING.c.talk_end).where(
    HANDLING.c.agent_code.in_(bindparam("agents", expanding=True)),
    HANDLING.c.local_date.between(bindparam("first_day"), bindparam("last_day")),
    HANDLING.c.talk_end.between(bindparam("earliest"), bindparam("latest")),
)
_ACW_NEAR = select(INTERVAL.c.agent_code, INTERVAL.c.started_at, INTERVAL.c.ended_at).where(
    INTERVAL.c.state == "acw",
    INTERVAL.c.ended_at.is_not(None),
    INTERVAL.c.agent_code.in_(bindparam("agents", expanding=True)),
    INTERVAL.c.started_at.between(bindparam("earliest"), bindparam("latest")),
)
_HANDLINGS_AT = select(HANDLING.c.id, HANDLING.c.agent_code, HANDLING.c.talk_end).where(
    HANDLING.c.agent_code.in_(bindparam("agents", expanding=True)),
    HANDLING.c.talk_end.in_(bindparam("ends", expanding=True)),
)


def _handlings_for(
    conn: Connection,
    done: list[tuple[str, dt.datetime, dt.datetime]],
    local: LocalTime,
) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    found: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for part in _windows(done):
        # Candidate handlings: the agents', talk ended within SLACK before an interval.
        # local_date narrows the (agent_code, local_date) index to a day or two.
        first, last = part[0][1], part[-1][1]
        rows = conn.execute(
            _HANDLINGS_NEAR,
            {
                "agents": sorted({agent for agent, _, _ in part}),
                "first_day": local(first - dt.timedelta(days=1))[0],
                "last_day": local(last)[0],
                "earliest": first - SLACK,
                "latest": last,
            },
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
    for part in _windows(ended):
        first, last = part[0][1], part[-1][1]
        agents = sorted({agent for agent, _ in part})
        candidates = conn.execute(
            _ACW_NEAR, {"agents": agents, "earliest": first, "latest": last + SLACK}
        ).all()
        # An ACW interval that began within SLACK after one of its agent's talks ended.
        ends: dict[str, list[dt.datetime]] = {}
        for agent, talk_end in part:
            ends.setdefault(agent, []).append(talk_end)
        acws = [(code, start, end) for code, start, end in candidates
                if any(t <= start <= t + SLACK for t in ends.get(code, ()))]  # fmt: skip
        if not acws:
            continue
        rows = conn.execute(
            _HANDLINGS_AT, {"agents": agents, "ends": sorted({t for _, t in part})}
        ).all()
        for code, start, end in acws:
            near = [(talk_end, hid) for hid, agent, talk_end in rows
                    if agent == code and start - SLACK <= talk_end <= start]  # fmt: skip
            if near:
                found[max(near)[1]] = (start, end)
    return found
