"""``callback-dial``: an agent answered a callback placeholder (args: callback id).

Runs on the placeholder's ``;1`` half, already bridged to the agent. Waits while the caller
is still confirming, then lets the dialplan call the customer; a withdrawn or expired
request ends here (``PBX_DEST_*`` = goodbye) instead.
"""

from __future__ import annotations

import logging

from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.services import AgiServices

log = logging.getLogger("controller.agi")

CONFIRM_WAIT_SECONDS = 30.0


async def agent_of(request: AgiRequest) -> str | None:
    """The queue member who answered: MEMBERNAME on the placeholder's ``;2`` half."""
    channel = request.channel
    if not channel.endswith(";1"):
        return None
    other = channel[:-2] + ";2"
    return await request.get_full_variable(f"${{IMPORT({other},MEMBERNAME)}}") or None


async def handle(services: AgiServices, request: AgiRequest) -> None:
    if services.callbacks is None or not request.arg(1).isdigit():
        return  # the dialplan dials anyway: better a call than a lost promise
    request_id = int(request.arg(1))
    agent = await agent_of(request)
    verdict = await services.callbacks.may_dial(request_id, agent, CONFIRM_WAIT_SECONDS)
    if verdict.dial:
        await request.set_variables([(v.AGI_OK, "1")])
        return
    log.info("event=callback_not_dialled id=%d reason=%r", request_id, verdict.reason)
    await request.set_variables(
        [(v.DEST_CONTEXT, v.HANGUP_CONTEXT), (v.DEST_EXTEN, "s"), (v.AGI_OK, "1")]
    )
