"""``agent-login``, ``agent-logout``, ``agent-pause``, ``agent-unpause``: feature codes from a
phone (arg 1: the caller's number, its extension).

The agent whose usual phone it is; see :func:`controller.agents.phone.phone_action`. Sets
``PBX_AGI_OK=1`` once done; on any error the dialplan takes its static fallback.
"""

from __future__ import annotations

from controller.agents.phone import phone_action
from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.services import AgiServices


async def handle(action: str, services: AgiServices, request: AgiRequest) -> None:
    """``action``: login, logout, pause or unpause (bound per route in the route table)."""
    if services.agents is None:
        raise RuntimeError("agent routes need the agent service (pbxctl serve)")
    await phone_action(services.agents, action, request.arg(1) or request.caller_number)
    await request.set_variables([(v.AGI_OK, "1")])
