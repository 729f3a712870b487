"""Importing and exporting the configuration on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bench.dataset import large_company
from controller.db import models as m
from controller.db.engine import session_factory
from controller.errors import ConfigFileError, DatabaseError
from controller.pbxconfig import importer
from controller.pbxconfig.dump import dump_config
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import (
    ImportReport,
    copy_rows,
    driver_insert,
    import_config,
)
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


def _import(engine: Engine, text: str, now: dt.datetime | None = None) -> ImportReport:
    with session_factory(engine)() as session, session.begin():
        return import_config(session, parse_config(text, "company.yaml"), now=now)


def _export(engine: Engine, include_secrets: bool = False) -> str:
    with session_factory(engine)() as session:
        return dump_config(export_config(session, include_secrets=include_secrets))


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_example_imports_and_exports_identically(engine: Engine) -> None:
    report = _import(engine, EXAMPLE_TEXT)
    assert report.diff.sections["extensions"].added[:2] == ["1001", "1002"]
    assert len(report.generated) == 10 + 3  # ten phone passwords, three voicemail PINs
    assert _export(engine) == EXAMPLE_TEXT


def test_reimport_changes_nothing_and_keeps_ids_and_secrets(engine: Engine) -> None:
    _import(engine, EXAMPLE_TEXT)
    factory = session_factory(engine)
    with factory() as session:
        before = {(p.username, p.id, p.password) for p in session.scalars(select(m.Phone))}
        queue_ids = {q.name: q.id for q in session.scalars(select(m.Queue))}
    report = _import(engine, EXAMPLE_TEXT)
    assert report.diff.empty
    assert report.generated == []
    with factory() as session:
        after = {(p.username, p.id, p.password) for p in session.scalars(select(m.Phone))}
        assert {q.name: q.id for q in session.scalars(select(m.Queue))} == queue_ids
    assert after == before


def test_generated_secrets_are_strong_unique_and_exportable(engine: Engine) -> None:
    _import(engine, EXAMPLE_TEXT)
    with session_factory(engine)() as session:
        phones = list(session.scalars(select(m.Phone)))
        pins = [
            e.voicemail_pin for e in session.scalars(select(m.Extension)) if e.voicemail_enabled
        ]
    assert all(p.password_generated and len(p.password) >= 20 for p in phones)
    assert len({p.password for p in phones}) == len(phones)
    assert all(pin and pin.isdigit() and len(pin) == 6 for pin in pins)
    full = _export(engine, include_secrets=True)
    assert phones[0].password in full
    assert phones[0].password not in _export(engine)


def test_export_with_secrets_restores_a_fresh_database(engine: Engine) -> None:
    _import(engine, EXAMPLE_TEXT)
    backup = _export(engine, include_secrets=True)
    with engine.begin() as connection:
        for table in reversed(m.Base.metadata.sorted_tables):
            connection.execute(table.delete())
    _import(engine, backup)
    assert _export(engine, include_secrets=True) == backup


def test_changes_are_applied_and_reported(engine: Engine) -> None:
    _import(engine, EXAMPLE_TEXT)
    changed = (
        EXAMPLE_TEXT.replace("      - agent: '8006'\n        penalty: 2\n", "")  # sales member
        .replace(  # a customer removed
            "  - code: C10005\n    name: 周杰\n    numbers: ['+8615012345678']\n"
            "    notes: 上次反馈发票抬头有误,已处理\n",
            "",
        )
        .replace(  # an extension added
            "trunks:\n",
            "  - number: '1011'\n    name: 新同事\ntrunks:\n",
        )
    )
    report = _import(engine, changed)
    assert report.diff.sections["queues"].changed == ["sales"]
    assert report.diff.sections["customers"].removed == ["C10005"]
    assert report.diff.sections["extensions"].added == ["1011"]
    assert report.generated == ["phone password of extension 1011"]
    assert _export(engine) == changed


def test_number_moves_between_customers_in_one_import(engine: Engine) -> None:
    _import(engine, EXAMPLE_TEXT)
    moved = EXAMPLE_TEXT.replace(
        "    numbers: ['+8613800138000', '+8675583219876']", "    numbers: ['+8613800138000']"
    ).replace(
        "    numbers: ['+8613911112222']", "    numbers: ['+8613911112222', '+8675583219876']"
    )
    assert moved != EXAMPLE_TEXT
    _import(engine, moved)
    with session_factory(engine)() as session:
        owner = session.scalars(
            select(m.Customer.code)
            .join(m.CustomerNumber)
            .where(m.CustomerNumber.number == "+8675583219876")
        ).one()
    assert owner == "C10002"


def test_queue_and_the_option_pointing_at_it_removed_together(engine: Engine) -> None:
    _import(engine, EXAMPLE_TEXT)
    start = EXAMPLE_TEXT.index("  - name: support\n    display_name: 售后技术支持")
    end = EXAMPLE_TEXT.index("ivr_menus:\n")
    without = EXAMPLE_TEXT[:start] + EXAMPLE_TEXT[end:]
    without = without.replace(
        "        destination: queue:support\n", "        destination: queue:sales\n"
    )
    without = without.replace("      '1': queue:support\n", "      '1': extension:1004\n")
    without = without.replace("    timeout: queue:support\n", "    timeout: queue:sales\n")
    report = _import(engine, without)
    assert report.diff.sections["queues"].removed == ["support"]
    with session_factory(engine)() as session:
        assert session.scalars(select(m.Queue.name)).all() == ["sales"]
        kinds = session.scalars(
            select(m.Destination.kind).where(m.Destination.target_queue_id.is_not(None))
        )
        assert all(kind == "queue" for kind in kinds)
    assert _export(engine) == without


def test_queue_threshold_versions_follow_changes(engine: Engine) -> None:
    first = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    second = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    _import(engine, EXAMPLE_TEXT, now=first)
    _import(engine, EXAMPLE_TEXT, now=second)  # unchanged: no new version
    changed = EXAMPLE_TEXT.replace(
        "    service_level_seconds: 30\n", "    service_level_seconds: 45\n"
    )
    _import(engine, changed, now=second)
    with session_factory(engine)() as session:
        versions = session.execute(
            select(
                m.QueueConfigVersion.queue_name,
                m.QueueConfigVersion.service_level_seconds,
                m.QueueConfigVersion.valid_from,
            ).order_by(m.QueueConfigVersion.queue_name, m.QueueConfigVersion.valid_from)
        ).all()
    assert [(q, sl, at) for q, sl, at in versions] == [
        ("sales", 20, first),
        ("support", 30, first),
        ("support", 45, second),
    ]


BROKEN = {
    "wrong type": (
        "    ring_seconds: 30\n",
        "    ring_seconds: thirty\n",
        "    ring_seconds: thirty",
        "extension '1009'",
        "ring_seconds",
    ),
    "unknown destination": (
        "      '2': ivr:service\n",
        "      '2': ivr:nosuch\n",
        "'2': ivr:nosuch",
        "IVR menu 'main'",
        "options['2']",
    ),
    "duplicate extension": (
        "  - number: '1010'\n",
        "  - number: '1009'\n",
        "  - number: '1009'\n    name: 前台",
        "extension '1009'",
        "number",
    ),
    "missing required field": (
        "  - code: '8002'\n    name: 李娜\n",
        "  - code: '8002'\n",
        "  - code: '8002'",
        "agent '8002'",
        "name",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_is_refused_with_its_line_and_changes_nothing(
    engine: Engine, case: str
) -> None:
    _import(engine, EXAMPLE_TEXT)
    before = _export(engine, include_secrets=True)
    old, new, located, obj, field = BROKEN[case]
    assert old in EXAMPLE_TEXT
    broken = EXAMPLE_TEXT.replace(old, new, 1)
    with pytest.raises(ConfigFileError) as caught:
        _import(engine, broken)
    issue = caught.value.issues[0]
    assert issue.line == _line_of(broken, located)
    assert issue.object == obj
    assert issue.field == field
    assert f"company.yaml:{issue.line}: {obj}: field {field}:" in str(caught.value)
    assert _export(engine, include_secrets=True) == before


def test_ivr_key_to_a_deleted_queue_is_refused_and_changes_nothing(engine: Engine) -> None:
    _import(engine, EXAMPLE_TEXT)
    before = _export(engine, include_secrets=True)
    start = EXAMPLE_TEXT.index("  - name: support\n    display_name: 售后技术支持")
    end = EXAMPLE_TEXT.index("ivr_menus:\n")
    broken = EXAMPLE_TEXT[:start] + EXAMPLE_TEXT[end:]
    with pytest.raises(ConfigFileError) as caught:
        _import(engine, broken)
    by_field = {(i.object, i.field): i for i in caught.value.issues}
    option = by_field[("IVR menu 'service'", "options['1']")]
    assert option.line == _line_of(broken, "      '1': queue:support")
    assert "queue does not exist" in option.message
    assert ("inbound route 'main-number'", "region_routes[0].destination") in by_field
    with session_factory(engine)() as session:
        assert _count(session, m.Queue) == 2
    assert _export(engine, include_secrets=True) == before


def test_a_row_the_database_refuses_fails_the_whole_import_naming_the_phase(
    engine: Engine,
) -> None:
    """Two phones swapping their user names in one import: the file is valid, but the rows
    are updated one after the other (docs/configuration.md), and the database refuses the
    first; nothing of the import is kept, on every backend and through every write path."""
    site = large_company(60, menus=5, queues=5)
    for i, item in enumerate(site["extensions"]):
        item["phone"] = {"username": f"user{i}"}
    _import(engine, yaml.safe_dump(site, allow_unicode=True))
    before = _export(engine, include_secrets=True)
    swapped = copy.deepcopy(site)
    first, second = swapped["extensions"][0], swapped["extensions"][1]
    first["phone"], second["phone"] = second["phone"], first["phone"]
    for i in range(60):  # and many new rows before it in the same transaction
        swapped["extensions"].append({"number": f"{30000 + i}", "name": f"New {i}"})
    with pytest.raises(DatabaseError) as caught:
        _import(engine, yaml.safe_dump(swapped, allow_unicode=True))
    assert str(caught.value).startswith(
        "the database refused the import while writing extensions: "
    )
    assert _export(engine, include_secrets=True) == before


def test_a_file_replacing_every_object_imports(engine: Engine) -> None:
    """Removed objects whose destinations point at other removed objects (a time condition
    opening to an IVR menu, removed before it): the database was left with a destination
    pointing at a removed menu and refused the import."""
    _import(engine, yaml.safe_dump(large_company(60, menus=5, queues=5), allow_unicode=True))
    report = _import(engine, EXAMPLE_TEXT)
    assert report.diff.sections["time_conditions"].removed == ["hours"]
    assert _export(engine) == EXAMPLE_TEXT


def test_a_phone_user_name_moves_from_a_removed_extension(engine: Engine) -> None:
    """The phone of a removed extension frees its user name for a new or changed one in the
    same import (phones of removed extensions used to go only at the end, with them)."""
    site = large_company(60, menus=5, queues=5)
    site["extensions"][-1]["phone"] = {"username": "alice"}
    site["extensions"][-2]["phone"] = {"username": "bob"}
    _import(engine, yaml.safe_dump(site, allow_unicode=True))
    moved = copy.deepcopy(site)
    del moved["extensions"][-2:]
    moved["agents"] = [a for a in moved["agents"] if a["extension"] not in {"20058", "20059"}]
    moved["extensions"][0]["phone"] = {"username": "bob"}  # changed
    moved["extensions"].append({"number": "30000", "name": "A", "phone": {"username": "alice"}})
    text = yaml.safe_dump(moved, allow_unicode=True)
    report = _import(engine, text)
    assert report.diff.sections["extensions"].removed == ["20058", "20059"]
    with session_factory(engine)() as session:
        owners = dict(
            session.execute(
                select(m.Phone.username, m.Extension.number).join(m.Extension)
                .where(m.Phone.username.in_(["alice", "bob"]))
            ).all()
        )  # fmt: skip
    assert owners == {"alice": "30000", "bob": "20000"}
    assert _import(engine, text).diff.empty


def test_revision_changes_with_the_configuration_only(engine: Engine) -> None:
    from controller.pbxconfig.revision import current_revision

    factory = session_factory(engine)
    with factory() as session:
        assert current_revision(session) == 0
    _import(engine, EXAMPLE_TEXT)
    _import(engine, EXAMPLE_TEXT)
    with factory() as session:
        assert current_revision(session) == 1
    _import(engine, EXAMPLE_TEXT.replace("    wrapup_seconds: 15\n", "    wrapup_seconds: 20\n"))
    with factory() as session:
        assert current_revision(session) == 2


def test_a_large_site_round_trips(engine: Engine) -> None:
    """Hundreds of rows per table: on PostgreSQL they are written with COPY (the column
    types' conversions and defaults as an INSERT applies them)."""
    text = yaml.safe_dump(large_company(300, menus=60, queues=60), allow_unicode=True)
    validated = parse_config(text, "large.yaml")
    with session_factory(engine)() as session, session.begin():
        report = import_config(session, validated)
    assert len(report.diff.sections["extensions"].added) == 300
    with session_factory(engine)() as session:
        assert export_config(session) == validated.config
        phones = session.scalars(select(m.Phone)).all()
        assert len(phones) == 300
        assert all(p.password and p.codecs for p in phones)
    assert _import(engine, text).diff.empty


def test_copy_and_driver_insert_refuse_a_duplicate_as_an_insert_does(engine: Engine) -> None:
    rows = [
        {"number": f"{5000 + i}", "name": f"N{i}", "position": i, "ring_seconds": 20,
         "voicemail_enabled": False}
        for i in range(60)
    ]  # fmt: skip
    rows.append(dict(rows[0], position=60))

    def write() -> None:
        with session_factory(engine)() as session, session.begin():
            conn = session.connection()
            table = m.Extension.__table__
            # PostgreSQL's COPY, SQLite's own executemany, or (MariaDB) SQLAlchemy's INSERT.
            if not (copy_rows(conn, table, rows) or driver_insert(conn, table, rows)):
                conn.execute(insert(table), rows)

    with pytest.raises(IntegrityError):
        write()
    rows.pop()
    write()
    with session_factory(engine)() as session:
        stored = session.scalars(select(m.Extension).order_by(m.Extension.position)).all()
    assert [(x.number, x.voicemail_pin_generated) for x in stored[:2]] == [
        ("5000", False),
        ("5001", False),
    ]  # the column left out got its Python-side default


_RANDOM = {("config_change", "token")}  # a new random token per revision


def _stored_values(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows in insertion order, without ids and references (which depend on
    the backend's sequences): the values each column type stored."""
    found = {}
    with engine.connect() as connection:
        for table in m.Base.metadata.sorted_tables:
            columns = [
                c
                for c in table.c
                if not (c.primary_key or c.foreign_keys or (table.name, c.name) in _RANDOM)
            ]
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns))
            found[table.name] = [tuple(row) for row in rows]
    return found


def test_fast_paths_store_what_sqlalchemys_statements_store(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """COPY (PostgreSQL) and sqlite3's own executemany (SQLite) write the values SQLAlchemy's
    INSERT and UPDATE would: an import and an edited import, made both ways, store the same."""
    site = large_company(120, menus=20, queues=20)
    edited = copy.deepcopy(site)
    for item in edited["extensions"][::3]:
        item["name"] += " (renamed)"
        item["voicemail"] = {"email": "box@example.cn"}
    del edited["extensions"][-5:]  # and their agents, which nothing else refers to
    del edited["agents"][-5:]
    edited["extensions"].append({"number": "39999", "name": "New", "phone": {"codecs": ["g722"]}})
    # Then the example: tariffs, customers, policies, calendars ... replacing all of it.
    texts = [yaml.safe_dump(doc, allow_unicode=True) for doc in (site, edited)] + [EXAMPLE_TEXT]
    now = dt.datetime(2026, 12, 3, 22, 0, tzinfo=dt.UTC)
    empty = _stored_values(engine)

    def imported() -> dict[str, list[tuple[object, ...]]]:
        counter = iter(range(10**6))
        monkeypatch.setattr(importer, "_generated_password", lambda: f"pw-{next(counter)}-x7Kq")
        monkeypatch.setattr(importer, "_generated_pin", lambda: f"{next(counter):06d}")
        stored = []
        for text in texts:
            _import(engine, text, now=now)
            stored.append(_stored_values(engine))
        with engine.begin() as connection:  # back to empty for the next way
            for table in reversed(m.Base.metadata.sorted_tables):
                if any(s[table.name] != empty[table.name] for s in stored):
                    connection.execute(table.delete())
        return {f"{i}:{name}": rows for i, s in enumerate(stored) for name, rows in s.items()}

    fast = imported()
    monkeypatch.setattr(importer, "copy_rows", lambda *_: False)
    monkeypatch.setattr(importer, "driver_insert", lambda *_: False)
    monkeypatch.setattr(importer, "driver_update", lambda *_: False)
    assert imported() == fast
    assert len(fast["0:extension"]) == 120
