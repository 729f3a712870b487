"""``manifest.json``: what a backup holds, where it came from, and the checksum of each member.

The manifest is the last member written (its counts and checksums are known only then) and
the first one read: a restore checks it before it touches anything.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from controller.backup.errors import BackupError
from controller.backup.tables import TableSpec

FORMAT = "pbx-controller-backup"
FORMAT_VERSION = 1
MANIFEST_MEMBER = "manifest.json"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Field(ge=0)]


class MemberDigest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    member: str
    sha256: Sha256
    size: Count  # bytes, uncompressed


class TableEntry(TableSpec):
    member: str
    rows: Count
    sha256: Sha256
    size: Count


class FileEntry(MemberDigest):
    """A secret (``secrets/<name>``) or a recording (``recordings/<path>``)."""


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["pbx-controller-backup"] = FORMAT
    format_version: Literal[1] = FORMAT_VERSION
    created_at: AwareDatetime
    program_version: str
    server_id: str
    source_engine: str  # dialect name: sqlite, postgresql, mariadb
    source_engine_version: str
    schema_revision: str  # alembic revision of the database when the backup was taken
    tables: tuple[TableEntry, ...]
    files: tuple[FileEntry, ...]
    recordings_included: bool
    recordings_missing: Count = 0  # rows whose file was not on disk

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)

    def to_json(self) -> bytes:
        return (self.model_dump_json(indent=1) + "\n").encode("utf-8")


def _location(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]


def parse_manifest(data: bytes, source: str) -> Manifest:
    """Parse and validate ``manifest.json``; errors name the field and what was expected."""
    try:
        raw: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{source}: {MANIFEST_MEMBER} is not valid JSON ({exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BackupError(f"{source} is not a pbx-controller backup ({MANIFEST_MEMBER} is foreign)")
    version = raw.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise BackupError(
            f"{source} has backup format {version}, this program reads format "
            f"{FORMAT_VERSION}: restore it with a newer pbx-controller"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BackupError(
            f"{source}: {MANIFEST_MEMBER} field {_location(first['loc'])}: {first['msg']}"
        ) from None
