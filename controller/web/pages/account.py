"""Sign in, sign out, and the page a signed-in person lands on.

The sign-in form is protected against cross-site request forgery like every form: a random
value in a cookie of its own (SameSite=Strict) must come back in the form. The session cookie
is HttpOnly, SameSite=Lax, and Secure when the browser came over HTTPS.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from aiohttp import web

from controller.web import i18n
from controller.web.access import principal, public, signed_in
from controller.web.auth import SESSION_COOKIE, constant_time_equal
from controller.web.errors import ApiError
from controller.web.keys import PRINCIPAL, SERVICES, SESSION
from controller.web.render import page

routes = web.RouteTableDef()

LOGIN_CSRF_COOKIE = "pbx_login_csrf"
LANGUAGE_COOKIE = "pbx_lang"


def language(request: web.Request) -> str:
    """The page's language: ?lang=, else the signed-in user's, else the cookie, the browser
    (a wallboard screen: the cookie its language links set)."""
    asked = request.query.get("lang")
    if asked not in i18n.LANGUAGES and PRINCIPAL in request and request[PRINCIPAL].kind == "user":
        return request[PRINCIPAL].language
    return i18n.negotiate(
        asked, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language", "")
    )


def remember_language(request: web.Request, response: web.StreamResponse) -> None:
    asked = request.query.get("lang")
    if asked in i18n.LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 86400, samesite="Lax",
                            httponly=True, path="/")  # fmt: skip


def see_other(location: str) -> web.Response:
    """A 303 to ``location`` (a response, so cookies can be set on it)."""
    return web.Response(status=303, headers={"Location": location})


def _safe_next(value: str) -> str:
    """Only a path of this site: never an open redirect to another one."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def _login_page(request: web.Request, *, error: str = "", login: str = "", status: int = 200,
                next_page: str = "/") -> web.Response:  # fmt: skip
    csrf = secrets.token_urlsafe(24)
    lang = language(request)
    response = page("login.html", lang, status=status, csrf=csrf, error=error, login=login,
                    next=_safe_next(next_page))  # fmt: skip
    secure = request.app[SERVICES].auth.secure(request)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="Strict", secure=secure,
                        path="/login", max_age=3600)  # fmt: skip
    remember_language(request, response)
    return response


@routes.get("/login")
@public()
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, next_page=request.query.get("next", "/"))


@routes.post("/login")
@public()
async def login(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    name, password = str(form.get("login", "")), str(form.get("password", ""))
    next_page = _safe_next(str(form.get("next", "/")))
    lang = language(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not constant_time_equal(expected, str(form.get("csrf_token", ""))):
        text = i18n.translations(lang).gettext("The form expired. Please sign in again.")
        return _login_page(request, error=text, login=name, status=403, next_page=next_page)
    auth = services.auth
    try:
        signed = await auth.sign_in(
            name, password, auth.address(request), request.headers.get("User-Agent", "")
        )
    except ApiError as err:
        gettext = i18n.translations(lang).gettext
        if err.status == 429:
            seconds = err.headers.get("Retry-After", "60")
            text = gettext("Too many failed sign-ins. Try again in %(seconds)s seconds.")
            text = text % {"seconds": seconds}
        else:
            text = gettext("Wrong login name or password.")
        return _login_page(request, error=text, login=name, status=err.status,
                           next_page=next_page)  # fmt: skip
    response = see_other(next_page)
    response.set_cookie(SESSION_COOKIE, signed.cookie, httponly=True, samesite="Lax",
                        secure=auth.secure(request), path="/")  # fmt: skip
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@routes.post("/logout")
@signed_in()
async def logout(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    signed = request.get(SESSION)
    if signed is not None:
        await services.auth.sign_out(signed, services.auth.address(request))
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/")
@signed_in()
async def home(request: web.Request) -> web.Response:
    who = principal(request)
    signed = request.get(SESSION)
    lang = language(request)
    gettext = i18n.translations(lang).gettext
    queues = ", ".join(sorted(who.queues)) if who.queues is not None else gettext("All queues")
    # Imported here: frame.py builds on this module (language, remember_language).
    from controller.web.pages.frame import links

    response = page(
        "home.html", lang, who=who, role=who.role, queues=queues or "-",
        scopes=sorted(who.patterns), csrf=signed.csrf if signed else "",
        display_name=who.display_name or who.name,
        pages=[link for link in links(who, lang) if link.name != "home"],
    )  # fmt: skip
    remember_language(request, response)
    return response
