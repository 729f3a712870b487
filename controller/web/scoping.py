"""What a principal may see of the live state and the history, and the targets of actions.

A call is in a principal's queues when its queue is, or when an agent on it serves one of
them (a call rung straight to an agent reached no queue); an agent is in them when the agent
serves one. ``me.`` scopes reach the principal's own agent and the calls it is on.
"""

from __future__ import annotations

from aiohttp import web

from controller.access.policy import Principal, Target, allows
from controller.access.scopes import Scope, grants
from controller.ami.tracker import CallView, QueueView, SeatView
from controller.history.queries import Visibility
from controller.web.access import forbidden, principal
from controller.web.errors import not_found
from controller.web.gate import Gate
from controller.web.keys import SERVICES, WebServices


def call_target(services: WebServices, view: CallView) -> Target:
    return Gate(services.directory).call_target(view)


def agent_target(services: WebServices, code: str) -> Target:
    return Gate(services.directory).agent_target(code)


def queue_target(name: str) -> Target:
    return Target(queues=frozenset({name}))


def channel_call(request: web.Request, uniqueid: str) -> CallView:
    """The live call a channel is in, or a 404."""
    tracker = request.app[SERVICES].tracker
    found = tracker.channel(uniqueid)
    view = tracker.call(found[1]) if found is not None else None
    if view is None:
        raise not_found(f"channel {uniqueid!r} is not live")
    return view


def require_on_call(request: web.Request, scope: Scope, view: CallView, what: str) -> Principal:
    who = principal(request)
    if not allows(who, scope, on=call_target(request.app[SERVICES], view)):
        raise forbidden(who, f"{what} on call {view.linkedid!r}")
    return who


def require_on_agent(request: web.Request, scope: Scope, code: str, what: str) -> Principal:
    who = principal(request)
    if not allows(who, scope, on=agent_target(request.app[SERVICES], code)):
        raise forbidden(who, f"{what} agent {code!r}")
    return who


def calls_visible(request: web.Request, views: list[CallView]) -> list[CallView]:
    gate, who = Gate(request.app[SERVICES].directory), principal(request)
    return [v for v in views if gate.call(who, v)]


def seats_visible(request: web.Request, seats: list[SeatView]) -> list[SeatView]:
    gate, who = Gate(request.app[SERVICES].directory), principal(request)
    return [s for s in seats if gate.seat(who, s)]


def queues_visible(request: web.Request, queues: list[QueueView]) -> list[QueueView]:
    """The principal's queues; without queues.read (a wallboard) the callers are counted but
    not named."""
    gate, who = Gate(request.app[SERVICES].directory), principal(request)
    shown = [gate.queue(who, q) for q in queues]
    return [q for q in shown if q is not None]


def history_visibility(request: web.Request, scope: Scope) -> Visibility | None:
    """None: every call; else the calls of these queues or handled by these agents; a 403
    when the principal has the scope neither in full nor as ``me.``."""
    who, services = principal(request), request.app[SERVICES]
    if grants(who.patterns, scope.value):
        if who.queues is None:
            return None
        return Visibility(who.queues, services.directory.agents_of(who.queues))
    if grants(who.patterns, scope.own) and who.agent is not None:
        return Visibility(frozenset(), frozenset({who.agent}))
    raise forbidden(who, f"read {scope.value.split('.')[0]}")
