"""Finished calls to the history tables: a whole batch in a few statements per table.

Idempotent as before: a call is found by ``(server_id, linkedid)``; a call already stored is
updated and its children are replaced, a new one inserted. A channel (``server_id,
uniqueid``) or a recording (``server_id, path``) stored under another call moves to the call
being written (an attended transfer moves a channel between Linkedids). Within a batch the
later record wins, as when the records were written one after the other.

Per batch: one SELECT for the calls already stored, seven DELETEs of their children (only
when there are such calls), one UPDATE and one INSERT of calls, then one INSERT per child
table; ids of new calls, queue legs and handlings come back from the INSERT (RETURNING).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Connection, Executable, Table, bindparam, delete, select, update

from controller.ami.tracker import FinishedCall
from controller.db.models import (
    AgentAttempt,
    Call,
    CallChannel,
    CallSource,
    Handling,
    HoldInterval,
    QueueLeg,
    Recording,
    Transfer,
)
from controller.history.rows import Row, chunks, insert_returning_ids, insert_rows, utc

CALL = Call.__table__
CHANNEL = CallChannel.__table__
LEG = QueueLeg.__table__
ATTEMPT = AgentAttempt.__table__
HANDLING = Handling.__table__
HOLD = HoldInterval.__table__
TRANSFER = Transfer.__table__
RECORDING = Recording.__table__

LocalTime = Callable[[dt.datetime], tuple[dt.date, int]]
E164 = Callable[[str], str | None]


def local_time(tz: ZoneInfo) -> LocalTime:
    def local(at: dt.datetime) -> tuple[dt.date, int]:
        here = at.astimezone(tz)
        return here.date(), here.hour

    return local


def write_calls(
    conn: Connection, calls: Sequence[FinishedCall], local: LocalTime, e164: E164
) -> list[tuple[FinishedCall, int]]:
    """Write the calls; return those written (a recovered record never replaces a live one)
    with their ids."""
    # The same call twice in one batch (a retry): the later record is the one to keep, at its
    # own place in the batch, so it also wins the channels and recordings other calls claim.
    by_key: dict[tuple[str, str], FinishedCall] = {}
    for fc in calls:
        key = (fc.server_id, fc.linkedid)
        earlier = by_key.pop(key, None)
        by_key[key] = (
            fc if earlier is None or _rank(fc.source) >= _rank(earlier.source) else earlier
        )
    stored = _stored(conn, list(by_key.values()))
    # A recovered record never replaces one the controller followed whole (say both exist
    # when the journal and the recovery after a crash hold the same call).
    latest = [
        fc
        for key, fc in by_key.items()
        if key not in stored or _rank(fc.source) >= _rank(stored[key][1])
    ]
    if not latest:
        return []
    ids = {key: stored[key][0] for key in (_key(fc) for fc in latest) if key in stored}
    if ids:
        _delete_children(conn, list(ids.values()))
    updates: list[Row] = []
    new: list[tuple[tuple[str, str], Row]] = []
    for fc in latest:
        key, row = (fc.server_id, fc.linkedid), _call_row(fc, local, e164)
        if key in ids:
            del row["server_id"], row["linkedid"]
            updates.append({**row, "call_pk": ids[key]})
        else:
            new.append((key, row))
    if updates:
        conn.execute(update(CALL).where(CALL.c.id == bindparam("call_pk")), updates)
    new_ids = insert_returning_ids(conn, CALL, [row for _, row in new])
    ids.update((key, call_id) for (key, _), call_id in zip(new, new_ids, strict=True))
    call_ids = [ids[(fc.server_id, fc.linkedid)] for fc in latest]
    _write_channels(conn, latest, call_ids)
    leg_ids = _write_legs(conn, latest, call_ids, local)
    handling_ids = _write_handlings(conn, latest, call_ids, leg_ids, local)
    _write_transfers(conn, latest, call_ids, handling_ids)
    _write_recordings(conn, latest, call_ids, handling_ids)
    return list(zip(latest, call_ids, strict=True))


def _by_server(keys: Sequence[tuple[str, str]]) -> Iterator[tuple[str, Sequence[str]]]:
    """``(server_id, name)`` keys as IN lists per server (one server in practice), so each
    statement can use the unique index that starts with ``server_id``."""
    for server_id in dict.fromkeys(s for s, _ in keys):
        for part in chunks([name for s, name in keys if s == server_id]):
            yield server_id, part


def _replace(
    conn: Connection, table: Table, key: Column[str], rows: dict[tuple[str, str], Row]
) -> None:
    """Insert ``rows`` (unique on ``server_id`` + ``key``), deleting the stored rows with those
    keys first, whichever call they were under."""
    statement = _delete_by_key(table, key)
    for server_id, part in _by_server(list(rows)):
        conn.execute(statement, {"server": server_id, "keys": list(part)})
    insert_rows(conn, table, list(rows.values()))


# Statements built once (expanding IN lists), not per batch: the same SQL, found at once in
# SQLAlchemy's compiled cache.
@functools.cache
def _delete_by_key(table: Table, key: Column[str]) -> Executable:
    return delete(table).where(
        table.c.server_id == bindparam("server"), key.in_(bindparam("keys", expanding=True))
    )


_STORED = select(CALL.c.id, CALL.c.linkedid, CALL.c.source).where(
    CALL.c.server_id == bindparam("server"),
    CALL.c.linkedid.in_(bindparam("linkedids", expanding=True)),
)


_RANKS = {CallSource.PARTIAL: 0, CallSource.RECOVERED: 1, CallSource.LIVE: 2}


def _rank(source: str) -> int:
    return _RANKS.get(CallSource(source), 0)


def _key(fc: FinishedCall) -> tuple[str, str]:
    return fc.server_id, fc.linkedid


def _stored(
    conn: Connection, calls: Sequence[FinishedCall]
) -> dict[tuple[str, str], tuple[int, str]]:
    """The stored calls among ``calls``: key -> (id, source)."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for server_id, part in _by_server([_key(fc) for fc in calls]):
        rows = conn.execute(_STORED, {"server": server_id, "linkedids": list(part)})
        for call_id, linkedid, source in rows:
            found[(server_id, linkedid)] = (call_id, source)
    return found


