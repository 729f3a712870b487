"""The tariffs and outbound routes a call is rated with: an immutable snapshot (pure).

Built from the configuration by :func:`controller.rating.store.load_plan`; rebuilt when the
configuration revision changes. Numbers are priced as least-cost routing orders trunks
(controller/routing/outbound.py): the longest tariff prefix of the trunk that matches the
number in E.164 (``""`` matches every number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from controller.rating.dialpattern import matches
from controller.rating.money import Price
from controller.routing.region import to_e164


def _digits(prefix: str) -> str:
    return prefix.removeprefix("+")


@dataclass(frozen=True, slots=True)
class TrunkPrices:
    name: str
    currency: str
    prices: tuple[Price, ...]  # longest prefix first

    def price_for(self, e164: str | None) -> Price | None:
        """The longest matching prefix; an unknown number (None) only meets a ``""`` tariff."""
        digits = _digits(e164) if e164 is not None else None
        for price in self.prices:
            if digits is None:
                if price.prefix == "":
                    return price
            elif digits.startswith(_digits(price.prefix)):
                return price
        return None


@dataclass(frozen=True, slots=True)
class RoutePattern:
    regex: re.Pattern[str]  # prefix + match, as the dialplan's extension pattern
    strip: int  # digits dialled before the number (the pattern's prefix), removed
    prepend: str  # added in front when sending to the trunk


@dataclass(frozen=True, slots=True)
class RoutePlan:
    name: str
    patterns: tuple[RoutePattern, ...]
    trunks: tuple[str, ...]  # the trunks the route may use


@dataclass(frozen=True, slots=True)
class RatingPlan:
    country: str  # the site's, for numbers dialled without a country code
    trunks: Mapping[str, TrunkPrices]
    routes: tuple[RoutePlan, ...]  # in the order the dialplan tries them
    revision: int = 0

    def route_for(self, dialled: str) -> tuple[RoutePlan, str] | None:
        """The route the dialplan takes for a dialled number (the first route with a
        matching pattern, as ``[pbx-outbound]`` includes them), and the number it sends."""
        for route in self.routes:
            for p in route.patterns:
                if matches(p.regex, dialled):
                    return route, p.prepend + dialled[p.strip :]
        return None

    def e164(self, number: str) -> str | None:
        return to_e164(number, self.country)

    def trunk_of(self, channel: str) -> str | None:
        """The trunk a ``PJSIP/<endpoint>-<sequence>`` channel runs on, if it is one."""
        tech, _, rest = channel.partition("/")
        if tech.upper() != "PJSIP" or "-" not in rest:
            return None
        endpoint = rest.rsplit("-", 1)[0]
        return endpoint if endpoint in self.trunks else None
