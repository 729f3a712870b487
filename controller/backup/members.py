"""Names of the members of a backup, and the rule that keeps restored files where they belong.

``tables/<table>.jsonl``, ``secrets/<name>`` and ``recordings/<relative path>``. A restore
writes files under a directory it chose, joined with a member's relative path; a crafted
archive could name ``../../etc/cron.d/x`` or ``/etc/passwd``, so every such path is checked
here before anything is written, and again against the real directory when it is written.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path, PurePosixPath

from controller.backup.errors import BackupError
from controller.backup.manifest import MANIFEST_MEMBER

TABLES = "tables/"
SECRETS = "secrets/"
RECORDINGS = "recordings/"


class Section(StrEnum):
    MANIFEST = "manifest"
    TABLE = "table"
    SECRET = "secret"  # noqa: S105 (a section name, not a password)
    RECORDING = "recording"


def table_member(table: str) -> str:
    return f"{TABLES}{table}.jsonl"


def safe_relative_path(path: str) -> PurePosixPath:
    """``path`` as a relative path that stays inside whatever directory it is joined to.

    Refused: empty, absolute, ``.``/``..``/empty components, backslashes and NUL (a name
    that means something else to another tool is not worth the doubt).
    """
    if not path:
        raise ValueError("empty path")
    if "\\" in path or "\x00" in path:
        raise ValueError(f"{path!r}: backslash or NUL in a path")
    if path.startswith("/"):
        raise ValueError(f"{path!r}: absolute path")
    parts = path.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        raise ValueError(f"{path!r}: empty, '.' or '..' component")
    return PurePosixPath(path)


def classify(member: str) -> tuple[Section, PurePosixPath | None]:
    """The section of a member and, for files, its checked path relative to that section."""
    try:
        if member == MANIFEST_MEMBER:
            return Section.MANIFEST, None
        if member.startswith(TABLES):
            relative = safe_relative_path(member[len(TABLES) :])
            if len(relative.parts) == 1 and relative.suffix == ".jsonl":
                return Section.TABLE, None
        elif member.startswith(SECRETS):
            relative = safe_relative_path(member[len(SECRETS) :])
            if len(relative.parts) == 1:
                return Section.SECRET, relative
        elif member.startswith(RECORDINGS):
            return Section.RECORDING, safe_relative_path(member[len(RECORDINGS) :])
    except ValueError as exc:
        raise BackupError(f"member {member!r} has an unsafe name: {exc}") from None
    raise BackupError(f"member {member!r} does not belong in a pbx-controller backup")


def inside(root: Path, relative: PurePosixPath) -> Path:
    """``root / relative``, refused if it resolves outside ``root`` (e.g. through a symlink)."""
    base = root.resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise BackupError(f"{relative} would be written outside {root} ({path}); refused")
    return path
