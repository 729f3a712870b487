"""The prompts page: what the configuration names, missing or stored with its length; an
upload converted and stored (larger than a form may be), played back; refusals name the
prompt and field."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest
from aiohttp import FormData
from sqlalchemy import select

from controller.db.models import AuditEvent
from tests.unit.test_prompts import tone
from tests.web.conftest import Api
from tests.web.test_admin_pages import _signed_in

pytestmark = pytest.mark.asyncio


def _form(data: bytes, filename: str) -> FormData:
    form = FormData()
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    return form


async def test_a_prompt_is_uploaded_converted_listed_and_played(api: Api, tmp_path: Path) -> None:
    api.services.sounds_dir = tmp_path
    try:
        csrf = await _signed_in(api)
        pending = await (await api.client.get("/admin/changes?lang=en")).text()
        assert "custom/main-menu-zh</code> · IVR menu &#39;main&#39; prompts[zh]" in pending
        listed = await (await api.client.get("/admin/prompts?lang=en")).text()
        row = listed.split('data-prompt="custom/main-menu-zh"', 1)[1].split("</tr>", 1)[0]
        assert "missing" in row
        assert "IVR menu &#39;main&#39; prompts[zh]" in row
        recording = tone(44100, 2, 2, 2.0)  # 350 KB: more than a form body may hold
        assert len(recording) > 64 * 1024
        stored = await api.client.post(
            "/admin/prompts/upload?name=custom/main-menu-zh",
            data=_form(recording, "menu.wav"),
            headers={"X-CSRF-Token": csrf},
        )
        assert stored.status == 200, await stored.text()
        assert await stored.json() == {"name": "custom/main-menu-zh", "seconds": 2.0}
        with wave.open(str(tmp_path / "custom" / "main-menu-zh.wav"), "rb") as found:
            assert (found.getframerate(), found.getnchannels()) == (8000, 1)
        listed = await (await api.client.get("/admin/prompts")).text()
        row = listed.split('data-prompt="custom/main-menu-zh"', 1)[1].split("</tr>", 1)[0]
        assert "2.0 s" in row
        pending = await (await api.client.get("/admin/changes?lang=en")).text()
        assert "custom/main-menu-zh</code>" not in pending  # has its recording now
        assert "custom/main-menu-en</code>" in pending
        played = await api.client.get("/admin/prompts/file?name=custom/main-menu-zh")
        assert played.status == 200
        assert played.headers["Content-Type"] == "audio/wav"
        with wave.open(io.BytesIO(await played.read()), "rb") as back:
            assert back.getnframes() == 16000
        with api.factory() as session:
            event = session.scalar(select(AuditEvent).where(AuditEvent.action == "prompt.upload"))
            assert event is not None
            assert event.object_id == "custom/main-menu-zh"

        unknown = await api.client.post("/admin/prompts/upload?name=custom/not-named",
                                        data=_form(recording, "x.wav"),
                                        headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert unknown.status == 404
        bad = await api.client.post("/admin/prompts/upload?name=custom/main-menu-en",
                                    data=_form(b"just text", "x.txt"),
                                    headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert bad.status == 422
        message = (await bad.json())["error"]["message"]
        assert message.startswith("prompt 'custom/main-menu-en': field file: not a recording")
        assert not (tmp_path / "custom" / "main-menu-en.wav").exists()
        small = tone(8000, 1, 2, 0.5)
        forged = await api.client.post("/admin/prompts/upload?name=custom/main-menu-en",
                                       data=_form(small, "menu.wav"))  # fmt: skip
        assert forged.status == 403  # no CSRF token
        assert not (tmp_path / "custom" / "main-menu-en.wav").exists()
    finally:
        api.services.sounds_dir = None


async def test_a_reports_user_cannot_see_prompts(api: Api) -> None:
    await _signed_in(api, "manager.zhao", "reports")
    assert (await api.client.get("/admin/prompts")).status == 403
