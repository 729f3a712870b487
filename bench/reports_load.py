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
import json
import time
from pathlib import Path
from typing import Any

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


def load(data: Path, url: str, copies: int | None = None) -> None:
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
    manifest = data / "replicate.json"
    if manifest.exists():
        plan = json.loads(manifest.read_text())
        replicate(engine, backend, plan, plan["copies"] if copies is None else copies)
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


# Columns that hold another table's id, and columns made unique per copy.
_REFERENCES = {"call_id": "call", "leg_id": "queue_leg", "from_handling_id": "handling"}
_SUFFIXED = {"linkedid", "entry_channel_uid", "member_channel_uid", "channel_uid"}
_TIMES = {"started_at", "answered_at", "ended_at", "entered_at", "connected_at", "rang_at",
          "talk_start", "talk_end", "acw_start", "acw_end", "at"}  # fmt: skip


def _shifted(column: str, table: str, backend: str, plan: dict[str, Any]) -> str:
    """The expression of ``column`` in copy ``k`` of the template week: dates ``7k`` days
    earlier, ids after the generated rows and the copies before (``k`` counts from 1)."""
    days = f"{plan['template_days']} * k"
    if column == "id" or column in _REFERENCES:
        of = table if column == "id" else _REFERENCES[column]
        first, size = plan["generated"][of], plan["template_ids"][of]
        return f"{column} + {first} + (k - 1) * {size}"
    if column in _TIMES:
        if backend == "postgresql":
            return f"{column} - make_interval(days => {days})"
        if backend == "sqlite":  # ISO text: the seconds' fraction kept as it is
            return f"datetime({column}, '-' || ({days}) || ' days') || substr({column}, 20)"
        return f"{column} - INTERVAL {days} DAY"
    if column == "local_date":
        if backend == "postgresql":
            return f"{column} - {days}"
        if backend == "sqlite":
            return f"date({column}, '-' || ({days}) || ' days')"
        return f"{column} - INTERVAL {days} DAY"
    if column in _SUFFIXED:
        if backend in ("mysql", "mariadb"):
            return f"CONCAT({column}, 'w', k)"
        return f"{column} || 'w' || k"
    return column


def replicate(engine: Engine, backend: str, plan: dict[str, Any], copies: int) -> None:
    """Fill the older history: ``copies`` copies of the template week (the first generated
    week), each a week further back, by INSERT ... SELECT in the database."""
    step = 10  # copies per statement (one transaction each)
    for table, columns in TABLES.items():
        started = time.monotonic()
        quoted = [f"`{c}`" if backend in ("mysql", "mariadb") else c for c in columns]
        exprs = ", ".join(_shifted(c, table, backend, plan) for c in columns)
        template = plan["template_ids"][table]
        for low in range(1, copies + 1, step):
            high = min(copies, low + step - 1)
            if backend == "postgresql":
                series = f"generate_series({low}, {high}) AS s(k)"
            elif backend in ("mysql", "mariadb"):
                series = f"(SELECT seq AS k FROM seq_{low}_to_{high}) AS s"  # noqa: S608
            else:
                series = (f"(WITH RECURSIVE s(k) AS (SELECT {low} UNION ALL SELECT k + 1 FROM s "  # noqa: S608
                          f"WHERE k < {high}) SELECT k FROM s) AS s")  # fmt: skip
            name = f"`{table}`" if backend in ("mysql", "mariadb") else f'"{table}"'
            statement = (f"INSERT INTO {name} ({', '.join(quoted)}) SELECT {exprs} "  # noqa: S608
                         f"FROM {name} CROSS JOIN {series} WHERE id <= {template}")  # fmt: skip
            with engine.begin() as conn:
                if backend == "postgresql":
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                elif backend in ("mysql", "mariadb"):
                    conn.execute(text("SET foreign_key_checks = 0, unique_checks = 0"))
                else:
                    conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
                conn.exec_driver_sql(statement)
        print(f"{table}: {copies} copies of the template week in "
              f"{time.monotonic() - started:.0f} s", flush=True)  # fmt: skip


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
    parser.add_argument("--copies", type=int, help="copies of the template week (a history "
                        "generated with --generate-days): default, as many as its --days ask")  # fmt: skip
    args = parser.parse_args()
    started = time.monotonic()
    load(args.data, args.url, args.copies)
    print(f"loaded {args.data} into {args.url} in {time.monotonic() - started:.0f} s ({SERVER})")


if __name__ == "__main__":
    main()
