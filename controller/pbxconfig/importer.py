"""Write a validated configuration into the database: all of it, or nothing.

The file is the whole truth: objects it does not mention are removed. Objects are matched
by their key (extension number, queue name ...), so ids survive re-imports and only what
changed is written. The order of work avoids tripping unique and foreign-key constraints
that are only satisfied at the end:

1. delete objects nothing can point at (routes, customers, groups) and the child rows and
   destinations of changed and removed objects and the phones of removed extensions, so
   moved numbers, members and phone user names are free again and no destination still
   points at an object removed in step 4;
2. write added and changed objects section by section, referenced sections first
   (changed rows are updated before new ones are inserted, as the ORM did);
3. write destinations (they need the ids of their targets);
4. delete removed objects that could be targets, referencing sections first.

Secrets left out of the file are kept if the object has one, and generated otherwise.

Rows are written with SQLAlchemy Core, a few statements per table for the whole file (one
executemany per kind of write; ids of new rows are read back by key), as the history
writer does: the ORM's objects, lazy loads and flushes took ~20 s of CPU for the
10,000-extension benchmark site. Many new rows go to PostgreSQL as one COPY, and every
INSERT and UPDATE on SQLite is one executemany of sqlite3 itself, with the values
SQLAlchemy would bind. Deleting a row deletes its child rows and the destinations
it owns through the foreign keys' ON DELETE CASCADE, as the ORM relied on
(``passive_deletes``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from controller.db import models as m
from controller.db.models.routing import DESTINATION_OWNERS, TARGET_COLUMNS
from controller.domain import Destination, HolidayKind
from controller.errors import DatabaseError
from controller.pbxconfig import schema as s
from controller.pbxconfig.collector import collector_paused
from controller.pbxconfig.diff import ConfigDiff, diff_configs
from controller.pbxconfig.export import export_config
from controller.pbxconfig.load import ValidatedConfig
from controller.pbxconfig.revision import bump_revision

Row = dict[str, Any]

# Sections in the order they are written; removal of target sections runs in reverse.
_ORM: dict[str, type[Any]] = {
    "moh_classes": m.MohClass,
    "recording_policies": m.RecordingPolicy,
    "extensions": m.Extension,
    "trunks": m.Trunk,
    "skills": m.Skill,
    "agents": m.Agent,
    "agent_groups": m.AgentGroup,
    "pause_reasons": m.PauseReason,
    "dispositions": m.Disposition,
    "holiday_calendars": m.HolidayCalendar,
    "time_conditions": m.TimeCondition,
    "queues": m.Queue,
    "ivr_menus": m.IvrMenu,
    "inbound_routes": m.InboundRoute,
    "outbound_routes": m.OutboundRoute,
    "customers": m.Customer,
}
_TABLES: dict[str, Table] = {section: model.__table__ for section, model in _ORM.items()}
# Nothing references these, so they can go first and free their unique values.
_UNREFERENCED = ("agent_groups", "pause_reasons", "inbound_routes", "outbound_routes", "customers")
# Child tables (and their column naming the parent) rebuilt when their parent changed.
_CHILDREN: dict[str, tuple[tuple[Table, str], ...]] = {
    "trunks": ((m.TrunkTariff.__table__, "trunk_id"),),
    "agents": ((m.AgentSkill.__table__, "agent_id"),),
    "agent_groups": ((m.AgentGroupMember.__table__, "group_id"),),
    "holiday_calendars": ((m.Holiday.__table__, "calendar_id"),),
    "time_conditions": (
        (m.TimeRule.__table__, "time_condition_id"),
        (m.TimeConditionCalendar.__table__, "time_condition_id"),
    ),
    "queues": (
        (m.QueueMember.__table__, "queue_id"),
        (m.QueueSkill.__table__, "queue_id"),
        (m.QueueDisposition.__table__, "queue_id"),
    ),
    "ivr_menus": ((m.IvrOption.__table__, "menu_id"),),
    "inbound_routes": ((m.InboundRegionRule.__table__, "route_id"),),
    "outbound_routes": (
        (m.OutboundPattern.__table__, "route_id"),
        (m.OutboundRouteTrunk.__table__, "route_id"),
    ),
    "customers": ((m.CustomerNumber.__table__, "customer_id"),),
}
# The destination column naming an owner, by the owner's table.
_OWNER_COLUMN = {table: column for column, table in DESTINATION_OWNERS.items()}
# Sections whose objects own destinations (rewritten when the object changed).
_DESTINATION_OWNERS = ("time_conditions", "queues", "ivr_menus", "inbound_routes")
# The section a destination's target is looked up in, by the target column.
_TARGET_SECTIONS = {
    "target_extension_id": "extensions",
    "target_queue_id": "queues",
    "target_ivr_menu_id": "ivr_menus",
    "target_time_condition_id": "time_conditions",
}
_DESTINATION_COLUMNS = (*DESTINATION_OWNERS, *sorted({c for c in TARGET_COLUMNS.values() if c}))
_KEY_COLUMNS = {section: key for section, (key, _) in s.SECTION_KEYS.items()}
_QUEUE_COLUMNS = (
    "strategy", "ring_seconds", "retry_seconds", "wrapup_seconds", "max_callers",
    "weight", "vip_priority", "announce_position", "announce_holdtime",
    "announce_frequency_seconds", "periodic_announce", "periodic_announce_seconds",
    "service_level_seconds", "short_abandon_seconds", "max_wait_seconds",
    "join_empty", "leave_when_empty", "ring_in_use", "login_required", "screen_pop_url",
)  # fmt: skip
# Values per IN (...) list: far below every backend's limit on bound parameters.
_IN_CHUNK = 500


@dataclass
class ImportReport:
    diff: ConfigDiff
    generated: list[str] = field(default_factory=list)  # "phone password of extension 1001"

    def render(self) -> str:
        text = self.diff.render()
        if self.generated:
            text += (
                f"\ngenerated {len(self.generated)} secret(s) that the file left out "
                "(see `pbxctl config export --include-secrets`)"
            )
        return text


def _generated_password() -> str:
    return secrets.token_urlsafe(18)


def _generated_pin() -> str:
    # Six uniformly random digits, in one draw (six secrets.choice calls cost 4x as much).
    return f"{secrets.randbelow(1_000_000):06d}"


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


@dataclass
class _PendingDestination:
    """A destination to insert once every target has its id."""

    owner_column: str
    owner: Callable[[], int]  # the owner's id (known after the owner is inserted)
    slot: str
    destination: Destination


@dataclass
class _Children:
    """Child rows of one table for the objects a section wrote, and the destinations they
    own (by the index of their row)."""

    rows: list[Row] = field(default_factory=list)
    destinations: list[tuple[int, str, Destination | None]] = field(default_factory=list)


# PostgreSQL: below this many rows an executemany is as quick as a COPY.
COPY_MIN_ROWS = 50


@dataclass(frozen=True, slots=True)
class _Columns:
    """How an INSERT of rows with the keys of ``names`` writes them, as SQLAlchemy would:
    ``columns`` are the named ones then those left out that have a Python-side scalar
    default (``defaults``), each value through its column type's bind processor."""

    names: list[str]
    columns: list[Any]
    defaults: list[Any]
    processors: list[Callable[[Any], Any] | None]

    def values(self, rows: Sequence[Row]) -> Iterator[list[Any]]:
        names, defaults = self.names, self.defaults
        converting = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        for row in rows:
            values = [row[name] for name in names]
            values += defaults
            for i, processor in converting:
                values[i] = processor(values[i])
            yield values


