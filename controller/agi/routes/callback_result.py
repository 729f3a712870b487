"""``callback-result``: how calling the customer went (args: callback id, DIALSTATUS).

Answered: done. Otherwise the agent hears that nobody answered, and the placeholder goes
back into the queue after the queue's retry delay until the attempts are used up.
"""

from __future__ import annotations

from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.services import AgiServices
from controller.routing.callback import NextStep


async def handle(services: AgiServices, request: AgiRequest) -> None:
    if services.callbacks is None or not request.arg(1).isdigit():
        return
    status = request.arg(2) or "HANGUP"
    step = await services.callbacks.dialled(int(request.arg(1)), status)
    if step is not NextStep.DONE and not request.hung_up:
        await request.command('STREAM FILE vm-nobodyavail ""')
    await request.set_variables([(v.AGI_OK, "1")])
