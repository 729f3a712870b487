"""Many objects of one section at once, from a spreadsheet (CSV or .xlsx), through the importer.

The first row names the columns: the section's key (``number`` for extensions, ``code`` for
customers) and any of its fields, as in the YAML file; a list field (a customer's
``numbers``) is written with ``;`` between items, a nested field with a dot
(``voicemail.email``). Each row adds the object with that key, or changes the fields its
columns name in the stored one (fields without a column are kept). The document this makes
is validated and diffed by the importer's code: :func:`preview` says what would change (or
every problem, each naming its row's object and field) and writes nothing; :func:`apply`
imports it, refused when the configuration changed since the preview.
"""

from __future__ import annotations

import csv
import io
import typing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from controller.digits import ascii_digits
from controller.errors import ConfigFileError, ConfigIssue, Message
from controller.pbxconfig.diff import diff_configs
from controller.pbxconfig.edit import Conflict
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import ImportReport, import_config
from controller.pbxconfig.load import ValidatedConfig, validate_document
from controller.pbxconfig.revision import current_revision
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig

SECTIONS = ("extensions", "customers")  # what a spreadsheet may fill
LIST_FIELDS = {"customers": {"numbers"}}
MAX_ROWS = 20_000


class SheetError(ConfigFileError):
    """The spreadsheet itself cannot be read (not its values: those are the importer's)."""


@dataclass
class Preview:
    revision: int  # of the configuration the preview was made from
    rows: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def read_rows(filename: str, data: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM; or GB18030 as Excel in China saves it)
    or of the first sheet of an .xlsx, by column name."""
    if data[:2] == b"PK":
        return _xlsx_rows(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(
            [ConfigIssue(Message("the file is neither UTF-8 nor GB18030 text"))], filename
        )
    reader = csv.DictReader(io.StringIO(text))
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _xlsx_rows(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # a corrupt zip, not a workbook: say so
        raise SheetError(
            [ConfigIssue(Message("not an .xlsx workbook ({reason})", reason=exc))]
        ) from None
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    found = []
    for values in rows:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        found.append({h: _cell(v) for h, v in zip(header, values, strict=False) if h})
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps 1001 as 1001.0
    return str(value).strip()


def _item(section: str, row: dict[str, str], stored: dict[str, Any] | None) -> dict[str, Any]:
    item: dict[str, Any] = dict(stored or {})
    numbers = number_fields(section)
    for column, text in row.items():
        if text == "":
            continue  # an empty cell keeps the stored value (or the default)
        value: Any = text
        if column in LIST_FIELDS.get(section, set()):
            value = [part.strip() for part in text.split(";") if part.strip()]
        if "." in column:
            outer, inner = column.split(".", 1)
            nested = dict(item.get(outer) or {})
            nested[inner] = value
            item[outer] = nested
        else:
            item[column] = int(value) if column in numbers and ascii_digits(value) else value
    return item


def number_fields(section: str) -> set[str]:
    """The fields of a section's objects that hold a number (a cell's digits become one)."""
    model = typing.get_args(PbxConfig.model_fields[section].annotation)[0]
    found = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        while typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        options = typing.get_args(annotation) or (annotation,)
        if any(isinstance(o, type) and issubclass(o, int) and not issubclass(o, bool)
               for o in options):  # fmt: skip
            found.add(name)
    return found


def build(
    session: Session, section: str, rows: list[dict[str, str]], filename: str
) -> tuple[ValidatedConfig, Preview]:
    if section not in SECTIONS:
        raise SheetError(
            [ConfigIssue(Message("a spreadsheet cannot fill {section}", section=section))], filename
        )
    if len(rows) > MAX_ROWS:
        raise SheetError(
            [ConfigIssue(Message("more than {rows} rows", rows=f"{MAX_ROWS:,}"))], filename
        )
    key_field = SECTION_KEYS[section][0]
    if rows and key_field not in rows[0]:
        raise SheetError(
            [
                ConfigIssue(
                    Message("the first row must name the column {column}", column=repr(key_field))
                )
            ],
            filename,
        )
    revision = current_revision(session)
    config = export_config(session)
    data: dict[str, Any] = config.model_dump(mode="json", exclude_defaults=True)
    data = {"format": config.format, **data}
    items: list[dict[str, Any]] = data[section]
    index = {item[key_field]: i for i, item in enumerate(items)}
    for row in rows:
        key = row.get(key_field, "")
        position = index.get(key)
        item = _item(section, row, items[position] if position is not None else None)
        if position is None:
            index[key] = len(items)
            items.append(item)
        else:
            items[position] = item
    validated = validate_document(data, filename=filename)
    diff = diff_configs(config, validated.config).sections[section]
    return validated, Preview(revision, len(rows), list(diff.added), list(diff.changed))


def preview(session: Session, section: str, rows: list[dict[str, str]], filename: str) -> Preview:
    """What importing the rows would change; ConfigFileError with every problem."""
    return build(session, section, rows, filename)[1]


def apply(
    session: Session,
    section: str,
    rows: list[dict[str, str]],
    filename: str,
    seen_revision: int,
    *,
    now: datetime | None = None,
) -> ImportReport:
    """Import the rows, if the configuration is still the one the preview was made from."""
    validated, found = build(session, section, rows, filename)
    if found.revision != seen_revision:
        raise Conflict(f"the configuration (revision {seen_revision} when previewed)")
    return import_config(session, validated, now=now)
