"""Secrets the controller generates for itself when the admin has not configured one.

A generated secret lives in ``<data_dir>/secrets/<name>`` with mode 0600 (directory 0700).
The caller is told whether it was created just now, so it can show it once; afterwards it
is only read from the file. There are no default passwords anywhere.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from controller.errors import SettingsError
from controller.filemodes import make_private_dirs

_SECRET_BYTES = 24


@dataclass(frozen=True, slots=True)
class StoredSecret:
    value: str
    path: Path
    created: bool


def secret_path(data_dir: Path, name: str) -> Path:
    return data_dir / "secrets" / name


def ensure_secret(data_dir: Path, name: str) -> StoredSecret:
    """Return the secret called ``name``, creating it (0600) if it does not exist yet."""
    path = secret_path(data_dir, name)
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SettingsError(f"cannot read secret file {path}: {exc.strerror}") from exc
    else:
        if not value:
            raise SettingsError(f"secret file {path} is empty; delete it to generate a new one")
        return StoredSecret(value, path, created=False)

    value = secrets.token_urlsafe(_SECRET_BYTES)
    try:
        # 0700 for the data directory too when it is new: it holds the database and journal.
        make_private_dirs(path.parent)
        # O_EXCL: two processes starting at once must not both "create" different secrets.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return ensure_secret(data_dir, name)
    except OSError as exc:
        raise SettingsError(f"cannot create secret file {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return StoredSecret(value, path, created=True)
