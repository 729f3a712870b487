"""Fixtures for backup tests: restore targets of every engine, created empty per test.

``target_backend`` is parametrised like ``backend`` (the ``--db`` option chooses both), so a
test taking ``engine`` and ``target_url`` runs every source engine against every target.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, _server_database


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
