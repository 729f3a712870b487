"""Follow-ups (工单): create from a call or for a customer, list and search, read, change.

    POST  /api/v1/followups                   create (201)
    GET   /api/v1/followups?status=open&...   search: the follow-ups the principal may see
    GET   /api/v1/followups/{followup_id}     one, with its history of changes
    PATCH /api/v1/followups/{followup_id}     change fields (``version`` against lost updates)

Who sees which: ``followups.read`` in full, every follow-up of the principal's queues (or all
when not narrowed) and those assigned to the queues' agents; as ``me.`` (an agent), those
assigned to them and those they created. Writing (``followups.write``) follows the same rule;
creating one from a call needs the scope on the call (an agent: a call they are or were on).
Inputs go through :mod:`controller.followups.validate`, the same models ``pbxctl followup``
uses. Every creation and change is sent to the CRM webhooks (``followup.changed``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import select

from controller.access.policy import Principal, allows
from controller.access.scopes import Scope, grants
from controller.db.models import Call, Site
from controller.followups import service
from controller.followups.validate import (
    FollowupCreate,
    FollowupError,
    FollowupQuery,
    FollowupUpdate,
)
from controller.routing.region import to_e164
from controller.web.access import forbidden, principal, requires
from controller.web.api.fields import path_value
from controller.web.callfacts import call_target, find_call
from controller.web.errors import ApiError, parse_body, validate
from controller.web.keys import SERVICES, WebServices

routes = web.RouteTableDef()


def actor_of(who: Principal) -> str:
    return f"{who.kind} {who.name}"


def visibility(request: web.Request, scope: Scope) -> service.Visibility:
    """The follow-ups the principal may see with ``scope`` (read or write)."""
    who, services = principal(request), request.app[SERVICES]
    if grants(who.patterns, scope.value):
        if who.queues is None:
            return service.EVERYTHING
        agents = services.directory.agents_of(who.queues)
        return service.Visibility(queues=who.queues, agents=agents, actor=actor_of(who))
    if grants(who.patterns, scope.own) and who.agent is not None:
        user = who.name if who.kind == "user" else None
        return service.Visibility(agents=frozenset({who.agent}), user=user, actor=actor_of(who))
    raise forbidden(who, f"{scope.value.split('.')[1]} follow-ups")


def _refused(exc: FollowupError) -> ApiError:
    code = {403: "forbidden", 404: "not_found", 409: "conflict"}.get(exc.status, "invalid_input")
    return ApiError(exc.status, code, str(exc), [{"field": exc.field, "message": str(exc)}])


async def _call_context(services: WebServices, linkedid: str) -> service.CallContext:
    """The call's queues and customer (live or from the history)."""
    facts = await find_call(services, linkedid)
    view = services.tracker.call(linkedid)

    def customer() -> tuple[str | None, str | None]:
        with services.factory() as session:
            stored = session.execute(
                select(Call.customer_code, Call.caller_e164).where(
                    Call.server_id == services.tracker.server_id, Call.linkedid == linkedid
                )
            ).first()
            if stored is not None:
                return stored[0], stored[1]
            if view is None:
                return None, None
            country = session.scalar(select(Site.country)) or "CN"
            return view.customer_code, to_e164(
                view.caller_num, country
            ) if view.caller_num else None

    code, number = await asyncio.to_thread(customer)
    return service.CallContext(linkedid, tuple(sorted(facts.queues)), code, number)


def _notify(services: WebServices, result: service.Result) -> None:
    if result.changes and services.crm is not None:
        services.crm.followup_changed(result.followup, result.changes)


@routes.post("/api/v1/followups")
@requires(Scope.FOLLOWUPS_WRITE)
async def create(request: web.Request) -> web.Response:
    body = await parse_body(request, FollowupCreate)
    services, who = request.app[SERVICES], principal(request)
    call = None
    if body.linkedid is not None:
        facts = await find_call(services, body.linkedid)
        if not allows(who, Scope.FOLLOWUPS_WRITE, on=call_target(services, facts)):
            raise forbidden(who, f"create a follow-up of call {body.linkedid!r}")
        call = await _call_context(services, body.linkedid)

    def run() -> service.Result:
        with services.factory() as session, session.begin():
            return service.create(
                session, body, server_id=services.tracker.server_id, actor=actor_of(who),
                now=dt.datetime.now(dt.UTC), call=call, default_agent=who.agent,
            )  # fmt: skip

    try:
        result = await asyncio.to_thread(run)
    except FollowupError as exc:
        raise _refused(exc) from None
    _notify(services, result)
    return web.json_response(result.followup, status=201)


@routes.get("/api/v1/followups")
@requires(Scope.FOLLOWUPS_READ)
async def search(request: web.Request) -> web.Response:
    query = validate(FollowupQuery, dict(request.query), "query")
    seen = visibility(request, Scope.FOLLOWUPS_READ)
    factory = request.app[SERVICES].factory

    def run() -> list[dict[str, Any]]:
        with factory() as session:
            return service.search(session, query, seen)

    return web.json_response({"followups": await asyncio.to_thread(run)})


@routes.get("/api/v1/followups/{followup_id}")
@requires(Scope.FOLLOWUPS_READ)
async def read(request: web.Request) -> web.Response:
    followup_id = path_value(request, "followup_id")
    seen = visibility(request, Scope.FOLLOWUPS_READ)
    factory = request.app[SERVICES].factory

    def run() -> dict[str, Any]:
        with factory() as session:
            return service.get(session, followup_id, seen)

    try:
        return web.json_response(await asyncio.to_thread(run))
    except FollowupError as exc:
        raise _refused(exc) from None


@routes.patch("/api/v1/followups/{followup_id}")
@requires(Scope.FOLLOWUPS_WRITE)
async def change(request: web.Request) -> web.Response:
    followup_id = path_value(request, "followup_id")
    body = await parse_body(request, FollowupUpdate)
    services, who = request.app[SERVICES], principal(request)
    seen = visibility(request, Scope.FOLLOWUPS_WRITE)

    def run() -> service.Result:
        with services.factory() as session, session.begin():
            return service.update(
                session, followup_id, body, actor=actor_of(who), now=dt.datetime.now(dt.UTC),
                visibility=seen,
            )  # fmt: skip

    try:
        result = await asyncio.to_thread(run)
    except FollowupError as exc:
        raise _refused(exc) from None
    _notify(services, result)
    return web.json_response(result.followup)
