"""Write a configuration document as canonical YAML.

Canonical means: sections and fields in schema order, fields equal to their default left
out, lists of plain values on one line, everything else in block style with two-space
indents, text kept as UTF-8 (Chinese stays readable). The same document always gives the
same bytes, so exports can be diffed and committed.

The bytes are defined by PyYAML's emitter with the settings of :func:`pyyaml_text`. Driving
it costs ~30 µs per value (2.8 s for the 10,000-extension benchmark site), so
:func:`yaml_text` writes the same bytes itself: the block structure directly, and each
scalar as the emitter would write it, decided by the emitter's own scalar analysis and
resolver (a fast exact path for ordinary text, cached). Whatever it cannot reproduce with
certainty (text over several lines, a line that could reach the wrap width, a key too long
to be a simple key) raises :class:`_Hard`, and that one object is written by PyYAML itself.
tests/unit/pbxconfig/test_dump.py compares both writers on generated documents.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import yaml

from controller.pbxconfig.collector import collector_paused
from controller.pbxconfig.schema import PbxConfig

HEADER = "# pbx-controller configuration. Reference: docs/configuration.md\n"
_WIDTH = 1000  # lines are never wrapped below this many characters
_INDENT = 2


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write YAML by hand.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _flat(value: list[Any]) -> bool:
    return all(isinstance(item, str | int | float | bool) for item in value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=_flat(value) and bool(value)
    )


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)

_SETTINGS: dict[str, Any] = {
    "allow_unicode": True,
    "sort_keys": False,
    "default_flow_style": False,
    "width": _WIDTH,
    "indent": _INDENT,
}


def pyyaml_text(data: Any) -> str:
    """``data`` as PyYAML writes it: the definition of the canonical bytes."""
    return yaml.dump(data, Dumper=_Dumper, **_SETTINGS)


# Text whose scalar analysis is known without running it: printable characters (Chinese
# included: the emitter allows Unicode), no leading or trailing space, no indicator at the
# start, no ": " or " #" inside, no line break. In flow context (a one-line list), also no
# flow indicator. Such text is written plain if the resolver reads it back as a string,
# else single-quoted; anything else goes through the emitter's own analysis.
_PRINTABLE = (  # what the emitter writes as is (not NEL, LS and PS: line breaks to it)
    "\\x20-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd\\U00010000-\\U0010fffe"
)
_FIRST_BAD = " #,\\[\\]{}&*!|>'\"%@`?:\\-."
_BLOCK_PLAIN = re.compile(
    f"(?![{_FIRST_BAD}])"  # no indicator or space first
    f"(?:[{_PRINTABLE}](?<![:#])|:(?=[^ ])|(?<! )#)+"  # ':' only before a non-space, '#' glued
    "(?<! )",  # no trailing space
)
_FLOW_PLAIN = re.compile(f"(?![{_FIRST_BAD}])(?:[{_PRINTABLE}](?<![:#,?\\[\\]{{}}]))+(?<! )")


_BREAKS = re.compile("[\n\x85\u2028\u2029]")  # what the emitter takes for line breaks


class _Hard(Exception):
    """A value only PyYAML's emitter can be trusted to write."""


class _Scalars:
    """The exact text PyYAML's emitter writes for one scalar on one line (cached)."""

    def __init__(self) -> None:
        self._dumper = _Dumper(io.StringIO(), **_SETTINGS)
        self._dumper.tag_prefixes = dict(self._dumper.DEFAULT_TAG_PREFIXES)  # as in a document
        self._block: dict[tuple[type, Any], str] = {}
        self._flow: dict[tuple[type, Any], str] = {}
        self._keys: dict[str, str] = {}
        # A key is written "? key" unless it and its tag ("!!str", even when not written)
        # are shorter than 128 characters.
        self._longest_key = 127 - len(self._dumper.prepare_tag("tag:yaml.org,2002:str"))

    def _plain_is_str(self, text: str) -> bool:
        return bool(
            self._dumper.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"
        )

    def _quick(self, value: str, plain: re.Pattern[str]) -> str | None:
        if not plain.fullmatch(value):
            return None
        if self._plain_is_str(value):
            return value
        return "'" + value.replace("'", "''") + "'"

    def _emitted(self, value: Any, *, flow: bool, key: bool) -> str:
        """Run the emitter's own representer, resolver, style choice and writer."""
        dumper = self._dumper
        node = dumper.represent_data(value)
        if not isinstance(node, yaml.ScalarNode):
            raise _Hard
        implicit = (
            node.tag == dumper.resolve(yaml.ScalarNode, node.value, (True, False)),
            node.tag == dumper.resolve(yaml.ScalarNode, node.value, (False, True)),
        )
        event = yaml.ScalarEvent(None, node.tag, implicit, node.value, style=node.style)
        analysis = dumper.analyze_scalar(node.value)
        tagged = len(node.value) + len(dumper.prepare_tag(node.tag))
        if key and (analysis.empty or analysis.multiline or tagged >= 128):
            raise _Hard  # the emitter would write a complex key ("? ...")
        stream = io.StringIO()
        dumper.stream = stream
        dumper.event, dumper.analysis, dumper.style = event, analysis, None
        dumper.flow_level, dumper.simple_key_context = int(flow), key
        dumper.column, dumper.indent, dumper.whitespace, dumper.indention = 0, 0, True, False
        dumper.prepared_tag = dumper.prepared_anchor = None
        dumper.process_tag()
        dumper.process_scalar()
        dumper.event = None
        text = stream.getvalue()
        if _BREAKS.search(text) or len(text) > _WIDTH // 2:
            raise _Hard  # several lines, or wrapped depending on where it starts
        return text

    def block(self, value: Any) -> str:
        cache_key = (type(value), value)
        text = self._block.get(cache_key)
        if text is None:
            text = self._quick(value, _BLOCK_PLAIN) if type(value) is str else None
            if text is None:
                text = self._emitted(value, flow=False, key=False)
            self._block[cache_key] = text
        return text

    def flow(self, value: Any) -> str:
        cache_key = (type(value), value)
        text = self._flow.get(cache_key)
        if text is None:
            text = self._quick(value, _FLOW_PLAIN) if type(value) is str else None
            if text is None:
                text = self._emitted(value, flow=True, key=False)
            self._flow[cache_key] = text
        return text

    def key(self, value: Any) -> str:
        if type(value) is not str:
            raise _Hard
        text = self._keys.get(value)
        if text is None:
            if len(value) > self._longest_key:
                raise _Hard
            text = self._quick(value, _BLOCK_PLAIN)
            if text is None:
                text = self._emitted(value, flow=False, key=True)
            self._keys[value] = text
        return text


