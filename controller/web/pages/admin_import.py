"""Bulk import as an admin page (``/admin/import/{section}``): extensions or customers from a
CSV or .xlsx, previewed (what would be added and changed, or every problem naming its row's
object and field) and then imported, through :mod:`controller.pbxconfig.bulk`.

The page's script sends the file twice, streamed with the CSRF token in its header (a form
body is held to 64 KiB): once for the preview, once to import it with the revision the
preview was made from (a change in between is a 409: preview again).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import BodyPartReader, web
from sqlalchemy.orm import Session

from controller.access import audit
from controller.access.scopes import Scope
from controller.errors import ConfigFileError
from controller.pbxconfig import bulk
from controller.pbxconfig.edit import Conflict
from controller.web import config_messages, i18n
from controller.web.access import principal, requires
from controller.web.errors import ApiError
from controller.web.keys import SERVICES
from controller.web.pages.account import language
from controller.web.pages.admin import frame
from controller.web.pages.frame import in_session

routes = web.RouteTableDef()
MAX_SHEET = 16 * 1024 * 1024  # as a configuration file


def _section(request: web.Request) -> str:
    section = request.match_info["section"]
    if section not in bulk.SECTIONS:
        raise ApiError(404, "not_found", f"no bulk import of {section!r} (only {bulk.SECTIONS})")
    return section


async def _sheet(request: web.Request) -> tuple[str, list[dict[str, str]]]:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name == "file":
            data = bytearray()
            while chunk := await part.read_chunk(65536):
                data += chunk
                if len(data) > MAX_SHEET:
                    raise ApiError(413, "too_large", "field file: larger than 16 MiB")
            name = part.filename or "upload"
            try:
                return name, await asyncio.to_thread(bulk.read_rows, name, bytes(data))
            except ConfigFileError as exc:
                raise _refusal(exc, request) from None
    raise ApiError(400, "bad_request", "field file: no spreadsheet in the upload")


def _refusal(exc: ConfigFileError, request: web.Request) -> ApiError:
    # Each problem worded in the page's language (the importer's message templates).
    words = i18n.translations(language(request), "config").gettext
    problems = [
        {"object": i.object or "", "field": i.field or "",
         "message": config_messages.render(i, words)}
        for i in exc.issues[:200]
    ]  # fmt: skip
    return ApiError(422, "invalid", f"{len(exc.issues)} problem(s); nothing was imported", problems)


@routes.get("/admin/import/{section}")
@requires(Scope.CONFIG_APPLY)
async def import_page(request: web.Request) -> web.Response:
    section = _section(request)
    gettext = i18n.translations(language(request)).gettext
    texts = {
        "reading": gettext("Reading {file}…"),
        "previewed": gettext(
            "{rows} rows: {added} to add, {changed} to change. Nothing is stored yet."
        ),
        "imported": gettext(
            "Imported: {added} added, {changed} changed. Apply to give them to Asterisk."
        ),
        "refused": gettext("Not imported: {message}"),
    }
    columns = {"extensions": "number,name,language,ring_seconds,outbound_caller_id,voicemail.email",
               "customers": "code,name,company,numbers,vip,blacklisted,notes"}[section]  # fmt: skip
    return frame(request, "admin/import.html", section=section, admin_page="import",
                 columns=columns, script="admin_import.js", texts=texts,
                 data={"section": section})  # fmt: skip


@routes.post("/admin/import/{section}/preview")
@requires(Scope.CONFIG_APPLY)
async def preview(request: web.Request) -> web.Response:
    section = _section(request)
    name, rows = await _sheet(request)
    try:
        found = await asyncio.to_thread(
            in_session, request.app[SERVICES].factory, bulk.preview, section, rows, name
        )
    except ConfigFileError as exc:
        raise _refusal(exc, request) from None
    return web.json_response(
        {"revision": found.revision, "rows": found.rows, "added": found.added,
         "changed": found.changed}
    )  # fmt: skip


@routes.post("/admin/import/{section}/apply")
@requires(Scope.CONFIG_APPLY)
async def apply(request: web.Request) -> web.Response:
    section = _section(request)
    try:
        seen = int(request.query.get("revision", ""))
    except ValueError:
        raise ApiError(400, "bad_request", "field revision: the preview's revision") from None
    name, rows = await _sheet(request)
    services = request.app[SERVICES]
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run(session: Session) -> dict[str, Any]:
        with session.begin():
            report = bulk.apply(session, section, rows, name, seen)
            counts = report.diff.counts()
            audit.record(session, actor, audit.Entry(
                "config.bulk_import", section, name[:100], detail={"changes": counts}
            ))  # fmt: skip
            changes = report.diff.sections[section]
            return {"added": len(changes.added), "changed": len(changes.changed)}

    try:
        done = await asyncio.to_thread(in_session, services.factory, run)
    except ConfigFileError as exc:
        raise _refusal(exc, request) from None
    except Conflict as exc:
        raise ApiError(409, "conflict", f"{exc}: preview again") from None
    return web.json_response(done)
