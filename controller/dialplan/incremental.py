"""Bring the render cache to the stored configuration's revision, rendering only what changed.

The journal (controller.pbxconfig.revision) says which objects changed since the revision the
cache holds. The cache (controller.dialplan.cache) says which units of which files were
built from each object. An update then:

1. reads from the database the changed objects, the owners of every affected unit and what
   those units depend on (a few queries, whatever the size of the configuration);
2. builds the data of those owners only (the same build as for everything, given the
   objects it looks up in) and renders each concerned file with collections that hold only
   them, cutting the output into units (controller.dialplan.tracked);
3. replaces the affected units' segments in the cache, deletes those of removed objects and
   puts new ones after their predecessor in configuration order;
4. checks the new segments' references, and the references to whatever the old segments
   defined and nothing defines any more (controller.dialplan.lint); asterisklint sees each
   new *shape* of a unit once;
5. assembles the files that changed.

Anything the update cannot vouch for makes it render everything instead (:func:`full`): no
cache or another configuration's, a gap in the journal, changed site settings, templates or
settings, a new number of extension contexts, a loop that does not cut cleanly, text outside
the units that came out differently. Every full render also re-renders a sample of units
the incremental way and compares: templates whose units cannot be rendered on their own
(a loop body that depends on the other items) are always rendered whole.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from controller.dialplan import asterisklint
from controller.dialplan.build import BuildError, _Builder, shard_count
from controller.dialplan.cache import Cache, NewSegment, OrderExhausted, SegmentRow, row_fact
from controller.dialplan.escape import Safe
from controller.dialplan.facts import Fact, extract
from controller.dialplan.lint import (
    LintIssue,
    Piece,
    check_pieces,
    check_references,
    file_kind,
    pjsip_types,
)
from controller.dialplan.model import Options
from controller.dialplan.render import (
    FILES,
    GENERATED_DIR,
    MODULE_OF,
    FileSpec,
    Module,
    Renderer,
    compose,
    digest,
)
from controller.dialplan.tracked import (
    BEGIN,
    END,
    LEVEL_SEP,
    TEXT,
    Recorded,
    Segment,
    Tracked,
    key_of,
    parent_of,
    pass_of,
    unit_path,
)
from controller.dialplan.tracking import (
    AGENTS,
    EXTENSIONS,
    OUTBOUND_ROUTES,
    QUEUES,
    TRUNKS,
    obj,
    split_obj,
    track,
)
from controller.pbxconfig import schema as s
from controller.pbxconfig.export import SECTION_MODELS, export_config, export_objects
from controller.pbxconfig.revision import changes_since, current_revision, revision_token

# Sections whose objects own units, and the files they own units in.
SECTION_FILES: dict[str, tuple[str, ...]] = {
    "inbound_routes": ("extensions.conf",),
    "agents": ("extensions.conf",),
    "recording_policies": ("extensions.conf",),
    "time_conditions": ("extensions_routes.conf",),
    "holiday_calendars": ("extensions_routes.conf",),
    "ivr_menus": ("extensions_ivr.conf",),
    "queues": ("extensions_queues.conf", "queues.conf"),
    "extensions": ("extensions_phones.conf", "pjsip.conf", "voicemail.conf"),
    "outbound_routes": ("extensions_outbound.conf",),
    "trunks": ("pjsip.conf",),
    "moh_classes": ("musiconhold.conf",),
}
# More changed objects than this: rendering everything is about as fast, and simpler.
MAX_CHANGED = 400
# Keys read at a time when looking for a new object's predecessor in configuration order.
_EARLIER_BATCH = 64
# Units of each section re-rendered the incremental way after a full render, as a check.
SAMPLE_PER_SECTION = 3
SPEC_OF = {spec.name: spec for spec in FILES}


# Where a full render may find a file's segment facts extracted elsewhere: for each text
# segment, its facts and the section open at its end (facts.extract's), or None.
FactsSource = Callable[[str], Sequence[tuple[Sequence[Fact], str | None]] | None]
# Told a full render's files (name -> text) and their segments before they are linted.
Rendered = Callable[[dict[str, str], Mapping[str, Recorded]], FactsSource | None] | None


class Fallback(Exception):
    """The update cannot vouch for an incremental result: render everything."""


@dataclass
class Update:
    """What bringing the cache to the current revision did."""

    revision: int
    full: bool
    texts: dict[str, str] = field(default_factory=dict)  # files that changed, whole
    units: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> owner -> text
    issues: list[LintIssue] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    reason: str = ""  # why everything was rendered
    digests: dict[str, str] = field(default_factory=dict)  # every file's, after a full render
    # After full(defer_fill=True): fills the given cache with this render (else None).
    fill: Callable[[Cache], None] | None = None

    @property
    def errors(self) -> list[LintIssue]:
        return [i for i in self.issues if i.error]


class _Refused(Exception):
    def __init__(self, issues: list[LintIssue]) -> None:
        self.issues = issues


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now


# -- the entry point ---------------------------------------------------------------------------


def update(
    cache: Cache,
    session: Session,
    renderer: Renderer,
    options: Options,
    inputs: str,
    *,
    use_asterisklint: bool = True,
    defer_fill: bool = False,
    rendered: Rendered = None,
) -> Update:
    """Bring ``cache`` to the revision ``session`` sees (one read transaction). A full render
    with ``defer_fill`` leaves the filling of the cache to the caller (:attr:`Update.fill`);
    ``rendered`` is told a full render's files before they are linted."""
    clock = _Clock()
    revision = current_revision(session)
    token = revision_token(session, revision) or f"unjournaled-{revision}"
    meta = cache.meta()
    if meta.get("inputs") != inputs:
        reason = "templates or settings changed" if meta else "no render cache yet"
        return full(cache, session, renderer, options, inputs, revision, token, reason, clock,
                    use_asterisklint=use_asterisklint, defer_fill=defer_fill,
                    rendered=rendered)  # fmt: skip
    held = int(meta.get("revision", "-1"))
    if held == revision and meta.get("token") == token:
        return Update(revision, False, seconds=clock.seconds)
    changes = changes_since(session, held, meta.get("token", ""), revision)
    reason = ""
    if changes is None:
        reason = "the change journal does not cover it"
    elif changes.site:
        reason = "site settings changed"
    elif meta.get("incremental") != "yes":
        reason = "the templates' units cannot be rendered on their own"
    elif changes.count() > MAX_CHANGED:
        reason = f"{changes.count()} objects changed"
    elif changes.reordered & set(SECTION_FILES):
        # Units follow configuration order: moving objects around moves every unit.
        reason = f"{', '.join(sorted(changes.reordered & set(SECTION_FILES)))} reordered"
    if changes is None or reason:
        return full(cache, session, renderer, options, inputs, revision, token, reason, clock,
                    use_asterisklint=use_asterisklint, defer_fill=defer_fill,
                    rendered=rendered)  # fmt: skip
    changed = {
        obj(section, key)
        for section, keys in changes.keys.items()
        if section in SECTION_FILES
        for key in keys
    }
    try:
        with cache.transaction():
            now = cache.meta()
            if (now.get("revision"), now.get("token")) != (meta.get("revision"), meta.get("token")):
                # Another process updated the cache since it was read: start from what it holds.
                raise Fallback("the render cache changed under this update")
            result = _Incremental(cache, session, renderer, options, clock).run(
                changed, changes.resized, int(meta.get("extensions", "0")), use_asterisklint
            )
            cache.set_meta(revision=str(revision), token=token)
    except _Refused as refused:
        return Update(revision, False, issues=refused.issues, seconds=clock.seconds)
    except Fallback as fallback:
        return full(cache, session, renderer, options, inputs, revision, token, str(fallback),
                    clock, use_asterisklint=use_asterisklint, defer_fill=defer_fill,
                    rendered=rendered)  # fmt: skip
    result.revision = revision
    result.seconds = clock.seconds
    return result


