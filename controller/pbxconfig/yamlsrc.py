"""Read YAML into plain data while remembering the line of every value.

Two YAML 1.1 habits would silently corrupt a PBX configuration, so this loader avoids them:
every scalar stays the exact string that was written (``0755`` is an extension number, not
493; ``09:00`` is a time, not 540; ``NO`` is Norway, not False) and the schema converts it
to the declared type; and a key repeated in one mapping is an error instead of "last wins".
Only ``null``, ``~`` and an empty value mean None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from controller.errors import ConfigIssue

Path_ = tuple[str | int, ...]
# libyaml's parser is about ten times faster; same nodes, same line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


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


def _convert(node: yaml.Node, path: Path_, source: SourceMap, issues: list[ConfigIssue]) -> Any:
    source.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if not node.style and node.value in _NULLS:  # plain (libyaml says "", PyYAML None)
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), source, issues) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(
                    ConfigIssue("a key must be a plain name", key_node.start_mark.line + 1)
                )
                continue
            key = key_node.value
            if key == "<<":
                issues.append(
                    ConfigIssue("merge keys (<<) are not supported", key_node.start_mark.line + 1)
                )
                continue
            if key in result:
                first = source.lines.get((*path, key))
                issues.append(
                    ConfigIssue(
                        f"key {key!r} appears twice in the same block (first on line {first})",
                        key_node.start_mark.line + 1,
                    )
                )
                continue
            result[key] = _convert(value_node, (*path, key), source, issues)
            # Point errors about a value at its key's line: that is what the user looks for.
            source.lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover - composer emits 3 kinds


def load_yaml(text: str) -> tuple[LoadedYaml | None, list[ConfigIssue]]:
    """Parse ``text``; return the data with its source map, or the problems found."""
    issues: list[ConfigIssue] = []
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [ConfigIssue("the file contains a NUL character", line)]
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [ConfigIssue(f"not valid YAML: {problem}", line)]
    except yaml.YAMLError as exc:
        return None, [ConfigIssue(f"not valid YAML: {exc}")]
    source = SourceMap()
    if node is None:
        return LoadedYaml({}, source), []
    data = _convert(node, (), source, issues)
    return LoadedYaml(data, source), issues
