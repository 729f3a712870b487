"""Prompts as an admin page (``/admin/prompts``): every recording the configuration names,
whether Asterisk has it and how long it is, played in the page; an upload (WAV, MP3, M4A,
OGG) per prompt, converted to what Asterisk plays (:mod:`controller.prompts`).

The upload is sent by the page's script with the session's CSRF token in its header and read
as a stream (up to :data:`controller.prompts.MAX_UPLOAD`), not as a form: a form body is held
to the API's 64 KiB. Only a prompt the configuration names can be written, or a new one
(``&new=1``) below ``custom/``: uploaded and converted first, it is then offered by the IVR
and queue forms (which offer only converted prompts), and listed here as not used yet.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import BodyPartReader, web
from sqlalchemy.orm import Session

from controller import prompts
from controller.access import audit
from controller.access.scopes import Scope
from controller.pbxconfig.export import export_config
from controller.pbxconfig.schema import SECTION_KEYS
from controller.web import admin_forms as forms
from controller.web import config_labels, i18n
from controller.web.access import principal, requires
from controller.web.errors import ApiError
from controller.web.keys import SERVICES
from controller.web.pages.account import language
from controller.web.pages.admin import frame
from controller.web.pages.frame import in_session

routes = web.RouteTableDef()
NEW_PREFIX = "custom/"  # where prompts that no configuration names yet are uploaded


def _uses(session: Session) -> list[prompts.PromptUse]:
    return prompts.prompt_uses(export_config(session))


def _sounds(request: web.Request) -> Any:
    sounds = request.app[SERVICES].sounds_dir
    if sounds is None:
        raise ApiError(409, "unavailable", "this server keeps no prompts (no sounds directory)")
    return sounds


def _used_by(use: prompts.PromptUse, page_language: str) -> str:
    """What plays a prompt, in words on a Chinese page ("IVR 菜单 'main' · 菜单提示音 (zh)");
    as the configuration names it on an English one ("IVR menu 'main' prompts[zh]")."""
    if page_language == "en" or use.section not in SECTION_KEYS:
        return use.used_by
    words = i18n.translations(page_language, "config").gettext
    field = use.field.rsplit(".", 1)[0] if use.language else use.field
    parts = field.split(".")
    label = " · ".join(
        config_labels.label(use.section, part, words, top=i == 0) for i, part in enumerate(parts)
    )
    spoken = f" ({use.language})" if use.language else ""
    return f"{words(SECTION_KEYS[use.section][1])} {use.key!r} · {label}{spoken}"


@routes.get("/admin/prompts")
@requires(Scope.CONFIG_READ)
async def prompt_list(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    uses = await asyncio.to_thread(in_session, services.factory, _uses)
    rows: dict[str, dict[str, Any]] = {}
    for use in uses:
        row = rows.setdefault(use.name, {"name": use.name, "used_by": [], "seconds": None})
        row["used_by"].append(_used_by(use, language(request)))
    if services.sounds_dir is not None:
        stored = await asyncio.to_thread(forms.stored_prompts, services.sounds_dir)
        for name in stored:
            if name.startswith(NEW_PREFIX):
                rows.setdefault(name, {"name": name, "used_by": [], "seconds": None})
        for row in rows.values():
            path = prompts.prompt_path(services.sounds_dir, row["name"])
            row["seconds"] = await asyncio.to_thread(prompts.duration, path)
    gettext = i18n.translations(language(request)).gettext
    texts = {
        "uploading": gettext("Converting {name}…"),
        "uploaded": gettext("{name}: stored, {seconds} s."),
        "failed": gettext("{name}: not stored: {message}"),
        "no_name": gettext("Name the new prompt first, e.g. custom/welcome-zh."),
    }
    return frame(request, "admin/prompts.html", section="", admin_page="prompts",
                 rows=list(rows.values()), available=services.sounds_dir is not None,
                 formats=", ".join(prompts.FORMATS), script="admin_prompts.js", texts=texts,
                 data={})  # fmt: skip


async def _read_upload(request: web.Request) -> tuple[str, bytes]:
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            raise ApiError(400, "bad_request", "field file: no recording in the upload")
        if isinstance(part, BodyPartReader) and part.name == "file":
            data = bytearray()
            while chunk := await part.read_chunk(65536):
                data += chunk
                if len(data) > prompts.MAX_UPLOAD:
                    limit = f"{prompts.MAX_UPLOAD // 2**20} MiB"
                    raise ApiError(413, "too_large", f"field file: larger than {limit}")
            return part.filename or "", bytes(data)


@routes.post("/admin/prompts/upload")
@requires(Scope.CONFIG_APPLY)
async def upload(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    sounds = _sounds(request)
    name = request.query.get("name", "")
    uses = await asyncio.to_thread(in_session, services.factory, _uses)
    if request.query.get("new") == "1":
        if not name.startswith(NEW_PREFIX) or not forms.prompt_name(name):
            rule = f"{NEW_PREFIX}NAME (letters, digits, '_', '-', '.', '/'), e.g. custom/welcome-zh"
            message = f"field name: a new prompt is named {rule}; got {name!r}"
            raise ApiError(422, "invalid", message)
    elif name not in {u.name for u in uses}:
        raise ApiError(404, "not_found", f"no prompt {name!r} in the configuration")
    filename, data = await _read_upload(request)
    try:
        wav = await asyncio.to_thread(prompts.convert, filename, data)
        path = await asyncio.to_thread(prompts.store, sounds, name, wav)
    except prompts.PromptError as exc:
        raise ApiError(422, "invalid", f"prompt {name!r}: field file: {exc}") from None
    seconds = prompts.duration(path)
    actor = audit.Actor.of(principal(request), services.auth.address(request))
    detail = {"file": filename[:100], "bytes": len(data), "seconds": seconds}
    entry = audit.Entry("prompt.upload", "prompt", name, detail=detail)

    def record(session: Session) -> None:
        with session.begin():
            audit.record(session, actor, entry)

    await asyncio.to_thread(in_session, services.factory, record)
    return web.json_response({"name": name, "seconds": round(seconds or 0, 1)})


@routes.get("/admin/prompts/file")
@requires(Scope.CONFIG_READ)
async def play(request: web.Request) -> web.StreamResponse:
    name = request.query.get("name", "")
    try:
        path = prompts.prompt_path(_sounds(request), name)
    except prompts.PromptError as exc:
        raise ApiError(400, "bad_request", f"field name: {exc}") from None
    if not path.is_file():
        raise ApiError(404, "not_found", f"no recording of prompt {name!r}")
    return web.FileResponse(
        path, headers={"Content-Type": "audio/wav", "Cache-Control": "no-store"}
    )
