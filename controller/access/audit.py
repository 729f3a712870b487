"""The audit log: append-only rows saying who did what to what, when and from where.

Written for every supervision (listen, whisper, barge), recording download and deletion,
configuration import and apply, change of a user, role or token, and sign-in success or
failure. :func:`record` adds a row; nothing in the code updates or deletes one.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access.policy import Principal
from controller.db.models import AuditEvent


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # user, token, cli, system, anonymous
    name: str
    address: str = ""

    @classmethod
    def of(cls, principal: Principal, address: str = "") -> Actor:
        return cls(principal.kind, principal.name, address)


CLI = Actor("cli", "pbxctl")
SYSTEM = Actor("system", "pbx-controller")


def cli_actor() -> Actor:
    """``pbxctl`` run by the current operating-system user (the person at the server)."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor("cli", f"pbxctl ({who})")


@dataclass(frozen=True, slots=True)
class Entry:
    action: str  # call.listen, recording.download, login.failure ...
    object_kind: str = ""
    object_id: str = ""
    linkedid: str | None = None
    success: bool = True
    detail: dict[str, Any] = field(default_factory=dict)


def record(session: Session, actor: Actor, entry: Entry, at: dt.datetime | None = None) -> None:
    session.add(
        AuditEvent(
            at=at or dt.datetime.now(dt.UTC),
            actor_kind=actor.kind,
            actor=actor.name[:64],
            action=entry.action,
            object_kind=entry.object_kind,
            object_id=entry.object_id[:128],
            linkedid=entry.linkedid,
            address=actor.address[:64],
            success=entry.success,
            detail=entry.detail,
        )
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." (call.)
    limit: int = 100


def search(session: Session, f: AuditFilter) -> Sequence[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if f.since is not None:
        query = query.where(AuditEvent.at >= f.since)
    if f.until is not None:
        query = query.where(AuditEvent.at < f.until)
    if f.actor:
        query = query.where(AuditEvent.actor == f.actor)
    if f.action:
        if f.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(f.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == f.action)
    return session.scalars(query.limit(f.limit)).all()


def as_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_kind": event.actor_kind,
        "actor": event.actor,
        "action": event.action,
        "object_kind": event.object_kind,
        "object_id": event.object_id,
        "linkedid": event.linkedid,
        "address": event.address,
        "success": event.success,
        "detail": event.detail,
    }
