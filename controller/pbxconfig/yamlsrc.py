"""Read YAML into plain data while remembering the line of every value.

Two YAML 1.1 habits would silently corrupt a PBX configuration, so this loader avoids them:
every scalar stays the exact string that was written (``0755`` is an extension number, not
493; ``09:00`` is a time, not 540; ``NO`` is Norway, not False) and the schema converts it
to the declared type; and a key repeated in one mapping is an error instead of "last wins".
Only ``null``, ``~`` and an empty value mean None.

The file comes from users, so the loader is also built to survive a hostile one. It builds
the data straight from libyaml's event stream (no node tree: a node with its two marks costs
about ten times the text it came from) and refuses, naming the line:

- an alias that would make the data grow faster than the file: aliases may add at most as
  many values as the file itself wrote so far, plus ``ALIAS_ALLOWANCE`` (a "billion laughs"
  document of a few hundred bytes otherwise expands to gigabytes). An alias is kept as a
  reference to the anchored value, never copied;
- an alias to a block that is still open (a self-referencing structure);
- an alias to an anchor not defined before it, nesting deeper than ``MAX_DEPTH``, and a
  second document in the file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from controller.errors import ConfigIssue
from controller.pbxconfig.collector import collector_paused

Path_ = tuple[str | int, ...]
# libyaml's parser is about ten times faster; same events, same line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})

# The configuration nests six levels at most; anything much deeper is not a configuration.
MAX_DEPTH = 64
# Values aliases may add beyond the number of values the file writes itself.
ALIAS_ALLOWANCE = 10_000


@dataclass
class SourceMap:
    """Line numbers (1-based) of values, keyed by their path in the document."""

    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


@dataclass
class LoadedYaml:
    data: Any
    source: SourceMap


class _Refused(Exception):
    """The document cannot be read any further; carries the one issue that says why."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.issue = ConfigIssue(message, line)


@dataclass(slots=True)
class _Anchor:
    value: Any
    size: int  # values in it, aliases inside it expanded


@dataclass(slots=True)
class _Block:
    """A mapping or sequence whose end has not been read yet."""

    items: dict[str, Any] | list[Any]
    is_mapping: bool
    path: Path_
    anchor: str | None
    # False inside a value that is dropped (its key was refused): no lines, no issues.
    kept: bool
    size: int = 1  # values in it so far, aliases expanded
    key: str | None = None  # in a mapping, the key whose value comes next
    # In a mapping, how many of the next values to drop: the value of a refused key, and a
    # block refused as a key itself.
    drop: int = 0


