"""Files with secrets or personal data are never readable by others, whatever the umask.

Issue 12 §4 d: under umask 022 the SQLite database was created 0644 in a 0755 data directory,
and Asterisk's generated files depended on the umask too.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.db.engine import make_engine
from controller.dialplan import apply
from controller.dialplan.apply import (
    LAST_GOOD,
    Outcome,
    apply_files,
    prepare_directory,
    write_atomically,
)
from controller.history.journal import HistoryJournal
from controller.secrets import ensure_secret


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[Any]:
    """Set the process umask for one test; the previous one comes back afterwards."""
    previous = os.umask(0o022)

    def set_umask(value: int) -> None:
        os.umask(value)

    try:
        yield set_umask
    finally:
        os.umask(previous)


def test_sqlite_database_and_its_companions_are_private(umask: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "var" / "data"
    engine = make_engine(f"sqlite:///{data_dir / 'pbx.sqlite3'}")
    with engine.begin() as connection:  # WAL: -wal and -shm exist while connected
        connection.exec_driver_sql("CREATE TABLE secret (value TEXT)")
        connection.exec_driver_sql("INSERT INTO secret VALUES ('sip-password')")
        files = sorted(data_dir.iterdir())
        assert [f.name for f in files] == ["pbx.sqlite3", "pbx.sqlite3-shm", "pbx.sqlite3-wal"]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()
    assert mode(data_dir) == 0o700
    assert mode(data_dir.parent) == 0o700  # every directory it had to create


def test_an_existing_database_readable_by_others_is_closed(umask: Any, tmp_path: Path) -> None:
    database = tmp_path / "pbx.sqlite3"
    tmp_path.chmod(0o755)
    running = make_engine(f"sqlite:///{database}")  # a service holding it open: -wal, -shm
    with running.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
        companions = [tmp_path / "pbx.sqlite3-wal", tmp_path / "pbx.sqlite3-shm"]
        for path in (database, *companions):
            path.chmod(0o644)  # as an older version left them
        make_engine(f"sqlite:///{database}").dispose()  # e.g. `pbxctl config import`
        assert mode(database) == 0o640  # others lose access; a deliberate group keeps it
        assert [mode(path) for path in companions] == [0o640, 0o640]
    running.dispose()
    assert mode(tmp_path) == 0o755  # an existing directory may be shared: left as it is


def test_a_generated_secret_creates_a_private_data_directory(umask: Any, tmp_path: Path) -> None:
    stored = ensure_secret(tmp_path / "data", "ami-secret")
    assert stored.created
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "secrets") == 0o700
    assert mode(stored.path) == 0o600


def test_the_history_journal_creates_a_private_data_directory(umask: Any, tmp_path: Path) -> None:
    journal = HistoryJournal(tmp_path / "data" / "journal")
    journal.open()
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "journal") == 0o700


@pytest.mark.parametrize("value", [0o022, 0o077, 0o002])
def test_asterisk_files_are_0640_with_the_directory_group_whatever_the_umask(
    umask: Any, tmp_path: Path, value: int
) -> None:
    generated = tmp_path / "asterisk" / "pbx-controller"
    generated.parent.mkdir()
    # As root, give Asterisk's configuration directory another group, as Debian's has.
    group = 65534 if os.geteuid() == 0 else os.getgid()
    os.chown(generated.parent, -1, group)
    umask(value)
    prepare_directory(generated)
    write_atomically(generated, "pjsip.conf", "[1001]\npassword=secret\n")
    assert mode(generated) == 0o750
    assert generated.stat().st_gid == group
    written = generated / "pjsip.conf"
    assert mode(written) == 0o640  # Asterisk reads it through the group; others never
    assert written.stat().st_gid == group


class _FakeAmi:
    async def __aenter__(self) -> _FakeAmi:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None


def test_last_good_copies_keep_the_generated_files_mode(
    umask: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def open_session(*_args: object, **_kwargs: object) -> _FakeAmi:
        return _FakeAmi()

    async def loaded(*_args: object) -> list[str]:
        return []  # Asterisk took the files

    monkeypatch.setattr(apply.AmiSession, "open", open_session)
    monkeypatch.setattr(apply, "reload_and_verify", loaded)
    directory = tmp_path / "pbx-controller"
    files = {spec.name: f"; {spec.name}\n" for spec in apply.FILES}
    first = asyncio.run(apply_files(files, directory, None))  # type: ignore[arg-type]
    assert first.outcome is Outcome.APPLIED
    files["pjsip.conf"] = "[1001]\npassword=changed\n"
    second = asyncio.run(apply_files(files, directory, None))  # type: ignore[arg-type]
    assert second.changed == ["pjsip.conf"]
    last_good = directory / LAST_GOOD / "pjsip.conf"
    # What was applied (the phones' realtime step gives pjsip.conf its own marker).
    applied = (directory / "pjsip.conf").read_text(encoding="utf-8")
    assert applied.startswith(files["pjsip.conf"])
    assert last_good.read_text(encoding="utf-8") == applied
    assert mode(last_good) == 0o640
    # The last good copy is a link to the applied file: the next apply writes a new file
    # rather than into it, so what was applied stays intact under the old name.
    held = tmp_path / "held"
    os.link(last_good, held)
    files["pjsip.conf"] = "[1001]\npassword=changed again\n"
    asyncio.run(apply_files(files, directory, None))  # type: ignore[arg-type]
    assert held.read_text(encoding="utf-8") == applied
    assert last_good.read_text(encoding="utf-8") == (directory / "pjsip.conf").read_text()