def _delete_children(conn: Connection, call_ids: list[int]) -> None:
    for part in chunks(call_ids):
        legs = select(LEG.c.id).where(LEG.c.call_id.in_(part))
        handlings = select(HANDLING.c.id).where(HANDLING.c.call_id.in_(part))
        conn.execute(delete(RECORDING).where(RECORDING.c.call_id.in_(part)))
        conn.execute(delete(TRANSFER).where(TRANSFER.c.call_id.in_(part)))
        conn.execute(delete(HOLD).where(HOLD.c.handling_id.in_(handlings)))
        conn.execute(delete(HANDLING).where(HANDLING.c.call_id.in_(part)))
        conn.execute(delete(ATTEMPT).where(ATTEMPT.c.leg_id.in_(legs)))
        conn.execute(delete(LEG).where(LEG.c.call_id.in_(part)))
        conn.execute(delete(CHANNEL).where(CHANNEL.c.call_id.in_(part)))


def _call_row(fc: FinishedCall, local: LocalTime, e164: E164) -> Row:
    started = utc(fc.started_at)
    assert started is not None
    local_date, local_hour = local(started)
    return {
        "server_id": fc.server_id,
        "linkedid": fc.linkedid,
        "direction": fc.direction,
        "caller_number": fc.caller_number[:64],
        "caller_name": fc.caller_name[:128],
        "caller_e164": e164(fc.caller_number) if fc.caller_number else None,
        "called_number": fc.called_number[:64],
        "did": fc.did,
        "route": fc.route[:64] if fc.route else None,
        "region": fc.region,
        "ivr_path": fc.ivr_path[:255],
        "customer_code": fc.customer_code,
        "vip": fc.vip,
        "started_at": started,
        "answered_at": utc(fc.answered_at),
        "ended_at": utc(fc.ended_at),
        "local_date": local_date,
        "local_hour": local_hour,
        "outcome": fc.outcome,
        "source": fc.source,
    }


def _write_channels(conn: Connection, calls: Sequence[FinishedCall], call_ids: list[int]) -> None:
    rows: dict[tuple[str, str], Row] = {}
    for fc, call_id in zip(calls, call_ids, strict=True):
        for c in fc.channels:
            rows[(fc.server_id, c.uniqueid)] = {
                "call_id": call_id,
                "server_id": fc.server_id,
                "uniqueid": c.uniqueid,
                "channel": c.channel[:128],
                "role": c.role,
                "caller_number": c.caller_number[:64],
                "caller_name": c.caller_name[:128],
                "connected_number": c.connected_number[:64],
                "context": c.context[:80],
                "exten": c.exten[:80],
                "agent_code": c.agent_code,
                "created_at": utc(c.created_at),
                "answered_at": utc(c.answered_at),
                "ended_at": utc(c.ended_at),
                "hangup_cause": c.hangup_cause,
            }
    # A channel moved between calls (attended transfer) may sit under the other call.
    _replace(conn, CHANNEL, CHANNEL.c.uniqueid, rows)