class _Builder:
    """Turns the event stream of one document into plain data, a source map and issues.

    Called once per event of files with millions of them: the hot paths are kept flat.
    """

    def __init__(self) -> None:
        self.source = SourceMap()
        self.issues: list[ConfigIssue] = []
        self.root: Any = None
        self._lines = self.source.lines
        self._stack: list[_Block] = []
        self._anchors: dict[str, _Anchor] = {}
        self._documents = 0
        self._written = 0  # values the file writes itself
        self._expanded = 0  # values aliases add
        self._handlers: dict[type, Callable[[Any], None]] = {
            yaml.ScalarEvent: self._scalar,
            yaml.MappingStartEvent: self._open,
            yaml.SequenceStartEvent: self._open,
            yaml.MappingEndEvent: self._close,
            yaml.SequenceEndEvent: self._close,
            yaml.AliasEvent: self._alias,
            yaml.DocumentStartEvent: self._document,
        }

    def feed(self, event: yaml.Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:  # stream start and end, document end: nothing to do
            handler(event)

    def run(self, next_event: Callable[[], yaml.Event | None]) -> None:
        """Feed every event ``next_event`` returns, as :meth:`feed` would.

        The common events (a key, a scalar value or a block inside an open block of kept
        values) are handled here in one loop with the handlers' steps inlined: the calls per
        event were a third of reading a large file. Everything else goes to the handlers
        (tests/unit/pbxconfig/test_yamlsrc.py compares both on tricky documents)."""
        stack = self._stack
        lines = self._lines
        intern = sys.intern
        nulls = _NULLS
        scalar_event, mapping_end, sequence_end = (
            yaml.ScalarEvent,
            yaml.MappingEndEvent,
            yaml.SequenceEndEvent,
        )
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        feed = self.feed
        while (event := next_event()) is not None:
            kind = type(event)
            if kind is scalar_event:
                if not stack or event.anchor is not None:
                    feed(event)
                    continue
                block = stack[-1]
                if block.is_mapping:
                    if block.drop:
                        feed(event)
                        continue
                    key = block.key
                    if key is None:
                        key = intern(event.value)
                        if key == "<<" or key in block.items:
                            feed(event)
                            continue
                        self._written += 1
                        block.key = key
                        if block.kept:
                            lines[(*block.path, key)] = event.start_mark.line + 1
                        continue
                    self._written += 1
                    value = event.value
                    block.items[key] = None if not event.style and value in nulls else value  # type: ignore[call-overload]
                    block.key = None
                else:
                    self._written += 1
                    items = block.items
                    if block.kept:
                        lines[(*block.path, len(items))] = event.start_mark.line + 1
                    value = event.value
                    items.append(None if not event.style and value in nulls else value)  # type: ignore[union-attr]
                block.size += 1
            elif kind is mapping_end or kind is sequence_end:
                closed = stack.pop()
                if closed.anchor is not None:
                    self._anchors[closed.anchor] = _Anchor(closed.items, closed.size)
                self._place(closed.items, closed.size)
            elif kind is mapping_start or kind is sequence_start:
                if not stack or len(stack) >= MAX_DEPTH:
                    feed(event)
                    continue
                parent = stack[-1]
                if parent.is_mapping:
                    if parent.key is None or parent.drop:
                        feed(event)
                        continue
                    path = (*parent.path, parent.key)
                else:
                    path = (*parent.path, len(parent.items))
                    if parent.kept:
                        lines[path] = event.start_mark.line + 1
                self._written += 1
                is_mapping = kind is mapping_start
                stack.append(
                    _Block({} if is_mapping else [], is_mapping, path, event.anchor, parent.kept)
                )
            else:
                feed(event)

    # -- events ---------------------------------------------------------------------------

    def _document(self, event: yaml.DocumentStartEvent) -> None:
        self._documents += 1
        if self._documents > 1:
            raise _Refused(
                "the file holds a second YAML document; only one is read",
                event.start_mark.line + 1,
            )

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        self._written += 1
        line = event.start_mark.line + 1
        if self._stack:
            block = self._stack[-1]
            if block.is_mapping and block.key is None and block.drop == 0:
                # Keys repeat in every object: one string each, not one per occurrence.
                self._key(block, sys.intern(event.value), line)
                if event.anchor is not None:
                    self._anchors[event.anchor] = _Anchor(event.value, 1)
                return
        # Plain (unquoted) null spellings mean None; libyaml says "" for plain, PyYAML None.
        value = None if not event.style and event.value in _NULLS else event.value
        if event.anchor is not None:
            self._anchors[event.anchor] = _Anchor(value, 1)
        self._add(value, 1, line)

    def _open(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        self._written += 1
        line = event.start_mark.line + 1
        if len(self._stack) >= MAX_DEPTH:
            raise _Refused(f"the data nests deeper than {MAX_DEPTH} levels", line)
        is_mapping = isinstance(event, yaml.MappingStartEvent)
        items: dict[str, Any] | list[Any] = {} if is_mapping else []
        if not self._stack:
            self._lines[()] = line
            self._stack.append(_Block(items, is_mapping, (), event.anchor, True))
            return
        parent = self._stack[-1]
        kept = parent.kept
        if parent.is_mapping:
            if parent.key is None and parent.drop == 0:
                self._issue("a key must be a plain name", line, parent)
                parent.drop = 2  # this block (the key), then its value
            kept = kept and parent.drop == 0
            path = (*parent.path, parent.key or "")
        else:
            path = (*parent.path, len(parent.items))
            if kept:
                self._lines[path] = line
        self._stack.append(_Block(items, is_mapping, path, event.anchor, kept))

    def _close(self, _event: yaml.MappingEndEvent | yaml.SequenceEndEvent) -> None:
        block = self._stack.pop()
        if block.anchor is not None:
            self._anchors[block.anchor] = _Anchor(block.items, block.size)
        self._place(block.items, block.size)

    def _alias(self, event: yaml.AliasEvent) -> None:
        line = event.start_mark.line + 1
        name = str(event.anchor)
        if self._stack:
            block = self._stack[-1]
            if block.is_mapping and block.key is None and block.drop == 0:
                self._issue("a key must be a plain name, not an alias", line, block)
                block.drop = 1
                return
        if any(block.anchor == name for block in self._stack):
            raise _Refused(f"alias *{name} refers to a block that contains it", line)
        anchor = self._anchors.get(name)
        if anchor is None:
            raise _Refused(f"alias *{name} has no anchor &{name} before it", line)
        # Counted, never copied: the anchored value is shared, but everything after the
        # loader (validation, import) walks each use of it.
        self._expanded += anchor.size
        if self._expanded > self._written + ALIAS_ALLOWANCE:
            raise _Refused(
                f"alias *{name}: aliases expand to {self._expanded} values, more than the "
                f"{self._written} the file writes up to here plus {ALIAS_ALLOWANCE} "
                "(an alias bomb?)",
                line,
            )
        self._add(anchor.value, anchor.size, line)

    # -- where a value goes ---------------------------------------------------------------

    def _key(self, block: _Block, key: str, line: int) -> None:
        if key == "<<":
            self._issue("merge keys (<<) are not supported", line, block)
            block.drop = 1
        elif key in block.items:
            first = self._lines.get((*block.path, key))
            self._issue(
                f"key {key!r} appears twice in the same block (first on line {first})",
                line,
                block,
            )
            block.drop = 1
        else:
            block.key = key
            if block.kept:
                # Errors about a value point at its key's line: that is what users look for.
                self._lines[(*block.path, key)] = line

    def _add(self, value: Any, size: int, line: int) -> None:
        """Place a scalar or an alias; in a sequence, note its line."""
        if self._stack:
            block = self._stack[-1]
            if not block.is_mapping and block.kept:
                self._lines[(*block.path, len(block.items))] = line
        else:
            self._lines[()] = line
        self._place(value, size)

    def _place(self, value: Any, size: int) -> None:
        if not self._stack:
            self.root = value
            return
        block = self._stack[-1]
        block.size += size
        if not block.is_mapping:
            block.items.append(value)  # type: ignore[union-attr]
        elif block.drop:
            block.drop -= 1
        else:
            block.items[block.key] = value  # type: ignore[index]
            block.key = None

    def _issue(self, message: str, line: int, block: _Block) -> None:
        if block.kept:
            self.issues.append(ConfigIssue(message, line))


def load_yaml(text: str) -> tuple[LoadedYaml | None, list[ConfigIssue]]:
    """Parse ``text``; return the data with its source map, or the problems found."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [ConfigIssue("the file contains a NUL character", line)]
    builder = _Builder()
    parser = None
    try:
        parser = _LOADER(text)  # the pure-Python reader checks the characters here
        with collector_paused():
            builder.run(parser.get_event)
    except _Refused as refused:
        return None, [refused.issue]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [ConfigIssue(f"not valid YAML: {problem}", line)]
    except yaml.YAMLError as exc:
        return None, [ConfigIssue(f"not valid YAML: {exc}")]
    finally:
        if parser is not None:
            parser.dispose()
    data = {} if builder.root is None else builder.root
    return LoadedYaml(data, builder.source), builder.issues
