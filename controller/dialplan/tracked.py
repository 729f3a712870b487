"""Per-object collections whose output the renderer can tell apart.

The data of a generated file holds each per-object collection (queues, agents, phones ...)
as a :class:`Tracked` sequence: the items, and for each item the *owner* (the configuration
object it was built from, ``"queues:sales"``) and the objects it depends on. Templates iterate
it like a tuple and need not know.

While a file renders, a :class:`Recorder` notes where the output of every item of every loop
over a Tracked sequence begins and ends. The rendered body is then cut into *segments*, each
belonging to the file itself (text outside any tracked loop) or to one *unit*: one item's
output in one pass of one loop. A unit's path names the pass and the item,
``agents#2=8001``; a loop inside an item's output nests: ``shards#1=pbx-ext-3/extensions#0=1001``.
Zero-length ``begin``/``end`` segments mark where each pass starts and stops, so an item can be
put into a pass that had none.

Rendering the same template with collections that hold only some items yields the same
segments for those items (as long as a loop body does not depend on the other items, which
:mod:`controller.dialplan.incremental` checks): that is how one object is rendered again
without the rest of the file.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar, overload

T = TypeVar("T")

# Separators inside unit paths; owners and keys never contain them (escaped names, numbers).
PASS_SEP = "#"  # noqa: S105 - not a password
KEY_SEP = "="
LEVEL_SEP = "/"

TEXT, BEGIN, END = 0, 1, 2  # segment kinds


class Tracked(Sequence[T], Generic[T]):
    """An immutable sequence whose items carry their owner and dependencies."""

    __slots__ = ("deps", "items", "name", "owners")

    def __init__(
        self,
        name: str,
        items: Iterable[T],
        owners: Iterable[str],
        deps: Iterable[frozenset[str]] | None = None,
    ) -> None:
        self.name = name
        self.items = tuple(items)
        self.owners = tuple(owners)
        self.deps = tuple(deps) if deps is not None else tuple(frozenset() for _ in self.items)
        if not len(self.items) == len(self.owners) == len(self.deps):
            raise ValueError(f"{name}: items, owners and dependencies differ in length")

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self.items[index]

    def __iter__(self) -> Iterator[T]:
        recorder = _RECORDER.get()
        if recorder is None:
            return iter(self.items)
        return recorder.iterate(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tracked):
            return (self.name, self.items, self.owners, self.deps) == (
                other.name,
                other.items,
                other.owners,
                other.deps,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.name, self.items))

    def __repr__(self) -> str:
        return f"Tracked({self.name!r}, {len(self.items)} items)"


@dataclass(frozen=True, slots=True)
class Segment:
    path: str  # "" for the file's own text; a unit path; a pass path for BEGIN/END
    kind: int  # TEXT, BEGIN or END
    text: str = ""


@dataclass(frozen=True, slots=True)
class UnitInfo:
    owner: str  # "queues:sales"
    deps: frozenset[str]  # other objects the item was built from
    item: object  # the view, for the asterisklint shape


@dataclass
class Recorded:
    """A rendered body cut into segments, with what each unit was built from."""

    segments: list[Segment]
    units: dict[str, UnitInfo]
    complete: bool  # False: a loop was left early (the cut cannot be trusted)


def unit_path(parent: str, pass_id: str, key: str) -> str:
    own = f"{pass_id}{KEY_SEP}{key}"
    return f"{parent}{LEVEL_SEP}{own}" if parent else own


def pass_path(parent: str, pass_id: str) -> str:
    return f"{parent}{LEVEL_SEP}{pass_id}" if parent else pass_id


def parent_of(path: str) -> str:
    """The unit a unit or pass path lies in ("" at the top)."""
    head, _, _ = path.rpartition(LEVEL_SEP)
    return head


def pass_of(path: str) -> str:
    """The pass path of a unit path."""
    return path.rpartition(KEY_SEP)[0]


def key_of(path: str) -> str:
    return path.rpartition(KEY_SEP)[2]


def inside(path: str, unit: str) -> bool:
    """Whether ``path`` is ``unit`` or lies within it."""
    return path == unit or path.startswith(unit + LEVEL_SEP)


@dataclass
class _Frame:
    parent: str  # the unit this pass runs in
    pass_id: str
    unit: str = ""  # the current item's unit path


@dataclass
class Recorder:
    """Collects the output of one render and cuts it at every tracked loop boundary."""

    pieces: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    units: dict[str, UnitInfo] = field(default_factory=dict)
    complete: bool = True
    _stack: list[_Frame] = field(default_factory=list)
    _passes: dict[tuple[str, str], int] = field(default_factory=dict)
    _start: int = 0  # index in pieces where the open segment starts
    _owner: str = ""  # path of the open segment

    def _cut(self, next_owner: str) -> None:
        if len(self.pieces) > self._start:
            text = "".join(self.pieces[self._start :])
            last = self.segments[-1] if self.segments else None
            if last is not None and last.kind == TEXT and last.path == self._owner:
                self.segments[-1] = Segment(self._owner, TEXT, last.text + text)
            else:
                self.segments.append(Segment(self._owner, TEXT, text))
            self._start = len(self.pieces)
        self._owner = next_owner

    def iterate(self, tracked: Tracked[T]) -> Iterator[T]:
        parent = self._stack[-1].unit if self._stack else ""
        number = self._passes.get((parent, tracked.name), 0)
        self._passes[(parent, tracked.name)] = number + 1
        pass_id = f"{tracked.name}{PASS_SEP}{number}"
        frame = _Frame(parent, pass_id)
        here = pass_path(parent, pass_id)
        self._cut(parent)
        self.segments.append(Segment(here, BEGIN))
        self._stack.append(frame)
        finished = False
        try:
            for item, owner, deps in zip(tracked.items, tracked.owners, tracked.deps, strict=True):
                frame.unit = unit_path(parent, pass_id, owner)
                self._cut(frame.unit)
                self.units.setdefault(frame.unit, UnitInfo(owner, deps, item))
                yield item
            finished = True
        finally:
            if not finished:
                self.complete = False
            self._cut(parent)
            self.segments.append(Segment(here, END))
            self._stack.pop()

    def consume(self, pieces: Iterable[str]) -> None:
        token = _RECORDER.set(self)
        try:
            for piece in pieces:
                self.pieces.append(piece)
        finally:
            _RECORDER.reset(token)
        self._cut("")
        if self._stack:
            self.complete = False

    def result(self) -> Recorded:
        return Recorded(self.segments, self.units, self.complete)


_RECORDER: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar(
    "pbx_dialplan_recorder", default=None
)


def body_text(segments: Iterable[Segment]) -> str:
    return "".join(s.text for s in segments)
