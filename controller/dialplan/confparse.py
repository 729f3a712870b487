"""Read Asterisk configuration text the way Asterisk's config parser does.

Enough of ``main/config.c`` to check generated files: ``;`` comments (``\\;`` is a literal
semicolon), ``;-- --;`` block comments (nested), ``#include``, ``[section](options)`` headers,
``key = value`` and ``key => value``. Used by the lint and by tests that prove a hostile value
cannot change a file's structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entry:
    line: int
    key: str
    value: str
    arrow: bool  # "=>" rather than "="


@dataclass
class Section:
    name: str
    line: int
    options: str = ""
    entries: list[Entry] = field(default_factory=list)


@dataclass
class ConfFile:
    sections: list[Section] = field(default_factory=list)
    includes: list[tuple[int, str]] = field(default_factory=list)
    orphans: list[Entry] = field(default_factory=list)  # entries before any section

    def section(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]


_HEADER = re.compile(r"^\[([^\]]*)\](?:\(([^)]*)\))?\s*$")


def _strip_comments(line: str, depth: int) -> tuple[str, int]:
    """Remove comments from one line; ``depth`` is the block-comment nesting carried over."""
    if not depth and ";" not in line:
        return line, 0  # most lines: nothing to strip
    out = []
    i = 0
    while i < len(line):
        if depth:
            if line.startswith("--;", i):
                depth -= 1
                i += 3
            elif line.startswith(";--", i):
                depth += 1
                i += 3
            else:
                i += 1
            continue
        ch = line[i]
        if ch == "\\" and line.startswith(";", i + 1):
            out.append(";")
            i += 2
        elif ch == ";":
            if line.startswith(";--", i):
                depth += 1
                i += 3
                continue
            break
        else:
            out.append(ch)
            i += 1
    return "".join(out), depth


def parse(text: str) -> ConfFile:
    result = ConfFile()
    current: Section | None = None
    depth = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        if depth or ";" in raw:
            line, depth = _strip_comments(raw, depth)
        else:
            line = raw
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            directive, _, argument = stripped.partition(" ")
            if directive in {"#include", "#tryinclude"}:
                result.includes.append((number, argument.strip().strip('"')))
            continue
        header = _HEADER.match(stripped) if stripped[0] == "[" else None
        if header:
            current = Section(header.group(1), number, header.group(2) or "")
            result.sections.append(current)
            continue
        # Like config.c: the first "=" splits; "=>" is the same with a ">" after it.
        key, _, value = stripped.partition("=")
        arrow = value.startswith(">")
        if arrow:
            value = value[1:]
        entry = Entry(number, key.strip(), value.strip(), arrow)
        (current.entries if current else result.orphans).append(entry)
    return result


@dataclass(frozen=True, slots=True)
class Priority:
    """One dialplan line: ``exten => name,priority,App(data)``."""

    line: int
    exten: str
    priority: str
    label: str | None
    app: str
    data: str


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on ``separator`` outside parentheses, brackets and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def dialplan_priorities(section: Section) -> list[Priority]:
    """The extension lines of a dialplan context, with ``same =>`` resolved."""
    result = []
    exten = ""
    for entry in section.entries:
        if entry.key == "exten":
            exten, _, rest = entry.value.partition(",")
        elif entry.key == "same":
            rest = entry.value
        else:
            continue
        priority, _, command = rest.partition(",")
        label = None
        if "(" in priority and priority.endswith(")"):
            priority, _, label = priority[:-1].partition("(")
        app, paren, data = command.partition("(")
        if paren and data.endswith(")"):
            data = data[:-1]
        result.append(
            Priority(entry.line, exten.strip(), priority.strip(), label, app.strip(), data)
        )
    return result