def _insert_columns(conn: Connection, table: Table, first: Row) -> _Columns | None:
    """The columns of an INSERT of rows like ``first``; None when a column left out has a
    default computed in Python (SQLAlchemy's own INSERT then does it)."""
    names = list(first)
    columns = [table.c[name] for name in names]
    defaults: list[Any] = []
    for column in table.columns:
        if column.name in first or column.default is None:
            continue
        if not column.default.is_scalar:
            return None
        columns.append(column)
        defaults.append(column.default.arg)  # type: ignore[attr-defined]
    processors = [column.type._cached_bind_processor(conn.dialect) for column in columns]
    return _Columns(names, columns, defaults, processors)


def _driver_error(conn: Connection, statement: str, exc: Exception) -> DBAPIError:
    """A driver's error as SQLAlchemy reports a failed statement: IntegrityError for a
    duplicate key ..."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    return DBAPIError.instance(statement, None, exc, dbapi_error)  # type: ignore[arg-type]


def copy_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> bool:
    """Insert ``rows`` with PostgreSQL's COPY (psycopg): the server takes 10,000 rows as one
    stream instead of as 10,000 INSERTs, which took seconds on the server for a new site.

    The values go through the same conversions an INSERT applies (each column type's bind
    processor, Python-side scalar defaults of the columns left out); False, having done
    nothing, on another backend or when a column left out has a default computed in Python.
    """
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return False
    plan = _insert_columns(conn, table, rows[0])
    if plan is None:
        return False
    preparer = conn.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(column.name) for column in plan.columns)}) FROM STDIN"
    )
    raw = conn.connection.dbapi_connection
    assert raw is not None
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for values in plan.values(rows):
                copy.write_row(values)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(conn, statement, exc) from exc
    return True


def _sqlite_executemany(conn: Connection, statement: str, values: Iterator[list[Any]]) -> None:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(statement, values)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(conn, statement, exc) from exc
    finally:
        cursor.close()


def driver_insert(conn: Connection, table: Table, rows: Sequence[Row]) -> bool:
    """Insert ``rows`` with one executemany of SQLite's own driver, in the transaction
    SQLAlchemy holds on the same connection: the rows an INSERT through SQLAlchemy writes
    (the same conversions and defaults as :func:`copy_rows`) without its per-row work,
    which cost about as much as sqlite3's own for 31,000 rows. False, having done nothing,
    on another backend or when a column left out has a default computed in Python."""
    if conn.dialect.name != "sqlite":
        return False
    plan = _insert_columns(conn, table, rows[0])
    if plan is None:
        return False
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(column.name) for column in plan.columns)
    marks = ", ".join("?" * len(plan.columns))
    # The model's table and column names, quoted; every value is bound.
    statement = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({marks})"  # noqa: S608
    _sqlite_executemany(conn, statement, plan.values(rows))
    return True


def driver_update(conn: Connection, table: Table, rows: Sequence[Row]) -> bool:
    """UPDATE ... WHERE id = ? of ``rows`` (each has "id") with one executemany of SQLite's
    own driver, as :func:`driver_insert`; False, having done nothing, on another backend or
    when a column has a value computed in Python on update."""
    if conn.dialect.name != "sqlite" or any(c.onupdate is not None for c in table.columns):
        return False
    names = [name for name in rows[0] if name != "id"] + ["id"]
    columns = [table.c[name] for name in names]
    plan = _Columns(
        names, columns, [], [c.type._cached_bind_processor(conn.dialect) for c in columns]
    )
    preparer = conn.dialect.identifier_preparer
    settings = ", ".join(f"{preparer.quote(name)} = ?" for name in names[:-1])
    # The model's table and column names, quoted; every value is bound.
    statement = f"UPDATE {preparer.format_table(table)} SET {settings} WHERE id = ?"  # noqa: S608
    _sqlite_executemany(conn, statement, plan.values(rows))
    return True


class _Importer:
    def __init__(self, session: Session, validated: ValidatedConfig, now: datetime) -> None:
        self.session = session
        self.config = validated.config
        self.now = now
        self.ids: dict[str, dict[str, int]] = {}  # section -> key -> row id
        self.positions: dict[str, dict[str, int]] = {}  # section -> key -> stored position
        self.pending: list[_PendingDestination] = []
        self.report: ImportReport
        # Extension secrets already stored, for changed extensions (kept when the file
        # leaves them out): id -> (voicemail pin, generated); id -> (phone id, password, generated).
        self.pins: dict[int, tuple[str | None, bool]] = {}
        self.phones: dict[int, tuple[int, str, bool]] = {}
        self.children: dict[Table, _Children] = {}  # of the section being written
        self.conn: Connection

    # -- helpers --------------------------------------------------------------------------

    def id_of(self, section: str, key: str | None) -> int | None:
        return None if key is None else self.ids[section][key]

    @contextmanager
    def doing(self, what: str) -> Iterator[None]:
        try:
            yield
        except IntegrityError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(f"the database refused the import while {what}: {reason}") from exc

    def load_ids(self) -> None:
        conn = self.conn
        for section, table in _TABLES.items():
            key = table.c[_KEY_COLUMNS[section]]
            ids, positions = {}, {}
            for k, row_id, position in conn.execute(select(key, table.c.id, table.c.position)):
                ids[k], positions[k] = row_id, position
            self.ids[section], self.positions[section] = ids, positions

    def delete_ids(self, table: Table, column: str, ids: Sequence[int]) -> None:
        for part in _chunks(list(ids)):
            self.conn.execute(delete(table).where(table.c[column].in_(part)))

    def update_rows(self, table: Table, rows: list[Row]) -> None:
        """One executemany UPDATE ... WHERE id = :id of ``rows`` (each has "id"; SQLite:
        sqlite3's own executemany)."""
        if not rows or driver_update(self.conn, table, rows):
            return
        columns = [c for c in rows[0] if c != "id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("p_id"))
            .values({c: bindparam(f"p_{c}") for c in columns})
        )
        self.conn.execute(statement, [{f"p_{k}": v for k, v in row.items()} for row in rows])

    def insert_rows(self, table: Table, rows: list[Row]) -> None:
        """One executemany INSERT of ``rows`` (PostgreSQL: one COPY, when there are many;
        SQLite: sqlite3's own executemany).

        Without RETURNING: the ids are read back by key afterwards. psycopg pipelines a plain
        executemany of one prepared statement, while a multi-row INSERT ... RETURNING is a
        new statement text per batch that it parses each time (3x slower on PostgreSQL)."""
        if not rows:
            return
        if len(rows) >= COPY_MIN_ROWS and copy_rows(self.conn, table, rows):
            return
        if driver_insert(self.conn, table, rows):
            return
        self.conn.execute(insert(table), rows)

    def select_ids(self, column: Any, keys: Sequence[Any], *also: Any) -> Iterator[Any]:
        """(key, *also, id) of the rows of ``column``'s table whose ``column`` is in ``keys``."""
        table = column.table
        if len(keys) > _IN_CHUNK:
            # Many keys (a new site): one read of the table costs less than a query per
            # _IN_CHUNK keys.
            wanted = set(keys)
            for row in self.conn.execute(select(column, *also, table.c.id)):
                if row[0] in wanted:
                    yield row
            return
        for part in _chunks(list(keys)):
            yield from self.conn.execute(select(column, *also, table.c.id).where(column.in_(part)))

    def destination(self, owner_table: str, owner: Callable[[], int], slot: str,
                    dest: Destination | None) -> None:  # fmt: skip
        if dest is not None:
            self.pending.append(_PendingDestination(_OWNER_COLUMN[owner_table], owner, slot, dest))

    # -- phases ---------------------------------------------------------------------------

    def run(self, stored: s.PbxConfig | None) -> ImportReport:
        # Changes the caller made through the ORM go first: the rows below are written
        # beside the ORM, and what it holds is expired at the end.
        self.session.flush()
        self.conn = self.session.connection()
        site_exists = self.session.get(m.Site, 1) is not None
        old = None
        if site_exists:
            old = stored if stored is not None else export_config(self.session)
        diff = diff_configs(old, self.config)
        self.report = ImportReport(diff)
        self.load_ids()

        with self.doing("removing replaced entries"):
            for section in _UNREFERENCED:
                removed = [self.ids[section].pop(key) for key in diff.sections[section].removed]
                self.delete_ids(_TABLES[section], "id", removed)
            for section, children in _CHILDREN.items():
                # Removed objects too (those of _UNREFERENCED are gone already): a time
                # condition removed after the IVR menus would otherwise still point at a
                # removed menu when the menus are removed (destinations lead both ways
                # between time conditions, queues and IVR menus).
                keys = diff.sections[section].changed
                if section not in _UNREFERENCED:
                    keys = [*keys, *diff.sections[section].removed]
                replaced = [self.ids[section][key] for key in keys]
                if not replaced:
                    continue
                for table, parent_column in children:
                    self.delete_ids(table, parent_column, replaced)
                if section in _DESTINATION_OWNERS:
                    column = _OWNER_COLUMN[_TABLES[section].name]
                    self.delete_ids(m.Destination.__table__, column, replaced)
            # A removed extension's phone frees its user name for the phones written below
            # (a changed extension keeps its phone, updated in place).
            ids = self.ids["extensions"]
            gone = [ids[key] for key in diff.sections["extensions"].removed]
            self.delete_ids(m.Phone.__table__, "extension_id", gone)

        if not site_exists:
            # The site row must exist before anything else; its references are set later.
            with self.doing("writing the site"):
                row = self.site_values(default_moh_class_id=None)
                self.conn.execute(insert(m.Site.__table__), row | {"id": 1})
        for section in _ORM:
            with self.doing(f"writing {section}"):
                self.write_section(section, diff)
        with self.doing("writing destinations"):
            moh = self.id_of("moh_classes", self.config.site.default_moh_class)
            self.update_rows(m.Site.__table__, [self.site_values(moh) | {"id": 1}])
            self.write_destinations()

        for section in reversed(_ORM):
            if section in _UNREFERENCED:
                continue
            with self.doing(f"removing {section}"):
                removed = [self.ids[section].pop(key) for key in diff.sections[section].removed]
                self.delete_ids(_TABLES[section], "id", removed)
        # What the ORM holds of these tables (read above, or by the caller) is stale now.
        self.session.expire_all()
        with self.doing("recording queue thresholds"):
            self.write_queue_versions(diff)
            if not diff.empty:
                bump_revision(self.session, self.now, diff)
            self.session.flush()
        return self.report

    def site_values(self, default_moh_class_id: int | None) -> Row:
        site = self.config.site
        return {
            "name": site.name,
            "timezone": site.timezone,
            "country": site.country,
            "default_language": site.default_language,
            "blf_hints": site.blf_hints,
            "default_moh_class_id": default_moh_class_id,
        }

    def write_section(self, section: str, diff: ConfigDiff) -> None:
        table = _TABLES[section]
        key_field = _KEY_COLUMNS[section]
        values_of: Callable[[Any], Row] = getattr(self, f"values_{section}")
        children_of: Callable[[Any, int], None] | None = getattr(self, f"children_{section}", None)
        ids, positions = self.ids[section], self.positions[section]
        touched = diff.keys(section, "added", "changed")
        if section == "extensions":
            self.load_extension_secrets([ids[k] for k in diff.sections[section].changed])

        updates: list[Row] = []
        moved: list[Row] = []
        inserts: list[Row] = []
        new_keys: list[str] = []
        written: list[tuple[str, Any]] = []
        for position, item in enumerate(getattr(self.config, section)):
            key = getattr(item, key_field)
            row_id = ids.get(key)
            if key in touched:
                values = values_of(item)
                values["position"] = position
                if row_id is None:
                    values[key_field] = key
                    inserts.append(values)
                    new_keys.append(key)
                else:
                    values["id"] = row_id
                    updates.append(values)
                written.append((key, item))
            elif positions[key] != position:
                moved.append({"id": row_id, "position": position})
        self.update_rows(table, updates)
        self.update_rows(table, moved)
        self.insert_rows(table, inserts)
        ids.update(self.select_ids(table.c[key_field], new_keys))  # type: ignore[arg-type]

        if section == "extensions":
            self.write_phones(written)
        if children_of is not None:
            self.children = {table: _Children() for table, _ in _CHILDREN[section]}
            for key, item in written:
                children_of(item, ids[key])
            for (child_table, parent_column), children in zip(
                _CHILDREN[section], self.children.values(), strict=True
            ):
                self.insert_rows(child_table, children.rows)
                if not children.destinations:
                    continue
                # A child is its parent's row at its position: read the new ids back by that.
                parents = list({row[parent_column] for row in children.rows})
                child_ids = {
                    (parent, position): child_id
                    for parent, position, child_id in self.select_ids(
                        child_table.c[parent_column], parents, child_table.c.position
                    )
                }
                for index, slot, dest in children.destinations:
                    row = children.rows[index]
                    child_id = child_ids[row[parent_column], row["position"]]
                    self.destination(child_table.name, lambda i=child_id: i, slot, dest)

    def child(self, table: Table, row: Row) -> int:
        """Add a child row; its index (to give it destinations)."""
        rows = self.children[table].rows
        rows.append(row)
        return len(rows) - 1

    def owned(self, section: str, key: str) -> Callable[[], int]:
        ids = self.ids[section]
        return lambda: ids[key]

    def write_destinations(self) -> None:
        rows = []
        for pending in self.pending:
            dest = pending.destination
            row: Row = dict.fromkeys(_DESTINATION_COLUMNS)
            row["slot"], row["kind"] = pending.slot, dest.kind
            row[pending.owner_column] = pending.owner()
            target_column = TARGET_COLUMNS[dest.kind]
            if target_column == "target_number":
                row[target_column] = dest.target
            elif target_column is not None:
                row[target_column] = self.ids[_TARGET_SECTIONS[target_column]][dest.target]
            rows.append(row)
        self.insert_rows(m.Destination.__table__, rows)

    def write_queue_versions(self, diff: ConfigDiff) -> None:
        touched = diff.keys("queues", "added", "changed")
        if not touched:
            return
        version = m.QueueConfigVersion
        latest: dict[str, tuple[int, int]] = {}
        for part in _chunks(sorted(touched)):
            rows = self.conn.execute(
                select(
                    version.queue_name,
                    version.service_level_seconds,
                    version.short_abandon_seconds,
                )
                .where(version.queue_name.in_(part))
                .order_by(version.valid_from, version.id)
            )
            latest.update((name, (sl, short)) for name, sl, short in rows)
        new = []
        for queue in self.config.queues:
            thresholds = (queue.service_level_seconds, queue.short_abandon_seconds)
            if queue.name in touched and latest.get(queue.name) != thresholds:
                new.append(
                    {
                        "queue_name": queue.name,
                        "service_level_seconds": thresholds[0],
                        "short_abandon_seconds": thresholds[1],
                        "valid_from": self.now,
                    }
                )
        if new:
            self.conn.execute(insert(version.__table__), new)

    # -- extensions and their phones: secrets the file leaves out are kept ------------------

    def load_extension_secrets(self, extension_ids: list[int]) -> None:
        ext, phone = m.Extension, m.Phone
        for part in _chunks(extension_ids):
            rows = self.conn.execute(
                select(ext.id, ext.voicemail_pin, ext.voicemail_pin_generated).where(
                    ext.id.in_(part)
                )
            )
            self.pins.update((i, (pin, generated)) for i, pin, generated in rows)
            rows = self.conn.execute(
                select(phone.extension_id, phone.id, phone.password, phone.password_generated)
                .where(phone.extension_id.in_(part))
            )  # fmt: skip
            self.phones.update((e, (i, pw, generated)) for e, i, pw, generated in rows)

    def values_extensions(self, item: s.Extension) -> Row:
        row_id = self.ids["extensions"].get(item.number)
        stored_pin, stored_generated = (None, False) if row_id is None else self.pins[row_id]
        voicemail = item.voicemail
        pin: str | None = None
        pin_generated = False
        if voicemail is not None:
            if voicemail.pin is not None:
                pin = voicemail.pin
            elif stored_pin is None:
                pin, pin_generated = _generated_pin(), True
                self.report.generated.append(f"voicemail PIN of extension {item.number}")
            else:
                pin, pin_generated = stored_pin, stored_generated
        if item.phone is not None and item.phone.password is None:
            stored = None if row_id is None else self.phones.get(row_id)
            if stored is None or not stored[1]:
                self.report.generated.append(f"phone password of extension {item.number}")
        return {
            "name": item.name,
            "language": item.language,
            "ring_seconds": item.ring_seconds,
            "outbound_caller_id": item.outbound_caller_id,
            "recording_policy_id": self.id_of("recording_policies", item.recording_policy),
            "moh_class_id": self.id_of("moh_classes", item.moh_class),
            "voicemail_enabled": voicemail is not None,
            "voicemail_pin": pin,
            "voicemail_pin_generated": pin_generated,
            "voicemail_email": voicemail.email if voicemail is not None else None,
        }

    def write_phones(self, written: list[tuple[str, s.Extension]]) -> None:
        """The phones of the extensions just written: updated in place (their ids stay),
        added, or deleted when the file has none."""
        ids = self.ids["extensions"]
        gone: list[int] = []
        updates: list[Row] = []
        inserts: list[Row] = []
        for number, item in written:
            extension_id = ids[number]
            stored = self.phones.get(extension_id)
            if item.phone is None:
                if stored is not None:
                    gone.append(stored[0])
                continue
            phone = item.phone
            if phone.password is not None:
                password, generated = phone.password, False
            elif stored is None or not stored[1]:
                password, generated = _generated_password(), True
            else:
                password, generated = stored[1], stored[2]
            row = {
                "username": phone.username or number,
                "password": password,
                "password_generated": generated,
                "transport": phone.transport,
                "max_contacts": phone.max_contacts,
                "codecs": list(phone.codecs),
            }
            if stored is None:
                inserts.append(row | {"extension_id": extension_id})
            else:
                updates.append(row | {"id": stored[0]})
        self.delete_ids(m.Phone.__table__, "id", gone)
        self.update_rows(m.Phone.__table__, updates)
        self.insert_rows(m.Phone.__table__, inserts)

    # -- one writer per section: the row's values, then its child rows -------------------

    def values_moh_classes(self, item: s.MohClass) -> Row:
        return {"directory": item.directory, "sort": item.sort, "description": item.description}

    def values_recording_policies(self, item: s.RecordingPolicy) -> Row:
        return {
            "record": item.record,
            "notice_prompts": dict(item.notice_prompts),
            "retention_days": item.retention_days,
            "format": item.format,
            "description": item.description,
        }

    def values_trunks(self, item: s.Trunk) -> Row:
        return {
            "auth": item.auth,
            "host": item.host,
            "port": item.port,
            "transport": item.transport,
            "username": item.username,
            "from_user": item.from_user,
            "password": item.password,
            "from_domain": item.from_domain,
            "caller_id": item.caller_id,
            "max_channels": item.max_channels,
            "codecs": list(item.codecs),
            "match_addresses": list(item.match),
            "currency": item.currency,
        }

    def children_trunks(self, item: s.Trunk, row_id: int) -> None:
        for i, t in enumerate(item.tariffs):
            self.child(
                m.TrunkTariff.__table__,
                {
                    "trunk_id": row_id,
                    "position": i,
                    "prefix": t.prefix,
                    "per_minute": t.per_minute,
                    "increment_seconds": t.increment_seconds,
                    "connection_fee": t.connection_fee,
                    "description": t.description,
                },
            )

    def values_skills(self, item: s.Skill) -> Row:
        return {"description": item.description}

    def values_agents(self, item: s.Agent) -> Row:
        return {
            "name": item.name,
            "role": item.role,
            "pin": item.pin,
            "extension_id": self.id_of("extensions", item.extension),
        }

    def children_agents(self, item: s.Agent, row_id: int) -> None:
        for i, (name, level) in enumerate(item.skills.items()):
            row = {"agent_id": row_id, "position": i, "skill_id": self.ids["skills"][name]}
            self.child(m.AgentSkill.__table__, row | {"level": level})

    def values_agent_groups(self, item: s.AgentGroup) -> Row:
        return {"description": item.description}

    def children_agent_groups(self, item: s.AgentGroup, row_id: int) -> None:
        agents = self.ids["agents"]
        for i, code in enumerate(item.members):
            self.child(
                m.AgentGroupMember.__table__,
                {
                    "group_id": row_id,
                    "position": i,
                    "agent_id": agents[code],
                    "is_team_lead": code in item.team_leads,
                },
            )

    def values_pause_reasons(self, item: s.PauseReason) -> Row:
        return {"label": item.label, "productive": item.productive}

    def values_dispositions(self, item: s.Disposition) -> Row:
        return {"label": item.label, "description": item.description}

    def values_holiday_calendars(self, item: s.HolidayCalendar) -> Row:
        return {"description": item.description}

    def children_holiday_calendars(self, item: s.HolidayCalendar, row_id: int) -> None:
        days = [(HolidayKind.HOLIDAY, h.name, h.date, h.until or h.date) for h in item.holidays] + [
            (HolidayKind.WORKDAY, w.name, w.date, w.date) for w in item.workdays
        ]
        for i, (kind, name, first, last) in enumerate(days):
            self.child(
                m.Holiday.__table__,
                {
                    "calendar_id": row_id,
                    "position": i,
                    "kind": kind,
                    "name": name,
                    "first_day": first,
                    "last_day": last,
                },
            )

    def values_time_conditions(self, item: s.TimeCondition) -> Row:
        return {"description": item.description, "timezone": item.timezone}

    def children_time_conditions(self, item: s.TimeCondition, row_id: int) -> None:
        for i, r in enumerate(item.rules):
            self.child(
                m.TimeRule.__table__,
                {
                    "time_condition_id": row_id,
                    "position": i,
                    "weekdays": [d.value for d in r.days],
                    "start": r.start,
                    "end": r.end,
                },
            )
        calendars = self.ids["holiday_calendars"]
        for i, name in enumerate(item.calendars):
            self.child(
                m.TimeConditionCalendar.__table__,
                {"time_condition_id": row_id, "position": i, "calendar_id": calendars[name]},
            )
        owner = self.owned("time_conditions", item.name)
        for slot in ("open", "closed", "holiday"):
            self.destination("time_condition", owner, slot, getattr(item, slot))

    def values_queues(self, item: s.Queue) -> Row:
        row = {attribute: getattr(item, attribute) for attribute in _QUEUE_COLUMNS}
        row["display_name"] = item.display_name or item.name
        row["moh_class_id"] = self.id_of("moh_classes", item.moh_class)
        row["recording_policy_id"] = self.id_of("recording_policies", item.recording_policy)
        board = item.wallboard
        for prefix, unit, limit in (
            ("wallboard_waiting", "", board.waiting_callers),
            ("wallboard_wait", "_seconds", board.longest_wait_seconds),
            ("wallboard_sl", "_percent", board.service_level_percent),
        ):
            row[f"{prefix}_amber{unit}"] = limit.amber if limit else None
            row[f"{prefix}_red{unit}"] = limit.red if limit else None
        cb = item.callback
        row["callback_enabled"] = cb is not None
        row["callback_key"] = cb.key if cb else None
        row["callback_offer_after_seconds"] = cb.offer_after_seconds if cb else None
        row["callback_expiry_minutes"] = cb.expiry_minutes if cb else None
        row["callback_max_attempts"] = cb.max_attempts if cb else None
        row["callback_retry_seconds"] = cb.retry_seconds if cb else None
        row["callback_hours_id"] = self.id_of("time_conditions", cb.calling_hours if cb else None)
        row["survey"] = item.survey.model_dump(mode="json") if item.survey else None
        return row

    def children_queues(self, item: s.Queue, row_id: int) -> None:
        agents, skills, dispositions = (
            self.ids["agents"],
            self.ids["skills"],
            self.ids["dispositions"],
        )
        for i, x in enumerate(item.members):
            self.child(
                m.QueueMember.__table__,
                {
                    "queue_id": row_id,
                    "position": i,
                    "agent_id": agents[x.agent],
                    "penalty": x.penalty,
                },
            )
        for i, (name, level) in enumerate(item.required_skills.items()):
            self.child(
                m.QueueSkill.__table__,
                {"queue_id": row_id, "position": i, "skill_id": skills[name], "min_level": level},
            )
        for i, code in enumerate(item.dispositions):
            self.child(
                m.QueueDisposition.__table__,
                {"queue_id": row_id, "position": i, "disposition_id": dispositions[code]},
            )
        self.destination("queue", self.owned("queues", item.name), "overflow", item.overflow)

    def values_ivr_menus(self, item: s.IvrMenu) -> Row:
        return {
            "description": item.description,
            "prompts": dict(item.prompts),
            "invalid_prompts": dict(item.invalid_prompts),
            "timeout_seconds": item.timeout_seconds,
            "max_retries": item.max_retries,
            "direct_dial": item.direct_dial,
            "zero_out_extension_id": self.id_of("extensions", item.zero_out),
        }

    def children_ivr_menus(self, item: s.IvrMenu, row_id: int) -> None:
        options = self.children[m.IvrOption.__table__]
        for i, (key, choice) in enumerate(item.options.items()):
            index = self.child(
                m.IvrOption.__table__,
                {"menu_id": row_id, "position": i, "key": key, "set_language": choice.language},
            )
            options.destinations.append((index, "main", choice.destination))
        owner = self.owned("ivr_menus", item.name)
        self.destination("ivr_menu", owner, "timeout", item.timeout)
        self.destination("ivr_menu", owner, "invalid", item.invalid)

    def values_inbound_routes(self, item: s.InboundRoute) -> Row:
        return {
            "description": item.description,
            "did": item.did,
            "caller_prefix": item.caller_prefix,
            "language": item.language,
            "moh_class_id": self.id_of("moh_classes", item.moh_class),
            "recording_policy_id": self.id_of("recording_policies", item.recording_policy),
        }

    def children_inbound_routes(self, item: s.InboundRoute, row_id: int) -> None:
        rules = self.children[m.InboundRegionRule.__table__]
        for i, rule in enumerate(item.region_routes):
            index = self.child(
                m.InboundRegionRule.__table__,
                {"route_id": row_id, "position": i, "regions": list(rule.regions)},
            )
            rules.destinations.append((index, "main", rule.destination))
        owner = self.owned("inbound_routes", item.name)
        self.destination("inbound_route", owner, "main", item.destination)

    def values_outbound_routes(self, item: s.OutboundRoute) -> Row:
        return {
            "description": item.description,
            "caller_id_policy": item.caller_id,
            "caller_id_number": item.caller_id_number,
            "recording_policy_id": self.id_of("recording_policies", item.recording_policy),
        }

    def children_outbound_routes(self, item: s.OutboundRoute, row_id: int) -> None:
        for i, p in enumerate(item.patterns):
            self.child(
                m.OutboundPattern.__table__,
                {
                    "route_id": row_id,
                    "position": i,
                    "match": p.match,
                    "prefix": p.prefix,
                    "prepend": p.prepend,
                },
            )
        trunks = self.ids["trunks"]
        for i, name in enumerate(item.trunks):
            self.child(
                m.OutboundRouteTrunk.__table__,
                {"route_id": row_id, "position": i, "trunk_id": trunks[name]},
            )

    def values_customers(self, item: s.Customer) -> Row:
        return {
            "name": item.name,
            "company": item.company,
            "language": item.language,
            "notes": item.notes,
            "owner_agent_id": self.id_of("agents", item.owner),
            "vip": item.vip,
            "blacklisted": item.blacklisted,
            "blacklist_reason": item.blacklist_reason,
        }

    def children_customers(self, item: s.Customer, row_id: int) -> None:
        for j, number in enumerate(item.numbers):
            self.child(
                m.CustomerNumber.__table__,
                {"customer_id": row_id, "position": j, "number": number},
            )


def import_config(
    session: Session,
    validated: ValidatedConfig,
    *,
    now: datetime | None = None,
    stored: s.PbxConfig | None = None,
) -> ImportReport:
    """Make the database hold exactly ``validated``; the caller commits or rolls back.

    ``stored``: what ``export_config(session)`` returns, if the caller has just read it in
    this transaction (an edit of the stored configuration), so it is not read twice."""
    with collector_paused():
        return _Importer(session, validated, now or datetime.now(UTC)).run(stored)
