"""Change one object of the stored configuration, through the importer.

A page (or any other editor of single objects) never writes rows itself: it takes the stored
configuration as a document, puts the edited object in its place, validates the whole
document with the file importer's own checks (:func:`validate_document`: same messages,
each naming the object and field) and imports it (:func:`import_config`: same revision and
journal, so ``pbxctl config export`` shows the edit at once). All of it or nothing.

Two people editing the same object: the editor sends the object as it was shown to it
(``base``); when the stored object is no longer that, the save is refused with the fields
that changed in between (:class:`Conflict`), never written over.

Secrets (phone passwords, voicemail PINs, trunk passwords) are not in the documents read
here: an object saved without them keeps the stored ones, as an import of a file without
them does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from controller.db.models import ConfigRevision
from controller.errors import ControllerError
from controller.pbxconfig.export import export_config, export_objects
from controller.pbxconfig.importer import ImportReport, import_config
from controller.pbxconfig.load import validate_document
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    base: Any  # as the editor was shown it
    current: Any  # as stored now


@dataclass
class Conflict(ControllerError):
    """The object changed (or went) since the editor read it; nothing was written."""

    what: str  # "queue 'sales'"
    changes: list[FieldChange] = field(default_factory=list)
    removed: bool = False

    def __str__(self) -> str:
        if self.removed:
            return f"{self.what} was removed since it was read"
        names = ", ".join(c.field for c in self.changes)
        return f"{self.what} was changed since it was read" + (f" ({names})" if names else "")


def describe(section: str, key: str) -> str:
    return f"{SECTION_KEYS[section][1]} {key!r}"


def object_json(item: Any) -> Json:
    """An object of the configuration as plain JSON values, every field present."""
    return item.model_dump(mode="json")  # type: ignore[no-any-return]


def read_object(session: Session, section: str, key: str) -> Json | None:
    """One stored object (without secrets), or None when there is none with that key."""
    found = getattr(export_objects(session, {section: [key]}, include_secrets=False), section)
    return object_json(found[0]) if found else None


def _document(config: PbxConfig) -> Json:
    data: Json = config.model_dump(mode="json", exclude_defaults=True)
    return {"format": config.format, **data}


def changed_fields(base: Mapping[str, Any], current: Mapping[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(name, base.get(name), current.get(name))
        for name in dict.fromkeys([*base, *current])
        if base.get(name) != current.get(name)
    ]


def save_object(
    session: Session,
    section: str,
    key: str | None,
    item: Json | None,
    base: Json | None,
    *,
    now: datetime | None = None,
) -> ImportReport:
    """Put ``item`` in place of the object ``key`` of ``section`` (``key`` None: add it;
    ``item`` None: remove the object), after checking it is still ``base``.

    Raises :class:`Conflict`, or ConfigFileError with the importer's issues; the caller
    commits or rolls back."""
    # Writers of the configuration take turns: each starts by writing the revision row (a
    # write that changes nothing), so a second save waits there until the first committed
    # and then reads what it wrote. A write, not SELECT ... FOR UPDATE: SQLite ignores the
    # latter, and its driver starts the transaction only at the first write.
    session.execute(
        update(ConfigRevision)
        .where(ConfigRevision.id == 1)
        .values(revision=ConfigRevision.revision)
    )
    config = export_config(session)
    key_field = SECTION_KEYS[section][0]
    stored = getattr(config, section)
    data = _document(config)
    items: list[Any] = data[section]
    if key is None:
        if item is not None:
            items.append(item)
    else:
        index = next((i for i, x in enumerate(stored) if getattr(x, key_field) == key), None)
        if index is None:
            raise Conflict(describe(section, key), removed=True)
        if base is not None:
            changes = changed_fields(base, object_json(stored[index]))
            if changes:
                raise Conflict(describe(section, key), changes)
        if item is None:
            del items[index]
        else:
            items[index] = item
    return import_config(session, validate_document(data, filename=None), now=now, stored=config)


def read_site(session: Session) -> Json:
    """The site's settings as stored (the one object of the ``site`` section)."""
    return object_json(export_objects(session, {}, include_secrets=False).site)


def save_site(
    session: Session, item: Json, base: Json | None, *, now: datetime | None = None
) -> ImportReport:
    """Put ``item`` in place of the site's settings, after checking they are still ``base``
    (as :func:`save_object` does for an object of a list)."""
    session.execute(
        update(ConfigRevision)
        .where(ConfigRevision.id == 1)
        .values(revision=ConfigRevision.revision)
    )
    config = export_config(session)
    if base is not None:
        changes = changed_fields(base, object_json(config.site))
        if changes:
            raise Conflict("site", changes)
    data = _document(config)
    data["site"] = item
    return import_config(session, validate_document(data, filename=None), now=now, stored=config)
