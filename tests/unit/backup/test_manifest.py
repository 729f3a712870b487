"""manifest.json: written and read back; a foreign, newer or malformed one refused clearly."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from controller.backup.errors import BackupError
from controller.backup.kinds import Kind
from controller.backup.manifest import FileEntry, Manifest, TableEntry, parse_manifest
from controller.backup.tables import ColumnSpec

SHA = "0" * 64


def manifest() -> Manifest:
    return Manifest(
        created_at=dt.datetime(2026, 3, 4, 5, 6, 7, 8, tzinfo=dt.UTC),
        program_version="0.1.0",
        server_id="pbx1",
        source_engine="postgresql",
        source_engine_version="15.20",
        schema_revision="0004",
        tables=(
            TableEntry(
                name="call",
                columns=(ColumnSpec(name="id", kind=Kind.INT, nullable=False),),
                primary_key=("id",),
                member="tables/call.jsonl",
                rows=3,
                sha256=SHA,
                size=12,
            ),
        ),
        files=(FileEntry(member="secrets/ami-secret", sha256=SHA, size=33),),
        recordings_included=False,
    )


def as_dict() -> dict[str, Any]:
    return json.loads(manifest().to_json())


def test_a_manifest_reads_back_equal() -> None:
    assert parse_manifest(manifest().to_json(), "b.zip") == manifest()
    assert manifest().total_rows == 3


def test_a_foreign_json_file_is_not_a_backup() -> None:
    with pytest.raises(BackupError, match=r"b\.zip is not a pbx-controller backup"):
        parse_manifest(b'{"format": "something-else"}', "b.zip")


def test_a_newer_format_is_refused_saying_a_newer_program_reads_it() -> None:
    data = as_dict() | {"format_version": 2}
    with pytest.raises(BackupError, match="backup format 2, this program reads format 1"):
        parse_manifest(json.dumps(data).encode(), "b.zip")


def test_a_malformed_field_is_named() -> None:
    data = as_dict()
    data["tables"][0]["columns"][0]["kind"] = "interval"
    with pytest.raises(BackupError, match=r"field tables\[0\]\.columns\[0\]\.kind"):
        parse_manifest(json.dumps(data).encode(), "b.zip")


def test_a_table_name_that_is_no_identifier_is_refused() -> None:
    data = as_dict()
    data["tables"][0]["name"] = "call; DROP TABLE agent"
    with pytest.raises(BackupError, match=r"field tables\[0\]\.name"):
        parse_manifest(json.dumps(data).encode(), "b.zip")


def test_invalid_json_is_refused() -> None:
    with pytest.raises(BackupError, match=r"manifest\.json is not valid JSON"):
        parse_manifest(b"{not json", "b.zip")
