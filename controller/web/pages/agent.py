"""The agent's workspace (``/agent``): the agent's own state with its timers, login, pause
with a reason and ready; the call in hand with its screen pop (customer, 归属地, VIP, the last
calls and who took them, open follow-ups, the queue's CRM page); hold, blind and attended
transfer, recording where the queue's policy leaves it to the agent; notes and a
disposition saved with the call; follow-ups to call back with a click; today's own figures.

Only for a principal that is an agent (``principal.agent``): the page's websocket carries
that agent's seat, calls and screen pops only (``me.`` scopes), and every button is an API
call checked on that agent's own call. ``/agent/today`` is the figures' fragment, refreshed
by htmx.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access.policy import Principal, allows
from controller.access.scopes import Scope
from controller.db.models import Agent, Queue
from controller.reports.calendar import Interval
from controller.reports.errors import ReportError
from controller.reports.request import ReportRequest, day_window, site_zone
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from controller.web.access import forbidden, principal, requires
from controller.web.keys import SERVICES
from controller.web.pages import lookups
from controller.web.pages.account import language
from controller.web.pages.frame import in_session, signed_in_page
from controller.web.render import page

routes = web.RouteTableDef()

# Today's own figures shown, from the agent report (controller/reports/agents.py).
TODAY = ("handled", "missed", "on_call", "acw", "paused", "aht", "occupancy")


def _agent(request: web.Request) -> tuple[Principal, str]:
    who = principal(request)
    if who.agent is None:
        raise forbidden(who, "open an agent's workspace: the user has no agent code")
    return who, who.agent


def _recording_policies(session: Session, queues: list[str]) -> dict[str, str | None]:
    """Queue -> what its recording policy records (None: no policy: the agent decides)."""
    rows = session.scalars(select(Queue).where(Queue.name.in_(queues)))
    return {q.name: q.recording_policy.record.value if q.recording_policy else None for q in rows}


def _lookups(session: Session, who: Principal, code: str) -> dict[str, Any]:
    name = session.scalar(select(Agent.name).where(Agent.code == code)) or code
    queues = lookups.queue_names(session, who)
    return {
        "agent": {"code": code, "name": name, "device": lookups.usual_device(session, code)},
        "queues": queues,
        "login_queues": lookups.login_queues(session).get(code, []),
        "recording": _recording_policies(session, list(queues)),
        "pause_reasons": lookups.pause_reasons(session),
    }


@routes.get("/agent")
@requires(Scope.SCREEN_POPS)
async def workspace(request: web.Request) -> web.Response:
    who, code = _agent(request)
    services = request.app[SERVICES]
    data = await asyncio.to_thread(in_session, services.factory, _lookups, who, code)
    data["may"] = {
        "control": allows(who, Scope.CALLS_CONTROL),
        "record": allows(who, Scope.CALLS_RECORD),
        "originate": allows(who, Scope.CALLS_ORIGINATE),
        "notes": allows(who, Scope.CALLS_NOTES),
        "followups": allows(who, Scope.FOLLOWUPS_WRITE),
    }
    return signed_in_page(request, "agent.html", "agent", data=data)


def today_figures(session: Session, code: str, now: dt.datetime) -> dict[str, Any] | None:
    """The agent's own row of today's agent report, or None."""
    tz = site_zone(session)
    request = ReportRequest(
        window=day_window(now.astimezone(tz).date(), tz),
        interval=Interval.TOTAL,
        agents=frozenset({code}),
        audience=Audience(own_agent=code),
    )
    try:
        report = run_report(session, "agents", request)
    except ReportError:  # an agent neither configured nor in the history yet
        return None
    return next((row for row in report.rows if row.get("agent") == code), None)


@routes.get("/agent/today")
@requires(Scope.SCREEN_POPS)
async def today(request: web.Request) -> web.Response:
    """Today's own figures, an HTML fragment for the workspace (htmx)."""
    _, code = _agent(request)
    services = request.app[SERVICES]
    now = dt.datetime.now(dt.UTC)
    row = await asyncio.to_thread(in_session, services.factory, today_figures, code, now)
    shown = {key: row.get(key) for key in TODAY} if row else None
    return page("agent_today.html", language(request), figures=shown, duration=duration,
                percent=percent)  # fmt: skip


def duration(seconds: float | None) -> str:
    """1:05, 1:02:03; - for nothing counted."""
    if seconds is None:
        return "–"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f}%"
