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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from controller.dialplan import asterisklint, confparse
from controller.dialplan.render import GENERATED_DIR, MODULE_OF, Module

# Contexts entered from outside the dialplan (endpoints, Local channels, the controller).
_ENTRY_PREFIXES = (
    "pbx-from-trunk", "pbx-phones", "pbx-agent", "pbx-cb-", "pbx-meta-", "pbx-queue-",
    "pbx-ivr-", "pbx-tc-", "pbx-ext", "pbx-vm", "pbx-external", "pbx-hangup", "pbx-rec-",
    "pbx-qcb-", "pbx-holiday-", "pbx-workday-", "pbx-in-unknown",
    # Where the controller sends calls (FastAGI answers, AMI redirects).
    "pbx-hold", "pbx-reject", "pbx-sticky",
)  # fmt: skip
_GOTO_APPS = {"goto", "gotoif", "gotoiftime", "gosub", "gosubif"}


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


class _References:
    """What the generated files define and what they point at."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = files
        self.contexts: dict[str, set[str]] = {}  # context -> extensions
        self.includes: dict[str, list[str]] = {}
        self.context_file: dict[str, tuple[str, int]] = {}
        self.edges: dict[str, set[str]] = {}
        self.issues: list[LintIssue] = []
        self.parsed = {name: confparse.parse(text) for name, text in files.items()}
        self.priorities: dict[int, list[confparse.Priority]] = {}
        for name in _dialplan_files(files):
            for section in self.parsed[name].sections:
                priorities = confparse.dialplan_priorities(section)
                self.priorities[id(section)] = priorities
                extens = {p.exten for p in priorities}
                self.contexts.setdefault(section.name, set()).update(extens)
                self.includes.setdefault(section.name, []).extend(
                    e.value for e in section.entries if e.key == "include"
                )
                self.context_file.setdefault(section.name, (name, section.line))

    def _target(self, file: str, line: int, source: str, context: str, exten: str | None) -> None:
        if "$" in context or (exten is not None and "$" in exten):
            return  # chosen at run time
        self.edges.setdefault(source, set()).add(context)
        if context not in self.contexts:
            self.issues.append(LintIssue(file, line, f"context {context!r} does not exist"))
        elif exten is not None and not self._has_exten(context, exten, set()):
            self.issues.append(
                LintIssue(file, line, f"extension {exten!r} does not exist in context {context!r}")
            )

    def _has_exten(self, context: str, exten: str, seen: set[str]) -> bool:
        if exten in self.contexts.get(context, ()):
            return True
        seen.add(context)
        return any(
            self._has_exten(inc, exten, seen)
            for inc in self.includes.get(context, ())
            if inc not in seen
        )

    def _jumps(
        self, file: str, section: str, prio: confparse.Priority
    ) -> Iterable[tuple[str, str]]:
        app = prio.app.lower()
        if app not in _GOTO_APPS:
            return []
        data = prio.data
        if app in {"gotoif", "gotoiftime", "gosubif"}:
            _, _, data = data.partition("?")
            labels = confparse.split_top_level(data, ":")
        else:
            labels = [data]
        targets = []
        for label in labels:
            args = confparse.split_top_level(
                label.split("(", 1)[0] if app.startswith("gosub") else label
            )
            if len(args) == 3:
                targets.append((args[0].strip(), args[1].strip()))
        return targets

    def check(self) -> list[LintIssue]:
        for name in _dialplan_files(self.files):
            for section in self.parsed[name].sections:
                for entry in section.entries:
                    if entry.key == "include":
                        self._target(name, entry.line, section.name, entry.value, None)
                for prio in self.priorities[id(section)]:
                    for context, exten in self._jumps(name, section.name, prio):
                        self._target(name, prio.line, section.name, context, exten)
        self._pjsip()
        self._queues()
        self._reachability()
        return self.issues

    def _pjsip(self) -> None:
        conf = self.parsed.get("pjsip.conf")
        if conf is None:
            return
        # A section's type may come from the templates it names: [1001](pbx-phone-endpoint).
        templates = {s.name: s for s in conf.sections if s.options.startswith("!")}

        def kind_of(section: confparse.Section) -> str:
            for entry in section.entries:
                if entry.key == "type":
                    return entry.value
            for parent in section.options.split(","):
                if parent.strip() in templates and parent.strip() != section.name:
                    return kind_of(templates[parent.strip()])
            return ""

        names_by_type: dict[str, set[str]] = {}
        for section in conf.sections:
            names_by_type.setdefault(kind_of(section), set()).add(section.name)
        for section in conf.sections:
            for entry in section.entries:
                if entry.key == "context" and entry.value not in self.contexts:
                    self.issues.append(
                        LintIssue(
                            "pjsip.conf", entry.line, f"context {entry.value!r} does not exist"
                        )
                    )
                wanted = {
                    "aors": "aor",
                    "auth": "auth",
                    "outbound_auth": "auth",
                    "transport": "transport",
                }
                kind = wanted.get(entry.key)
                if kind and entry.value not in names_by_type.get(kind, set()):
                    self.issues.append(
                        LintIssue(
                            "pjsip.conf", entry.line, f"{kind} {entry.value!r} does not exist"
                        )
                    )

    def _queues(self) -> None:
        conf = self.parsed.get("queues.conf")
        moh = self.parsed.get("musiconhold.conf")
        classes = {s.name for s in moh.sections} if moh else set()
        for section in conf.sections if conf else []:
            for entry in section.entries:
                if entry.key == "context" and entry.value not in self.contexts:
                    self.issues.append(
                        LintIssue(
                            "queues.conf", entry.line, f"context {entry.value!r} does not exist"
                        )
                    )
                if entry.key == "musicclass" and entry.value not in classes | {"default"}:
                    self.issues.append(
                        LintIssue(
                            "queues.conf", entry.line, f"music class {entry.value!r} does not exist"
                        )
                    )

    def _reachability(self) -> None:
        seen = {c for c in self.contexts if c.startswith(_ENTRY_PREFIXES)}
        todo = list(seen)
        while todo:
            for target in self.edges.get(todo.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        for context in sorted(set(self.contexts) - seen - {"general", "globals"}):
            file, line = self.context_file[context]
            self.issues.append(
                LintIssue(file, line, f"context {context!r} is never reached", error=False)
            )


def lint(files: Mapping[str, str], *, use_asterisklint: bool = True) -> list[LintIssue]:
    """Problems found in the generated files; those with ``error`` set block an apply."""
    flat, pieces = flatten_dialplan(files)
    # asterisklint runs in its own process while we do our checks: two cores, half the wait.
    running = asterisklint.start(flat) if use_asterisklint else None
    issues = _References(files).check()
    if running is not None:
        for found in running.issues():
            name, file_line = (
                _locate(found.flat_line, pieces) if found.flat_line else ("extensions.conf", None)
            )
            issues.append(LintIssue(name, file_line, found.message))
    return issues
