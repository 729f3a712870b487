"""Notes and dispositions in the database (blocking: the web handlers run these in a thread).

Who handled a call the history holds (:func:`history_facts`), the dispositions offered on
a call of some queues (:func:`offered_dispositions`), one agent's note saved
(:func:`save_note`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from controller.db.models import Call, Disposition, Handling, Queue, QueueDisposition, QueueLeg
from controller.db.models.notes import CallNote
from controller.notes.recent import CallFacts


class NoteError(ValueError):
    """A note that cannot be saved: ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class NoteInput:
    server_id: str
    linkedid: str
    agent: str
    disposition: str | None
    notes: str
    by: str  # who saves it: "user lihua", "token crm"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def note_json(note: CallNote, labels: dict[str, str] | None = None) -> dict[str, Any]:
    code = note.disposition_code
    return {
        "linkedid": note.linkedid,
        "agent": note.agent_code,
        "disposition": code,
        "disposition_label": (labels or {}).get(code, code) if code else None,
        "notes": note.notes,
        "created_at": _iso(note.created_at),
        "updated_at": _iso(note.updated_at),
        "updated_by": note.updated_by,
    }


def _labels(session: Session) -> dict[str, str]:
    rows = session.execute(select(Disposition.code, Disposition.label)).all()
    return {code: label for code, label in rows}


def notes_of(session: Session, server_id: str, linkedid: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(CallNote)
        .where(CallNote.server_id == server_id, CallNote.linkedid == linkedid)
        .order_by(CallNote.created_at, CallNote.id)
    ).all()
    labels = _labels(session) if rows else {}
    return [note_json(row, labels) for row in rows]


def notes_by_linkedid(
    session: Session, server_id: str, linkedids: Collection[str]
) -> dict[str, list[dict[str, Any]]]:
    """Each call's notes (for lists of calls and the webhooks' ended events)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if not linkedids:
        return found
    rows = session.scalars(
        select(CallNote)
        .where(CallNote.server_id == server_id, CallNote.linkedid.in_(sorted(linkedids)))
        .order_by(CallNote.created_at, CallNote.id)
    ).all()
    labels = _labels(session) if rows else {}
    for row in rows:
        found.setdefault(row.linkedid, []).append(note_json(row, labels))
    return found


def history_facts(session: Session, server_id: str, linkedid: str) -> CallFacts | None:
    """The agents and queues of a call the history holds; None when it holds none."""
    call_id = session.scalar(
        select(Call.id).where(Call.server_id == server_id, Call.linkedid == linkedid)
    )
    if call_id is None:
        return None
    agents = set(session.scalars(select(Handling.agent_code).where(Handling.call_id == call_id)))
    legs = session.execute(
        select(QueueLeg.queue_name, QueueLeg.answered_by_agent).where(QueueLeg.call_id == call_id)
    ).all()
    agents |= {agent for _, agent in legs if agent}
    return CallFacts(linkedid, agents, {queue for queue, _ in legs})


def offered_dispositions(session: Session, queues: Collection[str]) -> list[dict[str, str]]:
    """The dispositions an agent may choose on a call of ``queues``: those the queues list;
    every disposition when one of them lists none or the call reached no queue."""
    every = session.scalars(select(Disposition).order_by(Disposition.position)).all()
    rows = session.scalars(
        select(Queue)
        .where(Queue.name.in_(sorted(queues)))
        .options(selectinload(Queue.disposition_links).selectinload(QueueDisposition.disposition))
    ).all()
    codes: set[str] = set()
    narrowed = bool(rows)
    for queue in rows:
        if not queue.disposition_links:
            narrowed = False
        codes |= {link.disposition.code for link in queue.disposition_links}
    chosen = [d for d in every if not narrowed or d.code in codes]
    return [{"code": d.code, "label": d.label, "description": d.description} for d in chosen]


def save_note(
    session: Session, note: NoteInput, offered: Collection[str], now: dt.datetime
) -> dict[str, Any]:
    """Create or replace the agent's note on the call; NoteError when the disposition is
    not one offered on it."""
    if note.disposition is not None and note.disposition not in offered:
        choices = ", ".join(sorted(offered)) or "none are configured"
        raise NoteError(
            "disposition",
            f"disposition {note.disposition!r} is not offered on this call; choose one of: "
            f"{choices}",
        )
    row = session.scalar(
        select(CallNote).where(
            CallNote.server_id == note.server_id,
            CallNote.linkedid == note.linkedid,
            CallNote.agent_code == note.agent,
        )
    )
    if row is None:
        row = CallNote(
            server_id=note.server_id, linkedid=note.linkedid, agent_code=note.agent,
            created_at=now,
        )  # fmt: skip
        session.add(row)
    row.disposition_code = note.disposition
    row.notes = note.notes
    row.updated_at = now
    row.updated_by = note.by
    session.flush()
    return note_json(row, _labels(session))
