"""Rating outbound calls, checked against ratings computed by hand."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.rating.dialpattern import compile_pattern, matches
from controller.rating.money import Price, bill, billed_seconds, from_units, to_units
from controller.rating.plan import RatingPlan, RoutePattern, RoutePlan, TrunkPrices
from controller.rating.rate import CallFacts, LegFacts, price, rate_call


def p(prefix: str, per_minute: str, increment: int = 60, fee: str = "0") -> Price:
    return Price(prefix, to_units(Decimal(per_minute)), increment, to_units(Decimal(fee)))


def route(name: str, trunks: tuple[str, ...], *patterns: tuple[str, str, str]) -> RoutePlan:
    return RoutePlan(
        name,
        tuple(
            RoutePattern(compile_pattern(prefix + match), len(prefix), prepend)
            for match, prefix, prepend in patterns
        ),
        trunks,
    )


# The example company's trunks, plus one billed in dollars.
PLAN = RatingPlan(
    country="CN",
    trunks={
        "telecom": TrunkPrices(
            "telecom", "CNY", (p("+86755", "0.06"), p("+861", "0.08"), p("", "0.1"))
        ),
        "voip-backup": TrunkPrices(
            "voip-backup", "CNY", (p("+1", "0.15", 6, "0.05"), p("", "0.12", 6))
        ),
        "usd-carrier": TrunkPrices("usd-carrier", "USD", (p("", "0.01", 1),)),
        "no-tariffs": TrunkPrices("no-tariffs", "CNY", ()),
    },
    routes=(
        route("emergency", ("telecom",), ("11[0-9]", "", "")),
        route(
            "domestic",
            ("telecom", "voip-backup", "usd-carrier"),
            ("1[3-9]XXXXXXXXX", "", ""),
            ("0[1-9]XXXXXXXX.", "", ""),
            ("[2-8]XXXXXXX", "", "0755"),
        ),
        route("international", ("voip-backup", "telecom"), ("00X.", "", "")),
        route("via-9", ("telecom",), ("1[3-9]XXXXXXXXX", "9", "")),
    ),
)


@pytest.mark.parametrize(
    ("duration_ms", "increment", "billed"),
    [
        (0, 60, 0),
        (1, 60, 60),  # an answered call is billed at least one increment
        (60_000, 60, 60),
        (60_001, 60, 120),
        (61_000, 60, 120),
        (61_000, 6, 66),
        (59_999, 6, 60),
        (3_000, 1, 3),
        (3_001, 1, 4),
    ],
)
def test_billed_time_rounds_up_to_whole_increments(
    duration_ms: int, increment: int, billed: int
) -> None:
    assert billed_seconds(duration_ms, increment) == billed


@pytest.mark.parametrize(
    ("tariff", "duration_ms", "cost"),
    [
        # 0.1/min, 61 s in 60-s steps: 120 s = 2 min = 0.2.
        (p("", "0.1"), 61_000, "0.2000"),
        # 0.15/min in 6-s steps + 0.05 setup, 61 s: 66 s = 1.1 min -> 0.165 + 0.05.
        (p("+1", "0.15", 6, "0.05"), 61_000, "0.2150"),
        # 0.07/min by the second, 10 s: 0.011666... -> 0.0117 (half up).
        (p("", "0.07", 1), 10_000, "0.0117"),
        # 0.0001/min by the second, 30 s: 0.00005 -> 0.0001 (half up, not to even).
        (p("", "0.0001", 1), 30_000, "0.0001"),
        # Setup is charged for an answered call, even a very short one.
        (p("", "0", 60, "0.3"), 500, "0.3000"),
    ],
)
def test_cost_of_a_call(tariff: Price, duration_ms: int, cost: str) -> None:
    assert str(from_units(bill(tariff, duration_ms).cost_units)) == cost


def test_an_unanswered_attempt_costs_nothing() -> None:
    assert bill(p("", "0.1", 60, "0.3"), None).cost_units == 0


def test_amounts_finer_than_the_tariffs_are_refused() -> None:
    with pytest.raises(ValueError, match="more than 4 decimal places"):
        to_units(Decimal("0.00001"))


@pytest.mark.parametrize(
    ("number", "trunk", "prefix"),
    [
        ("+8675583219876", "telecom", "+86755"),  # longest prefix, not "+861" or ""
        ("+8613800138000", "telecom", "+861"),
        ("+862087654321", "telecom", ""),
        ("+14155550123", "voip-backup", "+1"),
        ("+8613800138000", "voip-backup", ""),
        (None, "telecom", ""),  # an unknown number only meets the catch-all
        ("+8613800138000", "no-tariffs", None),
    ],
)
def test_longest_prefix_match(number: str | None, trunk: str, prefix: str | None) -> None:
    found = PLAN.trunks[trunk].price_for(number)
    assert (found.prefix if found else None) == prefix


@pytest.mark.parametrize(
    ("pattern", "number", "expected"),
    [
        ("1[3-9]XXXXXXXXX", "13800138000", True),
        ("1[3-9]XXXXXXXXX", "12800138000", False),
        ("1[3-9]XXXXXXXXX", "138001380001", False),
        ("0[1-9]XXXXXXXX.", "075583219876", True),
        ("0[1-9]XXXXXXXX.", "0755832198", False),  # '.' needs at least one more
        ("NXXXXXX", "1234567", False),
        ("ZXX!", "100", True),
        ("ZXX!", "1001234", True),
        ("+X.", "+86", True),
        ("*45", "*45", True),
    ],
)
def test_dial_patterns(pattern: str, number: str, expected: bool) -> None:
    assert matches(compile_pattern(pattern), number) is expected


def test_the_route_and_the_number_sent() -> None:
    found = PLAN.route_for("83219876")
    assert found is not None
    assert (found[0].name, found[1]) == ("domestic", "075583219876")
    via_9 = PLAN.route_for("913800138000")
    assert via_9 is not None
    assert (via_9[0].name, via_9[1]) == ("via-9", "13800138000")
    assert PLAN.route_for("999") is None


@pytest.mark.parametrize(
    ("channel", "trunk"),
    [
        ("PJSIP/voip-backup-0000002a", "voip-backup"),
        ("PJSIP/telecom-00000001", "telecom"),
        ("PJSIP/1001-00000003", None),  # a phone
        ("Local/13800138000@pbx-phones-00000000;1", None),
        ("PJSIP/telecom", None),
    ],
)
def test_the_trunk_of_a_channel(channel: str, trunk: str | None) -> None:
    assert PLAN.trunk_of(channel) == trunk


def phone_call(dialled: str, *legs: LegFacts) -> CallFacts:
    caller = LegFacts("c1", "PJSIP/1001-00000001", "caller", 70_000)
    return CallFacts(dialled, "8001", (caller, *legs))


def test_a_local_number_after_failover() -> None:
    # 83219876 (Shenzhen, 0755 prepended): telecom refused, voip-backup carried 61 s.
    call = phone_call(
        "83219876",
        LegFacts("t1", "PJSIP/telecom-00000002", "other", None),
        LegFacts("t2", "PJSIP/voip-backup-00000003", "other", 61_000),
    )
    (charge,) = rate_call(call, PLAN)
    assert (charge.trunk, charge.route, charge.number_e164) == (
        "voip-backup",
        "domestic",
        "+8675583219876",
    )
    assert charge.agent_code == "8001"
    assert charge.allowed_trunks == ("telecom", "voip-backup", "usd-carrier")
    pricing = charge.pricing
    # voip-backup "" at 0.12 in 6-s steps: 66 s = 0.132. telecom +86755 at 0.06 per minute:
    # 120 s = 0.12. The dearest CNY trunk is voip-backup itself: no saving.
    assert (pricing.currency, pricing.tariff_prefix, pricing.billed_s) == ("CNY", "", 66)
    assert pricing.cost_units == 1320
    assert (pricing.dearest_trunk, pricing.dearest_units, pricing.saving_units) == (
        "voip-backup",
        1320,
        0,
    )


def test_least_cost_saving_against_the_dearest_allowed_trunk() -> None:
    # A mobile number carried by telecom (+861 at 0.08/min), 150 s: 180 s billed = 0.24.
    # voip-backup ("" 0.12/min, 6 s): 150 s = 0.30, the dearest CNY trunk: saved 0.06.
    # usd-carrier bills in dollars: not comparable, left out.
    call = phone_call("13800138000", LegFacts("t1", "PJSIP/telecom-00000002", "other", 150_000))
    (charge,) = rate_call(call, PLAN)
    assert charge.pricing.cost_units == 2400
    assert (charge.pricing.dearest_trunk, charge.pricing.dearest_units) == ("voip-backup", 3000)
    assert charge.pricing.saving_units == 600


def test_international_with_setup_charge() -> None:
    # 0014155550123: +1 on voip-backup, 0.15/min in 6-s steps + 0.05: 95.2 s -> 96 s = 0.24 + 0.05.
    call = phone_call(
        "0014155550123", LegFacts("t1", "PJSIP/voip-backup-00000002", "other", 95_200)
    )
    (charge,) = rate_call(call, PLAN)
    assert charge.number_e164 == "+14155550123"
    assert (charge.pricing.tariff_prefix, charge.pricing.billed_s) == ("+1", 96)
    assert charge.pricing.cost_units == 2900
    # telecom "" at 0.1/min, 120 s = 0.20: cheaper; voip-backup is the dearest.
    assert charge.pricing.saving_units == 0


def test_a_call_that_came_in_on_a_trunk_is_rated_only_by_a_catch_all_tariff() -> None:
    call = CallFacts(
        "4008600000",
        None,
        (
            LegFacts("in", "PJSIP/telecom-00000001", "caller", 200_000),
            LegFacts("out", "PJSIP/voip-backup-00000002", "other", 30_000),
        ),
    )
    (charge,) = rate_call(call, PLAN)  # the inbound trunk leg is not charged
    assert (charge.route, charge.number_e164, charge.allowed_trunks) == (
        None,
        None,
        ("voip-backup",),
    )
    assert (charge.pricing.tariff_prefix, charge.pricing.cost_units) == ("", 600)


def test_a_trunk_without_a_matching_tariff_leaves_the_leg_unpriced() -> None:
    unpriced = price(PLAN, "no-tariffs", "+8613800138000", 60_000, ("no-tariffs",))
    assert (unpriced.cost_units, unpriced.tariff_prefix, unpriced.saving_units) == (
        None,
        None,
        None,
    )


def test_calls_without_answered_trunk_legs_have_no_charge() -> None:
    internal = phone_call("1002", LegFacts("p2", "PJSIP/1002-00000002", "other", 10_000))
    refused = phone_call("110", LegFacts("t1", "PJSIP/telecom-00000002", "other", None))
    assert rate_call(internal, PLAN) == []
    assert rate_call(refused, PLAN) == []


@given(
    per_minute=st.integers(0, 100_000),
    increment=st.sampled_from([1, 6, 30, 60]),
    fee=st.integers(0, 10_000),
    a=st.integers(1, 10_000_000),
    b=st.integers(1, 10_000_000),
)
def test_billing_properties(per_minute: int, increment: int, fee: int, a: int, b: int) -> None:
    tariff = Price("", per_minute, increment, fee)
    short, long_ = sorted((a, b))
    for ms in (short, long_):
        billed = billed_seconds(ms, increment)
        assert billed % increment == 0
        assert 0 <= billed * 1000 - ms < increment * 1000
    assert bill(tariff, short).cost_units <= bill(tariff, long_).cost_units
    assert bill(tariff, short).cost_units >= fee


def test_patterns_compile_to_anchored_regexes() -> None:
    assert compile_pattern("1[3-9]X").pattern == re.compile("1[3-9][0-9]").pattern
