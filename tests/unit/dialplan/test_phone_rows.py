"""Phones as PJSIP realtime rows (controller.dialplan.phones): pjsip.conf without them, the
rows Asterisk gets, and an apply that writes only the rows that changed."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from controller.dialplan import phones
from controller.dialplan.build import build
from controller.dialplan.model import Options
from controller.dialplan.render import FILES, Renderer, digest
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

PJSIP = next(spec for spec in FILES if spec.name == "pjsip.conf")


def _render(edit: Any = None, override: Path | None = None) -> str:
    """The example company's pjsip.conf, with fixed passwords; ``edit`` changes the config."""
    config = parse_config(EXAMPLE.read_text(encoding="utf-8")).config
    extensions = []
    for ext in config.extensions:
        if ext.phone is not None:
            phone = ext.phone.model_copy(update={"password": f"unit-{ext.number}-Zq8r"})
            ext = ext.model_copy(update={"phone": phone})
        extensions.append(ext)
    config = config.model_copy(update={"extensions": extensions})
    if edit is not None:
        config = edit(config)
    return Renderer(override).render_file(PJSIP, build(config, Options(sip_bind="0.0.0.0:5060")))


def _edit_extension(number: str, **changes: Any) -> Any:
    def edit(config: Any) -> Any:
        extensions = [
            e.model_copy(update=changes) if e.number == number else e for e in config.extensions
        ]
        return config.model_copy(update={"extensions": extensions})

    return edit


def _row(path: Path, key: tuple[str, str]) -> dict[str, str]:
    with contextlib.closing(phones.connect(path)) as db:
        return phones.read_rows(db, [key])[key]


def _phone_ids(text: str) -> list[str]:
    return re.findall(r"(?m)^\[(\d+)\]\(pbx-phone-endpoint\)$", text)


def test_pjsip_conf_keeps_everything_but_the_phones_and_ends_with_its_own_marker() -> None:
    text = _render()
    ids = _phone_ids(text)
    assert len(ids) >= 5
    parts = phones.split(text)
    assert "pbx-phone-" not in parts.pjsip
    assert not _phone_ids(parts.pjsip)
    for kept in ("[pbx-udp]", "[pbx-tcp]", "[telecom]", "[voip-backup-auth]", "type=registration"):
        assert kept in parts.pjsip
    assert parts.pjsip.startswith(text[:200])  # the generated header stays
    # apply confirms a PJSIP reload by this marker: the digest of what precedes it.
    match = re.search(r"\n\[(pbx-meta-[0-9a-f]{16})\]\ntype=aor\nmax_contacts=0\n\Z", parts.pjsip)
    assert match is not None
    assert match.group(1) == "pbx-meta-" + digest(parts.pjsip[: match.start()])
    assert set(parts.sections) == {(t, i) for i in ids for t in phones.TABLES.values()}
    # Splitting is stable: the same text gives the same file (no reload for a phone change).
    other = phones.split(_render(_edit_extension(ids[0], name="Someone else")))
    assert other.pjsip == parts.pjsip
    assert other.sections != parts.sections


def test_rows_are_what_asterisk_would_build_from_the_sections() -> None:
    parts = phones.split(_render(_edit_extension("1001", name="Semi;colon")))
    rows = phones.rows_of(parts.templates, parts.sections)
    endpoint = rows[("ps_endpoints", "1001")]
    # The template's options, then the section's own; no "type".
    assert endpoint["context"] == "pbx-phones"
    assert endpoint["disallow"] == "all"
    assert endpoint["auth"] == endpoint["aors"] == "1001"
    assert "type" not in endpoint
    assert endpoint["callerid"] == '"Semi;colon" <1001>'  # '\;' in the file is ';' here
    assert endpoint["set_var"] == "__PBX_EXTEN=1001"
    assert rows[("ps_auths", "1001")] == {
        "id": "1001", "auth_type": "userpass", "username": "1001", "password": "unit-1001-Zq8r",
    }  # fmt: skip
    assert rows[("ps_aors", "1001")]["remove_existing"] == "yes"
    # Two set_var lines (an outbound caller ID) become one: a row has one set_var column.
    with_cid = [r for (t, _i), r in rows.items() if t == "ps_endpoints" and "PBX_OUT_CID" in str(r)]
    assert with_cid
    assert re.fullmatch(r"ARRAY\(PBX_OUT_CID,__PBX_EXTEN\)=\+?\d+,\d+", with_cid[0]["set_var"])


def test_set_vars_that_array_would_take_apart_are_refused_naming_the_phone() -> None:
    with pytest.raises(phones.PhoneRowError, match=r"phone '1001'.*cannot be combined"):
        phones._one_set_var("1001", ["A=x,y", "__PBX_EXTEN=1001"])


