"""The route table: every FastAGI route, by the name the dialplan calls it with.

One module per route. Adding a route is one line here (``"agent-login": Route(...)``), or
pass ``extra`` routes from the code that builds the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from controller.agi.routes import (
    agent_phone,
    callback_dial,
    callback_result,
    caller_lookup,
    inbound,
    outbound,
    queue_callback,
    survey,
)
from controller.agi.server import Route
from controller.agi.services import AgiServices


def route_table(
    services: AgiServices, extra: Mapping[str, Route] | None = None
) -> dict[str, Route]:
    routes = {
        "inbound": Route(partial(inbound.handle, services), timeout=3.0),
        "caller-lookup": Route(partial(caller_lookup.handle, services), timeout=3.0),
        "outbound": Route(partial(outbound.handle, services), timeout=3.0),
        # The caller listens to prompts and presses keys: allow for that.
        "queue-callback": Route(partial(queue_callback.handle, services), timeout=60.0),
        # Holds while the caller confirms (see callback_dial.CONFIRM_WAIT_SECONDS).
        "callback-dial": Route(partial(callback_dial.handle, services), timeout=40.0),
        "callback-result": Route(partial(callback_result.handle, services), timeout=15.0),
        "survey": Route(partial(survey.handle, services), timeout=5.0),
        "agent-login": Route(partial(agent_phone.handle, "login", services), timeout=10.0),
        "agent-logout": Route(partial(agent_phone.handle, "logout", services), timeout=10.0),
        "agent-pause": Route(partial(agent_phone.handle, "pause", services), timeout=10.0),
        "agent-unpause": Route(partial(agent_phone.handle, "unpause", services), timeout=10.0),
    }
    duplicate = set(routes) & set(extra or {})
    if duplicate:
        raise ValueError(f"routes defined twice: {sorted(duplicate)}")
    routes.update(extra or {})
    return routes
