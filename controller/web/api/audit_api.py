"""The audit log, for admins: who did what, when, from where (newest first)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from controller.access import audit
from controller.access.scopes import Scope
from controller.web.access import requires
from controller.web.api.fields import Limit, SearchText, Timestamp
from controller.web.errors import validate
from controller.web.keys import SERVICES

routes = web.RouteTableDef()


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: Timestamp | None = Field(None, description="inclusive; RFC 3339 with a zone")
    until: Timestamp | None = Field(None, description="exclusive; RFC 3339 with a zone")
    actor: SearchText | None = Field(None, description="login or token name")
    action: str | None = Field(
        None, pattern=r"^[a-z_.]{1,48}$", description="call.listen, or call. for every call.*"
    )
    limit: Limit = 100


@routes.get("/api/v1/audit")
@requires(Scope.AUDIT_READ)
async def search(request: web.Request) -> web.Response:
    q = validate(AuditQuery, dict(request.query), "query")
    f = audit.AuditFilter(q.since, q.until, q.actor, q.action, q.limit)
    factory = request.app[SERVICES].factory

    def run() -> list[dict[str, Any]]:
        with factory() as session:
            return [audit.as_json(event) for event in audit.search(session, f)]

    return web.json_response({"events": await asyncio.to_thread(run)})