# -- everything ----------------------------------------------------------------------------------


def full(
    cache: Cache,
    session: Session,
    renderer: Renderer,
    options: Options,
    inputs: str,
    revision: int,
    token: str,
    reason: str,
    clock: _Clock | None = None,
    *,
    use_asterisklint: bool = True,
    defer_fill: bool = False,
    rendered: Rendered = None,
) -> Update:
    """Render every file, fill the cache with it, lint it. With ``defer_fill`` the cache is
    not filled: :attr:`Update.fill` does it (in a transaction of the cache it is given).
    ``rendered`` gets every file as soon as it is rendered, before the lint (the apply
    prepares the phone rows on the second core meanwhile)."""
    clock = clock or _Clock()
    snapshot = export_config(session, include_secrets=True)
    clock.lap("read")
    built = _Builder(snapshot, options)
    data = built.build()
    if built.problems:
        raise BuildError(built.problems)
    tracked = track(data)
    clock.lap("build")
    recorded = {spec.name: renderer.render_recorded(spec, getattr(tracked, spec.data))
                for spec in FILES}  # fmt: skip
    texts = {name: compose(SPEC_OF[name], "".join([seg.text for seg in rec.segments]))
             for name, rec in recorded.items()}  # fmt: skip
    given_facts = rendered(texts, recorded) if rendered is not None else None
    clock.lap("render")
    pieces: list[Piece] = []
    units: dict[str, list[tuple[str, str, str | None, frozenset[str]]]] = {}
    rows: dict[str, list[NewSegment]] = {}
    shapes: dict[str, tuple[str, str, str | None]] = {}  # shape -> (file, text, ctx)
    static: list[tuple[str, str, str | None]] = []  # the files' own text (not in a unit)
    memo: dict[int, frozenset[str]] = {}  # shape_of's, while the views are alive
    for name, rec in recorded.items():
        kind = file_kind(name)
        segments, line = [], HEADER_LINES + 1
        ctx: str | None = None
        own_text: dict[str, list[str]] = {}
        first_ctx: dict[str, str | None] = {}
        given = iter(given_facts(name) or ()) if given_facts is not None else iter(())
        for seg in rec.segments:
            facts: Sequence[Fact] = []
            end = ctx
            if seg.kind == TEXT:
                # Extracted elsewhere (the phone process extracts pjsip.conf's meanwhile),
                # from the same texts in the same order, or here.
                facts, end = next(given, None) or extract(kind, seg.text, ctx)
                pieces.append(Piece(name, line, facts))
                if seg.path == "" and MODULE_OF[name] is Module.DIALPLAN:
                    static.append((name, seg.text, ctx))
                line += seg.text.count("\n")
                own_text.setdefault(seg.path, []).append(seg.text)
                first_ctx.setdefault(seg.path, ctx)
            segments.append(NewSegment(seg.path, seg.kind, seg.text, ctx, end, facts))
            ctx = end
        rows[name] = segments
        file_units = []
        for path, info in rec.units.items():
            shape = None
            if MODULE_OF[name] is Module.DIALPLAN:
                text = "".join(own_text.get(path, ()))
                shape = shape_of(text, info.item, memo)
                shapes.setdefault(shape, (name, text, first_ctx.get(path)))
            file_units.append((path, info.owner, shape, info.deps))
        units[name] = file_units
    running = None
    if use_asterisklint:
        running = asterisklint.start(_units_for_asterisklint(static + list(shapes.values())))
    issues = check_pieces(pieces)
    clock.lap("lint")
    decomposable = all(rec.complete for rec in recorded.values()) and _sample_matches(
        renderer, options, snapshot, recorded
    )
    clock.lap("check units")
    extension_count = len(snapshot.extensions)
    digests = {name: digest(text) for name, text in texts.items()}

    def fill(into: Cache) -> None:
        for name in recorded:
            into.add_segments(name, rows[name])
            into.add_units(name, units[name])
            into.set_digest(name, digests[name])
            into.set_meta(**{f"static:{name}": _static_digest(recorded[name])})
        into.set_meta(
            revision=str(revision),
            token=token,
            inputs=inputs,
            extensions=str(extension_count),
            incremental="yes" if decomposable else "no",
        )
        if running is not None:  # the shapes asterisklint saw, and passed
            into.add_shapes(shapes)

    if defer_fill:
        # asterisklint's verdict now (an error refuses the apply); the cache is filled by
        # the caller, while Asterisk reloads.
        if running is not None:
            issues += _asterisklint_issues(running, representatives=True)
        clock.lap("asterisklint")
        if any(i.error for i in issues):
            return Update(revision, True, issues=issues, seconds=clock.seconds, reason=reason)

        def deferred(into: Cache) -> None:
            with into.transaction(), into.refill():
                fill(into)

        return Update(revision, True, texts=texts, issues=issues, seconds=clock.seconds,
                      reason=reason, digests=digests, fill=deferred)  # fmt: skip
    try:
        with cache.transaction(), cache.refill():
            fill(cache)  # while asterisklint runs
            if running is not None:
                issues += _asterisklint_issues(running, representatives=True)
            if any(i.error for i in issues):
                raise _Refused(issues)
    except _Refused as refused:
        clock.lap("cache")
        return Update(revision, True, issues=refused.issues, seconds=clock.seconds, reason=reason)
    clock.lap("cache")
    return Update(revision, True, texts=texts, issues=issues, seconds=clock.seconds,
                  reason=reason, digests=digests)  # fmt: skip


