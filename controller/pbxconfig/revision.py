"""The configuration revision: a number that changes whenever the configuration does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from controller.db.models import ConfigRevision


def current_revision(session: Session) -> int:
    """The revision of the stored configuration; 0 before the first import."""
    row = session.get(ConfigRevision, 1)
    return row.revision if row is not None else 0


def bump_revision(session: Session, now: datetime) -> int:
    row = session.get(ConfigRevision, 1)
    if row is None:
        row = ConfigRevision(id=1, revision=0, changed_at=now)
        session.add(row)
    row.revision += 1
    row.changed_at = now
    return row.revision
