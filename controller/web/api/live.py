"""Live state: calls, queues and seats as the tracker sees them now, each to the principal
who may see it (its queues; an agent: their own calls and seat)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from controller.access.policy import allows, queue_visible
from controller.access.scopes import Scope
from controller.ami.tracker import to_json
from controller.web.access import forbidden, principal, requires, signed_in
from controller.web.api.fields import path_value
from controller.web.errors import not_found
from controller.web.keys import SERVICES, SESSION
from controller.web.scoping import (
    calls_visible,
    queues_visible,
    require_on_agent,
    require_on_call,
    seats_visible,
)

routes = web.RouteTableDef()


@routes.get("/api/v1/calls")
@requires(Scope.CALLS_READ)
async def list_calls(request: web.Request) -> web.Response:
    calls = calls_visible(request, request.app[SERVICES].tracker.calls())
    return web.json_response({"calls": to_json(calls)})


# Not "originate": GET /api/v1/calls/originate is a 405 that allows POST, not a call lookup.
@routes.get("/api/v1/calls/{linkedid:(?!originate$)[^{}/]+}")
@requires(Scope.CALLS_READ)
async def get_call(request: web.Request) -> web.Response:
    linkedid = path_value(request, "linkedid")
    view = request.app[SERVICES].tracker.call(linkedid)
    if view is None:
        raise not_found(f"no live call with linkedid {linkedid!r}")
    require_on_call(request, Scope.CALLS_READ, view, "see")
    return web.json_response(to_json(view))


@routes.get("/api/v1/queues")
@requires(Scope.QUEUES_READ, Scope.WALLBOARD_READ)
async def list_queues(request: web.Request) -> web.Response:
    queues = queues_visible(request, request.app[SERVICES].tracker.queues())
    return web.json_response({"queues": to_json(queues)})


@routes.get("/api/v1/queues/{name}")
@requires(Scope.QUEUES_READ, Scope.WALLBOARD_READ)
async def get_queue(request: web.Request) -> web.Response:
    name = path_value(request, "name")
    view = request.app[SERVICES].tracker.queue(name)
    if view is None:
        raise not_found(f"no queue named {name!r} in Asterisk")
    who = principal(request)
    if not queue_visible(who, name):
        raise forbidden(who, f"see queue {name!r}")
    (shown,) = queues_visible(request, [view])
    return web.json_response(to_json(shown))


@routes.get("/api/v1/agents")
@requires(Scope.AGENTS_READ)
async def list_seats(request: web.Request) -> web.Response:
    seats = seats_visible(request, request.app[SERVICES].tracker.seats())
    return web.json_response({"agents": to_json(seats)})


@routes.get("/api/v1/agents/{code}")
@requires(Scope.AGENTS_READ)
async def get_seat(request: web.Request) -> web.Response:
    code = path_value(request, "code")
    require_on_agent(request, Scope.AGENTS_READ, code, "see")
    view = request.app[SERVICES].tracker.seat(code)
    if view is None:
        raise not_found(f"agent {code!r} has not been seen in any queue")
    return web.json_response(to_json(view))


@routes.get("/api/v1/status")
@requires(Scope.STATUS_READ)
async def status(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body: dict[str, Any] = {
        "counts": services.tracker.counts(),
        "events": services.tracker.events_applied,
        **services.status,
    }
    if not allows(principal(request), Scope.STATUS_DETAILS):
        body = _without_details(body)
    return web.json_response(body)


def _without_details(value: Any) -> Any:
    """Internal error texts (paths, database messages) are for admins: the others are told
    only that there is an error."""
    if isinstance(value, dict):
        return {
            k: (("present" if v else None) if k.endswith("error") else _without_details(v))
            for k, v in value.items()
        }
    return value


@routes.get("/api/v1/me")
@signed_in()
async def me(request: web.Request) -> web.Response:
    who = principal(request)
    body: dict[str, Any] = {
        "kind": who.kind,
        "name": who.name,
        "role": who.role,
        "scopes": sorted(who.patterns),
        "queues": sorted(who.queues) if who.queues is not None else None,
        "agent": who.agent,
        "language": who.language,
    }
    signed = request.get(SESSION)
    if signed is not None:
        # A page's script sends it back in X-CSRF-Token; another site cannot read it.
        body["csrf_token"] = signed.csrf
    return web.json_response(body)
