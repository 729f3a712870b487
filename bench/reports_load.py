"""Load the generated report history (bench/reports_generate.py) into a database, in bulk.

    .venv/bin/python -m bench.reports_load var/bench/reports/10m postgresql://postgres@127.0.0.1/bench_reports
    .venv/bin/python -m bench.reports_load var/bench/reports/10m mariadb://root@127.0.0.1/bench_reports
    .venv/bin/python -m bench.reports_load var/bench/reports/1m sqlite:///var/bench/reports/1m.sqlite3

The database is created when missing and migrated (``pbxctl db upgrade``'s migrations); the
history tables must be empty. PostgreSQL: COPY FROM STDIN with foreign-key triggers off for
the session; MariaDB: LOAD DATA LOCAL INFILE with key checks off; SQLite: executemany in
one transaction. Secondary indexes are dropped during the load and built after it, then
the tables are analysed and the reports' rollups built (controller/reports/rollup.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from sqlalchemy import Engine, make_url, select, text

from bench.reports_data import QUEUES, SERVER, TABLES, TZ, rows
from controller.db.engine import make_engine, normalize_url, session_factory
from controller.db.migrate import upgrade
from controller.db.models import Base, QueueConfigVersion, Site


def create_database(url: str) -> None:
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return
    admin = make_engine(parsed.set(database="postgres" if backend == "postgresql" else "")
                        .render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as conn:
        if backend == "postgresql":
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": parsed.database}).first()  # fmt: skip
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        else:
            conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{parsed.database}`"))
    admin.dispose()


def _site(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        if session.get(Site, 1) is None:
            session.add(Site(id=1, name="bench", timezone=TZ.key, country="CN",
                             default_language="zh"))  # fmt: skip
        since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        if session.scalar(select(QueueConfigVersion.id).limit(1)) is not None:
            return  # a load that stopped half-way is run again
        for queue in QUEUES:
            session.add(QueueConfigVersion(queue_name=queue, service_level_seconds=20,
                                           short_abandon_seconds=5, valid_from=since))  # fmt: skip


def _indexes(names: list[str], backend: str) -> list[object]:
    """The secondary indexes to drop while loading. MariaDB keeps those a foreign key
    needs (it refuses to drop them)."""
    found = []
    for name in names:
        for index in Base.metadata.tables[name].indexes:
            first = next(iter(index.columns))
            if backend in ("mysql", "mariadb") and first.foreign_keys:
                continue
            found.append(index)
    return found


def load(data: Path, url: str) -> None:
    create_database(url)
    if "mariadb" in url or "mysql" in url:
        url += ("&" if "?" in url else "?") + "local_infile=1"
    engine = make_engine(url)
    upgrade(engine)
    _site(engine)
    backend = make_url(str(engine.url)).get_backend_name()
    tables = list(TABLES)
    indexes = _indexes(tables, backend)
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn, checkfirst=True)  # type: ignore[attr-defined]
    for table in tables:
        started = time.monotonic()
        path = data / f"{table}.tsv"
        if backend == "postgresql":
            _copy(engine, table, path)
        elif backend in ("mysql", "mariadb"):
            _load_data(engine, table, path)
        else:
            _executemany(engine, table, path)
        print(f"{table}: loaded in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn, checkfirst=True)  # type: ignore[attr-defined]
        if backend == "postgresql":
            for table in tables:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                last = f"(SELECT max(id) FROM {table})"  # noqa: S608 (our own table names)
                conn.execute(text(f"SELECT setval({sequence}, {last})"))
    print(f"indexes built in {time.monotonic() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f"ANALYZE {table}" if backend != "mariadb" and backend != "mysql"
                              else f"ANALYZE TABLE `{table}`"))  # fmt: skip
    engine.dispose()


def _copy(engine: Engine, table: str, path: Path) -> None:
    columns = ", ".join(TABLES[table])
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute("SET session_replication_role = replica")  # no FK triggers while loading
            cur.execute("SET TIME ZONE 'UTC'")
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy, path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        raw.commit()
    finally:
        raw.close()


def _load_data(engine: Engine, table: str, path: Path) -> None:
    columns = ", ".join(f"`{c}`" for c in TABLES[table])  # `call` is a reserved word there
    with engine.begin() as conn:
        conn.execute(text("SET foreign_key_checks = 0, unique_checks = 0"))
        conn.execute(text(
            f"LOAD DATA LOCAL INFILE '{path.resolve()}' INTO TABLE `{table}` "
            f"FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({columns})"
        ))  # fmt: skip


def _executemany(engine: Engine, table: str, path: Path) -> None:
    columns = TABLES[table]
    marks = ", ".join("?" for _ in columns)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys = OFF")
        batch: list[list[str | None]] = []
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        for values in rows(path):
            batch.append([None if v == "\\N" else v for v in values])
            if len(batch) >= 50_000:
                cur.executemany(statement, batch)
                batch.clear()
        if batch:
            cur.executemany(statement, batch)
        raw.commit()
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("url")
    args = parser.parse_args()
    started = time.monotonic()
    load(args.data, args.url)
    print(f"loaded {args.data} into {args.url} in {time.monotonic() - started:.0f} s ({SERVER})")


if __name__ == "__main__":
    main()
