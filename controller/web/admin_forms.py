"""The admin pages' forms, made from the configuration's schema: one field per field of the
object, named as in the YAML file, so the importer's error for ``queue 'sales': field
ring_seconds`` is shown at the form's ``ring_seconds``.

A scalar field (text, number, yes/no, one of a list) is an input; a field holding a list, a
mapping or a nested object is a YAML text area (``members``, ``options``, ``phone``). An
empty input means "the default" (the field is left out, as in a file). Nothing here
validates: the values go to the importer as they were typed, and its messages are shown.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from controller.errors import ConfigIssue
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig

# The libyaml loader the importer reads files with (same values for the same text).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INTEGER = re.compile(r"-?[0-9]+")
_FIELD_HEAD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")


class Kind(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    CHOICE = "choice"
    YAML = "yaml"


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    kind: Kind
    required: bool
    choices: tuple[str, ...] = ()
    default: Any = None


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return _kind(inner[0])
        return Kind.YAML, ()
    if typing.get_origin(annotation) in (list, dict, tuple, set):
        return Kind.YAML, ()
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return Kind.YAML, ()
        if issubclass(annotation, bool):
            return Kind.BOOL, ()
        if issubclass(annotation, enum.Enum):
            return Kind.CHOICE, tuple(str(m.value) for m in annotation)
        if issubclass(annotation, int):
            return Kind.NUMBER, ()
    return Kind.TEXT, ()  # str, and values written as text (destinations, money, times)


def section_model(section: str) -> type[BaseModel]:
    annotation = PbxConfig.model_fields[section].annotation
    (item,) = typing.get_args(annotation)
    return _strip_annotated(item)  # type: ignore[no-any-return]


def form_fields(section: str) -> list[FormField]:
    found = []
    for name, info in section_model(section).model_fields.items():
        kind, choices = _kind(info.annotation)
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        default = to_jsonable_python(default)  # as a stored object's values are: plain JSON
        found.append(FormField(name, kind, info.is_required(), choices, default))
    return found


def key_field(section: str) -> str:
    return SECTION_KEYS[section][0]


# -- values shown in the form --------------------------------------------------------------


def shown(spec: FormField, value: Any) -> Any:
    """What the form's input holds for a stored value."""
    if spec.kind is Kind.BOOL:
        return bool(value)
    if value is None:
        return ""
    if spec.kind is Kind.YAML:
        if value in ([], {}):
            return ""
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100).strip()
    return str(value)


def shown_values(section: str, item: Mapping[str, Any] | None) -> dict[str, Any]:
    item = item or {}
    return {
        spec.name: shown(spec, item.get(spec.name, spec.default)) for spec in form_fields(section)
    }


# -- values typed into the form -------------------------------------------------------------


@dataclass
class Submitted:
    item: dict[str, Any]  # the object as the importer will read it
    shown: dict[str, Any]  # what to put back in the form if it is refused
    errors: dict[str, list[str]]  # field -> messages found before the importer (YAML syntax)


def read_form(section: str, form: Mapping[str, str], bools: Mapping[str, str]) -> Submitted:
    """The object a submitted form describes. ``bools``: the last value of each yes/no field
    (a hidden "false" followed by the checkbox's "true")."""
    item: dict[str, Any] = {}
    typed: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in form_fields(section):
        if spec.kind is Kind.BOOL:
            value = bools.get(spec.name, "false") == "true"
            typed[spec.name] = value
            item[spec.name] = value
            continue
        text = form.get(spec.name, "")
        typed[spec.name] = text
        if spec.kind is Kind.YAML:
            text = text.replace("\r\n", "\n")
        elif text.strip() == "" or spec.kind is not Kind.TEXT:
            text = text.strip()
        if text.strip() == "":
            continue  # the default, as a field left out of the file
        if spec.kind is Kind.NUMBER:
            item[spec.name] = int(text) if _INTEGER.fullmatch(text) else text
        elif spec.kind is Kind.YAML:
            try:
                item[spec.name] = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (line {mark.line + 1})" if mark is not None else ""
                problem = getattr(exc, "problem", None) or "not valid YAML"
                errors.setdefault(spec.name, []).append(f"{problem}{where}")
        else:
            item[spec.name] = text
    return Submitted(item, typed, errors)


# -- the importer's issues, at their fields ------------------------------------------------


def field_of(issue: ConfigIssue) -> str | None:
    """The form field an issue names: the first name of its field path."""
    if not issue.field:
        return None
    match = _FIELD_HEAD.match(issue.field)
    return match.group(0) if match else None


def _names_edited(obj: str | None, labels: set[str]) -> bool:
    if obj is None:
        return False
    return obj in labels or any(obj.startswith(x) for x in labels if x.endswith("#"))


def place_issues(
    section: str, labels: set[str], issues: list[ConfigIssue]
) -> tuple[dict[str, list[str]], list[str]]:
    """Issues of the edited object (``labels``: how the importer names it, "queue 'sales'")
    by form field, and the rest (other objects, the whole document) as messages naming what
    they are about."""
    names = {spec.name for spec in form_fields(section)}
    at_field: dict[str, list[str]] = {}
    general: list[str] = []
    for issue in issues:
        name = field_of(issue)
        if _names_edited(issue.object, labels) and name in names:
            detail = issue.message if issue.field == name else f"{issue.field}: {issue.message}"
            at_field.setdefault(name, []).append(detail)
        else:
            general.append(issue.render())
    return at_field, general
