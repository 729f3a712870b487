"""Back up a populated database of each engine and restore it into an empty one of each engine:
the configuration exports byte for byte the same, and every row of every table is equal."""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from controller.backup.dump import BackupSources, create_backup
from controller.backup.restore import RestoreTargets, restore_backup
from controller.db import models as m
from controller.db.engine import make_engine, session_factory
from controller.secrets import ensure_secret
from tests.conftest import EXAMPLE, _empty_all_tables
from tests.db.backup.conftest import empty_database
from tests.db.backup.sample import BIG_CALL_ID, aggregates, all_rows, export_text, populate


@dataclass(frozen=True)
class Source:
    backend: str
    archive: Path
    secret: str
    export: str
    export_with_secrets: str
    rows: dict[str, list[tuple[Any, ...]]]
    aggregates: dict[str, Any]


@pytest.fixture(scope="module")
def source(
    backend: str, migrated_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Source]:
    """One populated database per engine, backed up once for every target."""
    directory = tmp_path_factory.mktemp(f"source-{backend}")
    populate(migrated_engine)
    secret = ensure_secret(directory / "data", "ami-secret").value
    archive = directory / "pbx.zip"
    create_backup(migrated_engine, archive, BackupSources(directory / "data", None, "pbx1"))
    yield Source(
        backend=backend,
        archive=archive,
        secret=secret,
        export=export_text(migrated_engine),
        export_with_secrets=export_text(migrated_engine, include_secrets=True),
        rows=all_rows(migrated_engine),
        aggregates=aggregates(migrated_engine),
    )
    _empty_all_tables(migrated_engine)


@pytest.fixture(scope="module")
def restored(
    source: Source, target_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Path]]:
    """The source's backup restored into an empty database of the target engine, once."""
    directory = tmp_path_factory.mktemp(f"target-{target_backend}")
    for url in empty_database(target_backend, directory):
        data_dir = directory / "data"
        restore_backup(source.archive, RestoreTargets(url, data_dir, directory / "rec", "pbx1"))
        engine = make_engine(url)
        yield engine, data_dir
        engine.dispose()


def test_the_restored_configuration_exports_byte_for_byte(
    source: Source, restored: tuple[Engine, Path]
) -> None:
    engine, _ = restored
    assert source.export == EXAMPLE.read_text(encoding="utf-8")
    assert export_text(engine) == source.export
    assert export_text(engine, include_secrets=True) == source.export_with_secrets


def test_every_row_of_every_table_is_restored_exactly(
    source: Source, restored: tuple[Engine, Path]
) -> None:
    engine, _ = restored
    assert source.aggregates["counts"]["call"] >= 5
    assert source.aggregates["counts"]["raw_ami_event"] > 10
    empty = [name for name, count in source.aggregates["counts"].items() if count == 0]
    assert empty == []  # the sample exercises every table
    restored_rows = all_rows(engine)
    for name, rows in source.rows.items():
        assert restored_rows[name] == rows, name
    assert aggregates(engine) == source.aggregates


def test_the_secrets_are_restored_with_private_modes(
    source: Source, restored: tuple[Engine, Path]
) -> None:
    _, data_dir = restored
    secret = data_dir / "secrets" / "ami-secret"
    assert secret.read_text(encoding="ascii").strip() == source.secret
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700


def test_new_rows_get_ids_after_the_restored_ones(restored: tuple[Engine, Path]) -> None:
    # Last in the module: it writes to the restored database the other tests read.
    engine, _ = restored
    later = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    with session_factory(engine)() as session, session.begin():
        largest_token = session.scalar(select(func.max(m.ApiToken.id)))
        call = m.Call(server_id="new", linkedid="new-1", direction="inbound", started_at=later,
                      local_date=later.date(), local_hour=0)  # fmt: skip
        admin = session.scalar(select(m.Role).where(m.Role.name == "admin"))
        token = m.ApiToken(name="new", token_hash="0" * 64, prefix="pbx_new", created_at=later,
                           role=admin)  # fmt: skip
        session.add_all([call, token])
        session.flush()
    assert call.id == BIG_CALL_ID + 1
    assert largest_token is not None
    assert token.id == largest_token + 1
