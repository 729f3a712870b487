"""Read the call history and recordings (blocking; the web handlers run them in a thread)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from controller.db.models import (
    Call,
    Customer,
    CustomerNumber,
    Handling,
    QueueLeg,
    Recording,
    Transfer,
)
from controller.notes.store import notes_of


@dataclass(frozen=True, slots=True)
class Visibility:
    """The calls one may read: through one of these queues, or handled by one of these
    agents (who may read what is decided in controller.web.scoping)."""

    queues: frozenset[str]
    agents: frozenset[str]


def _visible(vis: Visibility | None) -> Any:
    """A condition on Call.id, or None for every call."""
    if vis is None:
        return None
    return or_(
        Call.id.in_(select(QueueLeg.call_id).where(QueueLeg.queue_name.in_(sorted(vis.queues)))),
        Call.id.in_(select(Handling.call_id).where(Handling.agent_code.in_(sorted(vis.agents)))),
    )


@dataclass(frozen=True, slots=True)
class CallFilter:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    number: str | None = None  # caller or called number (or its E.164 form)
    agent: str | None = None
    queue: str | None = None
    outcome: str | None = None
    limit: int = 100
    offset: int = 0
    visibility: Visibility | None = None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ms(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() * 1000)


def _call_summary(call: Call) -> dict[str, Any]:
    return {
        "id": call.id,
        "linkedid": call.linkedid,
        "server_id": call.server_id,
        "direction": call.direction,
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "region": call.region,
        "ivr_path": call.ivr_path,
        "customer_code": call.customer_code,
        "started_at": _iso(call.started_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "duration_ms": _ms(call.started_at, call.ended_at),
        "outcome": call.outcome,
        "source": call.source,  # live, recovered (after an outage), partial
    }


def list_calls(session: Session, f: CallFilter) -> list[dict[str, Any]]:
    query: Select[tuple[Call]] = select(Call).order_by(Call.started_at.desc(), Call.id.desc())
    if f.since is not None:
        query = query.where(Call.started_at >= f.since)
    if f.until is not None:
        query = query.where(Call.started_at < f.until)
    if f.number:
        query = query.where(
            or_(
                Call.caller_number == f.number,
                Call.caller_e164 == f.number,
                Call.called_number == f.number,
            )
        )
    if f.outcome:
        query = query.where(Call.outcome == f.outcome)
    if f.agent:
        query = query.where(
            Call.id.in_(select(Handling.call_id).where(Handling.agent_code == f.agent))
        )
    if f.queue:
        query = query.where(
            Call.id.in_(select(QueueLeg.call_id).where(QueueLeg.queue_name == f.queue))
        )
    visible = _visible(f.visibility)
    if visible is not None:
        query = query.where(visible)
    rows = session.scalars(query.limit(f.limit).offset(f.offset)).all()
    return [_call_summary(call) for call in rows]


def call_detail(
    session: Session, call_id: int, visibility: Visibility | None = None
) -> dict[str, Any] | None:
    """The call with its legs, agents and recordings; None when unknown or not visible."""
    query = select(Call).where(Call.id == call_id)
    visible = _visible(visibility)
    if visible is not None:
        query = query.where(visible)
    call = session.scalar(
        query.options(
            selectinload(Call.queue_legs).selectinload(QueueLeg.attempts),
            selectinload(Call.handlings).selectinload(Handling.holds),
            selectinload(Call.channels),
        )
    )
    if call is None:
        return None
    transfers = session.scalars(select(Transfer).where(Transfer.call_id == call.id)).all()
    recordings = session.scalars(select(Recording).where(Recording.call_id == call.id)).all()
    return {
        **_call_summary(call),
        "legs": [
            {
                "id": leg.id,
                "queue": leg.queue_name,
                "entered_at": _iso(leg.entered_at),
                "connected_at": _iso(leg.connected_at),
                "ended_at": _iso(leg.ended_at),
                "wait_ms": leg.wait_ms,
                "outcome": leg.outcome,
                "exit_key": leg.exit_key,
                "answered_by_agent": leg.answered_by_agent,
                "ring_ms": leg.ring_ms,
                "attempts": [
                    {
                        "agent": a.agent_code,
                        "rang_at": _iso(a.rang_at),
                        "ring_ms": a.ring_ms,
                        "result": a.result,
                    }
                    for a in leg.attempts
                ],
            }
            for leg in sorted(call.queue_legs, key=lambda leg: leg.entered_at)
        ],
        "handlings": [
            {
                "agent": h.agent_code,
                "talk_start": _iso(h.talk_start),
                "talk_end": _iso(h.talk_end),
                "talk_ms": (_ms(h.talk_start, h.talk_end) or 0) - h.hold_ms if h.talk_end else None,
                "hold_ms": h.hold_ms,
                "ended_by": h.ended_by,
                "leg_id": h.leg_id,
            }
            for h in sorted(call.handlings, key=lambda h: h.talk_start)
        ],
        "transfers": [
            {
                "at": _iso(t.at),
                "kind": t.kind,
                "to_context": t.to_context,
                "to_exten": t.to_exten,
                "result": t.result,
            }
            for t in transfers
        ],
        "recordings": [_recording(r) for r in recordings],
        # Each agent's notes and disposition (controller/notes), kept by the call's linkedid.
        "notes": notes_of(session, call.server_id, call.linkedid),
        "channels": [
            {
                "uniqueid": c.uniqueid,
                "channel": c.channel,
                "role": c.role,
                "agent": c.agent_code,
                "created_at": _iso(c.created_at),
                "ended_at": _iso(c.ended_at),
                "hangup_cause": c.hangup_cause,
            }
            for c in sorted(call.channels, key=lambda c: c.created_at)
        ],
    }


def _recording(r: Recording) -> dict[str, Any]:
    return {
        "id": r.id,
        "call_id": r.call_id,
        "path": r.path,
        "agent": r.agent_code,
        "started_at": _iso(r.started_at),
        "ended_at": _iso(r.ended_at),
        "duration_ms": _ms(r.started_at, r.ended_at),
    }


def search_recordings(
    session: Session,
    since: dt.datetime | None,
    until: dt.datetime | None,
    number: str | None,
    agent: str | None,
    limit: int,
    offset: int,
    visibility: Visibility | None = None,
) -> list[dict[str, Any]]:
    query = (
        select(Recording, Call.caller_number, Call.called_number)
        .outerjoin(Call, Recording.call_id == Call.id)
        .where(Recording.deleted_at.is_(None))
        .order_by(Recording.started_at.desc(), Recording.id.desc())
    )
    visible = _visible(visibility)
    if visible is not None:
        query = query.where(visible)
    if since is not None:
        query = query.where(Recording.started_at >= since)
    if until is not None:
        query = query.where(Recording.started_at < until)
    if agent:
        handled = select(Handling.call_id).where(Handling.agent_code == agent)
        query = query.where(or_(Recording.agent_code == agent, Recording.call_id.in_(handled)))
    if number:
        query = query.where(
            or_(
                Call.caller_number == number,
                Call.caller_e164 == number,
                Call.called_number == number,
            )
        )
    rows = session.execute(query.limit(limit).offset(offset)).all()
    return [
        {**_recording(r), "caller_number": caller, "called_number": called}
        for r, caller, called in rows
    ]


@dataclass(frozen=True, slots=True)
class RecordingFile:
    id: int
    path: str  # relative to Asterisk's recordings directory
    linkedid: str | None


def recording_file(
    session: Session, recording_id: int, visibility: Visibility | None = None
) -> RecordingFile | None:
    """A recording whose file is kept, and its call's Linkedid; None when unknown, deleted
    or not visible."""
    query = (
        select(Recording.id, Recording.path, Call.linkedid)
        .outerjoin(Call, Recording.call_id == Call.id)
        .where(Recording.id == recording_id, Recording.deleted_at.is_(None))
    )
    visible = _visible(visibility)
    if visible is not None:
        query = query.where(visible)
    row = session.execute(query).one_or_none()
    return None if row is None else RecordingFile(row[0], row[1], row[2])


def customer_for(session: Session, code: str | None, number: str | None) -> dict[str, Any] | None:
    """The customer record for a screen pop: by the code routing found, else by number."""
    customer = None
    if code:
        customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None and number:
        customer = session.scalar(
            select(Customer)
            .join(CustomerNumber, CustomerNumber.customer_id == Customer.id)
            .where(CustomerNumber.number == number)
        )
    if customer is None:
        return None
    return {
        "code": customer.code,
        "name": customer.name,
        "company": customer.company,
        "language": customer.language,
        "vip": customer.vip,
        "notes": customer.notes,
        "owner_agent": customer.owner_agent.code if customer.owner_agent else None,
    }
