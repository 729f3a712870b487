"""Pairing a wallboard screen (see controller/access/kiosk.py for the design).

``GET /kiosk?code=...`` spends a pairing code and sets the screen's cookie, then leads to the
wallboard (the code leaves the address bar at once). ``GET /kiosk`` says how to pair.
``POST /api/v1/kiosk/link`` (the wallboard token itself, as ``Authorization: Bearer``) gives a
pairing link, like ``pbxctl kiosk link NAME``.
"""

from __future__ import annotations

from aiohttp import web

from controller.access import kiosk
from controller.access.scopes import Scope
from controller.access.store import AccessError
from controller.web import i18n
from controller.web.access import forbidden, principal, public, requires
from controller.web.auth import KIOSK_COOKIE
from controller.web.errors import ApiError
from controller.web.keys import SERVICES
from controller.web.pages.account import language, remember_language, see_other
from controller.web.render import page

routes = web.RouteTableDef()

WALLBOARD = "/wallboard"


def _instructions(request: web.Request, status: int, error: str = "") -> web.Response:
    lang = language(request)
    response = page("kiosk.html", lang, status=status, error=error)
    remember_language(request, response)
    return response


@routes.get("/kiosk")
@public()
async def pair(request: web.Request) -> web.Response:
    kiosks = request.app[SERVICES].auth.kiosks
    current = request.cookies.get(KIOSK_COOKIE, "")
    if current and await kiosks.screen(current) is not None:
        return see_other(WALLBOARD)  # paired already (the browser reopened its start page)
    code = request.query.get("code")
    if code is None:
        return _instructions(request, 200)
    cookie = await kiosks.pair(code)
    if cookie is None:
        gettext = i18n.translations(language(request)).gettext
        text = gettext("This pairing link is used, expired or revoked. Make a new one.")
        return _instructions(request, 403, text)
    response = see_other(WALLBOARD)
    secure = request.app[SERVICES].auth.secure(request)
    response.set_cookie(KIOSK_COOKIE, cookie, max_age=kiosk.COOKIE_SECONDS, httponly=True,
                        samesite="Lax", secure=secure, path="/")  # fmt: skip
    return response


@routes.post("/api/v1/kiosk/link")
@requires(Scope.WALLBOARD_READ)
async def link(request: web.Request) -> web.Response:
    """A pairing link for the calling machine token (one use, 10 minutes)."""
    who = principal(request)
    if who.kind != "token":
        raise forbidden(who, "pair a screen: use the wallboard token itself, or pbxctl kiosk link")
    try:
        code = await request.app[SERVICES].auth.kiosks.code_for(who.name)
    except AccessError as exc:
        raise ApiError(
            409, "conflict", str(exc), [{"field": "token", "message": str(exc)}]
        ) from None
    return web.json_response(
        {"link": f"/kiosk?code={code}", "expires_in": kiosk.PAIR_SECONDS}, status=201
    )
