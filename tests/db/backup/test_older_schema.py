"""A backup of an older schema revision is restored at that revision, then upgraded by the
migrations, on every engine (the "older" backup is made from a current one by removing what
the newest migration added, which is what the previous version would have written)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from controller.backup.revisions import Revisions
from controller.db import models as m
from controller.db.engine import make_engine
from controller.db.migrate import schema_state, upgrade
from tests.db.backup.sample import all_rows, export_text, reference, restore_into
from tests.unit.backup.crafting import Manifest, rewrite


def schema_at(revision: str, directory: Path) -> dict[str, list[str]]:
    """Table -> column names of the schema at ``revision``."""
    engine = make_engine(f"sqlite:///{directory / f'schema-{revision}.sqlite3'}")
    upgrade(engine, revision)
    inspector = inspect(engine)
    schema = {
        name: [column["name"] for column in inspector.get_columns(name)]
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }
    engine.dispose()
    return schema


def as_of(backup: Path, out: Path, revision: str, schema: dict[str, list[str]]) -> Path:
    """``backup`` as a program whose newest schema is ``revision`` would have written it."""
    with zipfile.ZipFile(backup) as archive:
        manifest: Manifest = json.loads(archive.read("manifest.json"))
        members: dict[str, bytes | None] = {}
        tables = []
        for table in manifest["tables"]:
            if table["name"] not in schema:
                members[table["member"]] = None
                continue
            keep = [n for n, c in enumerate(table["columns"]) if c["name"] in schema[table["name"]]]
            lines = [json.loads(line) for line in archive.read(table["member"]).splitlines()]
            members[table["member"]] = b"".join(
                json.dumps([row[n] for n in keep], ensure_ascii=False).encode() + b"\n"
                for row in lines
            )
            table["columns"] = [table["columns"][n] for n in keep]
            tables.append(table)

    def older(edited: Manifest) -> None:
        edited["schema_revision"] = revision
        edited["tables"] = [t for t in edited["tables"] if t["name"] in schema]
        for table in edited["tables"]:
            table["columns"] = next(t["columns"] for t in tables if t["name"] == table["name"])

    return rewrite(backup, out, members=members, edit=older)


def forget_newer(engine: Engine, schema: dict[str, list[str]]) -> None:
    """Remove from ``engine`` what the older ``schema`` cannot hold: the rows of tables it
    lacks and the values of nullable columns it lacks (what the newest migration added: an
    upgrade of an older backup cannot invent them)."""
    with engine.begin() as connection:
        for table in reversed(m.Base.metadata.sorted_tables):
            if table.name not in schema:
                connection.execute(table.delete())
        for table in m.Base.metadata.sorted_tables:
            if table.name not in schema:
                continue
            added = [
                c.name for c in table.columns if c.nullable and c.name not in schema[table.name]
            ]
            if added:
                connection.execute(table.update().values(dict.fromkeys(added)))


def test_a_backup_of_the_previous_schema_is_restored_then_upgraded(
    sample_backup: Path, target: Engine, tmp_path: Path
) -> None:
    revisions = Revisions.load()
    if len(revisions.ordered) < 2:
        pytest.fail("needs at least two migrations")
    previous = revisions.ordered[-2]
    schema = schema_at(previous, tmp_path)
    old = as_of(sample_backup, tmp_path / "old.zip", previous, schema)
    with zipfile.ZipFile(old) as archive:
        assert json.loads(archive.read("manifest.json"))["schema_revision"] == previous

    restore_into(old, target, tmp_path)

    assert schema_state(target).up_to_date
    expected = reference(sample_backup, tmp_path)
    forget_newer(expected, schema)
    assert export_text(target) == export_text(expected)
    # Every row the old schema could hold is there, children of rebuilt tables included.
    restored = all_rows(target, schema)
    assert restored == all_rows(expected, schema)
    assert [name for name, rows in restored.items() if not rows] == []
