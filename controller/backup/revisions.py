"""The schema revisions this program knows, from the alembic scripts in ``sql/versions``."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import ScriptDirectory

from controller.backup.errors import BackupError
from controller.db.migrate import alembic_config


@dataclass(frozen=True, slots=True)
class Revisions:
    ordered: tuple[str, ...]  # oldest first; the last one is the head

    @classmethod
    def load(cls) -> Revisions:
        script = ScriptDirectory.from_config(alembic_config())
        newest_first = [revision.revision for revision in script.walk_revisions()]
        if not newest_first:
            raise BackupError("no migrations found in sql/versions")
        return cls(tuple(reversed(newest_first)))

    @property
    def head(self) -> str:
        return self.ordered[-1]

    def require_known(self, revision: str, source: str) -> None:
        """Refuse a backup whose schema this program cannot create."""
        if revision not in self.ordered:
            raise BackupError(
                f"{source} was taken at schema revision {revision}, which this version of "
                f"pbx-controller does not know (its newest is {self.head}): the backup comes "
                "from a newer version; restore it with that version or a newer one"
            )