def test_an_apply_writes_only_the_rows_that_changed(tmp_path: Path) -> None:
    path = phones.db_path(tmp_path)
    first = phones.plan(path, phones.split(_render()))
    ids = sorted({i for _t, i in first.rows})
    added, changed, removed = first.phones()
    assert (added, changed, removed) == (ids, [], [])
    first.write()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM ps_endpoints").fetchone()[0] == len(ids)
    assert not phones.plan(path, phones.split(_render())).changed  # nothing to do

    # One phone's password: one row.
    phone = next(e for e in parse_config(EXAMPLE.read_text()).config.extensions if e.phone)
    new_phone = phone.phone.model_copy(update={"password": "another-Pw-1234x"})  # type: ignore[union-attr]
    sync = phones.plan(path, phones.split(_render(_edit_extension(phone.number, phone=new_phone))))
    assert list(sync.rows) == [("ps_auths", phone.number)]
    assert phones.describe(sync) == [
        f"~ phone {phone.number}: ps_auths.password changed (not shown)"
    ]
    sync.write()
    assert _row(path, ("ps_auths", phone.number))["password"] == "another-Pw-1234x"
    # Put back (a failed apply): the old row again.
    sync.undo()
    assert _row(path, ("ps_auths", phone.number))["password"] == f"unit-{phone.number}-Zq8r"

    # A removed extension: its three rows deleted, nothing else touched.
    def drop(config: Any) -> Any:
        kept = [e for e in config.extensions if e.number != phone.number]
        return config.model_copy(update={"extensions": kept})

    sync = phones.plan(path, phones.split(_render(drop)))
    assert sync.rows == {(t, phone.number): None for t in phones.TABLES.values()}
    assert sync.phones() == ([], [], [phone.number])
    sync.write()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM ps_aors").fetchone()[0] == len(ids) - 1


def test_a_template_override_reaches_every_row_as_a_new_column(tmp_path: Path) -> None:
    path = phones.db_path(tmp_path)
    phones.plan(path, phones.split(_render())).write()
    source = (Path(__file__).parents[3] / "dialplan_templates" / "pjsip.conf.j2").read_text()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "pjsip.conf.j2").write_text(
        source.replace("rewrite_contact=yes\n", "rewrite_contact=yes\ndtmf_mode=rfc4733\n", 1)
    )
    sync = phones.plan(path, phones.split(_render(override=tmp_path / "templates")))
    endpoints = [k for k in sync.rows if k[0] == "ps_endpoints"]
    assert endpoints
    assert len(sync.rows) == len(endpoints)  # auths and aors did not change
    sync.write()
    with contextlib.closing(phones.connect(path)) as db:
        rows = phones.read_rows(db, endpoints)
    assert {r["dtmf_mode"] for r in rows.values()} == {"rfc4733"}


def _scan(path: Path, table: str) -> list[str]:
    """The ids in the order Asterisk's "all of them" query returns them."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        query = f"SELECT id FROM {table} WHERE id LIKE '%' ESCAPE '\\'"  # noqa: S608
        return [row[0] for row in db.execute(query)]


def test_asterisk_reads_every_table_in_descending_id_order(tmp_path: Path) -> None:
    """Sorcery adds each row of a full listing to a list sorted by id, walking it from the
    front: ascending rows made each res_pjsip reload quadratic in the number of phones."""
    path = phones.db_path(tmp_path)
    ids = sorted(_phone_ids(_render()))
    middle = ids[len(ids) // 2]

    def drop(config: Any) -> Any:
        kept = [e for e in config.extensions if e.number != middle]
        return config.model_copy(update={"extensions": kept})

    phones.plan(path, phones.split(_render(drop))).write()
    assert _scan(path, "ps_endpoints") == sorted(set(ids) - {middle}, reverse=True)
    # A phone added later (its rows written after the others) comes in its place.
    phones.plan(path, phones.split(_render())).write()
    for table in phones.TABLES.values():
        assert _scan(path, table) == sorted(ids, reverse=True)


def test_a_phone_database_of_the_earlier_layout_keeps_its_rows(tmp_path: Path) -> None:
    """Rowid tables (rows in the order written) become descending-key tables, with every
    row and column (an override's extra column too), the next time the database is opened."""
    path = phones.db_path(tmp_path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE ps_aors (id TEXT PRIMARY KEY, max_contacts TEXT, extra TEXT)")
        db.executemany(
            "INSERT INTO ps_aors VALUES (?, ?, ?)",
            [("1001", "1", "a"), ("1003", "2", None), ("1002", "1", "c")],
        )
        db.commit()
    with contextlib.closing(phones.connect(path)) as db:
        rows = phones.read_rows(db)
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'ps_aors'").fetchone()
    assert "WITHOUT ROWID" in sql
    assert rows == {
        ("ps_aors", "1001"): {"id": "1001", "max_contacts": "1", "extra": "a"},
        ("ps_aors", "1002"): {"id": "1002", "max_contacts": "1", "extra": "c"},
        ("ps_aors", "1003"): {"id": "1003", "max_contacts": "2"},
    }
    assert _scan(path, "ps_aors") == ["1003", "1002", "1001"]
    phones.connect(path).close()  # opening it again changes nothing
    assert _scan(path, "ps_aors") == ["1003", "1002", "1001"]


def test_asterisk_files_add_to_the_admins_sections(tmp_path: Path) -> None:
    files = phones.asterisk_files("/etc/asterisk/pbx-controller/phones.sqlite3", ["extconfig.conf"])
    assert files["extconfig.conf"].startswith("[settings](+)\n")
    assert "ps_endpoints => sqlite3,pbx-phones" in files["extconfig.conf"]
    assert files["sorcery.conf"].startswith("[res_pjsip]\n")
    # pjsip.conf first (trunks), then the table; no memory cache (docs/apply.md).
    assert files["sorcery.conf"].index("endpoint=config,pjsip.conf,criteria=type=endpoint") < (
        files["sorcery.conf"].index("endpoint=realtime,ps_endpoints")
    )
    assert "cache" not in files["sorcery.conf"]
    assert "batch=0" in files["res_config_sqlite3.conf"]
    assert "dbfile=/etc/asterisk/pbx-controller/phones.sqlite3" in files["res_config_sqlite3.conf"]
