"""The backup file: a ZIP archive written as a stream and read member by member.

Writing: into a hidden temporary file next to the target, created mode 0600 (it holds
secrets and personal data), renamed over the target only once complete, so a failed or
interrupted backup never leaves a half-written file under the expected name.

Reading: the member list must be exactly what the manifest names; every member is hashed
while it is read and compared with the manifest's SHA-256 (ZIP's own CRC catches less), so a
corrupt or truncated file is refused with the member that is wrong.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from controller.backup.errors import BackupError
from controller.backup.manifest import MANIFEST_MEMBER, Manifest, MemberDigest, parse_manifest
from controller.backup.members import Section, classify, table_member

READ_CHUNK = 1 << 20


def _create_private(path: Path) -> IO[bytes]:
    """A new file only its owner can read, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


class BackupWriter:
    """Writes members one after the other; :meth:`commit` puts the file in place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        try:
            self._file = _create_private(self._tmp)
        except OSError as exc:
            raise BackupError(f"cannot create the backup file {path}: {exc.strerror}") from exc
        self._zip = zipfile.ZipFile(self._file, "w", allowZip64=True)
        self._names: set[str] = set()

    def write_member(self, name: str, chunks: Iterable[bytes], compress: bool) -> MemberDigest:
        """Stream ``chunks`` into member ``name``; its SHA-256 and size (uncompressed)."""
        if name in self._names:
            raise BackupError(f"member {name} written twice")
        self._names.add(name)
        info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o600 << 16  # what unzip gives the extracted file
        digest = hashlib.sha256()
        size = 0
        with self._zip.open(info, "w", force_zip64=True) as member:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
        return MemberDigest(member=name, sha256=digest.hexdigest(), size=size)

    def write_manifest(self, manifest: Manifest) -> None:
        self.write_member(MANIFEST_MEMBER, [manifest.to_json()], compress=True)

    def commit(self) -> int:
        """Finish the archive and rename it to its name; its size in bytes."""
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._tmp.replace(self.path)
        return self.path.stat().st_size

    def abort(self) -> None:
        self._zip.close()
        self._file.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> BackupWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.abort()


class BackupReader:
    """An open backup file with its validated manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path, "r")
        except (zipfile.BadZipFile, EOFError) as exc:
            raise BackupError(
                f"{path} is not a complete pbx-controller backup (truncated, or not a ZIP "
                f"file: {exc})"
            ) from None
        except OSError as exc:
            raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            self.manifest = self._read_manifest()
            self._check_members()
        except BaseException:
            self._zip.close()
            raise

    def _read_manifest(self) -> Manifest:
        try:
            data = self._zip.read(MANIFEST_MEMBER)
        except KeyError:
            raise BackupError(f"{self.path} is not a pbx-controller backup: no manifest") from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise BackupError(f"{self.path}: {MANIFEST_MEMBER} is corrupt ({exc})") from None
        return parse_manifest(data, str(self.path))

    def _check_members(self) -> None:
        names = self._zip.namelist()
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise BackupError(f"{self.path}: member {name!r} appears twice")
            seen.add(name)
            try:
                classify(name)
            except BackupError as exc:
                raise BackupError(f"{self.path}: {exc}") from None
        for table in self.manifest.tables:
            if table.member != table_member(table.name):
                raise BackupError(f"{self.path}: table {table.name} is in member {table.member}")
        for file in self.manifest.files:
            if classify(file.member)[0] not in {Section.SECRET, Section.RECORDING}:
                raise BackupError(f"{self.path}: {file.member} is listed as a file")
        listed = [t.member for t in self.manifest.tables] + [f.member for f in self.manifest.files]
        missing = sorted(set(listed) - seen)
        if missing:
            raise BackupError(f"{self.path}: member {missing[0]} is missing (truncated file?)")
        extra = sorted(seen - set(listed) - {MANIFEST_MEMBER})
        if extra:
            raise BackupError(f"{self.path}: member {extra[0]} is not in the manifest")
        if len(set(listed)) != len(listed):
            raise BackupError(f"{self.path}: the manifest names a member twice")

    def chunks(self, digest: MemberDigest) -> Iterator[bytes]:
        """The member's bytes; raises BackupError at the end when they are not the manifest's."""
        hasher = hashlib.sha256()
        size = 0
        try:
            with self._zip.open(digest.member) as member:
                while chunk := member.read(READ_CHUNK):
                    hasher.update(chunk)
                    size += len(chunk)
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise BackupError(f"{self.path}: member {digest.member} is corrupt ({exc})") from None
        if size != digest.size or hasher.hexdigest() != digest.sha256:
            raise BackupError(
                f"{self.path}: member {digest.member} does not match its checksum in the "
                "manifest (the file is corrupt)"
            )

    def lines(self, digest: MemberDigest) -> Iterator[bytes]:
        """The member's lines (without line ends), checked like :meth:`chunks`."""
        pending = b""
        for chunk in self.chunks(digest):
            pending += chunk
            *complete, pending = pending.split(b"\n")
            yield from complete
        if pending:
            yield pending

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> BackupReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
