"""The admin pages' forms, made from the configuration's schema: one widget per field of the
object, so the importer's error for ``queue 'sales': field members[2].penalty`` is shown at
the form's row 3, column "penalty".

Widgets (:class:`Kind`): a scalar is an input (text, number, yes/no, one of a list); a value
naming another object (an agent, a trunk, a skill, a prompt, a language) is a select of those
objects; a destination is a select of its kind and one of its target; a nested object
(``phone``, ``callback``) is a group of fields, switched on and off when it may be left out;
a list of objects (``members``, ``rules``, ``tariffs``), a list of values (``trunks``) and a
mapping (``options``, ``prompts``, ``required_skills``) are repeatable rows (added and removed
in the page). What the schema does not fit is a YAML text area.

A form's inputs are named by their path, as the importer names fields (``members[2].penalty``,
``phone.username``, ``options[0].key``); a row's index is the page's. Nothing here validates:
the values go to the importer as they were typed, and its messages are shown (a blank row
is dropped; a mapping's key typed twice is the one check made here, as the importer could
not see it).
"""

from __future__ import annotations

import enum
import re
import types
import typing
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from controller.domain import Destination, DestinationKind
from controller.errors import ConfigIssue
from controller.pbxconfig import types as config_types
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig

# The libyaml loader the importer reads files with (same values for the same text).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INTEGER = re.compile(r"-?[0-9]+")
_PROMPT_NAME = re.compile(r"(?!.*\.\.)(?!.*//)[A-Za-z0-9_][A-Za-z0-9_./-]{0,190}(?<!/)")
_FIELD_HEAD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")
_PATH_PART = re.compile(
    r"\.?(?P<name>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>[0-9]+)\]"
    r"|\[(?P<key>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]"
)

# Fields whose value is the key of an object of another section, by field name (the same
# name means the same thing everywhere in the schema), and where a section gives a name
# another meaning.
REFERENCES: dict[str, str] = {
    "moh_class": "moh_classes",
    "default_moh_class": "moh_classes",
    "recording_policy": "recording_policies",
    "zero_out": "extensions",
    "extension": "extensions",
    "agent": "agents",
    "owner": "agents",
    "team_leads": "agents",
    "calling_hours": "time_conditions",
    "calendars": "holiday_calendars",
    "trunks": "trunks",
    "dispositions": "dispositions",
    "skills": "skills",
    "required_skills": "skills",
}
SECTION_REFERENCES: dict[tuple[str, str], str] = {("agent_groups", "members"): "agents"}
# A destination's kinds, and the section whose objects its target names.
DESTINATION_KINDS: dict[str, str | None] = {
    DestinationKind.QUEUE.value: "queues",
    DestinationKind.IVR.value: "ivr_menus",
    DestinationKind.EXTENSION.value: "extensions",
    DestinationKind.VOICEMAIL.value: "extensions",
    DestinationKind.TIME_CONDITION.value: "time_conditions",
    DestinationKind.EXTERNAL.value: None,  # a number, typed
    DestinationKind.HANGUP.value: None,  # no target
}
LANGUAGES = ("zh", "en")  # offered in a language select (a stored other one is kept)
DIAL_KEYS = tuple("123456789*0#")
CODECS = tuple(sorted(getattr(config_types, "_CODECS", ())))
NOT_PROMPTS = {"directory"}  # a Prompt-typed field that names a directory of music


