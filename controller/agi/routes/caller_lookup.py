"""``caller-lookup``: who is calling, into channel variables (no args).

Customer name, code, VIP flag, owner agent, region (归属地) and the number in E.164, for
screen pop and reports. ``inbound`` sets the same variables; this route serves dialplan
that only wants the lookup (an IVR reached without the inbound route, a transfer).
"""

from __future__ import annotations

from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.routes.inbound import Pairs, caller_variables
from controller.agi.services import AgiServices
from controller.routing.decide import InboundDecision
from controller.routing.region import to_e164


def lookup_variables(services: AgiServices, caller: str) -> Pairs:
    rules = services.rules()
    e164 = to_e164(caller, rules.country)
    customer = rules.customers.get(e164) if e164 else None
    region = services.region(e164) if e164 else ""
    decision = InboundDecision(
        destination=None,
        caller_e164=e164,
        customer=customer,
        region=region,
        time_branch=None,
        agent=None,
        callback_offer=None,
        language=customer.language if customer else None,
    )
    return [*caller_variables(decision), (v.AGI_OK, "1")]


async def handle(services: AgiServices, request: AgiRequest) -> None:
    await request.set_variables(lookup_variables(services, request.caller_number))
