"""The render cache: every generated file as segments, what each unit was built from, and
what each segment defines and refers to.

One SQLite file in the controller's data directory (``dialplan-cache.sqlite3``), so it is
shared by every process (``pbxctl dialplan apply`` is a new process each time) and
survives Asterisk's files being replaced. It describes one render of one configuration
revision: ``meta`` holds that revision and its journal token (controller.pbxconfig.revision),
the digest of everything else the files depend on (templates, settings, version) and the
extension count (the dialplan's extension contexts depend on it).

Tables:

- ``segment``: the pieces of each file's body in order (``ord``); ``path`` is the unit a
  piece belongs to ("" for the file's own text; see controller.dialplan.tracked), ``ctx``
  and ``ctx_end`` the section open where it starts and ends (for the lint).
- ``unit``: each unit, its owner (``"queues:sales"``) and its asterisklint shape.
- ``dep``: for each unit, every object it was built from, owner included: which units an
  object's change affects is one indexed query.
- ``fact``: what each segment defines and refers to (controller.dialplan.facts), indexed
  for the questions the incremental lint asks ("does context X have extension Y?", "who
  refers to context X?").
- ``shape``: the shapes asterisklint has checked.

Writes happen in one transaction per update: a reader never sees half an update, and an
update that fails its lint is rolled back, leaving the cache at its previous revision.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from controller.dialplan.facts import Fact
from controller.filemodes import PRIVATE_FILE, make_private_dirs

CACHE_FILE = "dialplan-cache.sqlite3"
FORMAT = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS segment (
    id INTEGER PRIMARY KEY, file TEXT NOT NULL, ord REAL NOT NULL, path TEXT NOT NULL,
    kind INTEGER NOT NULL, text TEXT NOT NULL, ctx TEXT, ctx_end TEXT);
CREATE INDEX IF NOT EXISTS segment_order ON segment (file, ord);
CREATE INDEX IF NOT EXISTS segment_path ON segment (file, path);
CREATE TABLE IF NOT EXISTS unit (
    file TEXT NOT NULL, path TEXT NOT NULL, owner TEXT NOT NULL, shape TEXT,
    PRIMARY KEY (file, path));
CREATE INDEX IF NOT EXISTS unit_owner ON unit (owner);
CREATE TABLE IF NOT EXISTS dep (obj TEXT NOT NULL, file TEXT NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dep_obj ON dep (obj);
CREATE INDEX IF NOT EXISTS dep_unit ON dep (file, path);
CREATE TABLE IF NOT EXISTS fact (
    seg INTEGER NOT NULL, kind TEXT NOT NULL, a TEXT, b TEXT, c TEXT, line INTEGER);
CREATE INDEX IF NOT EXISTS fact_seg ON fact (seg);
CREATE INDEX IF NOT EXISTS fact_a ON fact (kind, a, b);
CREATE INDEX IF NOT EXISTS fact_b ON fact (kind, b, c);
CREATE TABLE IF NOT EXISTS shape (digest TEXT PRIMARY KEY);
"""
_INDEXES = ("segment_order", "segment_path", "unit_owner", "dep_obj", "dep_unit", "fact_seg",
            "fact_a", "fact_b")  # fmt: skip


@dataclass(frozen=True, slots=True)
class SegmentRow:
    id: int
    ord: float
    path: str
    kind: int
    text: str
    ctx: str | None
    ctx_end: str | None


@dataclass(frozen=True, slots=True)
class NewSegment:
    path: str
    kind: int
    text: str
    ctx: str | None
    ctx_end: str | None
    facts: Sequence[Fact]


def fact_row(seg: int, fact: Fact) -> tuple[object, ...]:
    """A fact as (seg, kind, a, b, c, line); missing columns are NULL."""
    kind, *middle, line = fact
    cols = [*middle, None, None, None][:3]
    return (seg, kind, *cols, line)


def row_fact(kind: str, a: str | None, b: str | None, c: str | None, line: int) -> Fact:
    middle = [v for v in (a, b, c) if v is not None]
    if kind == "jump" and c is None:  # a jump names an extension, "" when none
        middle.append("")
    return (kind, *middle, line)


# The segment texts this process has read, by cache and generated file, for the cache's
# "generation" (a fill of the whole cache): a segment's text never changes (a unit that
# changes gets new segments) and no id is given out twice within a generation ("next_id"),
# so assembling a file again reads its segments' ids in order and only the new texts.
_TEXTS: dict[tuple[str, str], tuple[str, dict[int, str]]] = {}


def _forget_texts(path: Path) -> None:
    for key in [k for k in _TEXTS if k[0] == str(path)]:
        _TEXTS.pop(key, None)


