"""Notes and a disposition saved with a call (by its Linkedid), one per agent on the call.

    GET /api/v1/calls/{linkedid}/notes    the call's notes and the dispositions offered on it
    PUT /api/v1/calls/{linkedid}/notes    save (create or replace) one agent's note
    GET /api/v1/dispositions?queue=sales  the dispositions offered on a queue's calls

A call is found live, among the calls that ended lately (:class:`RecentCalls`) or in the
history. An agent (``me.calls.notes``) writes their own note on a call they are or were on;
a supervisor (``calls.notes``) reads the notes of their queues' calls and may write one for
an agent who handled the call (a correction). The disposition must be one the call's
queues offer (configuration ``dispositions``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from controller.access.policy import Principal, allows
from controller.access.scopes import Scope, grants
from controller.notes import store
from controller.notes.recent import CallFacts
from controller.web.access import forbidden, principal, requires
from controller.web.api.fields import AgentCode, DispositionCode, LongText, QueueName, path_value
from controller.web.callfacts import call_target, find_call
from controller.web.errors import ApiError, parse_body, validate
from controller.web.keys import SERVICES, WebServices

routes = web.RouteTableDef()


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: AgentCode | None = Field(
        None, description="whose note; default: the signed-in agent (a supervisor names one)"
    )
    disposition: DispositionCode | None = Field(None, description="null: none chosen yet")
    notes: LongText = ""


class DispositionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue: QueueName | None = Field(None, description="the queue's list; none given: all")


def _may(who: Principal, services: WebServices, facts: CallFacts, what: str) -> None:
    if not allows(who, Scope.CALLS_NOTES, on=call_target(services, facts)):
        raise forbidden(who, f"{what} call {facts.linkedid!r}")


async def _offered(services: WebServices, queues: set[str]) -> list[dict[str, str]]:
    def run() -> list[dict[str, str]]:
        with services.factory() as session:
            return store.offered_dispositions(session, queues)

    return await asyncio.to_thread(run)


@routes.get("/api/v1/calls/{linkedid}/notes")
@requires(Scope.CALLS_NOTES)
async def get_notes(request: web.Request) -> web.Response:
    services, linkedid = request.app[SERVICES], path_value(request, "linkedid")
    facts = await find_call(services, linkedid)
    _may(principal(request), services, facts, "read the notes of")

    def run() -> list[dict[str, Any]]:
        with services.factory() as session:
            return store.notes_of(session, services.tracker.server_id, linkedid)

    notes = await asyncio.to_thread(run)
    return web.json_response(
        {
            "linkedid": linkedid,
            "agents": sorted(facts.agents),
            "queues": sorted(facts.queues),
            "notes": notes,
            "dispositions": await _offered(services, facts.queues),
        }
    )


@routes.put("/api/v1/calls/{linkedid}/notes")
@requires(Scope.CALLS_NOTES)
async def put_note(request: web.Request) -> web.Response:
    services, linkedid = request.app[SERVICES], path_value(request, "linkedid")
    body = await parse_body(request, NoteBody)
    who = principal(request)
    facts = await find_call(services, linkedid)
    _may(who, services, facts, "write a note on")
    agent = body.agent or who.agent
    if agent is None:  # like originate without a device: valid input, not possible here
        raise ApiError(409, "conflict", f"{who.describe()} is no agent: give field agent",
                       [{"field": "agent", "message": "required for a principal who is not an "
                         "agent"}])  # fmt: skip
    if agent != who.agent and not grants(who.patterns, Scope.CALLS_NOTES.value):
        raise forbidden(who, f"write the note of agent {agent!r}")
    if agent not in facts.agents:
        raise ApiError(409, "conflict", f"agent {agent!r} did not handle call {linkedid!r}",
                       [{"field": "agent", "message": "not on the call"}])  # fmt: skip
    offered = {d["code"] for d in await _offered(services, facts.queues)}
    note = store.NoteInput(
        services.tracker.server_id, linkedid, agent, body.disposition, body.notes,
        f"{who.kind} {who.name}",
    )  # fmt: skip

    def run() -> dict[str, Any]:
        with services.factory() as session, session.begin():
            return store.save_note(session, note, offered, dt.datetime.now(dt.UTC))

    try:
        try:
            saved = await asyncio.to_thread(run)
        except IntegrityError:  # the same agent's note saved twice at once: replace it
            saved = await asyncio.to_thread(run)
    except store.NoteError as exc:
        problem = {"field": exc.field, "message": str(exc)}  # valid input, not offered now
        raise ApiError(409, "conflict", str(exc), [problem]) from None
    if services.crm is not None:
        services.crm.note_saved(saved)
    return web.json_response(saved)


@routes.get("/api/v1/dispositions")
@requires(Scope.CALLS_NOTES, Scope.HISTORY_READ)
async def list_dispositions(request: web.Request) -> web.Response:
    q = validate(DispositionQuery, dict(request.query), "query")
    services = request.app[SERVICES]
    queues = {q.queue} if q.queue else set()
    return web.json_response({"dispositions": await _offered(services, queues)})