class _Writer:
    """Block-style YAML as PyYAML writes it with :data:`_SETTINGS` and ``_Dumper``."""

    def __init__(self) -> None:
        self.scalars = _Scalars()

    def mapping(self, data: dict[Any, Any], indent: int, head: str, out: list[str]) -> None:
        """A non-empty mapping whose first key follows ``head`` on the current line."""
        key_text = self.scalars.key
        pad = " " * indent
        for key, value in data.items():
            self.value(value, indent, f"{head}{key_text(key)}:", out)
            head = pad

    def value(self, value: Any, indent: int, line: str, out: list[str]) -> None:
        """``value`` after ``line`` (a key and its colon, or a sequence dash)."""
        if isinstance(value, dict):
            if not value:
                out.append(line + " {}")
            else:
                out.append(line)
                self.mapping(value, indent + _INDENT, " " * (indent + _INDENT), out)
        elif isinstance(value, list):
            if not value:
                out.append(line + " []")
            elif _flat(value):
                flow = self.scalars.flow
                line = line + " [" + ", ".join([flow(item) for item in value]) + "]"
                if len(line) > _WIDTH:
                    raise _Hard
                out.append(line)
            else:
                out.append(line)
                self.sequence(value, indent + _INDENT, out)
        else:
            line = line + " " + self.scalars.block(value)
            if len(line) > _WIDTH:
                raise _Hard
            out.append(line)

    def sequence(self, items: list[Any], indent: int, out: list[str]) -> None:
        for item in items:
            self.item(item, indent, out)

    def item(self, item: Any, indent: int, out: list[str]) -> None:
        dash = " " * indent + "-"
        if isinstance(item, dict) and item:
            self.mapping(item, indent + _INDENT, dash + " ", out)
        elif isinstance(item, list) and item and not _flat(item):
            raise _Hard  # a block list inside a list ("- - x"): not in the format
        else:
            self.value(item, indent, dash, out)


def _slow_lines(data: Any) -> tuple[list[str], bool]:
    """PyYAML's lines for ``data``, and whether they ended "open" (a block scalar that keeps
    its final breaks, "|+"): PyYAML then ends the document with "...", which belongs at the
    end of the whole text only, never after a fragment that something else follows."""
    lines = pyyaml_text(data).removesuffix("\n").split("\n")
    if lines[-1] == "...":
        return lines[:-1], True
    return lines, False


def yaml_text(data: dict[str, Any]) -> str:
    """The bytes :func:`pyyaml_text` writes for the mapping ``data``, about 20 times faster."""
    writer = _Writer()
    out: list[str] = []
    open_ended = False  # the last thing written was PyYAML's and ended "open"
    for key, value in data.items():
        try:
            top: list[str] = []
            if isinstance(value, list) and value and not _flat(value):
                top.append(f"{writer.scalars.key(key)}:")
                for item in value:
                    open_ended = _write_item(writer, item, top)
            else:
                writer.value(value, 0, f"{writer.scalars.key(key)}:", top)
                open_ended = False
        except _Hard:
            top, open_ended = _slow_lines({key: value})
        out.extend(top)
    if not out:
        return pyyaml_text(data)
    if open_ended:
        out.append("...")
    out.append("")
    return "\n".join(out)


def _write_item(writer: _Writer, item: Any, out: list[str]) -> bool:
    """One object of a section; written by PyYAML if the fast writer cannot be sure.
    True when PyYAML wrote it and it ended "open" (see :func:`_slow_lines`)."""
    start = len(out)
    try:
        writer.item(item, _INDENT, out)
        return False
    except _Hard:
        del out[start:]
        # The same item in a list that stays in block style, after "x:" and "- {}".
        lines, open_ended = _slow_lines({"x": [{}, item]})
        out.extend(lines[2:])
        return open_ended


def dump_config(config: PbxConfig, *, text: Callable[[dict[str, Any]], str] = yaml_text) -> str:
    with collector_paused():
        data = config.model_dump(mode="json", exclude_defaults=True)
        data = {"format": config.format, **data}  # the version is always written, first
        return HEADER + text(data)
