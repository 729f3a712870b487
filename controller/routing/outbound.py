"""Least-cost routing: the order to try an outbound route's trunks for one number.

Each trunk's price for the number is its longest matching tariff prefix (E.164, "" matches
everything). Cheaper trunks come first; equal prices, and trunks without any matching
tariff (after all priced ones), keep the route's configured failover order. Channel limits
travel with each trunk: the dialplan skips a trunk that is full and tries the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from controller.routing.region import to_e164
from controller.routing.rules import Rules, Tariff, TrunkRule


class UnknownOutboundRoute(LookupError):
    """The dialplan asked about an outbound route the rules snapshot does not have."""


@dataclass(frozen=True, slots=True)
class TrunkChoice:
    name: str
    max_channels: int  # 0: no limit
    caller_id: str
    price: Tariff | None  # the tariff that priced this call, None: unpriced

    @property
    def dialplan_item(self) -> str:
        """``name:max_channels:caller_id`` as ``PBX_TRUNKS`` lists it."""
        return f"{self.name}:{self.max_channels}:{self.caller_id}"


@dataclass(frozen=True, slots=True)
class OutboundDecision:
    number_e164: str | None
    trunks: tuple[TrunkChoice, ...]

    @property
    def pbx_trunks(self) -> str:
        return "&".join(t.dialplan_item for t in self.trunks)


def _digits(prefix: str) -> str:
    return prefix.removeprefix("+")


def tariff_for(trunk: TrunkRule, e164: str) -> Tariff | None:
    """The longest tariff prefix matching the number (tariffs are sorted longest first)."""
    digits = _digits(e164)
    for tariff in trunk.tariffs:
        if digits.startswith(_digits(tariff.prefix)):
            return tariff
    return None


def _cost_key(price: Tariff | None, index: int) -> tuple[int, Decimal, Decimal, int]:
    if price is None:
        return (1, Decimal(0), Decimal(0), index)
    return (0, price.per_minute, price.connection_fee, index)


def decide_outbound(rules: Rules, route_name: str, number: str) -> OutboundDecision:
    route = rules.outbound.get(route_name)
    if route is None:
        raise UnknownOutboundRoute(f"outbound route {route_name!r} is not in the rules")
    e164 = to_e164(number, rules.country)
    choices: list[tuple[tuple[int, Decimal, Decimal, int], TrunkChoice]] = []
    for index, name in enumerate(route.trunks):
        trunk = rules.trunks[name]
        price = tariff_for(trunk, e164) if e164 is not None else None
        choice = TrunkChoice(name, trunk.max_channels or 0, trunk.caller_id or "", price)
        # Numbers we cannot place (short codes such as 110) keep the configured order.
        choices.append(
            (_cost_key(price, index) if e164 else (0, Decimal(0), Decimal(0), index), choice)
        )
    choices.sort(key=lambda item: item[0])
    return OutboundDecision(e164, tuple(choice for _, choice in choices))
