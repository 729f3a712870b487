"""Agent feature codes from a phone (*45 login, *46 logout, *47 pause, *48 unpause).

The dialplan passes the caller's number (the extension): the agent is the one whose usual
phone it is, and logs in at that phone. A pause from the phone has no way to give a reason:
it is ``break`` when that reason is configured (what the static fallback uses too), else the
first configured reason. The FastAGI routes ``agent-login`` ... ``agent-unpause`` call
:func:`phone_action` and set ``PBX_AGI_OK=1`` when it returns.
"""

from __future__ import annotations

from controller.agents.service import AgentService
from controller.agents.store import AgentError
from controller.digits import ascii_digits

ACTIONS = ("login", "logout", "pause", "unpause")


async def phone_action(service: AgentService, action: str, caller_number: str) -> str:
    """Do ``action`` for the agent at extension ``caller_number``; return the agent code."""
    if action not in ACTIONS:
        raise AgentError(f"unknown agent action {action!r}; expected one of {list(ACTIONS)}")
    if not ascii_digits(caller_number):
        raise AgentError(f"caller number {caller_number!r} is not an extension")
    code = await service.agent_for_extension(caller_number)
    if action == "login":
        await service.login(code, f"PJSIP/{caller_number}")
    elif action == "logout":
        await service.logout(code)
    elif action == "pause":
        await service.pause(code, await service.phone_pause_reason())
    else:
        await service.unpause(code)
    return code
