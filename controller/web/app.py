"""The aiohttp application factory.

    app = create_app(services)      # services: WebServices (tracker, database, auth ...)

Middlewares, outermost first:

1. ``json_errors``: every error of the API, aiohttp's own 404/405/413 and unexpected
   exceptions included, is a JSON body that says what was wrong (never a traceback); a 405
   keeps its ``Allow`` header;
2. ``authenticate``: every route declares what it needs (:mod:`controller.web.access`); a
   route that declares nothing is refused. The caller is a machine token
   (``Authorization: Bearer``), a browser session (cookie; a change needs its CSRF token in
   ``X-CSRF-Token`` or the form's ``csrf_token``), or a websocket ticket. A page asked for by
   someone not signed in leads to the sign-in page.

Routes come from one RouteTableDef per area, added here explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

from aiohttp import web

from controller.access.policy import Principal
from controller.web import ws
from controller.web.access import Access, declared, forbidden, may_any, signed_in
from controller.web.api import (
    actions,
    agents,
    audit_api,
    followups_api,
    history,
    live,
    notes_api,
    reports_api,
    webhooks_api,
)
from controller.web.auth import CSRF_HEADER, KIOSK_COOKIE, SESSION_COOKIE, constant_time_equal
from controller.web.errors import ApiError
from controller.web.keys import PRINCIPAL, SERVICES, SESSION, WebServices
from controller.web.openapi import build_document
from controller.web.pages import (
    account,
    admin,
    admin_access,
    admin_import,
    admin_prompts,
    agent,
    kiosk,
    reports,
    reports_print,
    supervisor,
    wallboard,
)

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROUTE_TABLES = (
    live.routes,
    history.routes,
    actions.routes,
    agents.routes,
    audit_api.routes,
    notes_api.routes,
    followups_api.routes,
    webhooks_api.routes,
    ws.routes,
    account.routes,
    wallboard.routes,
    kiosk.routes,
    supervisor.routes,
    agent.routes,
    reports_api.routes(),
    reports_print.routes(),
    admin.routes,
    admin_access.routes,
    admin_prompts.routes,
    admin_import.routes,
    reports.routes(),
)
STATIC = Path(__file__).parent / "static"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
KEPT_HEADERS = ("Allow", "Retry-After")  # from aiohttp's HTTP errors into our JSON ones
CLIENT_MAX_SIZE = 64 * 1024


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except ApiError as exc:
        response = exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = {
            404: f"no endpoint {request.path}; see /api/v1/openapi.json",
            405: f"{request.method} is not allowed on {request.path}",
            413: f"the body is larger than {CLIENT_MAX_SIZE // 1024} KiB",
        }.get(exc.status, exc.reason)
        # A 405 says which methods are allowed (RFC 9110): keep aiohttp's Allow header.
        kept = {name: exc.headers[name] for name in KEPT_HEADERS if name in exc.headers}
        code = exc.reason.lower().replace(" ", "_")
        response = ApiError(exc.status, code, message, headers=kept).response()
    except Exception:
        logger.exception("web=handler_failed method=%s path=%s", request.method, request.path)
        response = ApiError(500, "internal_error", "the server failed; see its log").response()
    if not response.prepared:
        for name, value in API_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


def _access(request: web.Request) -> Access | None:
    info = request.match_info
    if info.http_exception is not None:
        return Access(public=True)  # 404/405: json_errors answers, nothing is disclosed
    if isinstance(info.route.resource, web.StaticResource):
        return Access(public=True)
    return declared(info.handler)


def _is_page(request: web.Request) -> bool:
    return not request.path.startswith("/api/") and request.method in SAFE_METHODS


async def _credentials(request: web.Request) -> Principal:
    auth = request.app[SERVICES].auth
    address = auth.address(request)
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return await auth.token(value.strip(), address)
    ticket = request.query.get("ticket")
    if ticket is not None and request.path == ws.PATH:
        found = auth.redeem_ticket(ticket)
        if found is None:
            raise ApiError(401, "unauthenticated", "the ticket is unknown, used or expired")
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        signed = await auth.session(cookie)
        if signed is not None:
            if request.method not in SAFE_METHODS and not await _csrf_ok(request, signed.csrf):
                raise ApiError(403, "csrf", "the form or request lacks this session's CSRF token")
            if request.path == ws.PATH and not _same_origin(request):
                raise ApiError(403, "cross_origin", "a websocket of another site's page")
            request[SESSION] = signed
            return signed.principal
    screen = request.cookies.get(KIOSK_COOKIE)
    if screen:
        found = await auth.kiosks.screen(screen)
        if found is not None:
            if request.method not in SAFE_METHODS:
                raise ApiError(403, "forbidden", "a wallboard screen only reads")
            if request.path == ws.PATH and not _same_origin(request):
                raise ApiError(403, "cross_origin", "a websocket of another site's page")
            return found
    raise ApiError(
        401,
        "unauthenticated",
        "sign in at /login, or send Authorization: Bearer <token> (pbxctl token create)",
    )


def _same_origin(request: web.Request) -> bool:
    """A browser sends Origin with a websocket handshake: a page of another site may not ride
    on this site's session cookie."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        given = str((await request.post()).get("csrf_token", ""))
    return given is not None and constant_time_equal(given, expected)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    access = _access(request)
    if access is None:
        logger.error("web=route_without_access path=%s", request.path)
        raise ApiError(500, "internal_error", "this route declares no access; see the log")
    if access.public:
        return await handler(request)
    try:
        who = await _credentials(request)
    except ApiError as err:
        if err.status == 401 and _is_page(request):
            if KIOSK_COOKIE in request.cookies:  # a screen whose token was revoked
                raise web.HTTPSeeOther("/kiosk") from None
            raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='/')}") from None
        raise
    request[PRINCIPAL] = who
    if access.scopes and not may_any(request, access.scopes):
        raise forbidden(who, f"{request.method} {request.path} (needs {access.describe()})")
    return await handler(request)


OPENAPI_DOCUMENT = web.AppKey("openapi_document", dict)


@signed_in()
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_DOCUMENT])


def route_access(app: web.Application) -> dict[tuple[str, str], Access]:
    """What each route declares, by (method, path template): the OpenAPI document's source
    for the scopes each operation needs."""
    found: dict[tuple[str, str], Access] = {}
    for route in app.router.routes():
        access = declared(route.handler)
        if access is not None:
            found[(route.method.lower(), route.resource.canonical)] = access
    return found


def create_app(services: WebServices) -> web.Application:
    app = web.Application(middlewares=[json_errors, authenticate], client_max_size=CLIENT_MAX_SIZE)
    app[SERVICES] = services
    for table in ROUTE_TABLES:
        app.router.add_routes(table)
    app.router.add_get("/api/v1/openapi.json", openapi)
    app.router.add_static("/static", STATIC, append_version=False)
    app[OPENAPI_DOCUMENT] = build_document(route_access(app))
    return app