class Kind(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    CHOICE = "choice"
    REF = "ref"  # the key of an object of `ref`
    PROMPT = "prompt"  # a stored (converted) recording
    LANGUAGE = "language"
    DEST = "destination"  # kind:target
    MULTI = "multi"  # several of `choices` (a rule's days)
    CSV = "csv"  # a short list of texts in a row, comma-separated (a region route's regions)
    GROUP = "group"  # a nested object: `fields`
    ROWS = "rows"  # a list of objects: a row of `fields` each
    LIST = "list"  # a list of values: a row of `item` each
    MAP = "map"  # a mapping: a row of `item` (the key) and `fields` (the value) each
    YAML = "yaml"


SCALARS = {Kind.TEXT, Kind.NUMBER, Kind.BOOL, Kind.CHOICE, Kind.REF, Kind.PROMPT, Kind.LANGUAGE}
REPEATED = {Kind.ROWS, Kind.LIST, Kind.MAP}


@dataclass(frozen=True, slots=True)
class Widget:
    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    ref: str | None = None  # REF: the section named
    fields: tuple[Widget, ...] = ()  # GROUP, ROWS: the columns; MAP: the value's columns
    item: Widget | None = None  # LIST: a row's value; MAP: the key
    optional: bool = False  # GROUP: may be left out (None: no voicemail, no callback)
    wrapped: bool = False  # MAP: the value is an object (its fields are the columns)
    title: str = ""  # what the column is called when not its name (a mapping's key, value)
    empty: bool = False  # TEXT: "" is a value of its own (a prefix for every number)

    @property
    def columns(self) -> tuple[Widget, ...]:
        """A row's cells, in order."""
        if self.kind is Kind.LIST and self.item is not None:
            return (self.item,)
        if self.kind is Kind.MAP and self.item is not None:
            return (self.item, *self.fields)
        return self.fields

    def references(self) -> set[str]:
        """The sections (and "prompts") a page needs lists of to show this widget."""
        found = set()
        if self.kind is Kind.REF and self.ref:
            found.add(self.ref)
        if self.kind is Kind.PROMPT:
            found.add("prompts")
        if self.kind is Kind.DEST:
            found.update(s for s in DESTINATION_KINDS.values() if s)
        for sub in self.columns:
            found |= sub.references()
        return found


# Kept for callers that name the old type.
FormField = Widget


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _unwrap_optional(annotation: Any) -> tuple[Any, bool, bool]:
    """(the annotation without None, whether None is allowed, whether it is a union left)"""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return inner[0], len(inner) < len(args), False
        return annotation, len(inner) < len(args), True
    return annotation, False, False


def _model(annotation: Any) -> type[BaseModel] | None:
    found = _strip_annotated(annotation)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _default(info: Any) -> Any:
    if info.is_required():
        return None
    return to_jsonable_python(info.get_default(call_default_factory=True))


def _annotation(info: Any) -> Any:
    # pydantic keeps a field's outer Annotated metadata apart from its annotation.
    if info.metadata:
        return typing.Annotated[(info.annotation, *info.metadata)]
    return info.annotation


def _fields_of(model: type[BaseModel], section: str, inside: bool) -> tuple[Widget, ...]:
    return tuple(
        _widget(name, _annotation(info), info.is_required(), _default(info), section, inside)
        for name, info in model.model_fields.items()
    )


def _is(annotation: Any, alias: Any) -> bool:
    """Whether ``annotation`` is the configuration's type ``alias`` (its validators)."""
    marks = getattr(alias, "__metadata__", ())
    while typing.get_origin(annotation) is typing.Annotated:
        if any(any(m is mark for mark in marks) for m in annotation.__metadata__):
            return True
        annotation = typing.get_args(annotation)[0]
    return False


def _scalar(name: str, annotation: Any, section: str) -> tuple[Kind, tuple[str, ...], str | None]:
    ref = SECTION_REFERENCES.get((section, name)) or REFERENCES.get(name)
    if _is(annotation, config_types.Prompt) and name not in NOT_PROMPTS:
        return Kind.PROMPT, (), None
    if _is(annotation, config_types.Language):
        return Kind.LANGUAGE, LANGUAGES, None
    if _is(annotation, config_types.DialKey):
        return Kind.CHOICE, DIAL_KEYS, None
    if _is(annotation, config_types.Codec):
        return Kind.CHOICE, CODECS, None
    if _is(annotation, config_types.TimeZone):
        return Kind.CHOICE, tuple(sorted(zoneinfo.available_timezones())), None
    if _is(annotation, config_types.Country):
        return Kind.CHOICE, tuple(sorted(phonenumbers.SUPPORTED_REGIONS)), None
    base = _strip_annotated(annotation)
    if isinstance(base, type):
        if issubclass(base, bool):
            return Kind.BOOL, (), None
        if issubclass(base, enum.Enum):
            return Kind.CHOICE, tuple(str(m.value) for m in base), None
        if ref is not None:
            return Kind.REF, (), ref
        if issubclass(base, int):
            return Kind.NUMBER, (), None
    if ref is not None:
        return Kind.REF, (), ref
    return Kind.TEXT, (), None  # str, and values written as text (money, times, dates)


def _widget(
    name: str, annotation: Any, required: bool, default: Any, section: str, inside: bool = False
) -> Widget:
    """The widget of a field; ``inside``: in a row (where nothing repeats again)."""
    annotation, optional, union = _unwrap_optional(annotation)
    if union:
        return Widget(name, Kind.YAML, required, default=default)
    if _strip_annotated(annotation) is Destination:
        return Widget(name, Kind.DEST, required, default=default)
    base = _strip_annotated(annotation)
    origin = typing.get_origin(base)
    if origin is list:
        (item_type,) = typing.get_args(base)
        model = _model(item_type)
        if inside:
            item = _strip_annotated(item_type)
            if isinstance(item, type) and issubclass(item, enum.Enum):
                choices = tuple(str(m.value) for m in item)
                return Widget(name, Kind.MULTI, required, choices, default)
            if model is None:
                return Widget(name, Kind.CSV, required, default=default)
            return Widget(name, Kind.YAML, required, default=default)
        if model is not None:
            fields = _fields_of(model, section, inside=True)
            return Widget(name, Kind.ROWS, required, default=default, fields=fields)
        item = _widget(name, item_type, True, None, section, inside=True)
        return Widget(name, Kind.LIST, required, default=default, item=item)
    if origin is dict and not inside:
        key_type, value_type = typing.get_args(base)
        key = _widget(name, key_type, True, None, section, inside=True)
        title = {Kind.LANGUAGE: "language", Kind.REF: "skill"}.get(key.kind, "key")
        key = Widget("key", key.kind, True, key.choices, None, key.ref, title=title)
        model = _model(value_type)
        if model is not None:
            fields = _fields_of(model, section, inside=True)
            return Widget(name, Kind.MAP, required, default=default, fields=fields, item=key,
                          wrapped=True)  # fmt: skip
        value = _widget("value", value_type, True, None, section, inside=True)
        title = {Kind.PROMPT: "prompt", Kind.NUMBER: "level"}.get(value.kind, "value")
        value = Widget("value", value.kind, True, value.choices, None, value.ref, title=title)
        return Widget(name, Kind.MAP, required, default=default, fields=(value,), item=key)
    model = _model(base)
    if model is not None:
        if inside:
            return Widget(name, Kind.YAML, required, default=default)
        fields = _fields_of(model, section, inside=False)
        return Widget(name, Kind.GROUP, required, default=default, fields=fields,
                      optional=optional)  # fmt: skip
    if origin is not None:
        return Widget(name, Kind.YAML, required, default=default)
    kind, choices, ref = _scalar(name, annotation, section)
    empty = kind is Kind.TEXT and required and _accepts_empty(annotation)
    return Widget(name, kind, required, choices, default, ref, empty=empty)


def _accepts_empty(annotation: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python("")
    except ValidationError:
        return False
    return True


SITE = "site"  # the one section that is an object, not a list of them


def section_model(section: str) -> type[BaseModel]:
    annotation = PbxConfig.model_fields[section].annotation
    if section == SITE:
        return annotation  # type: ignore[return-value]
    (item,) = typing.get_args(annotation)
    return _strip_annotated(item)  # type: ignore[no-any-return]


_FORMS: dict[str, list[Widget]] = {}


def form_fields(section: str) -> list[Widget]:
    if section not in _FORMS:
        _FORMS[section] = list(_fields_of(section_model(section), section, inside=False))
    return _FORMS[section]


def key_field(section: str) -> str:
    return SECTION_KEYS[section][0] if section in SECTION_KEYS else ""


def references(section: str) -> set[str]:
    found: set[str] = set()
    for widget in form_fields(section):
        found |= widget.references()
    return found


# -- values shown in the form --------------------------------------------------------------
# What a widget shows: a scalar's text (a yes/no's bool), a destination's "kind:target", a
# group's {field: shown} with "__on", rows as [{column: shown}], a list as [{"value": ...}]
# (LIST rows are keyed by their widget's name), a mapping as [{"key": ..., column: ...}].


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def shown(spec: Widget, value: Any) -> Any:
    """What the form shows for a stored value."""
    if spec.kind is Kind.BOOL:
        return bool(value)
    if spec.kind is Kind.YAML:
        if value in (None, [], {}):
            return ""
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100).strip()
    if spec.kind is Kind.MULTI:
        return [_text(v) for v in value or []]
    if spec.kind is Kind.CSV:
        return ", ".join(_text(v) for v in value or [])
    if spec.kind is Kind.GROUP:
        on = value is not None
        values = value if isinstance(value, Mapping) else {}
        if not on and isinstance(spec.default, Mapping):
            values = spec.default
        found = {f.name: shown(f, values.get(f.name, f.default)) for f in spec.fields}
        found["__on"] = on
        return found
    if spec.kind is Kind.ROWS:
        rows = value if isinstance(value, list) else []
        return [
            {f.name: shown(f, row.get(f.name, f.default) if isinstance(row, Mapping) else None)
             for f in spec.fields}
            for row in rows
        ]  # fmt: skip
    if spec.kind is Kind.LIST and spec.item is not None:
        return [{spec.item.name: shown(spec.item, v)} for v in value or []]
    if spec.kind is Kind.MAP and spec.item is not None:
        rows = []
        for key, item in (value or {}).items():
            row: dict[str, Any] = {"key": _text(key)}
            if spec.wrapped:
                if not isinstance(item, Mapping):  # a shorthand ("queue:sales")
                    item = {spec.fields[0].name: item}
                for f in spec.fields:
                    row[f.name] = shown(f, item.get(f.name, f.default))
            else:
                row[spec.fields[0].name] = shown(spec.fields[0], item)
            rows.append(row)
        return rows
    return _text(value)


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
    errors: dict[str, list[str]]  # path -> messages found before the importer


_OMIT = object()  # a value left empty: the field takes its default


@dataclass
class _Reader:
    form: Mapping[str, list[str]]
    gettext: Callable[[str], str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str) -> str:
        values = self.form.get(name) or [""]
        return str(values[-1])

    def indexes(self, path: str) -> list[int]:
        pattern = re.compile(re.escape(path) + r"\[([0-9]{1,4})\]")
        found = {int(m.group(1)) for name in self.form if (m := pattern.match(name))}
        return sorted(found)

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def read(self, spec: Widget, path: str) -> tuple[Any, Any]:
        """(what to show again, the value for the importer or _OMIT)"""
        kind = spec.kind
        if kind is Kind.BOOL:
            value = self.one(path) == "true"
            return value, value
        if kind is Kind.DEST:
            return self._destination(path)
        if kind is Kind.MULTI:
            values = [v for v in self.form.get(path, []) if v]
            return values, values if values or spec.required else _OMIT
        if kind is Kind.CSV:
            text = self.one(path)
            parts = [p.strip() for p in re.split(r"[,，、;；]", text) if p.strip()]
            return text, parts if parts or spec.required else _OMIT
        if kind is Kind.GROUP:
            return self._group(spec, path)
        if kind in REPEATED:
            return self._rows(spec, path)
        text = self.one(path)
        if kind is Kind.YAML:
            return text, self._yaml(text.replace("\r\n", "\n"), path)
        if kind is not Kind.TEXT or text.strip() == "":
            text = text.strip()
        if text == "":
            return text, text if spec.empty else _OMIT
        if kind is Kind.NUMBER:
            return text, int(text) if _INTEGER.fullmatch(text) else text
        return text, text

    def _yaml(self, text: str, path: str) -> Any:
        if text.strip() == "":
            return _OMIT
        try:
            return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "not valid YAML"
            if mark is not None:
                message = self.gettext("not valid YAML: %(problem)s (line %(line)s)")
                self.error(path, message % {"problem": problem, "line": mark.line + 1})
            else:
                self.error(path, self.gettext("not valid YAML: %(problem)s") % {"problem": problem})
            return _OMIT

    def _destination(self, path: str) -> tuple[str, Any]:
        kind = self.one(f"{path}:kind").strip()
        target = self.one(f"{path}:target").strip()
        if kind == "":
            return "", _OMIT
        if kind == DestinationKind.HANGUP.value:
            return kind, kind
        text = f"{kind}:{target}"
        return text, text

    def _group(self, spec: Widget, path: str) -> tuple[dict[str, Any], Any]:
        on = not spec.optional or self.one(f"{path}.__on") == "true"
        shown_: dict[str, Any] = {"__on": on}
        value: dict[str, Any] = {}
        for sub in spec.fields:
            typed, read = self.read(sub, f"{path}.{sub.name}")
            shown_[sub.name] = typed
            if read is not _OMIT:
                value[sub.name] = read
        if not on:
            return shown_, None if spec.default is not None else _OMIT
        return shown_, value

    def _rows(self, spec: Widget, path: str) -> tuple[list[dict[str, Any]], Any]:
        rows: list[dict[str, Any]] = []
        values: list[Any] = []
        mapping: dict[str, Any] = {}
        for index in self.indexes(path):
            row_path = f"{path}[{index}]"
            typed: dict[str, Any] = {}
            read: dict[str, Any] = {}
            for column in spec.columns:
                typed[column.name], got = self.read(column, f"{row_path}.{column.name}")
                if got is not _OMIT:
                    read[column.name] = got
            if not read or all(_blank(v) for v in typed.values()):
                continue  # a blank row (added, never filled): dropped
            at = f"{path}[{len(rows)}]"  # where the page shows it again
            rows.append(typed)
            if spec.kind is Kind.LIST and spec.item is not None:
                values.append(read.get(spec.item.name, ""))
            elif spec.kind is Kind.ROWS:
                values.append(read)
            else:  # a mapping
                key = str(read.pop("key", ""))
                if key == "":
                    self.error(at, self.gettext("choose a key for this row"))
                elif key in mapping:
                    self.error(at, self.gettext("%(key)s is listed twice") % {"key": key})
                value = read if spec.wrapped else read.get(spec.fields[0].name, "")
                mapping[key] = value
        if spec.kind is Kind.MAP:
            return rows, mapping if mapping or spec.required else _OMIT
        return rows, values if values or spec.required else _OMIT


def _blank(typed: Any) -> bool:
    if isinstance(typed, Mapping):
        return all(_blank(v) for k, v in typed.items() if k != "__on")
    return typed in ("", [], False, None)


def read_form(
    section: str,
    form: Mapping[str, list[str]],
    gettext: Callable[[str], str] | None = None,
) -> Submitted:
    """The object a submitted form describes. ``form``: every value of each input name (a
    yes/no sends a hidden "false" and, when ticked, "true" after it: the last wins)."""
    reader = _Reader(form, gettext or (lambda text: text))
    item: dict[str, Any] = {}
    typed: dict[str, Any] = {}
    for spec in form_fields(section):
        typed[spec.name], value = reader.read(spec, spec.name)
        if value is not _OMIT:
            item[spec.name] = value
    return Submitted(item, typed, reader.errors)


# -- the importer's issues, at their fields ------------------------------------------------


def field_of(issue: ConfigIssue) -> str | None:
    """The form field an issue names: the first name of its field path."""
    if not issue.field:
        return None
    match = _FIELD_HEAD.match(issue.field)
    return match.group(0) if match else None


def _parts(text: str) -> list[str | int]:
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        match = _PATH_PART.match(text, position)
        if match is None or match.end() == position:
            break
        if match.group("name") is not None:
            parts.append(match.group("name"))
        elif match.group("index") is not None:
            parts.append(int(match.group("index")))
        else:
            parts.append(str(yaml.safe_load(match.group("key"))))
        position = match.end()
    return parts


def place(section: str, field_text: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """Where a form shows an issue of the edited object's field ``field_text`` (the importer's
    ``members[2].penalty``, ``options['7'].destination``, ``required_skills.sales``): the
    path of the deepest widget the form has for it, and the rest of the field (what the
    widget does not show on its own, "" mostly)."""
    parts = _parts(field_text)
    if not parts or not isinstance(parts[0], str):
        return "", field_text
    specs = {spec.name: spec for spec in form_fields(section)}
    spec = specs.get(parts[0])
    if spec is None:
        return "", field_text
    path, value, rest = spec.name, values.get(spec.name), parts[1:]
    while rest:
        part = rest[0]
        if spec.kind is Kind.GROUP and isinstance(part, str):
            sub = next((f for f in spec.fields if f.name == part), None)
            if sub is None:
                break
            spec, path = sub, f"{path}.{part}"
            value = value.get(part) if isinstance(value, Mapping) else None
        elif spec.kind in (Kind.ROWS, Kind.LIST) and isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                break
            path, value = f"{path}[{part}]", value[part]
            rest = rest[1:]
            if spec.kind is Kind.LIST and spec.item is not None:
                path += f".{spec.item.name}"
                break
            if rest and isinstance(rest[0], str):
                column = next((f for f in spec.fields if f.name == rest[0]), None)
                if column is not None:
                    path = f"{path}.{column.name}"
                    rest = rest[1:]
            break
        elif spec.kind is Kind.MAP:
            rows = value if isinstance(value, list) else []
            index = next((i for i, row in enumerate(rows) if row.get("key") == str(part)), None)
            if index is None:
                break
            path = f"{path}[{index}]"
            rest = rest[1:]
            if spec.wrapped and rest and isinstance(rest[0], str):
                column = next((f for f in spec.fields if f.name == rest[0]), None)
                if column is not None:
                    path = f"{path}.{column.name}"
                    rest = rest[1:]
            elif not spec.wrapped and not rest:
                path = f"{path}.{spec.fields[0].name}"
            break
        else:
            break
        rest = rest[1:]
    return path, "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")


def _names_edited(obj: str | None, labels: set[str]) -> bool:
    if obj is None:
        return False
    return obj in labels or any(obj.startswith(x) for x in labels if x.endswith("#"))


def place_issues(
    section: str,
    labels: set[str],
    issues: list[ConfigIssue],
    values: Mapping[str, Any] | None = None,
    message: Callable[[ConfigIssue], str] | None = None,
    general: Callable[[ConfigIssue], str] | None = None,
) -> tuple[dict[str, list[str]], list[str]]:
    """Issues of the edited object (``labels``: how the importer names it, "queue 'sales'")
    by the path of the widget they name (``members[2].penalty``; ``values``: what the form
    shows), and the rest (other objects, the whole document) as messages naming what they
    are about. ``message`` and ``general`` word an issue (the page's language)."""
    message = message or (lambda issue: issue.message)
    general = general or (lambda issue: issue.render())
    at_field: dict[str, list[str]] = {}
    others: list[str] = []
    for issue in issues:
        if _names_edited(issue.object, labels) and issue.field:
            path, rest = place(section, issue.field, values or {})
            if path:
                detail = message(issue)
                at_field.setdefault(path, []).append(f"{rest}: {detail}" if rest else detail)
                continue
        others.append(general(issue))
    return at_field, others


# -- the prompts a form offers ---------------------------------------------------------------
_LANGUAGE_DIR = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def prompt_name(name: str) -> bool:
    """Whether ``name`` is a prompt's name (the configuration's Prompt type)."""
    return bool(_PROMPT_NAME.fullmatch(name))


def stored_prompts(sounds_dir: Path) -> list[str]:
    """The prompts a form may offer: every recording converted into ``sounds_dir`` (its
    ``.wav`` files, as uploads are stored), by name, sorted. Asterisk's own sounds, in the
    language directories (``en/``, ``zh/``), are left out."""
    found = []
    if not sounds_dir.is_dir():
        return found
    for path in sounds_dir.rglob("*.wav"):
        name = path.relative_to(sounds_dir).with_suffix("").as_posix()
        top = name.split("/", 1)[0]
        if "/" in name and _LANGUAGE_DIR.fullmatch(top):
            continue
        if _PROMPT_NAME.fullmatch(name) and path.is_file():
            found.append(name)
    return sorted(found)
