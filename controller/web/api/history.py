"""Call history and recordings: search, details, download."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from controller.history import queries
from controller.web.errors import bad_request, not_found, validate
from controller.web.keys import SERVICES

routes = web.RouteTableDef()


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = Field(None, description="ISO 8601 with a zone, inclusive")
    until: AwareDatetime | None = Field(None, description="ISO 8601 with a zone, exclusive")
    number: str | None = Field(None, max_length=64, description="caller or called number")
    agent: str | None = Field(None, max_length=16, description="agent code")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class CallQuery(_Query):
    queue: str | None = Field(None, max_length=64)
    outcome: str | None = Field(None, max_length=16)


class RecordingQuery(_Query):
    pass


def _int_id(request: web.Request, name: str) -> int:
    text = request.match_info[name]
    if not text.isdigit():
        raise bad_request(f"{name} must be a number, got {text!r}", name)
    return int(text)


@routes.get("/api/v1/history/calls")
async def list_calls(request: web.Request) -> web.Response:
    q = validate(CallQuery, dict(request.query), "query")
    f = queries.CallFilter(q.since, q.until, q.number, q.agent, q.queue, q.outcome, q.limit,
                           q.offset)  # fmt: skip
    factory = request.app[SERVICES].factory

    def run() -> list[dict[str, object]]:
        with factory() as session:
            return queries.list_calls(session, f)

    return web.json_response({"calls": await asyncio.to_thread(run)})


@routes.get("/api/v1/history/calls/{call_id}")
async def get_call(request: web.Request) -> web.Response:
    call_id = _int_id(request, "call_id")
    factory = request.app[SERVICES].factory

    def run() -> dict[str, object] | None:
        with factory() as session:
            return queries.call_detail(session, call_id)

    detail = await asyncio.to_thread(run)
    if detail is None:
        raise not_found(f"no call {call_id} in the history")
    return web.json_response(detail)


@routes.get("/api/v1/recordings")
async def search_recordings(request: web.Request) -> web.Response:
    q = validate(RecordingQuery, dict(request.query), "query")
    factory = request.app[SERVICES].factory

    def run() -> list[dict[str, object]]:
        with factory() as session:
            return queries.search_recordings(
                session, q.since, q.until, q.number, q.agent, q.limit, q.offset
            )

    return web.json_response({"recordings": await asyncio.to_thread(run)})


@routes.get("/api/v1/recordings/{recording_id}/file")
async def download_recording(request: web.Request) -> web.StreamResponse:
    recording_id = _int_id(request, "recording_id")
    services = request.app[SERVICES]

    def run() -> str | None:
        with services.factory() as session:
            return queries.recording_path(session, recording_id)

    relative = await asyncio.to_thread(run)
    if relative is None:
        raise not_found(f"no recording {recording_id}")
    base = services.recordings_dir.resolve()
    path = (base / relative).resolve()
    # The path comes from the dialplan (via AMI): never serve anything outside the directory.
    if base not in path.parents or not path.is_file():
        raise not_found(f"the file of recording {recording_id} ({relative}) is not on disk")
    return web.FileResponse(
        path,
        headers={"Content-Disposition": f'attachment; filename="{Path(relative).name}"'},
    )
