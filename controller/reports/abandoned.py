"""Abandoned calls: each lost caller, whether we called back, and whether we reached them.

One row per call (each call once, as the queue report's center counts it) that entered the
selected queues in the window and was **not answered** there. Option ``kind``:
``abandoned`` (default: the caller hung up while waiting, short abandons included and
flagged) or ``unanswered`` (also timeouts, exits by key, no agents, full, withdrawn).

Per call: when it entered, the caller, the queue it left from, the total wait, how it ended;
the callback asked for it (by the queue's callback key), how many attempts were made and
when one was answered; the caller's **next call** within ``within_days`` (default 7) and
whether it was answered; and **reached** = the first later contact that connected (an
answered callback attempt, an answered call from the number, or an answered outbound call
to it), with how many seconds after the lost call ended.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from controller.db.models import Call, CallbackAttempt, CallbackRequest
from controller.reports import queue_facts as qf
from controller.reports.errors import ReportError
from controller.reports.queues import fact_query
from controller.reports.request import ReportRequest
from controller.reports.result import Column, Kind, Note, Report
from controller.reports.spec import Option, ReportSpec
from controller.reports.words import QUEUE_OUTCOMES

NAME = "abandoned"
ANSWERED = ("answered", "transferred")
LOST = ("abandoned", "short_abandoned", "timeout", "exit_key", "no_agents", "full", "withdrawn")


def _int_option(req: ReportRequest, name: str, low: int, high: int) -> int:
    text = req.options.get(name, "")
    if not text.isdigit() or not (low <= int(text) <= high):
        raise ReportError(f"report {NAME!r}: option {name} must be a whole number {low}..{high}")
    return int(text)


def lost_calls(session: Session, req: ReportRequest) -> list[Any]:
    """(call_id, leg_id of the last leg, wait ms, how it ended) of the lost calls."""
    q = fact_query(session, req)
    parts = qf.center_from(q)
    per_call, first, last, terms = parts
    conds = qf.conditions(terms)
    kinds = ("abandoned", "short_abandoned") if req.options.get("kind") == "abandoned" else LOST
    rows: list[Any] = []
    for kind in kinds:
        query = qf.center_select(
            q,
            parts,
            per_call.c.call_id,
            last.id,
            per_call.c.wait,
            first.entered_at,
            last.queue_name,
        ).where(conds[kind])
        rows += [(*row, kind) for row in session.execute(query)]
    return sorted(rows, key=lambda r: (r[3], r[0]))


def run(session: Session, req: ReportRequest) -> Report:
    within = dt.timedelta(days=_int_option(req, "within_days", 0, 90))
    limit = _int_option(req, "limit", 1, 10_000)
    offset = _int_option(req, "offset", 0, 10**9)
    found = lost_calls(session, req)
    page = found[offset : offset + limit]
    ids = [row[0] for row in page]
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(ids)))}
    callbacks = _callbacks(session, list(calls.values()))
    later = _later_calls(session, list(calls.values()), within)
    tz = req.window.tz
    rows = []
    for call_id, _leg, wait, entered, queue, kind in page:
        call = calls[call_id]
        end = call.ended_at or call.started_at
        asked = callbacks.get((call.server_id, call.linkedid))
        attempts = asked[1] if asked else []
        answered_cb = next((at for at, result in attempts if result == "answered"), None)
        number = call.caller_e164 or call.caller_number
        following = [c for c in later.get(number, []) if c.started_at > call.started_at
                     and c.started_at <= end + within and c.id != call.id]  # fmt: skip
        inbound = [c for c in following if c.direction == "inbound"]
        again = inbound[0] if inbound else None
        contacts = [c.answered_at or c.started_at for c in following if c.outcome in ANSWERED]
        if answered_cb is not None:
            contacts.append(answered_cb)
        reached = min(contacts) if contacts else None
        rows.append(
            {
                "call_id": call_id,
                "entered_at": _local(entered, tz),
                "caller": call.caller_number,
                "region": call.region,
                "queue": queue,
                "wait": int(wait) / 1000,
                "ended": kind,
                "callback_asked": asked is not None,
                "callback_attempts": len(attempts),
                "callback_answered_at": _local(answered_cb, tz) if answered_cb else None,
                "called_again_at": _local(again.started_at, tz) if again else None,
                "called_again_answered": (again.outcome in ANSWERED) if again else None,
                "reached_at": _local(reached, tz) if reached else None,
                "reached_after": round((reached - end).total_seconds()) if reached else None,
            }
        )
    return Report(
        NAME,
        "放弃呼叫",
        "Abandoned calls",
        (
            Column("call_id", "通话ID", "Call id"),
            Column("entered_at", "进队时间", "Entered", Kind.TIME),
            Column("caller", "主叫", "Caller", Kind.TEXT),
            Column("region", "归属地", "Region", Kind.TEXT),
            Column("queue", "队列", "Queue", Kind.TEXT, "the queue it left from"),
            Column("wait", "等待(秒)", "Wait (s)", Kind.SECONDS, "all its queues"),
            Column("ended", "结果", "Ended", Kind.TEXT, words=QUEUE_OUTCOMES),
            Column("callback_asked", "请求回拨", "Callback asked", Kind.TEXT),
            Column("callback_attempts", "回拨次数", "Callback attempts"),
            Column("callback_answered_at", "回拨接通", "Callback answered", Kind.TIME),
            Column("called_again_at", "再次来电", "Called again", Kind.TIME),
            Column("called_again_answered", "再次来电接通", "Again answered", Kind.TEXT),
            Column("reached_at", "联系上", "Reached", Kind.TIME),
            Column("reached_after", "多久联系上(秒)", "Reached after (s)", Kind.SECONDS),
        ),
        rows,
        params={**req.params(), "total": len(found)},
        notes=(
            Note(
                f"在放弃呼叫后 {within.days} 天内查找后续联系",
                f"follow-ups looked for within {within.days} days of the lost call",
            ),
        ),
    )


def _callbacks(
    session: Session, calls: list[Call]
) -> dict[tuple[str, str], tuple[int, list[tuple[dt.datetime, str | None]]]]:
    if not calls:
        return {}
    keys = [(c.server_id, c.linkedid) for c in calls]
    requests = session.execute(
        select(CallbackRequest.id, CallbackRequest.server_id, CallbackRequest.origin_linkedid)
        .where(or_(*[and_(CallbackRequest.server_id == s, CallbackRequest.origin_linkedid == lid)
                     for s, lid in keys]))
    ).all()  # fmt: skip
    attempts: dict[int, list[tuple[dt.datetime, str | None]]] = {}
    if requests:
        for request_id, started, result in session.execute(
            select(CallbackAttempt.request_id, CallbackAttempt.started_at, CallbackAttempt.result)
            .where(CallbackAttempt.request_id.in_([r[0] for r in requests]))
            .order_by(CallbackAttempt.started_at)
        ):
            attempts.setdefault(request_id, []).append((started, result))
    return {(s, lid): (rid, attempts.get(rid, [])) for rid, s, lid in requests}


def _later_calls(
    session: Session, calls: list[Call], within: dt.timedelta
) -> dict[str, list[Call]]:
    """Calls from or to the lost callers' numbers after the first lost call, by number."""
    numbers = {c.caller_e164 or c.caller_number for c in calls} - {"", None}
    if not numbers:
        return {}
    since = min(c.started_at for c in calls)
    until = max((c.ended_at or c.started_at) for c in calls) + within
    wanted = sorted(n for n in numbers if n)
    found = session.scalars(
        select(Call)
        .where(Call.started_at > since, Call.started_at <= until,
               or_(Call.caller_e164.in_(wanted), Call.caller_number.in_(wanted),
                   Call.called_number.in_(wanted)))
        .order_by(Call.started_at)
    ).all()  # fmt: skip
    by_number: dict[str, list[Call]] = {}
    for c in found:
        inbound = c.direction == "inbound"
        number = (c.caller_e164 or c.caller_number) if inbound else c.called_number
        by_number.setdefault(number, []).append(c)
        if not inbound:  # an outbound call dialled in national form: find it by E.164 too
            for n in wanted:
                if n != number and n.endswith(number.lstrip("0")) and len(number) >= 7:
                    by_number.setdefault(n, []).append(c)
    return by_number


def _local(at: dt.datetime, tz: Any) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds")


SPEC = ReportSpec(
    name=NAME,
    zh="放弃呼叫",
    en="Abandoned calls",
    summary="each lost call: wait, callback asked/made/answered, called again, reached later",
    run=run,
    intervals=False,
    options=(
        Option(
            "kind", "abandoned, or every unanswered call", ("abandoned", "unanswered"), "abandoned"
        ),
        Option("within_days", "how long to look for a later contact, days", default="7"),
        Option("limit", "rows per page", default="1000"),
        Option("offset", "rows to skip", default="0"),
    ),
)
