"""Rate one call (pure): each answered outgoing trunk leg becomes a :class:`Charge`.

A leg is an outgoing trunk leg when its channel runs on a configured trunk's endpoint and it
is not the channel the call came in on (inbound calls arrive on a trunk and cost nothing
here). For a call placed from inside (a phone, click-to-call), the dialled number finds the
outbound route as the dialplan does, and the number sent (after the route pattern's prefix
and prepend) is put in E.164 to find the tariff. A call that came in on a trunk and was sent
out again (an IVR's external destination, a transfer to an outside number) is rated only by
a trunk's catch-all tariff (prefix ``""``): its number is not in the history.

Least-cost routing's saving on a leg: what the dearest trunk the route allows (priced for
this number, in the same currency) would have cost for the same billed time, minus what it
cost on the trunk that carried it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controller.rating.money import bill
from controller.rating.plan import RatingPlan


@dataclass(frozen=True, slots=True)
class LegFacts:
    """One channel of a call, as the history has it."""

    uniqueid: str
    channel: str  # e.g. PJSIP/telecom-0000002a
    role: str  # caller, agent, local, other
    duration_ms: int | None  # answered to hung up; None: never answered


@dataclass(frozen=True, slots=True)
class CallFacts:
    dialled: str  # the number the caller dialled (call.called_number)
    agent_code: str | None  # the agent whose phone placed it
    legs: Sequence[LegFacts]


@dataclass(frozen=True, slots=True)
class Pricing:
    """The money part of a charge: recomputed by a re-rate."""

    currency: str
    tariff_prefix: str | None  # None: no tariff of the trunk prices this number
    billed_s: int
    cost_units: int | None  # None: unpriced
    dearest_trunk: str | None
    dearest_units: int | None

    @property
    def saving_units(self) -> int | None:
        if self.cost_units is None or self.dearest_units is None:
            return None
        return self.dearest_units - self.cost_units


@dataclass(frozen=True, slots=True)
class Charge:
    """The facts of one rated leg (kept as they were) and its pricing."""

    channel_uid: str
    trunk: str
    route: str | None
    number_e164: str | None
    agent_code: str | None
    duration_ms: int
    allowed_trunks: tuple[str, ...]  # the route's trunks ((trunk,) without a route)
    pricing: Pricing


def price(
    plan: RatingPlan,
    trunk: str,
    number_e164: str | None,
    duration_ms: int,
    allowed: Sequence[str],
) -> Pricing:
    used = plan.trunks.get(trunk)
    currency = used.currency if used is not None else ""
    tariff = used.price_for(number_e164) if used is not None else None
    billed = bill(tariff, duration_ms) if tariff is not None else None
    dearest: tuple[int, str] | None = None
    for name in dict.fromkeys((*allowed, trunk)):
        other = plan.trunks.get(name)
        if other is None or other.currency != currency:
            continue
        other_tariff = other.price_for(number_e164)
        if other_tariff is None:
            continue
        cost = bill(other_tariff, duration_ms).cost_units
        if dearest is None or cost > dearest[0]:
            dearest = (cost, name)
    return Pricing(
        currency=currency,
        tariff_prefix=tariff.prefix if tariff is not None else None,
        billed_s=billed.billed_s if billed is not None else 0,
        cost_units=billed.cost_units if billed is not None else None,
        dearest_trunk=dearest[1] if dearest is not None else None,
        dearest_units=dearest[0] if dearest is not None else None,
    )


def rate_call(call: CallFacts, plan: RatingPlan) -> list[Charge]:
    caller = next((leg for leg in call.legs if leg.role == "caller"), None)
    from_outside = caller is not None and plan.trunk_of(caller.channel) is not None
    found = None if from_outside or not call.dialled else plan.route_for(call.dialled)
    route, sent = (found[0], found[1]) if found is not None else (None, None)
    number = plan.e164(sent) if sent else None
    charges = []
    for leg in call.legs:
        trunk = plan.trunk_of(leg.channel)
        if trunk is None or leg is caller or leg.duration_ms is None:
            continue
        allowed = route.trunks if route is not None and trunk in route.trunks else (trunk,)
        charges.append(
            Charge(
                channel_uid=leg.uniqueid,
                trunk=trunk,
                route=route.name if route is not None else None,
                number_e164=number,
                agent_code=call.agent_code,
                duration_ms=leg.duration_ms,
                allowed_trunks=tuple(allowed),
                pricing=price(plan, trunk, number, leg.duration_ms, allowed),
            )
        )
    return charges
