"""Phones as PJSIP realtime rows: a new or changed phone without a PJSIP reload (issue 16 §2).

The controller still renders every phone into ``pjsip.conf`` (one template, one render
cache, one lint), but Asterisk does not read them from there: before ``pjsip.conf`` is
written, :func:`prepare` takes the phone sections out (every section built from a
``[pbx-phone-*](!)`` template, and those templates) and turns each into a row of
``ps_endpoints``, ``ps_auths`` or ``ps_aors`` in an SQLite file in the generated directory
(``phones.sqlite3``). Asterisk reads those tables through sorcery's realtime wizard and
``res_config_sqlite3`` (:func:`asterisk_files`), looking a phone up by its id whenever the
phone sends a request: a written row is live at once, without any reload. Trunks,
transports and everything else stay in ``pjsip.conf``.

Only the rows whose section text changed are written: ``pbx_phone_sections`` keeps a digest
of each section's text (and ``pbx_meta`` one of the templates), so an apply compares 30,000
digests, parses only the changed sections, and writes them and the deletions in one
transaction. :class:`PhoneSync` keeps the rows it replaced, so a failed apply puts them
back. Why realtime rather than a reload, shards or astdb, with the measurements:
docs/apply.md ("Phones at scale").
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from controller.ami.session import AmiError, AmiSession
from controller.dialplan import confparse
from controller.errors import ControllerError

DB_FILE = "phones.sqlite3"  # in the generated directory, beside pjsip.conf
DATABASE = "pbx-phones"  # the res_config_sqlite3 database name extconfig.conf maps to
PJSIP_FILE = "pjsip.conf"
TEMPLATE_PREFIX = "pbx-phone-"
DB_FILE_MODE = 0o640  # Asterisk reads it through the directory's group, like pjsip.conf

# Sorcery object type -> realtime table (Asterisk's own names for them).
TABLES: dict[str, str] = {"endpoint": "ps_endpoints", "auth": "ps_auths", "aor": "ps_aors"}
# Known columns first, in the order sorcery should apply them (``disallow`` before
# ``allow``); an option a template override adds becomes a new column at the end.
COLUMNS: dict[str, tuple[str, ...]] = {
    "ps_endpoints": (
        "id", "transport", "context", "disallow", "allow", "direct_media", "rtp_symmetric",
        "force_rport", "rewrite_contact", "auth", "aors", "callerid", "language",
        "mailboxes", "set_var",
    ),
    "ps_auths": ("id", "auth_type", "username", "password"),
    "ps_aors": ("id", "max_contacts", "remove_existing", "qualify_frequency"),
}  # fmt: skip
SECRET_COLUMNS = frozenset({"password"})

_HEADER = re.compile(r"(?m)^\[([^\]\n]*)\](?:\(([^)\n]*)\))?[ \t]*$")
_MARKER = re.compile(r"\n\[pbx-meta-[0-9a-f]{16}\]\ntype=aor\nmax_contacts=0\n\Z")
_TRAILING_COMMENTS = re.compile(r"(?:^;[^\n]*\n)+\Z", re.MULTILINE)
_COLUMN = re.compile(r"[a-z][a-z0-9_]*")
# What ARRAY() takes apart: a value with one of these cannot share a set_var (below).
_ARRAY_UNSAFE = re.compile(r"[,()\"\\]")


class PhoneRowError(ControllerError):
    """A phone section that cannot be a realtime row (names the phone and the option)."""


Row = dict[str, str]
Key = tuple[str, str]  # (table, id)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def pjsip_marker(text: str) -> str:
    """The marker ``pjsip.conf`` ends with (the same as render's): an AOR named after the
    digest of what precedes it, which apply reads back to confirm the reload."""
    return f"\n[pbx-meta-{_digest(text)}]\ntype=aor\nmax_contacts=0\n"


# -- pjsip.conf -> the file Asterisk reads, and the phones' sections -------------------------


@dataclass
class Split:
    pjsip: str  # pjsip.conf without the phones, with its own marker
    templates: str  # the [pbx-phone-*](!) sections
    sections: dict[Key, str]  # each phone section's text, by (table, id)


@functools.lru_cache(maxsize=256)
def _templates_of(options: str) -> tuple[str, ...]:
    return tuple(o.strip() for o in options.split(",") if o.strip() and o.strip() != "!")


def split(text: str) -> Split:
    """Take the phone sections (and their templates) out of a rendered ``pjsip.conf``."""
    body = _MARKER.sub("\n", text) if _MARKER.search(text) else text
    # Sections start at a line that starts with "[" (str.split: 10x a regex over 2.5 MB).
    chunks = body.split("\n[")
    first = chunks[0]
    if first.startswith("["):
        chunks[0] = first[1:]
        kept: list[str] = [""]
    else:
        chunks = chunks[1:]
        kept = [first + "\n" if chunks else first]
    templates: list[str] = []
    phone_blocks: list[tuple[str, str, tuple[str, ...]]] = []  # (name, text, templates)
    for n, chunk in enumerate(chunks):
        block = "[" + chunk + ("\n" if n + 1 < len(chunks) else "")
        header = _HEADER.match(block[: block.find("\n")] if "\n" in block else block)
        if header is None:  # not a section header after all ("[" inside a value's line)
            kept.append(block)
            continue
        # Comment lines just before the next header belong to that section.
        carry = ""
        last = block.rfind("\n", 0, len(block) - 1) + 1
        if block.startswith(";", last):
            tail = _TRAILING_COMMENTS.search(block)
            if tail and tail.start() > 0:
                block, carry = block[: tail.start()], block[tail.start() :]
        name, options = header.group(1), header.group(2) or ""
        if name.startswith(TEMPLATE_PREFIX) and "!" in options:
            templates.append(block)
        elif any(t.startswith(TEMPLATE_PREFIX) for t in _templates_of(options)):
            phone_blocks.append((name, block, _templates_of(options)))
        else:
            kept.append(block)
        kept.append(carry)
    template_types = _template_types("".join(templates))
    sections: dict[Key, str] = {}
    for name, block, used in phone_blocks:
        kind = next((template_types[t] for t in used if t in template_types), None)
        if kind not in TABLES:
            raise PhoneRowError(
                f"pjsip.conf: section [{name}] uses the phone template(s) {', '.join(used)}, "
                "which set no type of endpoint, auth or aor"
            )
        key = (TABLES[kind], name)
        if key in sections:
            raise PhoneRowError(f"pjsip.conf: phone {name!r} has two {kind} sections")
        sections[key] = block
    stripped = "".join(kept).rstrip("\n") + "\n"
    return Split(stripped + pjsip_marker(stripped), "".join(templates), sections)


def _template_types(templates: str) -> dict[str, str]:
    types = {}
    for section in confparse.parse(templates).sections:
        for entry in section.entries:
            if entry.key == "type":
                types[section.name] = entry.value
    return types


def rows_of(templates: str, sections: Mapping[Key, str]) -> dict[Key, Row]:
    """Each phone section as the row Asterisk would have built from it: the templates'
    options, then its own (a later value wins), ``type`` left out (the table says it),
    several ``set_var`` in one (a realtime row has one column of each name)."""
    inherited = {
        s.name: [(e.key, e.value) for e in s.entries] for s in confparse.parse(templates).sections
    }
    rows: dict[Key, Row] = {}
    for (table, name), text in sections.items():
        header, _, body = text.partition("\n")
        options = _HEADER.match(header)
        entries: list[tuple[str, str]] = []
        for template in _templates_of(options.group(2) or "" if options else ""):
            entries += inherited.get(template, [])
        entries += _entries(body)
        row: Row = {"id": name}
        variables: list[str] = []
        for key, value in entries:
            if key == "type":
                continue
            if not _COLUMN.fullmatch(key):
                raise PhoneRowError(f"pjsip.conf: phone {name!r}: option {key!r} is not a name")
            if key == "set_var":
                variables.append(value)
            else:
                row[key] = value
        if variables:
            row["set_var"] = _one_set_var(name, variables)
        rows[(table, name)] = row
    return rows


def _entries(body: str) -> list[tuple[str, str]]:
    """``key=value`` lines of one section's body, as Asterisk reads them (confparse, which
    knows comments and ``\\;``, only for a body that has a ``;``)."""
    if ";" in body:
        return [(e.key, e.value) for s in confparse.parse("[x]\n" + body).sections
                for e in s.entries]  # fmt: skip
    entries = []
    for line in body.split("\n"):
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            entries.append((key.strip(), value.removeprefix(">").strip()))
    return entries


def _one_set_var(phone: str, variables: list[str]) -> str:
    """``set_var`` lines as one: a realtime row has one ``set_var`` column, and res_pjsip
    sets one variable per value. Several become ``ARRAY(A,B)=a,b``: chan_pjsip sets an
    endpoint's variables with pbx_builtin_setvar_helper, which writes a name ending in
    ``)`` through its dialplan function, and ARRAY() sets each variable (``__`` prefixes,
    inheritance, included)."""
    if len(variables) == 1:
        return variables[0]
    names, values = [], []
    for variable in variables:
        name, sep, value = variable.partition("=")
        if not sep or _ARRAY_UNSAFE.search(name) or _ARRAY_UNSAFE.search(value):
            raise PhoneRowError(
                f"pjsip.conf: phone {phone!r}: set_var {variable!r} cannot be combined with "
                'its other set_var lines in one realtime row (no , ( ) " or \\ allowed)'
            )
        names.append(name)
        values.append(value)
    return f"ARRAY({','.join(names)})={','.join(values)}"


# -- the phone database --------------------------------------------------------------------


def db_path(directory: Path) -> Path:
    return directory / DB_FILE


def _quote(name: str) -> str:
    if not _COLUMN.fullmatch(name):
        raise PhoneRowError(f"{name!r} cannot be a column of the phone tables")
    return f'"{name}"'


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating) the phone database: mode 0640 with the directory's group, the tables
    Asterisk reads and our digests. Autocommit mode; transactions are explicit."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, DB_FILE_MODE)
        os.close(fd)
    with contextlib.suppress(PermissionError):
        path.chmod(DB_FILE_MODE)
        os.chown(path, -1, path.parent.stat().st_gid)
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    # Rollback journal (not WAL): Asterisk only reads, and a reader of a WAL file needs
    # write access to its -shm file. Asterisk's own busy timeout is 1 s.
    db.execute("PRAGMA busy_timeout = 10000")
    for table, columns in COLUMNS.items():
        _ensure_table(db, table, columns)
    db.execute(
        "CREATE TABLE IF NOT EXISTS pbx_phone_sections "
        "(tbl TEXT NOT NULL, id TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (tbl, id))"
    )
    db.execute("CREATE TABLE IF NOT EXISTS pbx_meta (key TEXT PRIMARY KEY, value TEXT)")
    return db


def _table_sql(table: str, columns: Iterable[str]) -> str:
    """A phone table as Asterisk should find it: rows in *descending* id order. Sorcery
    collects "all endpoints" (every res_pjsip reload lists all aors and endpoints) into a
    list kept sorted by id that it walks from the front for each row it adds: rows that
    come in ascending order make that quadratic (50 million id comparisons for 10,000
    phones, per list), descending ones cost one comparison each. A table without rowid
    keeps its rows in key order, so a full scan (Asterisk's ``id LIKE '%'``) returns them
    descending whatever order they were written in; a lookup by id uses the same key."""
    others = "".join(f", {_quote(c)} TEXT" for c in columns if c != "id")
    return f"CREATE TABLE {table} (id TEXT NOT NULL{others}, PRIMARY KEY (id DESC)) WITHOUT ROWID"


def _ensure_table(db: sqlite3.Connection, table: str, columns: Iterable[str]) -> None:
    """Create ``table``, or bring one of an earlier layout (a rowid table, whose rows came
    out in the order they were written) to descending keys, its rows and columns kept."""
    found = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    row = found.fetchone()
    if row is None:
        db.execute(_table_sql(table, columns))
        return
    if "WITHOUT ROWID" in row[0].upper():
        return
    have = _columns(db, table)
    names = ", ".join(_quote(c) for c in have)
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(_table_sql(f"{table}_desc", have))
        db.execute(f"INSERT INTO {table}_desc ({names}) SELECT {names} FROM {table}")  # noqa: S608
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_desc RENAME TO {table}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _read_only(path: Path) -> sqlite3.Connection:
    """The database for reading only (``pbxctl dialplan diff`` changes nothing); an empty
    in-memory one when there is no file yet."""
    if not path.exists():
        return sqlite3.connect(":memory:")
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=10)
    db.execute("PRAGMA busy_timeout = 10000")
    return db


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def read_rows(db: sqlite3.Connection, keys: Iterable[Key] | None = None) -> dict[Key, Row]:
    """Rows by (table, id); all of them when ``keys`` is None. Empty values left out."""
    wanted: dict[str, list[str]] = {}
    if keys is not None:
        for table, name in keys:
            wanted.setdefault(table, []).append(name)
    result: dict[Key, Row] = {}
    for table in COLUMNS:
        columns = _columns(db, table)
        select = f"SELECT {', '.join(_quote(c) for c in columns)} FROM {table}"  # noqa: S608
        if keys is None:
            batches: list[list[str]] = [[]]
        else:
            ids = wanted.get(table, [])
            batches = [ids[i : i + 500] for i in range(0, len(ids), 500)]
        for batch in batches:
            query = select
            if keys is not None:
                query += f" WHERE id IN ({','.join('?' * len(batch))})"
            for values in db.execute(query, batch):
                row = {c: v for c, v in zip(columns, values, strict=True) if v not in (None, "")}
                result[(table, row["id"])] = row
    return result


@dataclass
class PhoneSync:
    """What an apply changes in the phone database, and how to undo it."""

    path: Path
    rows: dict[Key, Row | None] = field(default_factory=dict)  # new row; None: delete
    digests: dict[Key, str | None] = field(default_factory=dict)
    templates_digest: str = ""
    old_rows: dict[Key, Row] = field(default_factory=dict)
    old_digests: dict[Key, str] = field(default_factory=dict)
    old_templates_digest: str | None = None
    written: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.rows) or self.templates_digest != self.old_templates_digest

    def phones(self) -> tuple[list[str], list[str], list[str]]:
        """Phone ids added, changed and removed (a phone is its three rows)."""
        ids = sorted({name for _table, name in self.rows})
        before = {name for _table, name in self.old_rows}
        after = {name for (_table, name), row in self.rows.items() if row is not None}
        added = [i for i in ids if i not in before]
        removed = [i for i in ids if i not in after]
        changed = [i for i in ids if i in before and i in after]
        return added, changed, removed

    def summary(self) -> str:
        added, changed, removed = self.phones()
        parts = [
            f"{len(ids)} {what}" + (f" ({', '.join(ids[:5])}{'...' if len(ids) > 5 else ''})")
            for what, ids in (("added", added), ("changed", changed), ("removed", removed))
            if ids
        ]
        return f"{DB_FILE} (phones: {', '.join(parts) or 'templates'})"

    def write(self) -> None:
        """Write the new rows, deletions and digests in one transaction."""
        with contextlib.closing(connect(self.path)) as db:
            _write(db, self.rows, self.digests, self.templates_digest)
        self.written = True

    def undo(self) -> None:
        """Put back the rows this sync replaced (after a failed apply)."""
        if not self.written:
            return
        rows: dict[Key, Row | None] = {k: self.old_rows.get(k) for k in self.rows}
        digests: dict[Key, str | None] = {k: self.old_digests.get(k) for k in self.rows}
        with contextlib.closing(connect(self.path)) as db:
            _write(db, rows, digests, self.old_templates_digest)
        self.written = False


def _write(
    db: sqlite3.Connection,
    rows: Mapping[Key, Row | None],
    digests: Mapping[Key, str | None],
    templates_digest: str | None,
) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        for table in COLUMNS:
            have = _columns(db, table)
            needed = {c for (t, _n), row in rows.items() if t == table and row for c in row}
            for column in sorted(needed - set(have)):
                db.execute(f"ALTER TABLE {table} ADD COLUMN {_quote(column)} TEXT")
        by_shape: dict[tuple[str, tuple[str, ...]], list[tuple[str, ...]]] = {}
        deletions: dict[str, list[tuple[str]]] = {}
        for (table, name), row in rows.items():
            if row is None:
                deletions.setdefault(table, []).append((name,))
            else:
                columns = tuple(row)
                by_shape.setdefault((table, columns), []).append(tuple(row[c] for c in columns))
        for table, names in deletions.items():
            db.executemany(f"DELETE FROM {table} WHERE id = ?", names)  # noqa: S608
        for (table, columns), values in by_shape.items():
            # REPLACE: a column the new row has not got must not keep an old value.
            marks = ",".join("?" * len(columns))
            names = ",".join(_quote(c) for c in columns)
            db.executemany(f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
        db.executemany(
            "DELETE FROM pbx_phone_sections WHERE tbl = ? AND id = ?",
            [k for k, d in digests.items() if d is None],
        )
        db.executemany(
            "INSERT OR REPLACE INTO pbx_phone_sections (tbl, id, digest) VALUES (?, ?, ?)",
            [(t, n, d) for (t, n), d in digests.items() if d is not None],
        )
        if templates_digest is None:
            db.execute("DELETE FROM pbx_meta WHERE key = 'templates'")
        else:
            db.execute(
                "INSERT OR REPLACE INTO pbx_meta (key, value) VALUES ('templates', ?)",
                (templates_digest,),
            )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def plan(path: Path, split_file: Split) -> PhoneSync:
    """Compare the phone sections with what the database holds: the rows to write."""
    sync = PhoneSync(path, templates_digest=_digest(split_file.templates))
    new_digests = {key: _digest(text) for key, text in split_file.sections.items()}
    with contextlib.closing(_read_only(path)) as db:
        try:
            meta = dict(db.execute("SELECT key, value FROM pbx_meta"))
            query = "SELECT tbl, id, digest FROM pbx_phone_sections"
            stored = {(t, n): d for t, n, d in db.execute(query)}
        except sqlite3.OperationalError:  # no database yet, or one without our tables
            meta, stored = {}, {}
        sync.old_templates_digest = meta.get("templates")
        everything = sync.old_templates_digest != sync.templates_digest
        touched = [k for k, d in new_digests.items() if everything or stored.get(k) != d]
        gone = [k for k in stored if k not in new_digests]
        if not touched and not gone:
            return sync
        if stored:
            sync.old_rows = read_rows(db, [*touched, *gone])
    sync.old_digests = {k: stored[k] for k in [*touched, *gone] if k in stored}
    new_rows = rows_of(split_file.templates, {k: split_file.sections[k] for k in touched})
    for key in touched:
        if sync.old_rows.get(key) != new_rows[key] or stored.get(key) != new_digests[key]:
            sync.rows[key] = new_rows[key]
            sync.digests[key] = new_digests[key]
    for key in gone:
        sync.rows[key] = None
        sync.digests[key] = None
    return sync


@dataclass
class Prepared:
    files: dict[str, str]  # the files with pjsip.conf as Asterisk reads it
    sync: PhoneSync | None  # None: pjsip.conf was not among the files


def prepare(files: Mapping[str, str], directory: Path) -> Prepared:
    """The files to write (``pjsip.conf`` without the phones) and the phone rows to write."""
    if PJSIP_FILE not in files or not files[PJSIP_FILE].strip():
        return Prepared(dict(files), None)
    parts = split(files[PJSIP_FILE])
    return Prepared({**files, PJSIP_FILE: parts.pjsip}, plan(db_path(directory), parts))


# -- confirming Asterisk sees them ----------------------------------------------------------

CHECKED = 8  # endpoints read back after a change (a full load of 10,000 checks a sample)
PREPARED_AORS = 20  # at most this many new phones get their AOR set up by the apply
PREPARE_TIMEOUT = 2.0  # seconds to wait for Asterisk to set one up


def _sample(ids: list[str]) -> list[str]:
    if len(ids) <= CHECKED:
        return ids
    step = (len(ids) - 1) / (CHECKED - 1)
    return sorted({ids[round(i * step)] for i in range(CHECKED)})


async def verify(ami: AmiSession, sync: PhoneSync) -> list[str]:
    """Ask Asterisk for some of the added or changed endpoints (and removed ones): each is
    one realtime lookup by id, as a phone's next request will be."""
    added, changed, removed = sync.phones()
    endpoints = {n for (t, n), row in sync.rows.items() if t == "ps_endpoints" and row}
    problems = []
    for phone in _sample([p for p in added + changed if p in endpoints]):
        output = await ami.command(f"pjsip show endpoint {phone}")
        if "Unable to find" in output or f"Endpoint:  {phone}" not in output:
            problems.append(
                f"{DB_FILE}: Asterisk does not see phone {phone}: is PJSIP realtime set up "
                "(`pbxctl dialplan setup`, then restart Asterisk)? Asterisk keeps the file "
                "open: after it was deleted or replaced, restart Asterisk"
            )
            break
    # A new phone's first REGISTER makes Asterisk set up its AOR's qualify and endpoint
    # state, reading every endpoint row to find who uses it (0.5 s with 10,000 phones on the
    # loaded machine, during which the REGISTER waits): do it now, for a few new phones.
    if not problems and len(added) <= PREPARED_AORS:
        aors = {n for (t, n), row in sync.rows.items() if t == "ps_aors" and row}
        for phone in (p for p in added if p in aors):
            # Best effort: while res_pjsip is busy (a reload walking the phones) Asterisk
            # answers late; the phone's REGISTER then does it, as without this step.
            try:
                command = {"Command": f"pjsip reload qualify aor {phone}"}
                await ami.send("Command", command, timeout=PREPARE_TIMEOUT)
            except AmiError:
                break
    for phone in _sample(removed)[:2]:
        output = await ami.command(f"pjsip show endpoint {phone}")
        if "Unable to find" not in output:
            problems.append(f"{DB_FILE}: Asterisk still has the removed phone {phone}")
    return problems


# -- for `pbxctl dialplan diff` ---------------------------------------------------------------


def describe(sync: PhoneSync) -> list[str]:
    """The row changes, one line each, secrets not shown."""
    lines = []
    for (table, name), row in sorted(sync.rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        old = sync.old_rows.get((table, name))
        if row is None:
            lines.append(f"- phone {name}: {table} row removed")
        elif old is None:
            shown = ", ".join(
                f"{c}=***" if c in SECRET_COLUMNS else f"{c}={v}"
                for c, v in row.items()
                if c != "id"
            )
            lines.append(f"+ phone {name}: {table} row added: {shown}")
        else:
            for column in sorted(set(row) | set(old)):
                before, after = old.get(column), row.get(column)
                if before == after:
                    continue
                if column in SECRET_COLUMNS:
                    lines.append(f"~ phone {name}: {table}.{column} changed (not shown)")
                else:
                    lines.append(f"~ phone {name}: {table}.{column} {before!r} -> {after!r}")
    return lines


# -- Asterisk's side: sorcery, extconfig, res_config_sqlite3 ---------------------------------

# Top-level file -> (our generated file's name, the section it adds to).
ASTERISK_FILES: dict[str, str] = {
    "sorcery.conf": "res_pjsip",
    "extconfig.conf": "settings",
    "res_config_sqlite3.conf": DATABASE,
}
MODULES = ("res_config_sqlite3.so", "res_sorcery_realtime.so")


def asterisk_files(dbfile: str, extend: Iterable[str] = ()) -> dict[str, str]:
    """The generated files that make Asterisk read phones from ``dbfile`` (the database's
    absolute path as Asterisk sees it), by top-level file name. ``extend``: top-level files
    that already open our section, so ours adds to theirs (``[section](+)``)."""
    extend = set(extend)

    def header(top: str) -> str:
        section = ASTERISK_FILES[top]
        return f"[{section}](+)" if top in extend else f"[{section}]"

    wizards = "\n".join(
        f"{kind}=config,pjsip.conf,criteria=type={kind}\n{kind}=realtime,{table}"
        for kind, table in TABLES.items()
    )
    mappings = "\n".join(f"{table} => sqlite3,{DATABASE}" for table in TABLES.values())
    return {
        # Phones: pjsip.conf first (trunks, and phones until the first apply moves them),
        # then the realtime tables, for the three types phones are made of. No sorcery
        # memory cache: with one, a res_pjsip reload took ms instead of 40-47 s, but lists of
        # all endpoints stop at the cache, and a phone added after the start never came
        # online (its device state stayed Unavailable: queues did not ring it).
        "sorcery.conf": f"{header('sorcery.conf')}\n{wizards}\n",
        "extconfig.conf": f"{header('extconfig.conf')}\n{mappings}\n",
        # batch=0: with the default batching Asterisk keeps a transaction open on the file,
        # and the controller's writes fail ("database is locked") or stay unseen.
        "res_config_sqlite3.conf": f"{header('res_config_sqlite3.conf')}\n"
        f"dbfile={dbfile}\nbatch=0\nrequirements=warn\n",
    }


def sandbox_files(generated: str) -> dict[str, str]:
    """The same for a sandbox (chroot) Asterisk whose configuration directory is
    /etc/asterisk: the top-level files including ours, and ours (``generated``: the
    generated directory's name below it)."""
    dbfile = f"/etc/asterisk/{generated}/{DB_FILE}"
    ours = {f"{generated}/{name}": text for name, text in asterisk_files(dbfile).items()}
    tops = {name: f"#include {generated}/{name}\n" for name in ASTERISK_FILES}
    return {**tops, **ours}
