"""Fixtures for backup tests: restore targets of every engine, created empty per test.

``target_backend`` is parametrised like ``backend`` (the ``--db`` option chooses both), so a
test taking ``engine`` and ``target_url`` runs every source engine against every target.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from controller.backup.dump import BackupSources, create_backup
from controller.db.engine import make_engine
from controller.db.migrate import upgrade
from tests.conftest import BACKENDS, _server_database
from tests.db.backup.sample import populate


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target_backend" in metafunc.fixturenames:
        chosen = [b.strip() for b in metafunc.config.getoption("--db").split(",") if b.strip()]
        # Module scope: a module may restore once per target and run several checks on it.
        metafunc.parametrize("target_backend", [b for b in chosen if b in BACKENDS], scope="module")


def empty_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``backend``, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'target.sqlite3'}"
    else:
        yield from _server_database(backend)


@pytest.fixture
def target_url(target_backend: str, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(target_backend, tmp_path)


@pytest.fixture
def target(target_url: str) -> Iterator[Engine]:
    """An engine on an empty database of each engine."""
    engine = make_engine(target_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def sample_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the whole sample, taken from SQLite."""
    directory = tmp_path_factory.mktemp("source")
    engine = make_engine(f"sqlite:///{directory / 'source.sqlite3'}")
    upgrade(engine)
    populate(engine)
    path = directory / "pbx.zip"
    create_backup(engine, path, BackupSources(directory, None, "pbx1"))
    engine.dispose()
    return path
