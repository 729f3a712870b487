"""Bulk import over HTTP: a preview that stores nothing, the import with the preview's
revision, a stale preview refused, problems naming each row's object and field."""

from __future__ import annotations

import pytest
from aiohttp import FormData

from controller.pbxconfig.export import export_config
from tests.web.conftest import Api
from tests.web.test_admin_pages import _revision, _signed_in

pytestmark = pytest.mark.asyncio
CSV = "number,name,ring_seconds\n3101,仓库,30\n1002,前台 改名,\n".encode()


def _file(data: bytes, name: str = "staff.csv") -> FormData:
    form = FormData()
    form.add_field("file", data, filename=name, content_type="text/csv")
    return form


async def test_a_sheet_is_previewed_then_imported(api: Api) -> None:
    csrf = await _signed_in(api)
    headers = {"X-CSRF-Token": csrf}
    page = await api.client.get("/admin/import/extensions")
    assert page.status == 200
    before = _revision(api)
    shown = await api.client.post("/admin/import/extensions/preview", data=_file(CSV),
                                  headers=headers)  # fmt: skip
    assert shown.status == 200, await shown.text()
    preview = await shown.json()
    assert preview == {"revision": before, "rows": 2, "added": ["3101"], "changed": ["1002"]}
    assert _revision(api) == before
    done = await api.client.post(f"/admin/import/extensions/apply?revision={before}",
                                 data=_file(CSV), headers=headers)  # fmt: skip
    assert done.status == 200
    assert await done.json() == {"added": 1, "changed": 1}
    with api.factory() as session:
        names = {e.number: e.name for e in export_config(session).extensions}
    assert (names["3101"], names["1002"]) == ("仓库", "前台 改名")
    stale = await api.client.post(f"/admin/import/extensions/apply?revision={before}",
                                  data=_file(CSV), headers=headers)  # fmt: skip
    assert stale.status == 409
    bad = await api.client.post("/admin/import/extensions/preview",
                                data=_file(b"number,name,ring_seconds\n3102,X,-1\n"),
                                headers=headers)  # fmt: skip
    assert bad.status == 422
    (problem,) = (await bad.json())["error"]["problems"]
    assert (problem["object"], problem["field"]) == ("extension '3102'", "ring_seconds")
    assert (await api.client.get("/admin/import/queues")).status == 404
