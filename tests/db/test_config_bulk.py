"""Extensions and customers from a spreadsheet (CSV, .xlsx): a preview of what changes that
writes nothing, refusals naming the row's object and field, and the import itself."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.errors import ConfigFileError
from controller.pbxconfig import bulk
from controller.pbxconfig.edit import Conflict
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.pbxconfig.revision import current_revision
from tests.conftest import EXAMPLE

CSV = (
    "number,name,ring_seconds,voicemail.email\n"
    "3001,前台 二,25,\n"
    "3002,Warehouse,,store@example.cn\n"
    "1001,改名 的分机,,\n"
)


def _company(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))


def test_a_csv_is_previewed_then_imported(engine: Engine) -> None:
    _company(engine)
    factory = session_factory(engine)
    rows = bulk.read_rows("staff.csv", CSV.encode("gb18030"))  # as Excel in China saves it
    with factory() as session:
        before = current_revision(session)
        shown = bulk.preview(session, "extensions", rows, "staff.csv")
    assert (shown.revision, shown.rows) == (before, 3)
    assert (shown.added, shown.changed) == (["3001", "3002"], ["1001"])
    with factory() as session:
        assert current_revision(session) == before  # a preview writes nothing
    with factory() as session, session.begin():
        bulk.apply(session, "extensions", rows, "staff.csv", before)
    with factory() as session:
        extensions = {e.number: e for e in export_config(session).extensions}
    assert extensions["3001"].ring_seconds == 25
    assert extensions["3002"].voicemail is not None
    assert extensions["3002"].voicemail.email == "store@example.cn"
    assert extensions["1001"].name == "改名 的分机"
    assert extensions["1001"].phone is not None  # fields without a column are kept
    with factory() as session, pytest.raises(Conflict), session.begin():
        bulk.apply(session, "extensions", rows, "staff.csv", before)  # previewed before


def test_a_bad_cell_is_refused_naming_its_object_and_field(engine: Engine) -> None:
    _company(engine)
    # "²" is a digit to str.isdigit but not to int(): a field error, not a crash.
    sheet = "number,name,ring_seconds\n3001,A,0\n3002,B,abc\n3003,C,²\n"
    rows = bulk.read_rows("x.csv", sheet.encode())
    with session_factory(engine)() as session, pytest.raises(ConfigFileError) as refused:
        bulk.preview(session, "extensions", rows, "x.csv")
    found = {(i.object, i.field) for i in refused.value.issues}
    assert found == {
        ("extension '3001'", "ring_seconds"),
        ("extension '3002'", "ring_seconds"),
        ("extension '3003'", "ring_seconds"),
    }
    no_key = bulk.read_rows("x.csv", b"name\nA\n")
    with session_factory(engine)() as session, pytest.raises(bulk.SheetError, match="'number'"):
        bulk.preview(session, "extensions", no_key, "x.csv")


def test_an_xlsx_of_customers(engine: Engine) -> None:
    _company(engine)
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "numbers", "vip"])
    sheet.append(["C20001", "钱多多", "13800001111;02150001234", "true"])
    out = io.BytesIO()
    book.save(out)
    rows = bulk.read_rows("customers.xlsx", out.getvalue())
    with session_factory(engine)() as session:
        shown = bulk.preview(session, "customers", rows, "customers.xlsx")
    assert shown.added == ["C20001"]
