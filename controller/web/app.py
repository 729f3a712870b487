"""The aiohttp application factory.

    app = create_app(services)      # services: WebServices (tracker, database, tokens ...)

Middlewares, outermost first: JSON errors (every error, including aiohttp's own 404/405 and
unexpected exceptions, is a JSON body that says what was wrong), then token authentication
(every route, the websocket and the OpenAPI document included: no anonymous access).
Routes come from one RouteTableDef per area, added here explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from controller.web import ws
from controller.web.api import actions, agents, history, live
from controller.web.errors import ApiError
from controller.web.keys import SERVICES, WebServices
from controller.web.openapi import build_document

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROUTE_TABLES = (live.routes, history.routes, actions.routes, agents.routes, ws.routes)
USERNAME = web.AppKey("token_name", str)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = {
            404: f"no endpoint {request.path}; see /api/v1/openapi.json",
            405: f"{request.method} is not allowed on {request.path}",
        }.get(exc.status, exc.reason)
        return ApiError(exc.status, exc.reason.lower().replace(" ", "_"), message).response()
    except Exception:
        logger.exception("web=handler_failed method=%s path=%s", request.method, request.path)
        return ApiError(500, "internal_error", "the server failed; see its log").response()


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    if request.path == "/api/v1/ws":  # browsers cannot set headers on a websocket
        return request.query.get("access_token")
    return None


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = _token(request)
    if token is None:
        raise ApiError(
            401, "unauthenticated", "send Authorization: Bearer <token> (pbxctl token create)"
        )
    name = await request.app[SERVICES].tokens.verify(token)
    if name is None:
        raise ApiError(401, "unauthenticated", "the token is unknown or revoked")
    return await handler(request)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(build_document())


def create_app(services: WebServices) -> web.Application:
    app = web.Application(middlewares=[json_errors, require_token], client_max_size=64 * 1024)
    app[SERVICES] = services
    for table in ROUTE_TABLES:
        app.router.add_routes(table)
    app.router.add_get("/api/v1/openapi.json", openapi)
    return app
