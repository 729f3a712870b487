"""Live state: calls, queues and seats as the tracker sees them now."""

from __future__ import annotations

from aiohttp import web

from controller.ami.tracker import to_json
from controller.web.errors import not_found
from controller.web.keys import SERVICES

routes = web.RouteTableDef()


@routes.get("/api/v1/calls")
async def list_calls(request: web.Request) -> web.Response:
    tracker = request.app[SERVICES].tracker
    return web.json_response({"calls": to_json(tracker.calls())})


@routes.get("/api/v1/calls/{linkedid}")
async def get_call(request: web.Request) -> web.Response:
    linkedid = request.match_info["linkedid"]
    view = request.app[SERVICES].tracker.call(linkedid)
    if view is None:
        raise not_found(f"no live call with linkedid {linkedid!r}")
    return web.json_response(to_json(view))


@routes.get("/api/v1/queues")
async def list_queues(request: web.Request) -> web.Response:
    return web.json_response({"queues": to_json(request.app[SERVICES].tracker.queues())})


@routes.get("/api/v1/queues/{name}")
async def get_queue(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    view = request.app[SERVICES].tracker.queue(name)
    if view is None:
        raise not_found(f"no queue named {name!r} in Asterisk")
    return web.json_response(to_json(view))


@routes.get("/api/v1/agents")
async def list_seats(request: web.Request) -> web.Response:
    return web.json_response({"agents": to_json(request.app[SERVICES].tracker.seats())})


@routes.get("/api/v1/agents/{code}")
async def get_seat(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    view = request.app[SERVICES].tracker.seat(code)
    if view is None:
        raise not_found(f"agent {code!r} has not been seen in any queue")
    return web.json_response(to_json(view))


@routes.get("/api/v1/status")
async def status(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return web.json_response(
        {
            "counts": services.tracker.counts(),
            "events": services.tracker.events_applied,
            **services.status,
        }
    )