def _write_legs(
    conn: Connection, calls: Sequence[FinishedCall], call_ids: list[int], local: LocalTime
) -> list[list[int]]:
    """Insert every queue leg and its attempts; the legs' ids per call."""
    rows: list[Row] = []
    for fc, call_id in zip(calls, call_ids, strict=True):
        for leg in fc.legs:
            entered = utc(leg.entered_at)
            assert entered is not None
            local_date, local_hour = local(entered)
            rows.append(
                {
                    "call_id": call_id,
                    "queue_name": leg.queue,
                    "entry_channel_uid": leg.entry_channel_uid,
                    "entered_at": entered,
                    "connected_at": utc(leg.connected_at),
                    "ended_at": utc(leg.ended_at),
                    "wait_ms": leg.wait_ms,
                    "outcome": leg.outcome,
                    "exit_key": leg.exit_key,
                    "orig_position": leg.orig_position,
                    "exit_position": leg.exit_position,
                    "priority": leg.priority,
                    "answered_by_agent": leg.answered_by_agent,
                    "member_channel_uid": leg.member_channel_uid,
                    "ring_ms": leg.ring_ms,
                    "completed_by": leg.completed_by,
                    "local_date": local_date,
                    "local_hour": local_hour,
                }
            )
    ids = iter(insert_returning_ids(conn, LEG, rows))
    per_call = [[next(ids) for _ in fc.legs] for fc in calls]
    attempts = [
        {
            "leg_id": leg_id,
            "agent_code": a.agent_code,
            "member_interface": a.member_interface[:128],
            "rang_at": utc(a.rang_at),
            "ended_at": utc(a.ended_at),
            "ring_ms": a.ring_ms,
            "result": a.result,
        }
        for fc, leg_ids in zip(calls, per_call, strict=True)
        for leg, leg_id in zip(fc.legs, leg_ids, strict=True)
        for a in leg.attempts
    ]
    insert_rows(conn, ATTEMPT, attempts)
    return per_call


def _write_handlings(
    conn: Connection,
    calls: Sequence[FinishedCall],
    call_ids: list[int],
    leg_ids: list[list[int]],
    local: LocalTime,
) -> list[list[int]]:
    """Insert every handling and its holds; the handlings' ids per call."""
    rows: list[Row] = []
    for fc, call_id, legs in zip(calls, call_ids, leg_ids, strict=True):
        for h in fc.handlings:
            start = utc(h.talk_start)
            assert start is not None
            rows.append(
                {
                    "call_id": call_id,
                    "leg_id": legs[h.leg_index] if h.leg_index is not None else None,
                    "agent_code": h.agent_code,
                    "channel_uid": h.channel_uid,
                    "talk_start": start,
                    "talk_end": utc(h.talk_end),
                    "hold_ms": h.hold_ms,
                    "ended_by": h.ended_by,
                    "local_date": local(start)[0],
                }
            )
    ids = iter(insert_returning_ids(conn, HANDLING, rows))
    per_call = [[next(ids) for _ in fc.handlings] for fc in calls]
    holds = [
        {"handling_id": handling_id, "started_at": utc(begin), "ended_at": utc(end)}
        for fc, handling_ids in zip(calls, per_call, strict=True)
        for h, handling_id in zip(fc.handlings, handling_ids, strict=True)
        for begin, end in h.holds
    ]
    insert_rows(conn, HOLD, holds)
    return per_call


def _write_transfers(
    conn: Connection,
    calls: Sequence[FinishedCall],
    call_ids: list[int],
    handling_ids: list[list[int]],
) -> None:
    rows = [
        {
            "call_id": call_id,
            "at": utc(t.at),
            "kind": t.kind,
            "method": t.method[:16],
            "from_handling_id": handlings[t.from_handling] if t.from_handling is not None else None,
            "to_context": t.to_context[:80],
            "to_exten": t.to_exten[:80],
            "target_channel_uid": t.target_channel_uid,
            "result": t.result,
        }
        for fc, call_id, handlings in zip(calls, call_ids, handling_ids, strict=True)
        for t in fc.transfers
    ]
    insert_rows(conn, TRANSFER, rows)


def _write_recordings(
    conn: Connection,
    calls: Sequence[FinishedCall],
    call_ids: list[int],
    handling_ids: list[list[int]],
) -> None:
    rows: dict[tuple[str, str], Row] = {}
    for fc, call_id, handlings in zip(calls, call_ids, handling_ids, strict=True):
        for r in fc.recordings:
            rows[(fc.server_id, r.path)] = {
                "server_id": fc.server_id,
                "call_id": call_id,
                "handling_id": handlings[r.handling] if r.handling is not None else None,
                "channel_uid": r.channel_uid,
                "agent_code": r.agent_code,
                "path": r.path,
                "started_at": utc(r.started_at),
                "ended_at": utc(r.ended_at),
            }
    # A recording already stored under another call (or written before) is replaced.
    _replace(conn, RECORDING, RECORDING.c.path, rows)
