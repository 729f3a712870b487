"""``outbound``: the order to try trunks in (args: outbound route name, number to send).

Sets ``PBX_TRUNKS`` (``name:max_channels:caller_id&...``, cheapest first, see
:mod:`controller.routing.outbound`); the dialplan skips full or failing trunks in order.
"""

from __future__ import annotations

from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.routes.inbound import Pairs
from controller.agi.services import AgiServices
from controller.routing.outbound import decide_outbound


def outbound_variables(services: AgiServices, route: str, number: str) -> Pairs:
    decision = decide_outbound(services.rules(), route, number)
    if not decision.trunks:
        raise LookupError(f"outbound route {route!r} has no trunks")
    return [(v.TRUNKS, decision.pbx_trunks), (v.AGI_OK, "1")]


async def handle(services: AgiServices, request: AgiRequest) -> None:
    await request.set_variables(outbound_variables(services, request.arg(1), request.arg(2)))
