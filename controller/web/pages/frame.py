"""What every signed-in page shares: who is signed in, the page's language, the CSRF token for
its changes, the links to the other pages this principal may open, and the data the page's
script reads (one JSON block, never inline script).

    @routes.get("/wallboard")
    @requires(Scope.WALLBOARD_READ)
    async def wallboard(request):
        return signed_in_page(request, "wallboard.html", "wallboard", data={...})

See docs/web.md for the conventions pages follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from controller.access.policy import Principal, allows
from controller.access.scopes import Scope, grants
from controller.web import i18n
from controller.web.access import principal
from controller.web.keys import SESSION
from controller.web.pages.account import language, remember_language
from controller.web.render import page

KIOSK = "kiosk"  # Principal.kind of a wallboard screen paired with a code (pages/kiosk.py)
T = TypeVar("T")


def in_session(factory: sessionmaker[Session], read: Callable[..., T], *args: Any) -> T:
    """``read(session, *args)`` in a session of its own (run it in a thread)."""
    with factory() as session:
        return read(session, *args)


@dataclass(frozen=True, slots=True)
class Link:
    name: str  # the page's key: current page is marked
    href: str
    label: str


def may_open_wallboard(who: Principal) -> bool:
    return allows(who, Scope.WALLBOARD_READ)


def may_open_agent(who: Principal) -> bool:
    """The workspace is an agent's own seat: a principal that is an agent."""
    return who.agent is not None and allows(who, Scope.SCREEN_POPS)


def may_open_supervisor(who: Principal) -> bool:
    """The console acts on other agents: agents.state in full (an agent has it as me. only)."""
    return grants(who.patterns, Scope.AGENTS_STATE.value)


def may_open_reports(who: Principal) -> bool:
    """The report pages: reports.read, in full or (an agent) for their own figures."""
    return allows(who, Scope.REPORTS_READ)


def links(who: Principal, language: str) -> list[Link]:
    """The pages ``who`` may open, in the bar of every page."""
    gettext = i18n.translations(language).gettext
    found = [Link("home", "/", gettext("Home"))]
    if may_open_agent(who):
        found.append(Link("agent", "/agent", gettext("Workspace")))
    if may_open_supervisor(who):
        found.append(Link("supervisor", "/supervisor", gettext("Supervisor")))
    if may_open_wallboard(who):
        found.append(Link("wallboard", "/wallboard", gettext("Wallboard")))
    if allows(who, Scope.CONFIG_READ):
        found.append(Link("admin", "/admin", gettext("Administration")))
    if may_open_reports(who):
        found.append(Link("reports", "/reports", gettext("Reports")))
    return found


def signed_in_page(
    request: web.Request,
    template: str,
    current: str,
    data: dict[str, Any] | None = None,
    **context: Any,
) -> web.Response:
    """A page for the signed-in principal: bar with its links and sign-out, ``data`` for the
    page's script in ``<script type="application/json" id="page-data">``."""
    who = principal(request)
    lang = language(request)
    signed = request.get(SESSION)
    response = page(
        template,
        lang,
        who=who,
        kiosk=who.kind == KIOSK,
        display_name=who.display_name or who.name,
        csrf=signed.csrf if signed else "",
        links=[] if who.kind == KIOSK else links(who, lang),
        current=current,
        page_data={"language": lang, "csrf": signed.csrf if signed else "", **(data or {})},
        **context,
    )
    remember_language(request, response)
    return response
