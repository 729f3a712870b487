"""Least-cost trunk order from tariffs, with the failover order kept for ties."""

from __future__ import annotations

from decimal import Decimal

import pytest

from controller.routing.outbound import UnknownOutboundRoute, decide_outbound
from controller.routing.rules import Rules
from tests.unit.routing.conftest import company, make_rules


def order(rules: Rules, number: str, route: str = "all") -> list[str]:
    return [t.name for t in decide_outbound(rules, route, number).trunks]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        # Shenzhen: cheap has +86755 at 0.03 (longest prefix), backup "" at 0.08.
        ("075583219876", ["cheap", "backup", "flat"]),
        ("+8675583219876", ["cheap", "backup", "flat"]),
        # Elsewhere in China: backup 0.08 < cheap 0.10.
        ("13800138000", ["backup", "cheap", "flat"]),
        # USA: backup +1 at 0.20 < cheap +1 at 0.50; 00 is China's international prefix.
        ("0014155550123", ["backup", "cheap", "flat"]),
    ],
)
def test_cheapest_first_unpriced_last(rules: Rules, number: str, expected: list[str]) -> None:
    assert order(rules, number) == expected


def test_the_matching_tariff_is_reported(rules: Rules) -> None:
    decision = decide_outbound(rules, "all", "075583219876")
    assert decision.number_e164 == "+8675583219876"
    first = decision.trunks[0]
    assert first.price is not None
    assert (first.price.prefix, first.price.per_minute) == ("+86755", Decimal("0.03"))
    assert decision.trunks[-1].price is None


def test_equal_prices_keep_the_configured_failover_order() -> None:
    data = company()
    data["trunks"][1]["tariffs"] = [{"prefix": "", "per_minute": "0.10"}]  # backup = cheap
    data["outbound_routes"][0]["trunks"] = ["backup", "cheap"]
    assert order(make_rules(data), "13800138000") == ["backup", "cheap"]
    data["outbound_routes"][0]["trunks"] = ["cheap", "backup"]
    assert order(make_rules(data), "13800138000") == ["cheap", "backup"]


def test_connection_fee_breaks_a_per_minute_tie() -> None:
    data = company()
    data["trunks"][0]["tariffs"] = [{"prefix": "+1", "per_minute": "0.20"}]
    assert order(make_rules(data), "+14155550123") == ["cheap", "backup", "flat"]


def test_short_codes_keep_the_configured_order(rules: Rules) -> None:
    decision = decide_outbound(rules, "all", "110")
    assert decision.number_e164 is None
    assert [t.name for t in decision.trunks] == ["flat", "cheap", "backup"]


def test_dialplan_list_carries_channel_limits_and_caller_ids(rules: Rules) -> None:
    decision = decide_outbound(rules, "all", "075583219876")
    assert decision.pbx_trunks == "cheap:10:+8675500000001&backup:0:&flat:0:"


def test_unknown_route(rules: Rules) -> None:
    with pytest.raises(UnknownOutboundRoute, match="nope"):
        decide_outbound(rules, "nope", "13800138000")
