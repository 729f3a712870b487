"""The files in a backup: generated secrets and recordings.

Backing up: the regular files directly in ``<data_dir>/secrets/``, and the recordings the
``recording`` table names (paths relative to ``asterisk.recordings_dir``).

Restoring: files are first written to a hidden staging directory inside their destination
(same filesystem), while the archive is verified; only after the database transaction has
committed are they renamed into place. A failed restore removes the staging directories, so
the files are untouched too. Secrets get mode 0600 in a 0700 directory whatever the umask;
recordings 0640, because the service's group reads them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets as random
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from controller.backup.errors import BackupError
from controller.backup.manifest import FileEntry
from controller.backup.members import RECORDINGS, SECRETS, Section, classify, inside

SECRET_MODE = 0o600
SECRETS_DIR_MODE = 0o700
RECORDING_MODE = 0o640
RECORDINGS_DIR_MODE = 0o750
CHUNK = 1 << 20


def secrets_dir(data_dir: Path) -> Path:
    return data_dir / "secrets"


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def make_directories(path: Path, mode: int) -> list[Path]:
    """Create ``path`` and its missing parents with exactly ``mode`` (a umask would take
    bits away, even the owner's); the directories created, deepest first."""
    missing = [d for d in (path, *path.parents) if not d.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=mode)
        directory.chmod(mode)
    return missing


def secret_files(data_dir: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """(member name, path) of every secret file, and warnings about what was left out."""
    directory = secrets_dir(data_dir)
    if not directory.is_dir():
        return [], []
    found, skipped = [], []
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue  # a restore's staging directory or an editor's leftovers
        if not stat.S_ISREG(path.lstat().st_mode):
            skipped.append(f"{path} is not a regular file: not backed up")
            continue
        found.append((f"{SECRETS}{path.name}", path))
    return found, skipped


def recording_file(recordings_dir: Path, stored_path: str) -> tuple[str, Path]:
    """(member name, file) of a recording row's path; BackupError when it is unsafe."""
    member = f"{RECORDINGS}{stored_path}"
    _section, relative = classify(member)
    assert relative is not None  # classify gives every recording member a path
    return member, inside(recordings_dir, relative)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Planned:
    entry: FileEntry
    final: Path
    secret: bool
    staged: Path | None = None


@dataclass
class FileRestore:
    """Where each file of a backup goes, staged first and moved into place by :meth:`commit`."""

    secrets_root: Path
    recordings_root: Path
    planned: dict[str, _Planned] = field(default_factory=dict)
    _staging: dict[Path, Path] = field(default_factory=dict)  # root -> its staging directory
    _created_roots: list[Path] = field(default_factory=list)
    _staged: list[Path] = field(default_factory=list)

    @classmethod
    def plan(
        cls, data_dir: Path, recordings_dir: Path, entries: Iterable[FileEntry], force: bool
    ) -> FileRestore:
        """Refuses (unless ``force``) when a destination exists with other content."""
        restore = cls(secrets_dir(data_dir), recordings_dir)
        conflicts = []
        for entry in entries:
            section, relative = classify(entry.member)
            assert relative is not None
            secret = section is Section.SECRET
            root = restore.secrets_root if secret else restore.recordings_root
            final = inside(root, relative)
            if final.exists() or final.is_symlink():
                if not final.is_file():
                    raise BackupError(f"{final} exists and is not a regular file")
                if _sha256_of(final) == entry.sha256:
                    continue  # already there, nothing to write
                conflicts.append(final)
            restore.planned[entry.member] = _Planned(entry, final, secret)
        if conflicts and not force:
            more = f" and {len(conflicts) - 1} more" if len(conflicts) > 1 else ""
            raise BackupError(
                f"{conflicts[0]}{more} exist with other content than the backup's: "
                "pass --force to replace them"
            )
        return restore

    def wants(self, member: str) -> bool:
        return member in self.planned

    def _staging_dir(self, root: Path, secret: bool) -> Path:
        if root not in self._staging:
            mode = SECRETS_DIR_MODE if secret else RECORDINGS_DIR_MODE
            self._created_roots += make_directories(root, mode)  # deepest first
            if secret:
                root.chmod(SECRETS_DIR_MODE)
            staging = root / f".pbx-restore-{random.token_hex(4)}"
            make_directories(staging, 0o700)
            self._staging[root] = staging
        return self._staging[root]

    def stage(self, member: str, chunks: Iterable[bytes]) -> None:
        """Write a member's content to the staging directory of its destination."""
        planned = self.planned[member]
        root = self.secrets_root if planned.secret else self.recordings_root
        try:
            staging = self._staging_dir(root, planned.secret)
            path = staging / str(len(self._staged))
            mode = SECRET_MODE if planned.secret else RECORDING_MODE
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            os.fchmod(fd, mode)  # exactly this mode, whatever the umask
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                if planned.secret:
                    fh.flush()
                    os.fsync(fh.fileno())
        except OSError as exc:
            raise BackupError(f"cannot write {planned.final}: {exc.strerror}") from exc
        planned.staged = path
        self._staged.append(path)

    def commit(self) -> int:
        """Move every staged file into place; the number moved."""
        moved = 0
        for planned in self.planned.values():
            if planned.staged is None:
                continue
            try:
                make_directories(planned.final.parent, RECORDINGS_DIR_MODE)
                planned.staged.replace(planned.final)
            except OSError as exc:
                raise BackupError(
                    f"the database was restored, but {planned.final} could not be put in place "
                    f"({exc.strerror}); the remaining files are in "
                    f"{', '.join(map(str, self._staging.values()))}"
                ) from exc
            moved += 1
        self._created_roots.clear()  # they hold the restored files now
        self.discard()
        return moved

    def discard(self) -> None:
        """Remove the staging directories and the directories this restore created."""
        for staging in self._staging.values():
            shutil.rmtree(staging, ignore_errors=True)
        self._staging.clear()
        for root in self._created_roots:
            with contextlib.suppress(OSError):
                root.rmdir()  # only if still empty
        self._created_roots.clear()
