"""The inbound routing decision: a pure function of (call facts, rules, live state).

Order, each step able to end the decision:

1. the caller's number in E.164 and the customer it belongs to;
2. blacklist: a polite rejection;
3. the route's destination, or a region route's when the caller's region (归属地) matches;
4. time conditions on the way are resolved here (holidays, worked weekend days), so the
   controller and the static dialplan agree and the call skips the dialplan's own check;
5. if the call is open and heading for a queue or an IVR: sticky routing (the owner, else
   the last agent, when free), else for a queue with required skills the best qualified,
   longest idle free member; either is rung first for the queue's ring time;
6. a queue callback offer when the estimated wait exceeds the queue's threshold;
7. VIP priority, the region and the customer for screen pop and reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from controller.domain import Destination, DestinationKind, TimeBranch
from controller.routing import agents, callback
from controller.routing.hours import branch_at, destination_of
from controller.routing.live import LiveView
from controller.routing.region import region_matches, to_e164
from controller.routing.rules import CustomerRule, Rules

MAX_HOPS = 8  # time condition chains; the importer refuses cycles, this is a safety net


class UnknownRoute(LookupError):
    """The dialplan asked about an inbound route the rules snapshot does not have."""


@dataclass(frozen=True, slots=True)
class CallFacts:
    route: str  # inbound route name (first AGI argument)
    caller: str  # caller ID number as received
    now: dt.datetime  # aware
    region_of: Callable[[str], str] | None = None  # E.164 -> region; None: no lookup
    # E.164 -> who last talked to this caller (call history); None: no history
    last_agent_of: Callable[[str], str | None] | None = None


@dataclass(frozen=True, slots=True)
class InboundDecision:
    destination: Destination | None  # None: reject the caller (blacklist)
    caller_e164: str | None
    customer: CustomerRule | None
    region: str
    time_branch: str | None  # "business-hours:open" when a time condition was resolved
    agent: agents.AgentPick | None  # ring this agent first
    callback_offer: str | None  # the queue whose callback is offered
    language: str | None

    @property
    def rejected(self) -> bool:
        return self.destination is None

    @property
    def vip(self) -> bool:
        return self.customer is not None and self.customer.vip


def _resolve_time(
    rules: Rules, dest: Destination, now: dt.datetime
) -> tuple[Destination, str | None, bool]:
    """Follow time conditions; return (destination, last branch, whether it is open)."""
    branch_text, opened = None, True
    for _ in range(MAX_HOPS):
        if dest.kind is not DestinationKind.TIME_CONDITION:
            break
        schedule = rules.schedules[dest.target]
        branch = branch_at(schedule, now)
        branch_text = f"{schedule.name}:{branch.value}"
        opened = branch is TimeBranch.OPEN
        nxt = destination_of(schedule, branch)
        dest = nxt if nxt is not None else Destination(DestinationKind.HANGUP)
    return dest, branch_text, opened


def decide_inbound(facts: CallFacts, rules: Rules, live: LiveView) -> InboundDecision:
    route = rules.inbound.get(facts.route)
    if route is None:
        raise UnknownRoute(f"inbound route {facts.route!r} is not in the rules")
    e164 = to_e164(facts.caller, rules.country)
    customer = rules.customers.get(e164) if e164 is not None else None
    language = customer.language if customer else None
    if customer is not None and customer.blacklisted:
        return InboundDecision(None, e164, customer, "", None, None, None, language)

    region = facts.region_of(e164) if (e164 and facts.region_of is not None) else ""
    dest = route.destination
    for rr in route.region_routes:
        if region_matches(region, rr.regions):
            dest = rr.destination
            break
    dest, time_branch, opened = _resolve_time(rules, dest, facts.now)

    pick: agents.AgentPick | None = None
    queue_name = dest.target if dest.kind is DestinationKind.QUEUE else None
    epoch = facts.now.timestamp()
    if opened and live.fresh and dest.kind in (DestinationKind.QUEUE, DestinationKind.IVR):
        last_agent = facts.last_agent_of(e164) if (e164 and facts.last_agent_of) else None
        pick = agents.pick_sticky(
            rules, live, epoch, customer.owner if customer else None, last_agent, queue_name
        )
        queue = rules.queues.get(queue_name) if queue_name else None
        if pick is None and queue is not None and queue.required_skills:
            pick = agents.pick_by_skills(rules, live, epoch, queue)

    offer = None
    final_queue = pick.then_queue if pick is not None else queue_name
    if final_queue is not None and pick is None:
        queue = rules.queues[final_queue]
        if callback.should_offer(rules, live, queue, facts.now, e164 is not None):
            offer = final_queue
    return InboundDecision(dest, e164, customer, region, time_branch, pick, offer, language)
