"""Shared fixtures: the three databases the data layer must work on.

Tests that take the ``engine`` fixture run once per backend: SQLite (a file), PostgreSQL and
MariaDB (a throw-away database created for the session on the local servers). A server that
cannot be reached fails the run with a message saying how to start it; it is never skipped.
``--db sqlite`` (or any comma-separated subset) narrows the backends for a quick local run.

Server URLs can be overridden with PBX_TEST_POSTGRESQL_URL and PBX_TEST_MARIADB_URL.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from controller.access.store import sync_builtin_roles
from controller.db.engine import make_engine, normalize_url
from controller.db.migrate import upgrade
from controller.db.models import Base

# The sandbox Asterisk fixtures, one definition for the integration and the browser tests.
pytest_plugins = ("tests.sandbox_fixtures",)

BACKENDS = ("sqlite", "postgresql", "mariadb")
SERVER_URLS = {
    "postgresql": os.environ.get(
        "PBX_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get("PBX_TEST_MARIADB_URL", "mariadb://root@127.0.0.1:3306/test"),
}
HOW_TO_START = {
    "postgresql": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "mariadb": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
}
REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "company.yaml"


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # SIGTERM (a CI timeout, `kill PID`) ends the run as Ctrl-C does, so pytest tears its
    # fixtures down and the sandbox Asterisk and the servers they started stop with it.
    # Python's default for SIGTERM is to die at once, which left them running.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupted)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files under tests/fixtures/golden instead of comparing",
    )
    parser.addoption(
        "--db",
        default=",".join(BACKENDS),
        help="comma-separated database backends to run data-layer tests on (default: all)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = [b.strip() for b in metafunc.config.getoption("--db").split(",") if b.strip()]
        unknown = set(chosen) - set(BACKENDS)
        if unknown:
            raise pytest.UsageError(f"--db: unknown backend(s) {sorted(unknown)}")
        metafunc.parametrize("backend", chosen, scope="session")


def _server_database(backend: str) -> Iterator[str]:
    """Create a database for this test session on a local server; drop it afterwards."""
    admin_url = normalize_url(SERVER_URLS[backend])
    name = f"pbxtest_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(
            f"{backend} at {admin_url.render_as_string(hide_password=True)} is unreachable "
            f"({str(exc.orig).strip().splitlines()[0]}). Start it with: {HOW_TO_START[backend]}",
            pytrace=False,
        )
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            if backend == "postgresql":
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of an empty database of the given backend, for the whole session."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'pbx.sqlite3'}"
    else:
        yield from _server_database(backend)


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    """Back to what a freshly migrated database holds: no rows but the shipped roles (the
    migrations create them; a later test, e.g. a backup round trip, may rely on them)."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    with Session(engine) as session, session.begin():
        sync_builtin_roles(session)


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """A migrated database, emptied after each test."""
    yield migrated_engine
    _empty_all_tables(migrated_engine)


@pytest.fixture
def backend_name(engine: Engine) -> str:
    return make_url(str(engine.url)).get_backend_name()
