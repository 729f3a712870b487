"""The wallboard (``/wallboard``): per queue and in total, callers waiting, the longest wait,
agents by state, and today's offered, answered, abandoned, service level (with its formula),
ASA and AHT. Read-only; for a TV in the room, also as a kiosk (pages/kiosk.py).

The page's script renders what the websocket sends: ``board`` (live, after each change) and
``figures`` (today's, recomputed server-side every 12 s). It never computes a figure itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from controller.access.scopes import Scope
from controller.web import i18n
from controller.web.access import principal, requires
from controller.web.figures import INTERVAL
from controller.web.keys import SERVICES
from controller.web.pages import lookups
from controller.web.pages.account import language
from controller.web.pages.frame import in_session, signed_in_page

routes = web.RouteTableDef()


def formulas(lang: str) -> dict[str, str]:
    """How each service-level variant of the reports (controller/reports/service_level.py)
    counts, shown under every SL figure; ``{t}``: the threshold in seconds."""
    gettext = i18n.translations(lang).gettext
    return {
        "A": gettext("answered within {t} s ÷ answered"),
        "B": gettext("answered within {t} s ÷ (answered + abandoned)"),
        "C": gettext("answered within {t} s ÷ (answered + abandoned after {t} s)"),
        "D": gettext("(answered + abandoned within {t} s) ÷ (answered + abandoned)"),
        "E": gettext("answered within {t} s ÷ (answered + abandoned, short abandons left out)"),
    }


@routes.get("/wallboard")
@requires(Scope.WALLBOARD_READ)
async def wallboard(request: web.Request) -> web.Response:
    services, who = request.app[SERVICES], principal(request)
    names = await asyncio.to_thread(in_session, services.factory, lookups.queue_names, who)
    data: dict[str, Any] = {
        "queues": names,
        "formulas": formulas(language(request)),
        "figures_interval": INTERVAL,
    }
    return signed_in_page(request, "wallboard.html", "wallboard", data=data)