HEADER_LINES = 3  # render.HEADER


def _static_digest(rec: Recorded) -> str:
    """The digest of a file's own text (outside its units), which an update cannot change."""
    own = (seg.text for seg in rec.segments if seg.path == "" and seg.kind == TEXT)
    return digest("\0".join(own))


def _sample_matches(
    renderer: Renderer, options: Options, snapshot: s.PbxConfig, recorded: Mapping[str, Recorded]
) -> bool:
    """Render a few owners of each section on their own and compare with the whole render."""
    owners: set[str] = set()
    for section in SECTION_FILES:
        items = getattr(snapshot, section)
        key_field = s.SECTION_KEYS[section][0]
        picks = {0, len(items) // 2, len(items) - 1} if items else set()
        owners.update(obj(section, getattr(items[i], key_field)) for i in picks)
    if not owners:
        return True
    partial = _partial(snapshot, owners)
    builder = _Builder(partial, options, lookup=snapshot, extension_count=len(snapshot.extensions))
    tracked = track(builder.build())
    for name, whole in recorded.items():
        alone = renderer.render_recorded(SPEC_OF[name], getattr(tracked, SPEC_OF[name].data))
        mine = _unit_segments(alone, owners)
        theirs = _unit_segments(whole, owners)
        if not alone.complete or mine != theirs:
            return False
    return True


def _within(path: str, unit: str) -> bool:
    return path == unit or path.startswith(unit + "/")


def _unit_segments(rec: Recorded, owners: Collection[str]) -> dict[str, list[Segment]]:
    """The segments of each unit (nested ones included) whose owner is one of ``owners``."""
    found: dict[str, list[Segment]] = {
        path: [] for path, info in rec.units.items() if info.owner in owners
    }
    if not found:
        return found
    for seg in rec.segments:
        # The segment's unit and every unit it is nested in ("a/b/c", "a/b", "a").
        path = seg.path
        while path:
            if path in found:
                found[path].append(seg)
            path = path.rpartition(LEVEL_SEP)[0]
    return found


def _same_segments(span: Sequence[SegmentRow], segments: Sequence[Segment]) -> bool:
    """Whether a unit's cached segments are what it rendered to now, piece for piece."""
    return (
        bool(span)
        and len(span) == len(segments)
        and all(
            old.path == new.path and old.kind == new.kind and old.text == new.text
            for old, new in zip(span, segments, strict=True)
        )
    )


def _own_text(segments: Sequence[Segment]) -> str:
    """A unit's own text (without the units nested in it)."""
    return "".join(
        seg.text for seg in segments if seg.kind == TEXT and seg.path == segments[0].path
    )


def _units_within(rec: Recorded, path: str) -> list[tuple[str, str, str | None, Any]]:
    """(path, owner, shape, objects it depends on) of ``path`` and the units nested in it."""
    return [
        (p, i.owner, None, i.deps)
        for p, i in rec.units.items()
        if p == path or p.startswith(path + "/")
    ]


def _partial(snapshot: s.PbxConfig, owners: Collection[str]) -> s.PbxConfig:
    """``snapshot`` with only the owners' objects in the sections that own units."""
    update: dict[str, Any] = {}
    for section in SECTION_FILES:
        key_field = s.SECTION_KEYS[section][0]
        update[section] = [
            x for x in getattr(snapshot, section) if obj(section, getattr(x, key_field)) in owners
        ]
    return snapshot.model_copy(update=update)


# -- shapes: what asterisklint has seen ----------------------------------------------------------


def _values(item: object, memo: dict[int, frozenset[str]] | None = None) -> frozenset[str]:
    """Every escaped value in ``item`` (a unit's view), however deeply nested. ``memo``
    (view id -> its values, for views that stay alive meanwhile): a full render asks for
    the views of a shard's 200 extensions again as units of their own, an agent's view in
    each pass."""
    if memo is not None:
        known = memo.get(id(item))
        if known is not None:
            return known
    found: set[str] = set()
    todo = [item]
    while todo:
        x = todo.pop()
        if isinstance(x, Safe):
            found.add(x)
        elif isinstance(x, tuple | list):
            todo.extend(x)
        elif isinstance(x, Tracked):  # a collection inside an item
            todo.extend(x.items)
        else:
            names = _FIELD_NAMES.get(type(x))
            if names is None:
                names = _FIELD_NAMES[type(x)] = (
                    tuple(f.name for f in fields(x)) if hasattr(x, "__dataclass_fields__") else ()  # type: ignore[arg-type]
                )
            if not names:
                continue
            if memo is not None and x is not item:
                found |= _values(x, memo)
            else:
                todo.extend(getattr(x, name) for name in names)
    result = frozenset(found)
    if memo is not None:
        memo[id(item)] = result
    return result


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # a view's class -> its fields' names


def shape_of(text: str, item: object, memo: dict[int, frozenset[str]] | None = None) -> str:
    """The unit's text with its own values taken out: units of one shape take the same
    template branches and differ only in escaped values, so asterisklint judges them alike.

    Numbers (penalties, timeouts, extension numbers) and repeats of one line (an agent's
    AddQueueMember per queue) do not make another shape either: asterisklint's verdict on a
    line does not depend on its digits, and a repeated line is checked in its first copy.
    The text asterisklint reads is always a real unit's, never the shape."""
    # Longest first (a value inside a longer one is not cut out of it), ties in one order.
    # Only the values the text holds: replacing one by "\x00" never makes another appear.
    found = [v for v in _values(item, memo) if len(v) >= 2 and v in text]
    for value in sorted(found, key=lambda v: (-len(v), v)):
        text = text.replace(value, "\x00")
    lines = _DIGITS.sub("9", text).split("\n")
    kept = [line for n, line in enumerate(lines) if n == 0 or line != lines[n - 1]]
    return hashlib.sha256("\n".join(kept).encode("utf-8")).hexdigest()[:20]


_DIGITS = re.compile(r"[0-9]+")


def _units_for_asterisklint(units: Sequence[tuple[str, str, str | None]]) -> str:
    """One dialplan of the given unit texts, each under the context it runs in."""
    out = ["[general]", ""]
    for _file, text, ctx in units:
        # The generated files include each other: here every piece is already present.
        text = _GENERATED_INCLUDE.sub("", text)
        stripped = text.lstrip("\n")
        if (
            ctx
            and not stripped.startswith("[")
            and any(
                line.strip() and not line.lstrip().startswith(";")
                for line in stripped.split("\n[", 1)[0].splitlines()
            )
        ):
            out.append(f"[{ctx}]")
        out.append(text.strip("\n"))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


_GENERATED_INCLUDE = re.compile(rf"(?m)^#include {GENERATED_DIR}/\S+\n?")


def _asterisklint_issues(
    running: asterisklint.Running, *, representatives: bool
) -> list[LintIssue]:
    return [
        LintIssue("extensions.conf", None, f"{found.message} (in the dialplan as asterisklint "
                  "saw it; run `pbxctl dialplan lint`)")
        for found in running.issues(ignore_references=representatives)
    ]  # fmt: skip


# -- the incremental update ----------------------------------------------------------------------


@dataclass
class _Loaded:
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # section -> key -> object
    order: dict[str, list[str]] = field(default_factory=dict)  # section -> keys read, in order
    site: s.Site | None = None


class _Incremental:
    def __init__(
        self,
        cache: Cache,
        session: Session,
        renderer: Renderer,
        options: Options,
        clock: _Clock,
    ) -> None:
        self.cache = cache
        self.session = session
        self.renderer = renderer
        self.options = options
        self.clock = clock
        self.loaded = _Loaded()
        self.rewritten: set[str] = set()  # files whose text this update changed

    # -- reading ---------------------------------------------------------------------------------

    def _read(self, objs: Iterable[str]) -> None:
        wanted: dict[str, set[str]] = {}
        for o in objs:
            section, key = split_obj(o)
            if section in SECTION_FILES and key not in self.loaded.objects.get(section, {}):
                wanted.setdefault(section, set()).add(key)
        if not wanted and self.loaded.site is not None:
            return
        config = export_objects(self.session, wanted)
        self.loaded.site = config.site
        for section in wanted:
            key_field = s.SECTION_KEYS[section][0]
            have = self.loaded.objects.setdefault(section, {})
            for item in getattr(config, section):
                have[getattr(item, key_field)] = item

    def _earlier(self, section: str, key: str) -> Iterator[list[str]]:
        """The keys before ``key`` in configuration order, nearest first, a batch at a time
        (a new object's predecessor in its pass is usually in the first)."""
        model, key_name = SECTION_MODELS[section]
        column = getattr(model, key_name)
        row = self.session.execute(
            select(model.position, model.id).where(column == key)
        ).one_or_none()
        if row is None:
            raise Fallback(f"{obj(section, key)} is not in the configuration")
        position, row_id = row
        while True:
            rows = self.session.execute(
                select(column, model.position, model.id)
                .where(
                    or_(
                        model.position < position,
                        and_(model.position == position, model.id < row_id),
                    )
                )
                .order_by(model.position.desc(), model.id.desc())
                .limit(_EARLIER_BATCH)
            ).all()
            if rows:
                yield [found for found, _p, _i in rows]
                _k, position, row_id = rows[-1]
            if len(rows) < _EARLIER_BATCH:
                return

    def _positions_of(self, section: str, keys: Collection[str]) -> dict[str, tuple[int, int]]:
        model, key = SECTION_MODELS[section]
        column = getattr(model, key)
        rows = self.session.execute(
            select(column, model.position, model.id).where(column.in_(list(keys)))
        )
        return {k: (position, row_id) for k, position, row_id in rows}

    def _has(self, o: str) -> bool:
        section, key = split_obj(o)
        return key in self.loaded.objects.get(section, {})

    def _get(self, o: str) -> Any:
        section, key = split_obj(o)
        return self.loaded.objects.get(section, {}).get(key)

    # -- the update ------------------------------------------------------------------------------

    def run(
        self,
        changed: set[str],
        resized: Collection[str],
        extensions_before: int,
        use_asterisklint: bool,
    ) -> Update:
        extensions = extensions_before
        if EXTENSIONS in resized:
            extensions = int(self.session.scalar(select(func.count()).select_from(
                SECTION_MODELS[EXTENSIONS][0])) or 0)  # fmt: skip
            size = self.options.shard_size
            if shard_count(extensions, size) != shard_count(extensions_before, size):
                raise Fallback("the number of extension contexts changes")
            self.cache.set_meta(extensions=str(extensions))
        if not changed:
            return Update(0, False)
        owners = self._owners(changed)
        removed = {o for o in changed if not self._has(o)}
        owners -= removed
        self.clock.lap("read")
        built = self._build(owners, extensions)
        self.clock.lap("build")
        files = sorted(
            {f for o in owners | removed for f in SECTION_FILES[split_obj(o)[0]]},
            key=[spec.name for spec in FILES].index,
        )
        result = Update(0, False)
        new_pieces: list[tuple[str, int, list[Fact]]] = []  # (file, segment id, facts)
        old_facts: list[Fact] = []
        new_units: list[tuple[str, str, str]] = []  # (file, text, ctx) for asterisklint
        unit_shapes: list[str] = []
        meta = self.cache.meta()
        for name in files:
            spec = SPEC_OF[name]
            rec = self.renderer.render_recorded(spec, getattr(built, spec.data))
            if not rec.complete:
                raise Fallback(f"{name}: a loop was left early")
            if _static_digest(rec) != meta.get(f"static:{name}"):
                raise Fallback(f"{name}: text outside the units changed")
            self.clock.lap("render")
            changed_units = self._splice(name, spec, rec, owners, removed, new_pieces, old_facts)
            if MODULE_OF[name] is Module.DIALPLAN:
                for path, (text, ctx) in changed_units.items():
                    shape = shape_of(text, rec.units[path].item)
                    unit_shapes.append(shape)
                    new_units.append((shape, text, ctx))
            result.units[name] = {
                rec.units[path].owner: text for path, (text, _ctx) in changed_units.items()
            }
            self.clock.lap("splice")
        result.issues = self._lint(new_pieces, old_facts)
        unknown = set(unit_shapes) - self.cache.known_shapes(unit_shapes)
        if unknown and use_asterisklint:
            fresh = {
                shape: (shape, text, ctx) for shape, text, ctx in new_units if shape in unknown
            }
            running = asterisklint.start(_units_for_asterisklint(list(fresh.values())))
            result.issues += _asterisklint_issues(running, representatives=True)
            if not any(i.error for i in result.issues):
                self.cache.add_shapes(unknown)
        self.clock.lap("lint")
        if result.errors:
            raise _Refused(result.issues)
        meta = self.cache.meta()
        for name in files:
            if name not in self.rewritten:
                # Every unit came out as it was, in the same place: the same bytes.
                result.units.pop(name, None)
                continue
            text = compose(SPEC_OF[name], self.cache.body(name))
            new = digest(text)
            if new != meta.get(f"digest:{name}"):
                self.cache.set_digest(name, new)
                result.texts[name] = text
            else:
                result.units.pop(name, None)
        self.clock.lap("assemble")
        return result

    def _owners(self, changed: set[str]) -> set[str]:
        """Every object whose units must be rendered again, with what they need loaded."""
        affected = self.cache.units_depending_on(changed)
        owners = set(self.cache.owners_of(affected).values()) | changed
        self._read(owners | self.cache.deps_of(self.cache.units_of_owners(owners)))
        # A queue's new members: their agents' units now depend on it.
        extra = {
            obj(AGENTS, m.agent)
            for o in changed
            if split_obj(o)[0] == QUEUES and self._has(o)
            for m in self._get(o).members
        } - owners
        if extra:
            owners |= extra
            self._read(extra | self.cache.deps_of(self.cache.units_of_owners(extra)))
        # What the owners' views look up that was not loaded yet.
        needed: set[str] = set()
        for o in owners:
            section, _key = split_obj(o)
            item = self._get(o)
            if item is None:
                continue
            if section == QUEUES:
                needed.update(obj(AGENTS, m.agent) for m in item.members)
            elif section == OUTBOUND_ROUTES:
                needed.update(obj(TRUNKS, t) for t in item.trunks)
        self._read(needed)
        return owners

    def _build(self, owners: set[str], extensions: int) -> Any:
        assert self.loaded.site is not None
        update: dict[str, Any] = {"site": self.loaded.site}
        lookup: dict[str, Any] = {"site": self.loaded.site}
        for section in SECTION_FILES:
            have = self.loaded.objects.get(section, {})
            key_field = s.SECTION_KEYS[section][0]
            # In configuration order, like a full build (memberships follow queue order).
            position = self._positions_of(section, have) if len(have) > 1 else {}
            items = sorted(have.values(), key=lambda x: position.get(getattr(x, key_field), (0, 0)))
            lookup[section] = items
            update[section] = [x for x in items if obj(section, getattr(x, key_field)) in owners]
        empty = s.PbxConfig.model_construct(
            format=s.FORMAT_VERSION, **{section: [] for section in s.SECTION_KEYS}
        )
        builder = _Builder(
            empty.model_copy(update=update),
            self.options,
            lookup=empty.model_copy(update=lookup),
            extension_count=extensions,
        )
        data = builder.build()
        if builder.problems:
            raise Fallback("a value cannot be written (the full render names it)")
        return track(data)

    # -- splicing --------------------------------------------------------------------------------

    def _splice(
        self,
        name: str,
        spec: FileSpec,
        rec: Recorded,
        owners: set[str],
        removed: set[str],
        new_pieces: list[tuple[str, int, list[Fact]]],
        old_facts: list[Fact],
    ) -> dict[str, tuple[str, str | None]]:
        """Put the units of ``rec`` owned by ``owners`` into the cached file; drop the
        cached units of ``owners`` and ``removed`` that did not come out again."""
        kind = file_kind(name)
        cache = self.cache
        fresh = _unit_segments(rec, owners)
        old = {path for file, path in cache.units_of_owners(owners | removed) if file == name}
        changed: dict[str, tuple[str, str | None]] = {}
        # Outermost first: a nested unit of a replaced unit goes with it.
        for path in sorted(old - set(fresh), key=len):
            span = cache.span(name, path)
            if span:
                self.rewritten.add(name)
                old_facts.extend(
                    f for fs in cache.facts_of([x.id for x in span]).values() for f in fs
                )
                before = cache.before(name, span[0].ord)
                cache.delete_segments([x.id for x in span])
                cache.delete_units(name, [u for _f, u in cache.units_under(name, path)])
                if before is not None:
                    self._fix_following(name, kind, before, new_pieces, old_facts)
        outermost = [p for p in fresh if parent_of(p) == "" or not any(
            p.startswith(q + "/") for q in fresh if q != p)]  # fmt: skip
        for path in sorted(outermost, key=len):
            segments = fresh[path]
            info = rec.units[path]
            span = cache.span(name, path)
            if _same_segments(span, segments):
                # It came out as it was (an agent's units after a member joined another of
                # its queues): its segments, their sections and facts stay; only what it
                # was built from may differ.
                cache.delete_units(name, [u for _f, u in cache.units_under(name, path)])
                cache.add_units(name, _units_within(rec, path))
                changed[path] = (_own_text(segments), span[0].ctx)
                continue
            if span:
                if "".join(x.text for x in span) != "".join(x.text for x in segments):
                    self.rewritten.add(name)
                old_facts.extend(
                    f for fs in cache.facts_of([x.id for x in span]).values() for f in fs
                )
                low = cache.before(name, span[0].ord)
                cache.delete_segments([x.id for x in span])
                cache.delete_units(name, [u for _f, u in cache.units_under(name, path)])
            else:
                low = self._insertion_point(name, path, info.owner)
                self.rewritten.add(name)
            assert low is not None
            text, ctx = self._place(name, kind, low, segments, new_pieces, old_facts)
            cache.add_units(name, _units_within(rec, path))
            changed[path] = (text, ctx)
        return changed

    def _insertion_point(self, name: str, path: str, owner: str) -> SegmentRow:
        """The segment a new unit goes after: its predecessor in configuration order within
        its pass, or the pass's start."""
        section, key = split_obj(owner)
        parent, pass_id = parent_of(path), pass_of(path).rpartition("/")[2]
        for batch in self._earlier(section, key):
            siblings = [unit_path(parent, pass_id, obj(section, k)) for k in batch]
            present = self.cache.present_units(name, siblings)
            for sibling in siblings:
                span = self.cache.span(name, sibling) if sibling in present else None
                if span:
                    return span[-1]
        begin = self.cache.marker(name, pass_of(path), BEGIN)
        if begin is None:
            raise Fallback(f"{name}: no pass {pass_of(path)} to put {owner} into")
        return begin

    def _place(
        self,
        name: str,
        kind: str,
        low: SegmentRow,
        segments: Sequence[Segment],
        new_pieces: list[tuple[str, int, list[Fact]]],
        old_facts: list[Fact],
    ) -> tuple[str, str | None]:
        """Insert ``segments`` right after ``low``; the unit's own text and its context."""
        ctx = low.ctx_end
        start_ctx = ctx
        rows = []
        for seg in segments:
            facts: list[Fact] = []
            end = ctx
            if seg.kind == TEXT:
                facts, end = extract(kind, seg.text, ctx)
            rows.append(NewSegment(seg.path, seg.kind, seg.text, ctx, end, facts))
            ctx = end
        high = self.cache.after(name, low.ord)
        if high is None:
            raise Fallback(f"{name}: no segment after the insertion point")
        try:
            ids = self.cache.insert_between(name, low.ord, high.ord, rows)
        except OrderExhausted:
            # Many insertions at one place: spread the orders out, then there is room.
            self.cache.renumber(name)
            low_ord, high_ord = self.cache.order_of(low.id), self.cache.order_of(high.id)
            ids = self.cache.insert_between(name, low_ord, high_ord, rows)
            high = replace(high, ord=high_ord)
        for seg_id, row in zip(ids, rows, strict=True):
            if row.kind == TEXT:
                new_pieces.append((name, seg_id, list(row.facts)))
        self._fix_following(name, kind, self.cache.before(name, high.ord), new_pieces, old_facts)  # type: ignore[arg-type]
        return _own_text(segments), start_ctx

    def _fix_following(
        self,
        name: str,
        kind: str,
        seg: SegmentRow,
        new_pieces: list[tuple[str, int, list[Fact]]],
        old_facts: list[Fact],
    ) -> None:
        """After ``seg`` changed, the segments after it that began in the section it used to
        end in now begin in another: read them again."""
        ctx = seg.ctx_end
        nxt = self.cache.after(name, seg.ord)
        while nxt is not None and nxt.ctx != ctx:
            old_facts.extend(f for fs in self.cache.facts_of([nxt.id]).values() for f in fs)
            facts: list[Fact] = []
            end = ctx
            if nxt.kind == TEXT:
                facts, end = extract(kind, nxt.text, ctx)
                new_pieces.append((name, nxt.id, facts))
            self.cache.update_context(nxt.id, ctx, facts)
            self.cache.db.execute("UPDATE segment SET ctx_end = ? WHERE id = ?", (end, nxt.id))
            ctx = end
            nxt = self.cache.after(name, nxt.ord)

    # -- lint ------------------------------------------------------------------------------------

    def _lint(
        self, new_pieces: list[tuple[str, int, list[Fact]]], old_facts: list[Fact]
    ) -> list[LintIssue]:
        world = SqlWorld(self.cache)
        found = []
        for name, seg_id, facts in new_pieces:
            issues = check_references([Piece(name, 1, facts)], world)
            if issues:
                found.append(((name, seg_id), issues))
        result = []
        if found:
            lines = _segment_lines(self.cache, {where for where, _issues in found})
            for where, issues in found:
                result += [replace(i, line=lines.get(where, 1) + (i.line or 1) - 1) for i in issues]
        return result + _removed_references(self.cache, world, old_facts)


def _segment_lines(cache: Cache, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The file line each wanted segment starts at."""
    lines = {}
    for name in {n for n, _i in wanted}:
        line = HEADER_LINES + 1
        for row in cache.segments(name):
            if (name, row.id) in wanted:
                lines[(name, row.id)] = line
            line += row.text.count("\n")
    return lines


class SqlWorld:
    """What exists, as the cache's fact table says (after this update's changes)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def has_context(self, context: str) -> bool:
        return self.cache.count("ctx", context) > 0 or self.cache.count("ext", context) > 0

    def has_exten(self, context: str, exten: str) -> bool:
        return self._has_exten(context, exten, set())

    def _has_exten(self, context: str, exten: str, seen: set[str]) -> bool:
        if self.cache.count("ext", context, exten):
            return True
        seen.add(context)
        included = self.cache.column("SELECT b FROM fact WHERE kind = 'inc' AND a = ?", context)
        return any(self._has_exten(i, exten, seen) for i in included if i not in seen)

    def pjsip_has(self, kind: str, name: str) -> bool:
        rows = self.cache.db.execute(
            "SELECT a, b, c FROM fact WHERE kind = 'sec' AND a = ?", (name,)
        ).fetchall()
        templates = set()
        for _n, options, _own in rows:
            templates.update(p.strip() for p in (options or "").split(",") if p.strip() != "!")
        more = []
        for template in templates:
            more += self.cache.db.execute(
                "SELECT a, b, c FROM fact WHERE kind = 'sec' AND a = ?", (template,)
            ).fetchall()
        types = pjsip_types([(a, b or "", c or "") for a, b, c in rows + more])
        return name in types.get(kind, set())

    def music_has(self, name: str) -> bool:
        return self.cache.count("moh", name) > 0


def _removed_references(
    cache: Cache, world: SqlWorld, old_facts: Iterable[Fact]
) -> list[LintIssue]:
    """References that resolved before this update and point at what it took away."""
    gone_contexts, gone_extens, gone_includes, gone_pjsip, gone_music = (
        set(),
        set(),
        set(),
        set(),
        set(),
    )
    for fact in old_facts:
        kind = fact[0]
        if kind in ("ctx", "ext") and not world.has_context(str(fact[1])):
            gone_contexts.add(str(fact[1]))
        if kind == "ext" and not cache.count("ext", str(fact[1]), str(fact[2])):
            gone_extens.add((str(fact[1]), str(fact[2])))
        elif kind == "inc" and not cache.count("inc", str(fact[1]), str(fact[2])):
            gone_includes.add(str(fact[1]))
        elif kind == "sec":
            gone_pjsip.add(str(fact[1]))
        elif kind == "moh" and not world.music_has(str(fact[1])):
            gone_music.add(str(fact[1]))
    refs: list[tuple[int, Fact]] = []

    def referring(sql: str, *params: object) -> None:
        for seg, kind, a, b, c, line in cache.db.execute(sql, params):
            refs.append((seg, row_fact(kind, a, b, c, line)))

    for context in gone_contexts:
        referring("SELECT seg, kind, a, b, c, line FROM fact WHERE kind IN ('jump', 'inc') "
                  "AND b = ?", context)  # fmt: skip
        referring("SELECT seg, kind, a, b, c, line FROM fact WHERE kind = 'ctxref' AND a = ?",
                  context)  # fmt: skip
    targets = {c for c, _e in gone_extens} | gone_includes
    for context in _includers(cache, targets):
        referring("SELECT seg, kind, a, b, c, line FROM fact WHERE kind = 'jump' AND b = ?",
                  context)  # fmt: skip
    for name in gone_pjsip:
        referring("SELECT seg, kind, a, b, c, line FROM fact WHERE kind = 'pjref' AND b = ?", name)
    for name in gone_music:
        referring("SELECT seg, kind, a, b, c, line FROM fact WHERE kind = 'mohref' AND a = ?", name)
    issues = []
    seen = set()
    for seg, fact in refs:
        where = cache.seg_file_line(seg)
        if where is None or (seg, fact) in seen:
            continue
        seen.add((seg, fact))
        found = check_references([Piece(where[0], 1, [fact])], world)
        if found:
            lines = _segment_lines(cache, {(where[0], seg)})
            for issue in found:
                line = lines.get((where[0], seg), 1) + (issue.line or 1) - 1
                issues.append(replace(issue, line=line))
    return issues


def _includers(cache: Cache, contexts: Iterable[str]) -> set[str]:
    """``contexts`` and every context that includes one of them, directly or not."""
    found = set(contexts)
    todo = list(found)
    while todo:
        for parent in cache.column("SELECT a FROM fact WHERE kind = 'inc' AND b = ?", todo.pop()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


__all__ = ["END", "Update", "full", "key_of", "update"]
