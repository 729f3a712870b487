"""Hostile strings through every text field of the example company: each is either refused
with an error naming the object and the field, or written without changing the structure
of any generated file."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from controller.dialplan import confparse
from controller.dialplan.build import build
from controller.dialplan.render import Renderer
from controller.errors import ConfigFileError, ConfigIssue
from controller.pbxconfig.load import parse_config
from controller.pbxconfig.schema import SECTION_KEYS
from tests.conftest import EXAMPLE

HOSTILE = [
    ";",
    "a;b",
    ",",
    "(",
    ")",
    "x)(y",
    "${EXTEN}",
    "$[1+1]",
    "line\nbreak",
    "#include /etc/passwd",
    "\\",
    '"quoted"',
    "'single'",
    "nul\x00byte",
    "x" * 5000,
    "张伟;销售)",
    "[section]",
    "exten => 1,1,Hangup()",
    ";-- block",
    "--;",
    " padded ",
    "|pipe|",
    "<angle>",
]
BASE = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
RENDERER = Renderer()


def _string_fields(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _string_fields(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _string_fields(value, (*path, index))
    elif isinstance(node, str):
        yield path


def _one_per_field(paths: Iterator[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One representative per field (the first list item of each section is enough)."""
    seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for path in paths:
        shape = tuple("#" if isinstance(p, int) else p for p in path)
        seen.setdefault(shape, path)
    return list(seen.values())


FIELDS = _one_per_field(_string_fields(BASE))


def _with(path: tuple[Any, ...], value: str) -> str:
    data = copy.deepcopy(BASE)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)


def _shape(files: dict[str, str]) -> dict[str, list[Any]]:
    """The structure of every file: sections, their keys, dialplan extensions and apps."""
    shape: dict[str, list[Any]] = {}
    for name, text in files.items():
        conf = confparse.parse(text)
        items: list[Any] = [("include", inc) for _, inc in conf.includes]
        for section in conf.sections:
            # The marker's name carries the file's digest, which any change changes.
            marker = section.name.startswith("pbx-meta-") and name == "pjsip.conf"
            items.append(("section", "pbx-meta" if marker else section.name, section.options))
            items += [(e.key, e.arrow) for e in section.entries]
            items += [
                (p.exten, p.priority, p.label, p.app)
                for p in confparse.dialplan_priorities(section)
            ]
        shape[name] = items
    return shape


def _render(text: str) -> dict[str, str]:
    config = parse_config(text, "hostile.yaml").config
    # Deterministic secrets: rendering needs them, the file leaves them to the import.
    extensions = [
        e.model_copy(
            update={"phone": e.phone.model_copy(update={"password": f"Pw-{e.number}-x7Kq2mZ"})}
        )
        if e.phone is not None and e.phone.password is None
        else e
        for e in config.extensions
    ]
    return RENDERER.render(build(config.model_copy(update={"extensions": extensions})))


BASELINE = _shape(_render(EXAMPLE.read_text(encoding="utf-8")))


def _object_label(path: tuple[Any, ...]) -> str | None:
    section = path[0]
    if section == "site":
        return "site"
    key_field, what = SECTION_KEYS[section]
    return f"{what} {BASE[section][path[1]][key_field]!r}" if key_field != path[2] else None


def _assert_names_object_and_field(
    issue: ConfigIssue, path: tuple[Any, ...], field: str, value: str
) -> None:
    assert issue.line is not None, (path, value, issue)
    assert issue.field is not None, (path, value, issue)
    assert field in issue.field, (path, value, issue)
    label = _object_label(path)
    if label is not None:  # a broken key field (the name itself) cannot name its object
        assert issue.object == label, (path, value, issue)


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: ".".join(map(str, p)))
def test_hostile_values_never_change_structure(path: tuple[Any, ...]) -> None:
    field = str(path[-1]) if not isinstance(path[-1], int) else str(path[-2])
    accepted = 0
    for value in HOSTILE:
        try:
            files = _render(_with(path, value))
        except ConfigFileError as exc:
            _assert_names_object_and_field(exc.issues[0], path, field, value)
            continue
        accepted += 1
        assert _shape(files) == BASELINE, f"{path} = {value!r} changed the structure"
        assert "\x00" not in "".join(files.values())
    # Every field refuses at least the line break and the NUL byte.
    assert accepted < len(HOSTILE)
