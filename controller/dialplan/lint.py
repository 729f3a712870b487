"""Check generated files before they reach Asterisk.

Two layers:

- asterisklint (package asterisklint-jjs, see :mod:`.asterisklint`) on the dialplan,
  flattened into one file because it resolves ``#include`` relative to the including file
  while Asterisk resolves it relative to its configuration directory.
- our own checks: every context, extension and object a file refers to exists (Goto,
  GotoIf, Gosub, include, endpoint context, auth, AOR, queue context); every context can be
  reached from an entry point (unreachable ones are warnings: a menu nobody routes to yet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from controller.dialplan import asterisklint
from controller.dialplan.facts import DIALPLAN, MOH, OTHER, PJSIP, QUEUES, Fact, extract
from controller.dialplan.render import GENERATED_DIR, MODULE_OF, Module

# Contexts entered from outside the dialplan (endpoints, Local channels, the controller).
_ENTRY_PREFIXES = (
    "pbx-from-trunk", "pbx-phones", "pbx-agent", "pbx-cb-", "pbx-meta-", "pbx-queue-",
    "pbx-ivr-", "pbx-tc-", "pbx-ext", "pbx-vm", "pbx-external", "pbx-hangup", "pbx-rec-",
    "pbx-qcb-", "pbx-holiday-", "pbx-workday-", "pbx-in-unknown",
    # Where the controller sends calls (FastAGI answers, AMI redirects).
    "pbx-hold", "pbx-reject", "pbx-sticky",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LintIssue:
    file: str
    line: int | None
    message: str
    error: bool = True

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {'error' if self.error else 'warning'}: {self.message}"


def _dialplan_files(files: Mapping[str, str]) -> list[str]:
    return [name for name in files if MODULE_OF.get(name) is Module.DIALPLAN]


def flatten_dialplan(files: Mapping[str, str]) -> tuple[str, list[tuple[int, str, int]]]:
    """The dialplan as one text, and (first flat line, file, first file line) for each piece."""
    pieces: list[tuple[int, str, int]] = []
    out: list[str] = ["[general]", ""]

    def emit(name: str) -> None:
        lines = files[name].split("\n")
        start = 0
        for index, line in enumerate(lines):
            match = re.match(rf"^#include {GENERATED_DIR}/(\S+)$", line)
            if match and match.group(1) in files:
                pieces.append((len(out) + 1 - (index - start), name, start + 1))
                out.extend(lines[start:index])
                emit(match.group(1))
                start = index + 1
        pieces.append((len(out) + 1, name, start + 1))
        out.extend(lines[start:])

    emit("extensions.conf")
    return "\n".join(out), pieces


def _locate(flat_line: int, pieces: list[tuple[int, str, int]]) -> tuple[str, int]:
    best = pieces[0]
    for piece in pieces:
        if piece[0] <= flat_line:
            best = piece
    first, name, file_line = best
    return name, file_line + flat_line - first


@dataclass(frozen=True, slots=True)
class Piece:
    """The facts of a file or of one segment of it, and the file line it starts at."""

    file: str
    line: int
    facts: Sequence[Fact]


def file_kind(name: str) -> str:
    return _KINDS.get(MODULE_OF.get(name), OTHER)


_KINDS = {
    Module.DIALPLAN: DIALPLAN,
    Module.PJSIP: PJSIP,
    Module.QUEUES: QUEUES,
    Module.MUSICONHOLD: MOH,
}


def file_pieces(files: Mapping[str, str]) -> list[Piece]:
    return [Piece(name, 1, extract(file_kind(name), text)[0]) for name, text in files.items()]


class World(Protocol):
    """What exists in the generated configuration, as the checks ask it."""

    def has_context(self, context: str) -> bool: ...
    def has_exten(self, context: str, exten: str) -> bool: ...
    def pjsip_has(self, kind: str, name: str) -> bool: ...
    def music_has(self, name: str) -> bool: ...


class Everything:
    """The world of a complete set of pieces, in memory."""

    def __init__(self, pieces: Iterable[Piece]) -> None:
        self.contexts: dict[str, set[str]] = {}
        self.includes: dict[str, list[str]] = {}
        self.context_at: dict[str, tuple[str, int]] = {}
        self.classes: set[str] = set()
        sections: list[tuple[str, str, str]] = []
        for piece in pieces:
            for fact in piece.facts:
                kind = fact[0]
                if kind == "ctx":
                    name = str(fact[1])
                    self.contexts.setdefault(name, set())
                    self.context_at.setdefault(name, (piece.file, piece.line + int(fact[2]) - 1))
                elif kind == "ext":
                    self.contexts.setdefault(str(fact[1]), set()).add(str(fact[2]))
                elif kind == "inc":
                    self.includes.setdefault(str(fact[1]), []).append(str(fact[2]))
                elif kind == "sec":
                    sections.append((str(fact[1]), str(fact[2]), str(fact[3])))
                elif kind == "moh":
                    self.classes.add(str(fact[1]))
        self.names_by_type = pjsip_types(sections)

    def has_context(self, context: str) -> bool:
        return context in self.contexts

    def has_exten(self, context: str, exten: str) -> bool:
        return self._has_exten(context, exten, set())

    def _has_exten(self, context: str, exten: str, seen: set[str]) -> bool:
        if exten in self.contexts.get(context, ()):
            return True
        seen.add(context)
        return any(
            self._has_exten(inc, exten, seen)
            for inc in self.includes.get(context, ())
            if inc not in seen
        )

    def pjsip_has(self, kind: str, name: str) -> bool:
        return name in self.names_by_type.get(kind, ())

    def music_has(self, name: str) -> bool:
        return name in self.classes


def pjsip_types(sections: Iterable[tuple[str, str, str]]) -> dict[str, set[str]]:
    """Section names by type; a section's type may come from the templates it names:
    ``[1001](pbx-phone-endpoint)``."""
    sections = list(sections)
    templates = {name: (options, own) for name, options, own in sections if options.startswith("!")}

    def kind_of(name: str, options: str, own: str, depth: int = 0) -> str:
        if own or depth > 10:
            return own
        for parent in options.split(","):
            parent = parent.strip()
            if parent in templates and parent != name:
                return kind_of(parent, *templates[parent], depth + 1)
        return ""

    names: dict[str, set[str]] = {}
    for name, options, own in sections:
        names.setdefault(kind_of(name, options, own), set()).add(name)
    return names


def check_references(pieces: Iterable[Piece], world: World) -> list[LintIssue]:
    """Every reference in ``pieces`` that ``world`` cannot resolve."""
    issues = []
    for piece in pieces:
        for fact in piece.facts:
            kind = fact[0]
            line = piece.line + int(fact[-1]) - 1
            if kind in ("jump", "inc"):
                context = str(fact[2])
                exten = str(fact[3]) if kind == "jump" else ""
                if "$" in context or "$" in exten:
                    continue  # chosen at run time
                if not world.has_context(context):
                    message = f"context {context!r} does not exist"
                    issues.append(LintIssue(piece.file, line, message))
                elif exten and not world.has_exten(context, exten):
                    issues.append(
                        LintIssue(
                            piece.file,
                            line,
                            f"extension {exten!r} does not exist in context {context!r}",
                        )
                    )
            elif kind == "ctxref":
                if not world.has_context(str(fact[1])):
                    issues.append(
                        LintIssue(piece.file, line, f"context {fact[1]!r} does not exist")
                    )
            elif kind == "pjref":
                if not world.pjsip_has(str(fact[1]), str(fact[2])):
                    issues.append(
                        LintIssue(piece.file, line, f"{fact[1]} {fact[2]!r} does not exist")
                    )
            elif kind == "mohref" and fact[1] != "default" and not world.music_has(str(fact[1])):
                issues.append(
                    LintIssue(piece.file, line, f"music class {fact[1]!r} does not exist")
                )
    return issues


def unreachable(pieces: Iterable[Piece], world: Everything) -> list[LintIssue]:
    """Warnings for dialplan contexts no entry point leads to (a menu nobody routes to)."""
    edges: dict[str, set[str]] = {}
    for piece in pieces:
        for fact in piece.facts:
            if fact[0] in ("jump", "inc"):
                target = str(fact[2])
                exten = str(fact[3]) if fact[0] == "jump" else ""
                if "$" not in target and "$" not in exten:
                    edges.setdefault(str(fact[1]), set()).add(target)
    seen = {c for c in world.contexts if c.startswith(_ENTRY_PREFIXES)}
    todo = list(seen)
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    issues = []
    for context in sorted(set(world.contexts) - seen - {"general", "globals"}):
        file, line = world.context_at.get(context, ("extensions.conf", 0))
        issues.append(LintIssue(file, line or None, f"context {context!r} is never reached", False))
    return issues


def check_pieces(pieces: Sequence[Piece]) -> list[LintIssue]:
    """Our own checks on a complete configuration given as pieces."""
    world = Everything(pieces)
    return check_references(pieces, world) + unreachable(pieces, world)


def lint(files: Mapping[str, str], *, use_asterisklint: bool = True) -> list[LintIssue]:
    """Problems found in the generated files; those with ``error`` set block an apply."""
    flat, pieces = flatten_dialplan(files)
    # asterisklint runs in its own process while we do our checks: two cores, half the wait.
    running = asterisklint.start(flat) if use_asterisklint else None
    issues = check_pieces(file_pieces(files))
    if running is not None:
        for found in running.issues():
            name, file_line = (
                _locate(found.flat_line, pieces) if found.flat_line else ("extensions.conf", None)
            )
            issues.append(LintIssue(name, file_line, found.message))
    return issues
