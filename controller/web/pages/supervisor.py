"""The supervisor's console (``/supervisor``), for the queues the supervisor is given: callers
waiting, live calls with waiting and talk timers, listen / whisper / barge from the
supervisor's own phone, the agent grid with time in state, log agents in and out (of each
queue), pause and unpause them; today's figures per queue; the queues' open follow-ups.

Everything it does goes through the API (``/api/v1/channels/{uniqueid}/spy``,
``/api/v1/agents/{code}/...``), which checks each action on its call or agent and writes
supervision to the audit log; the page offers only the buttons the role allows.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from controller.access.policy import Principal, allows
from controller.access.scopes import Scope, grants
from controller.web.access import forbidden, principal, requires
from controller.web.figures import INTERVAL
from controller.web.keys import SERVICES
from controller.web.pages import lookups
from controller.web.pages.frame import in_session, may_open_supervisor, signed_in_page

routes = web.RouteTableDef()

SPY_SCOPES = {"listen": Scope.CALLS_LISTEN, "whisper": Scope.CALLS_WHISPER,
              "barge": Scope.CALLS_BARGE}  # fmt: skip


def _lookups(session: Session, who: Principal) -> dict[str, Any]:
    return {
        "queues": lookups.queue_names(session, who),
        "agents": lookups.agents(session, who),
        "pause_reasons": lookups.pause_reasons(session),
        "my_device": lookups.usual_device(session, who.agent),
    }


@routes.get("/supervisor")
@requires(Scope.AGENTS_STATE)
async def console(request: web.Request) -> web.Response:
    who = principal(request)
    if not may_open_supervisor(who):  # an agent holds agents.state as me. only
        raise forbidden(who, "open the supervisor console (needs agents.state on queues)")
    services = request.app[SERVICES]
    data = await asyncio.to_thread(in_session, services.factory, _lookups, who)
    data["may"] = {
        **{mode: allows(who, scope) for mode, scope in SPY_SCOPES.items()},
        "agents": grants(who.patterns, Scope.AGENTS_STATE.value),
        "followups": allows(who, Scope.FOLLOWUPS_READ),
        "followups_write": allows(who, Scope.FOLLOWUPS_WRITE),
    }
    data["figures_interval"] = INTERVAL
    return signed_in_page(request, "supervisor.html", "supervisor", data=data)