class Cache:
    def __init__(self, path: Path) -> None:
        self.path = path
        make_private_dirs(path.parent)
        if not path.exists():
            # The cache holds phone passwords (the rendered files): 0600 like the database.
            path.touch(mode=PRIVATE_FILE)
            path.chmod(PRIVATE_FILE)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        if self.meta().get("format", FORMAT) != FORMAT:
            self.clear()

    @classmethod
    def open(cls, directory: Path) -> Cache:
        """The cache in ``directory``; a damaged one is replaced by an empty one."""
        path = directory / CACHE_FILE
        try:
            return cls(path)
        except sqlite3.DatabaseError:
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            return cls(path)

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            _forget_texts(self.path)  # it may have read texts of segments now undone
            raise
        self.db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, **values: str) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [*values.items(), ("format", FORMAT)],
        )

    def clear(self) -> None:
        for table in ("meta", "segment", "unit", "dep", "fact", "shape"):
            self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    # -- whole files --------------------------------------------------------------------------

    @contextlib.contextmanager
    def refill(self) -> Iterator[None]:
        """Empty the cache for a whole new content (in a transaction): the tables are
        emptied and their indexes made again after the rows are in, which is quicker
        than keeping them up to date row by row."""
        for index in _INDEXES:
            self.db.execute(f"DROP INDEX IF EXISTS {index}")
        for table in ("meta", "segment", "unit", "dep", "fact", "shape"):
            self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        yield  # on an exception the transaction's rollback brings the indexes back
        for statement in _SCHEMA.split(";"):
            if "CREATE INDEX" in statement:
                self.db.execute(statement)
        self.set_meta(generation=uuid.uuid4().hex)

    def add_segments(self, file: str, segments: Iterable[NewSegment], start: float = 0.0) -> None:
        """Append ``segments`` to ``file`` (a file being written whole)."""
        segments = list(segments)
        first = self._next_id(len(segments))
        self.db.executemany(
            "INSERT INTO segment (id, file, ord, path, kind, text, ctx, ctx_end) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (first + n, file, start + n, seg.path, seg.kind, seg.text, seg.ctx, seg.ctx_end)
                for n, seg in enumerate(segments)
            ],
        )
        self.db.executemany(
            "INSERT INTO fact VALUES (?, ?, ?, ?, ?, ?)",
            [fact_row(first + n, f) for n, seg in enumerate(segments) for f in seg.facts],
        )

    def _next_id(self, count: int) -> int:
        """The first of ``count`` new segment ids: never one given out before in this
        generation, even if its segment was deleted since (the assembled texts rely on it)."""
        row = self.db.execute("SELECT MAX(id) FROM segment").fetchone()
        given = self.db.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()
        first = max(int(row[0] or 0) + 1, int(given[0]) if given else 0)
        self.set_meta(next_id=str(first + count))
        return first

    def add_units(
        self, file: str, units: Iterable[tuple[str, str, str | None, Collection[str]]]
    ) -> None:
        """(path, owner, shape, objects it depends on) for each unit of ``file``."""
        units = list(units)
        self.db.executemany(
            "INSERT OR REPLACE INTO unit (file, path, owner, shape) VALUES (?, ?, ?, ?)",
            [(file, path, owner, shape) for path, owner, shape, _ in units],
        )
        self.db.executemany(
            "INSERT INTO dep (obj, file, path) VALUES (?, ?, ?)",
            [(obj, file, path) for path, owner, _, deps in units for obj in {owner, *deps}],
        )

    def set_digest(self, file: str, digest: str) -> None:
        self.set_meta(**{f"digest:{file}": digest})

    def body(self, file: str) -> str:
        """``file``'s body as the cache holds it (one snapshot: another process may be
        filling the cache meanwhile)."""
        if self.db.in_transaction:
            return self._body(file)
        self.db.execute("BEGIN")
        try:
            return self._body(file)
        finally:
            self.db.execute("COMMIT")

    def _body(self, file: str) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        key = (str(self.path), file)
        known = _TEXTS.get(key)
        if row is None or known is None or known[0] != row[0]:
            rows = self.db.execute(
                "SELECT id, text FROM segment WHERE file = ? ORDER BY ord", (file,)
            ).fetchall()
            if row is not None:
                _TEXTS[key] = (row[0], dict(rows))
            return "".join([text for _id, text in rows])
        texts = known[1]
        ids = [i for (i,) in self.db.execute(
            "SELECT id FROM segment WHERE file = ? ORDER BY ord", (file,)
        )]  # fmt: skip
        missing = [i for i in ids if i not in texts]
        if len(texts) + len(missing) > 2 * len(ids):  # many gone since: start afresh
            texts = {i: texts[i] for i in ids if i in texts}
        for chunk in _chunks(missing):
            marks = ",".join("?" * len(chunk))
            texts.update(
                self.db.execute(f"SELECT id, text FROM segment WHERE id IN ({marks})", chunk)  # noqa: S608
            )
        _TEXTS[key] = (row[0], texts)
        return "".join([texts[i] for i in ids])

    def segments(self, file: str) -> list[SegmentRow]:
        rows = self.db.execute(
            "SELECT id, ord, path, kind, text, ctx, ctx_end FROM segment "
            "WHERE file = ? ORDER BY ord",
            (file,),
        )
        return [SegmentRow(*row) for row in rows]

    # -- what a change affects ---------------------------------------------------------------

    def units_depending_on(self, objs: Collection[str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted(objs)):
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    f"SELECT file, path FROM dep WHERE obj IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
            )
        return found

    def owners_of(self, units: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        result = {}
        for file, path in units:
            row = self.db.execute(
                "SELECT owner FROM unit WHERE file = ? AND path = ?", (file, path)
            ).fetchone()
            if row is not None:
                result[(file, path)] = row[0]
        return result

    def units_of_owners(self, owners: Collection[str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted(owners)):
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    f"SELECT file, path FROM unit WHERE owner IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
            )
        return found

    def deps_of(self, units: Collection[tuple[str, str]]) -> set[str]:
        objs: set[str] = set()
        for file, path in units:
            objs.update(
                obj
                for (obj,) in self.db.execute(
                    "SELECT obj FROM dep WHERE file = ? AND path = ?", (file, path)
                )
            )
        return objs

    def units_under(self, file: str, unit: str) -> list[tuple[str, str]]:
        """``unit`` and the units nested in it."""
        rows = self.db.execute(
            "SELECT file, path FROM unit WHERE file = ? AND path >= ? AND path < ?",
            (file, unit, unit + "0"),
        )
        return [(f, path) for f, path in rows if _within(path, unit)]

    def present_units(self, file: str, paths: Sequence[str]) -> set[str]:
        """Which of ``paths`` are units of ``file``."""
        found: set[str] = set()
        for chunk in _chunks(paths):
            marks = ",".join("?" * len(chunk))
            found.update(
                path
                for (path,) in self.db.execute(
                    f"SELECT path FROM unit WHERE file = ? AND path IN ({marks})",  # noqa: S608
                    [file, *chunk],
                )
            )
        return found

    def has_unit(self, file: str, path: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM unit WHERE file = ? AND path = ?", (file, path)
        ).fetchone()
        return row is not None

    # -- changing a file in place -------------------------------------------------------------

    def span(self, file: str, unit: str) -> list[SegmentRow]:
        """The segments of ``unit`` and of everything nested in it, in order."""
        rows = self.db.execute(
            "SELECT id, ord, path, kind, text, ctx, ctx_end FROM segment INDEXED BY segment_path "
            "WHERE file = ? AND path >= ? AND path < ?",
            (file, unit, unit + "0"),
        )
        return sorted((SegmentRow(*r) for r in rows if _within(r[2], unit)), key=lambda r: r.ord)

    def marker(self, file: str, pass_path: str, kind: int) -> SegmentRow | None:
        row = self.db.execute(
            "SELECT id, ord, path, kind, text, ctx, ctx_end FROM segment "
            "WHERE file = ? AND path = ? AND kind = ?",
            (file, pass_path, kind),
        ).fetchone()
        return SegmentRow(*row) if row else None

    def after(self, file: str, ord_: float) -> SegmentRow | None:
        row = self.db.execute(
            "SELECT id, ord, path, kind, text, ctx, ctx_end FROM segment "
            "WHERE file = ? AND ord > ? ORDER BY ord LIMIT 1",
            (file, ord_),
        ).fetchone()
        return SegmentRow(*row) if row else None

    def before(self, file: str, ord_: float) -> SegmentRow | None:
        row = self.db.execute(
            "SELECT id, ord, path, kind, text, ctx, ctx_end FROM segment "
            "WHERE file = ? AND ord < ? ORDER BY ord DESC LIMIT 1",
            (file, ord_),
        ).fetchone()
        return SegmentRow(*row) if row else None

    def facts_of(self, seg_ids: Collection[int]) -> dict[int, list[Fact]]:
        result: dict[int, list[Fact]] = {i: [] for i in seg_ids}
        for chunk in _chunks(sorted(seg_ids)):
            marks = ",".join("?" * len(chunk))
            for seg, kind, a, b, c, line in self.db.execute(
                f"SELECT seg, kind, a, b, c, line FROM fact WHERE seg IN ({marks})",  # noqa: S608
                chunk,
            ):
                result[seg].append(row_fact(kind, a, b, c, line))
        return result

    def delete_segments(self, seg_ids: Collection[int]) -> None:
        for chunk in _chunks(sorted(seg_ids)):
            marks = ",".join("?" * len(chunk))
            self.db.execute(f"DELETE FROM segment WHERE id IN ({marks})", chunk)  # noqa: S608
            self.db.execute(f"DELETE FROM fact WHERE seg IN ({marks})", chunk)  # noqa: S608

    def delete_units(self, file: str, paths: Collection[str]) -> None:
        for path in paths:
            self.db.execute("DELETE FROM unit WHERE file = ? AND path = ?", (file, path))
            self.db.execute("DELETE FROM dep WHERE file = ? AND path = ?", (file, path))

    def insert_between(
        self, file: str, low: float, high: float, segments: Sequence[NewSegment]
    ) -> list[int]:
        """Put ``segments`` between the orders ``low`` and ``high``; their ids."""
        step = (high - low) / (len(segments) + 1)
        if step <= abs(high) * 1e-12 + 1e-300:
            raise OrderExhausted(file)
        first = self._next_id(len(segments))
        ids = [first + n for n in range(len(segments))]
        self.db.executemany(
            "INSERT INTO segment (id, file, ord, path, kind, text, ctx, ctx_end) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (seg_id, file, low + step * n, seg.path, seg.kind, seg.text, seg.ctx, seg.ctx_end)
                for n, (seg_id, seg) in enumerate(zip(ids, segments, strict=True), start=1)
            ],
        )
        self.db.executemany(
            "INSERT INTO fact VALUES (?, ?, ?, ?, ?, ?)",
            [fact_row(i, f) for i, seg in zip(ids, segments, strict=True) for f in seg.facts],
        )
        return ids

    def order_of(self, seg_id: int) -> float:
        return float(
            self.db.execute("SELECT ord FROM segment WHERE id = ?", (seg_id,)).fetchone()[0]
        )

    def renumber(self, file: str) -> None:
        """Spread the orders of ``file`` out again (after many insertions at one place)."""
        ids = [i for (i,) in self.db.execute(
            "SELECT id FROM segment WHERE file = ? ORDER BY ord", (file,)
        )]  # fmt: skip
        self.db.executemany(
            "UPDATE segment SET ord = ? WHERE id = ?", [(n, i) for n, i in enumerate(ids)]
        )

    def update_context(self, seg_id: int, ctx: str | None, facts: Sequence[Fact]) -> None:
        """A segment whose enclosing section changed (the one before it now ends elsewhere)."""
        self.db.execute("UPDATE segment SET ctx = ? WHERE id = ?", (ctx, seg_id))
        self.db.execute("DELETE FROM fact WHERE seg = ?", (seg_id,))
        self.db.executemany(
            "INSERT INTO fact VALUES (?, ?, ?, ?, ?, ?)", [fact_row(seg_id, f) for f in facts]
        )

    # -- the questions of the incremental lint ------------------------------------------------

    def count(self, kind: str, a: str, b: str | None = None) -> int:
        if b is None:
            row = self.db.execute(
                "SELECT COUNT(*) FROM fact WHERE kind = ? AND a = ?", (kind, a)
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT COUNT(*) FROM fact WHERE kind = ? AND a = ? AND b = ?", (kind, a, b)
            ).fetchone()
        return int(row[0])

    def column(self, sql: str, *params: object) -> list[str]:
        return [value for (value,) in self.db.execute(sql, params)]

    def seg_file_line(self, seg_id: int) -> tuple[str, float] | None:
        row = self.db.execute("SELECT file, ord FROM segment WHERE id = ?", (seg_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def known_shapes(self, digests: Collection[str]) -> set[str]:
        known: set[str] = set()
        for chunk in _chunks(sorted(digests)):
            marks = ",".join("?" * len(chunk))
            known.update(
                d
                for (d,) in self.db.execute(
                    f"SELECT digest FROM shape WHERE digest IN ({marks})",  # noqa: S608
                    chunk,
                )
            )
        return known

    def add_shapes(self, digests: Iterable[str]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO shape (digest) VALUES (?)", [(d,) for d in digests]
        )


def _within(path: str, unit: str) -> bool:
    # One range scan of the (file, path) index finds ``unit`` and what is nested in it
    # ("unit/..."), plus siblings that merely start alike ("unit-2", "unit#..."): those
    # are dropped here. An OR of both conditions made SQLite scan the file in order instead.
    return path == unit or path.startswith(unit + "/")


class OrderExhausted(Exception):
    """No room left between two segments: renumber the file and try again."""


def _chunks(values: Sequence[str] | Sequence[int], size: int = 500) -> Iterator[list]:  # type: ignore[type-arg]
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
