"""The configuration revision, and the journal of what each revision changed.

The revision is a number that changes whenever the configuration does. Each revision also
writes one ``config_change`` row: the keys of the objects it added, changed or removed, by
section; whether the site settings changed; which sections were reordered. Readers that keep
something derived from the configuration (the dialplan apply's render cache) ask the journal
what happened since the revision they hold instead of reading everything again.

Every writer of the configuration must go through :func:`bump_revision` with what it changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from controller.db.models import ConfigChange, ConfigRevision

# Larger changes are journaled as "everything": a reader renders all again anyway.
MAX_KEYS = 5000
# Revisions older than this many are forgotten; a reader that far behind starts over.
KEEP_REVISIONS = 1000


class SectionChanges(Protocol):
    added: list[str]
    changed: list[str]
    removed: list[str]
    reordered: bool


class ChangeSet(Protocol):
    """What a configuration writer changed (:class:`controller.pbxconfig.diff.ConfigDiff`)."""

    site_changed: bool
    sections: Mapping[str, SectionChanges]


@dataclass
class Changes:
    """What happened between two revisions (merged over every revision in between)."""

    site: bool = False
    keys: dict[str, set[str]] = field(default_factory=dict)  # section -> touched keys
    reordered: set[str] = field(default_factory=set)  # sections whose order changed
    resized: set[str] = field(default_factory=set)  # sections with objects added or removed

    def merge(self, data: Mapping[str, Any]) -> None:
        self.site = self.site or bool(data.get("site"))
        for section, keys in data.get("keys", {}).items():
            self.keys.setdefault(section, set()).update(keys)
        self.reordered.update(data.get("reordered", ()))
        self.resized.update(data.get("resized", ()))

    def count(self) -> int:
        return sum(len(keys) for keys in self.keys.values())


def current_revision(session: Session) -> int:
    """The revision of the stored configuration; 0 before the first import."""
    row = session.get(ConfigRevision, 1)
    return row.revision if row is not None else 0


def _journal_entry(changes: ChangeSet | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    keys: dict[str, list[str]] = {}
    for section, diff in changes.sections.items():
        touched = sorted({*diff.added, *diff.changed, *diff.removed})
        if touched:
            keys[section] = touched
    if sum(len(k) for k in keys.values()) > MAX_KEYS:
        return None
    return {
        "site": changes.site_changed,
        "keys": keys,
        "reordered": sorted(s for s, d in changes.sections.items() if d.reordered),
        "resized": sorted(s for s, d in changes.sections.items() if d.added or d.removed),
    }


def bump_revision(session: Session, now: datetime, changes: ChangeSet | None) -> int:
    """Start a new revision that changed ``changes`` (None: anything may have changed)."""
    row = session.get(ConfigRevision, 1)
    if row is None:
        row = ConfigRevision(id=1, revision=0, changed_at=now)
        session.add(row)
    row.revision += 1
    row.changed_at = now
    session.add(
        ConfigChange(
            revision=row.revision,
            token=secrets.token_hex(16),
            changed_at=now,
            changes=_journal_entry(changes),
        )
    )
    session.execute(
        delete(ConfigChange).where(ConfigChange.revision <= row.revision - KEEP_REVISIONS)
    )
    return row.revision


def revision_token(session: Session, revision: int) -> str | None:
    """The token of ``revision`` in this database's journal (None: not journaled)."""
    return session.scalar(select(ConfigChange.token).where(ConfigChange.revision == revision))


def changes_since(session: Session, revision: int, token: str, until: int) -> Changes | None:
    """What changed after ``revision`` (whose token the reader recorded) up to ``until``;
    None when the journal cannot tell (a gap, an unlisted change, another database)."""
    if until < revision:
        return None
    rows = session.execute(
        select(ConfigChange.revision, ConfigChange.token, ConfigChange.changes)
        .where(ConfigChange.revision >= revision, ConfigChange.revision <= until)
        .order_by(ConfigChange.revision)
    ).all()
    if [r.revision for r in rows] != list(range(revision, until + 1)):
        return None
    if rows[0].token != token:
        return None
    merged = Changes()
    for row in rows[1:]:
        if row.changes is None:
            return None
        merged.merge(row.changes)
    return merged


def section_keys(changes: Changes, sections: Iterable[str]) -> dict[str, set[str]]:
    return {s: changes.keys[s] for s in sections if s in changes.keys}
