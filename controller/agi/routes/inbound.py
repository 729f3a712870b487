"""``inbound``: where an incoming call goes (args: inbound route name, DID).

The decision is :func:`controller.routing.decide.decide_inbound`; this module turns it into
channel variables, which :mod:`controller.agi.classic` reuses for the classic AGI script.
"""

from __future__ import annotations

from controller.agi import variables as v
from controller.agi.connection import AgiRequest
from controller.agi.services import AgiServices
from controller.dialplan.locations import location
from controller.domain import Destination
from controller.routing.decide import CallFacts, InboundDecision, decide_inbound
from controller.routing.rules import Rules

Pairs = list[tuple[str, str]]


def caller_variables(decision: InboundDecision) -> Pairs:
    """Who is calling: on the caller's channel, where the controller reads it for the screen
    pop, the live view and the call history."""
    pairs: Pairs = []
    if decision.caller_e164:
        pairs.append((v.CALLER_E164, decision.caller_e164))
    if decision.region:
        pairs.append((v.REGION, decision.region))
    customer = decision.customer
    if customer is not None:
        pairs.append((v.CUSTOMER_CODE, customer.code))
        pairs.append((v.CUSTOMER_NAME, customer.name))
        if customer.owner:
            pairs.append((v.OWNER_AGENT, customer.owner))
        if customer.vip:
            pairs.append((v.VIP, "1"))
    if decision.language:
        pairs.append((v.LANGUAGE, decision.language))
    return pairs


def _goto(pairs: Pairs, dest: Destination) -> None:
    where = location(dest)
    pairs.append((v.DEST_CONTEXT, str(where.context)))
    pairs.append((v.DEST_EXTEN, str(where.exten)))


def inbound_variables(decision: InboundDecision, rules: Rules) -> Pairs:
    """Every variable of the decision, ``PBX_AGI_OK`` last."""
    pairs = caller_variables(decision)
    if decision.destination is None:
        pairs += [(v.DEST_CONTEXT, v.REJECT_CONTEXT), (v.DEST_EXTEN, "s")]
        pairs.append((v.AGI_OK, "1"))
        return pairs
    if decision.time_branch:
        pairs.append((v.TIME_BRANCH, decision.time_branch))
    pick = decision.agent
    if pick is not None:
        then = (
            location(Destination.parse(f"queue:{pick.then_queue}"))
            if pick.then_queue
            else location(decision.destination)
        )
        pairs += [
            (v.STICKY_AGENT, pick.agent),
            (v.STICKY_REASON, pick.reason.value),
            (v.STICKY_RING, str(pick.ring_seconds)),
            (v.STICKY_THEN_CONTEXT, str(then.context)),
            (v.STICKY_THEN_EXTEN, str(then.exten)),
            (v.DEST_CONTEXT, v.STICKY_CONTEXT),
            (v.DEST_EXTEN, "s"),
        ]
    else:
        _goto(pairs, decision.destination)
    if decision.callback_offer:
        queue = rules.queues[decision.callback_offer]
        pairs.append((v.CALLBACK_OFFER, decision.callback_offer))
        if queue.periodic_announce:
            pairs.append((v.CALLBACK_OFFER_PROMPT, queue.periodic_announce))
    pairs.append((v.AGI_OK, "1"))
    return pairs


def decide(services: AgiServices, route: str, caller: str) -> tuple[InboundDecision, Rules]:
    rules = services.rules()
    facts = CallFacts(
        route=route,
        caller=caller,
        now=services.clock(),
        region_of=services.region,
        last_agent_of=services.history.last_agent,
    )
    return decide_inbound(facts, rules, services.live), rules


async def handle(services: AgiServices, request: AgiRequest) -> None:
    decision, rules = decide(services, request.arg(1), request.caller_number)
    await request.set_variables(inbound_variables(decision, rules))
