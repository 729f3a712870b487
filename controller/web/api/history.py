"""Call history and recordings: search, details, download, deletion (each scoped to the
principal's queues, or to the agent's own calls)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from controller.access import audit
from controller.access.scopes import Scope
from controller.db.models import Recording
from controller.db.models.history import CallOutcome
from controller.history import queries
from controller.history.retention import delete_recording, inside
from controller.web.access import principal, requires
from controller.web.api.fields import (
    AgentCode,
    Limit,
    Offset,
    QueueName,
    SearchText,
    Timestamp,
    path_value,
)
from controller.web.errors import not_found, validate
from controller.web.keys import SERVICES
from controller.web.scoping import history_visibility

routes = web.RouteTableDef()


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: Timestamp | None = Field(None, description="inclusive; RFC 3339 with a zone")
    until: Timestamp | None = Field(None, description="exclusive; RFC 3339 with a zone")
    number: SearchText | None = Field(None, description="caller or called number")
    agent: AgentCode | None = None
    limit: Limit = 100
    offset: Offset = 0


class CallQuery(_Query):
    queue: QueueName | None = None
    outcome: CallOutcome | None = None


class RecordingQuery(_Query):
    pass


@routes.get("/api/v1/history/calls")
@requires(Scope.HISTORY_READ)
async def list_calls(request: web.Request) -> web.Response:
    q = validate(CallQuery, dict(request.query), "query")
    visibility = history_visibility(request, Scope.HISTORY_READ)
    outcome = q.outcome.value if q.outcome is not None else None
    f = queries.CallFilter(q.since, q.until, q.number, q.agent, q.queue, outcome, q.limit,
                           q.offset, visibility)  # fmt: skip
    factory = request.app[SERVICES].factory

    def run() -> list[dict[str, object]]:
        with factory() as session:
            return queries.list_calls(session, f)

    return web.json_response({"calls": await asyncio.to_thread(run)})


@routes.get("/api/v1/history/calls/{call_id}")
@requires(Scope.HISTORY_READ)
async def get_call(request: web.Request) -> web.Response:
    call_id = path_value(request, "call_id")
    visibility = history_visibility(request, Scope.HISTORY_READ)
    factory = request.app[SERVICES].factory

    def run() -> dict[str, object] | None:
        with factory() as session:
            return queries.call_detail(session, call_id, visibility)

    detail = await asyncio.to_thread(run)
    if detail is None:
        raise not_found(f"no call {call_id} in the history you may read")
    return web.json_response(detail)


@routes.get("/api/v1/recordings")
@requires(Scope.RECORDINGS_READ)
async def search_recordings(request: web.Request) -> web.Response:
    q = validate(RecordingQuery, dict(request.query), "query")
    visibility = history_visibility(request, Scope.RECORDINGS_READ)
    factory = request.app[SERVICES].factory

    def run() -> list[dict[str, object]]:
        with factory() as session:
            return queries.search_recordings(
                session, q.since, q.until, q.number, q.agent, q.limit, q.offset, visibility
            )

    return web.json_response({"recordings": await asyncio.to_thread(run)})


@routes.get("/api/v1/recordings/{recording_id}/file")
@requires(Scope.RECORDINGS_READ)
async def download_recording(request: web.Request) -> web.StreamResponse:
    recording_id = path_value(request, "recording_id")
    visibility = history_visibility(request, Scope.RECORDINGS_READ)
    services = request.app[SERVICES]
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run() -> queries.RecordingFile | None:
        with services.factory() as session, session.begin():
            found = queries.recording_file(session, recording_id, visibility)
            if found is not None:
                audit.record(session, actor, audit.Entry(
                    "recording.download", "recording", str(recording_id), found.linkedid,
                    detail={"path": found.path},
                ))  # fmt: skip
            return found

    found = await asyncio.to_thread(run)
    if found is None:
        raise not_found(f"no recording {recording_id} you may read")
    path = inside(services.recordings_dir, found.path)
    if path is None or not path.is_file():
        raise not_found(f"the file of recording {recording_id} ({found.path}) is not on disk")
    return web.FileResponse(
        path,
        headers={"Content-Disposition": f'attachment; filename="{Path(found.path).name}"'},
    )


@routes.delete("/api/v1/recordings/{recording_id}")
@requires(Scope.RECORDINGS_DELETE)
async def remove_recording(request: web.Request) -> web.Response:
    recording_id = path_value(request, "recording_id")
    visibility = history_visibility(request, Scope.RECORDINGS_DELETE)
    services = request.app[SERVICES]
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run() -> dict[str, object] | None:
        with services.factory() as session, session.begin():
            if queries.recording_file(session, recording_id, visibility) is None:
                return None
            row = session.get(Recording, recording_id)
            assert row is not None
            done = delete_recording(
                session, services.recordings_dir, row, actor, "recording.delete"
            )
            return {"id": done.recording_id, "path": done.path, "file_existed": done.existed}

    done = await asyncio.to_thread(run)
    if done is None:
        raise not_found(f"no recording {recording_id} you may delete")
    return web.json_response({"deleted": done})
