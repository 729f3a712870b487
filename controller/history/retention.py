"""Deleting recordings: one on request, and every file whose retention date has passed.

The row stays (its call, agent and times are history); ``deleted_at`` says the file is gone.
Each deletion is in the audit log. A path is only ever resolved inside the recordings
directory.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access import audit
from controller.db.models import Call, Recording

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deleted:
    recording_id: int
    path: str
    existed: bool  # False: the file was already missing


def inside(base: Path, relative: str) -> Path | None:
    """``base/relative`` if it stays inside ``base`` (the path came from the dialplan)."""
    root = base.resolve()
    path = (root / relative).resolve()
    return path if root in path.parents else None


def _unlink(base: Path, relative: str) -> bool:
    path = inside(base, relative)
    if path is None or not path.is_file():
        return False
    path.unlink()
    return True


def delete_recording(
    session: Session, base: Path, recording: Recording, actor: audit.Actor, action: str
) -> Deleted:
    existed = _unlink(base, recording.path)
    recording.deleted_at = dt.datetime.now(dt.UTC)
    linkedid = session.scalar(select(Call.linkedid).where(Call.id == recording.call_id))
    audit.record(session, actor, audit.Entry(
        action, "recording", str(recording.id), linkedid,
        detail={"path": recording.path, "file_existed": existed},
    ))  # fmt: skip
    return Deleted(recording.id, recording.path, existed)


def purge_expired(session: Session, base: Path, today: dt.date, limit: int = 1000) -> list[Deleted]:
    """Delete the files whose ``delete_after`` date has passed (at most ``limit`` per run)."""
    due = session.scalars(
        select(Recording)
        .where(Recording.deleted_at.is_(None), Recording.delete_after < today)
        .order_by(Recording.delete_after, Recording.id)
        .limit(limit)
    ).all()
    deleted = [delete_recording(session, base, r, audit.SYSTEM, "recording.purge") for r in due]
    if deleted:
        logger.info("retention=purged recordings=%d before=%s", len(deleted), today)
    return deleted
