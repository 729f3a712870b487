"""The inbound decision: every rule, then their combinations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from controller.domain import Destination
from controller.routing.agents import AgentChoice
from controller.routing.decide import CallFacts, InboundDecision, UnknownRoute, decide_inbound
from controller.routing.live import LiveView, StaticLiveView
from controller.routing.region import RegionLookup
from controller.routing.rules import Rules
from tests.unit.routing.conftest import (
    BLOCKED,
    ENGLISH,
    OWNED,
    SHANGHAI,
    TUESDAY_11,
    UNKNOWN_GZ,
    UNKNOWN_SH,
    VIP,
    busy,
    company,
    free,
    make_rules,
)

LiveFactory = Callable[..., StaticLiveView]
REGION = RegionLookup()
NO_LIVE = StaticLiveView()


def decide(
    rules: Rules,
    caller: str,
    live: LiveView = NO_LIVE,
    route: str = "main",
    now: dt.datetime = TUESDAY_11,
    last: dict[str, str] | None = None,
) -> InboundDecision:
    facts = CallFacts(route, caller, now, REGION, (last or {}).get)
    return decide_inbound(facts, rules, live)


def dest(text: str) -> Destination:
    return Destination.parse(text)


# -- one rule at a time ----------------------------------------------------------------------


def test_unknown_route_raises(rules: Rules) -> None:
    with pytest.raises(UnknownRoute, match="nope"):
        decide(rules, UNKNOWN_SH, route="nope")


def test_open_hours_resolve_the_time_condition(rules: Rules) -> None:
    d = decide(rules, UNKNOWN_SH)
    assert d.destination == dest("queue:sales")
    assert d.time_branch == "hours:open"
    assert d.region == "上海市"
    assert d.customer is None
    assert not d.vip


@pytest.mark.parametrize(
    ("moment", "where", "branch"),
    [
        (dt.datetime(2026, 11, 24, 20, 0, tzinfo=SHANGHAI), "voicemail:1000", "hours:closed"),
        (dt.datetime(2026, 10, 2, 10, 0, tzinfo=SHANGHAI), "hangup", "hours:holiday"),
        (dt.datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI), "queue:sales", "hours:open"),
    ],
)
def test_closed_holiday_and_worked_weekend_day(
    rules: Rules, moment: dt.datetime, where: str, branch: str
) -> None:
    d = decide(rules, UNKNOWN_SH, now=moment)
    assert (d.destination, d.time_branch) == (dest(where), branch)


def test_blacklisted_caller_is_rejected(rules: Rules, live_factory: LiveFactory) -> None:
    d = decide(rules, BLOCKED, live_factory(free("8001", "sales")))
    assert d.rejected
    assert d.customer is not None
    assert d.customer.code == "C3"
    assert d.agent is None


def test_blacklist_matches_any_spelling_of_the_number(rules: Rules) -> None:
    assert decide(rules, "17000001111").rejected
    assert decide(rules, "008617000001111").rejected


def test_vip_is_flagged(rules: Rules) -> None:
    assert decide(rules, "13800138000").vip


def test_region_route_wins_over_the_route_destination(rules: Rules) -> None:
    d = decide(rules, VIP)  # 北京
    assert d.destination == dest("queue:support")
    assert d.region == "北京市"
    assert d.time_branch is None  # the region route goes straight to the queue


def test_region_route_by_city(rules: Rules) -> None:
    assert decide(rules, UNKNOWN_GZ).destination == dest("ivr:main")


def test_route_without_region_routes_ignores_the_region(rules: Rules) -> None:
    d = decide(rules, VIP, route="direct")
    assert d.destination == dest("queue:sales")
    assert d.region == "北京市"  # still reported for screen pop


def test_anonymous_caller(rules: Rules) -> None:
    d = decide(rules, "anonymous")
    assert (d.caller_e164, d.region, d.customer) == (None, "", None)
    assert d.destination == dest("queue:sales")


def test_customer_language(rules: Rules) -> None:
    assert decide(rules, ENGLISH).language == "en"
    assert decide(rules, UNKNOWN_SH).language is None


# -- sticky routing --------------------------------------------------------------------------


def test_owner_is_rung_first_when_free(rules: Rules, live_factory: LiveFactory) -> None:
    d = decide(rules, OWNED, live_factory(free("8002", "sales", "support")), route="direct")
    assert d.agent is not None
    assert (d.agent.agent, d.agent.reason, d.agent.then_queue) == (
        "8002",
        AgentChoice.OWNER,
        "sales",
    )
    assert d.agent.ring_seconds == 12  # the queue's ring time
    assert d.callback_offer is None


@pytest.mark.parametrize(
    "state",
    [
        busy("8002", "sales"),
        free("8002"),  # logged out: member of no queue
        None,
    ],
)
def test_owner_not_free_falls_to_the_queue(
    rules: Rules, live_factory: LiveFactory, state: object
) -> None:
    agents = [state] if state is not None else []
    d = decide(rules, OWNED, live_factory(*agents), route="direct")
    assert d.agent is None or d.agent.reason is not AgentChoice.OWNER


def test_paused_everywhere_is_not_free(rules: Rules, live_factory: LiveFactory) -> None:
    from controller.routing.live import AgentLive

    paused = AgentLive("8002", {"sales": True, "support": True}, False, 0.0)
    assert decide(rules, OWNED, live_factory(paused), route="direct").agent is None


def test_agent_in_wrapup_is_not_free(rules: Rules, live_factory: LiveFactory) -> None:
    from controller.routing.live import AgentLive

    now = TUESDAY_11.timestamp()
    wrapping = AgentLive("8002", {"support": False}, False, now - 5, wrapup_until=now + 10)
    assert decide(rules, OWNED, live_factory(wrapping), route="direct").agent is None


def test_last_agent_when_the_owner_is_busy(rules: Rules, live_factory: LiveFactory) -> None:
    live = live_factory(busy("8002", "sales"), free("8004", "support"))
    d = decide(rules, OWNED, live, route="direct", last={OWNED: "8004"})
    assert d.agent is not None
    assert (d.agent.agent, d.agent.reason) == ("8004", AgentChoice.LAST)
    assert d.agent.then_queue == "sales"  # the queue the call was heading for


def test_last_agent_for_callers_without_customer_record(
    rules: Rules, live_factory: LiveFactory
) -> None:
    live = live_factory(free("8004", "support"))
    d = decide(rules, "02161234567", live, route="direct", last={UNKNOWN_SH: "8004"})
    assert d.agent is not None
    assert d.agent.reason is AgentChoice.LAST


def test_sticky_through_an_ivr_falls_back_to_the_agents_queue(
    rules: Rules, live_factory: LiveFactory
) -> None:
    live = live_factory(free("8004", "support"))
    d = decide(rules, UNKNOWN_GZ, live, last={UNKNOWN_GZ: "8004"})
    assert d.destination == dest("ivr:main")
    assert d.agent is not None
    assert d.agent.then_queue == "support"  # the first queue that lists 8004


def test_no_sticky_when_closed(rules: Rules, live_factory: LiveFactory) -> None:
    evening = dt.datetime(2026, 11, 24, 20, 0, tzinfo=SHANGHAI)
    d = decide(rules, OWNED, live_factory(free("8002", "sales")), now=evening)
    assert d.destination == dest("voicemail:1000")
    assert d.agent is None


def test_no_sticky_without_fresh_live_state(rules: Rules, live_factory: LiveFactory) -> None:
    live = live_factory(free("8002", "sales"))
    live.is_fresh = False  # AMI is down: we cannot know who is free
    assert decide(rules, OWNED, live, route="direct").agent is None


def test_owner_unknown_to_rules_is_ignored(rules: Rules, live_factory: LiveFactory) -> None:
    d = decide(rules, UNKNOWN_SH, live_factory(free("9999", "sales")), last={UNKNOWN_SH: "9999"})
    assert d.agent is None or d.agent.agent != "9999"


# -- skills and longest idle ---------------------------------------------------------------------


def test_skills_pick_the_longest_idle_qualified_member(
    rules: Rules, live_factory: LiveFactory
) -> None:
    # sales needs sales>=5: 8001 (9) and 8003 (7) qualify; 8002 (4) does not.
    live = live_factory(
        free("8001", "sales", idle_since=500.0),
        free("8002", "sales", idle_since=10.0),
        free("8003", "sales", idle_since=100.0),
    )
    d = decide(rules, UNKNOWN_SH, live)
    assert d.agent is not None
    assert (d.agent.agent, d.agent.reason) == ("8001", AgentChoice.SKILLS)


def test_skills_lower_penalty_first(rules: Rules, live_factory: LiveFactory) -> None:
    # 8003 has penalty 1: even idle much longer, 8001 (penalty 0) goes first.
    live = live_factory(
        free("8001", "sales", idle_since=900.0), free("8003", "sales", idle_since=1.0)
    )
    assert decide(rules, UNKNOWN_SH, live).agent.agent == "8001"  # type: ignore[union-attr]


def test_skills_longest_idle_within_a_penalty(rules: Rules, live_factory: LiveFactory) -> None:
    data_live = live_factory(busy("8001", "sales"), free("8003", "sales", idle_since=50.0))
    assert decide(rules, UNKNOWN_SH, data_live).agent.agent == "8003"  # type: ignore[union-attr]


def test_skills_never_jump_waiting_callers(rules: Rules, live_factory: LiveFactory) -> None:
    live = live_factory(free("8001", "sales"), callers={"sales": 1})
    assert decide(rules, UNKNOWN_SH, live).agent is None


def test_skills_none_qualified_free(rules: Rules, live_factory: LiveFactory) -> None:
    live = live_factory(free("8002", "sales"))  # sales level 4 < 5
    assert decide(rules, UNKNOWN_SH, live).agent is None


def test_queue_without_required_skills_keeps_its_own_strategy(
    rules: Rules, live_factory: LiveFactory
) -> None:
    d = decide(rules, "13800138000", live_factory(free("8004", "support")), route="main")
    assert d.destination == dest("queue:support")
    assert d.agent is None  # no required skills: app_queue's strategy chooses


def test_member_paused_in_that_queue_is_skipped(rules: Rules, live_factory: LiveFactory) -> None:
    from controller.routing.live import AgentLive

    paused_here = AgentLive("8001", {"sales": True, "support": False}, False, 0.0)
    live = live_factory(paused_here, free("8003", "sales", idle_since=5.0))
    assert decide(rules, UNKNOWN_SH, live).agent.agent == "8003"  # type: ignore[union-attr]


# -- callback offer ------------------------------------------------------------------------------


def test_callback_offered_when_the_wait_is_long(rules: Rules, live_factory: LiveFactory) -> None:
    # One ready agent, busy, and 3 callers waiting at 120 s each: ~6 minutes > 90 s.
    from controller.routing.live import AgentLive

    live = live_factory(AgentLive("8001", {"sales": False}, True, 0.0), callers={"sales": 3})
    d = decide(rules, UNKNOWN_SH, live)
    assert d.destination == dest("queue:sales")
    assert d.callback_offer == "sales"


def test_no_offer_when_the_wait_is_short(rules: Rules, live_factory: LiveFactory) -> None:
    # One caller waits, two agents are free: the wait is nothing.
    live = live_factory(free("8001", "sales"), free("8003", "sales"), callers={"sales": 1})
    d = decide(rules, UNKNOWN_SH, live)
    assert d.agent is None  # a caller is waiting: no direct ring past them
    assert d.callback_offer is None


def test_offer_threshold_is_the_queues(rules: Rules, live_factory: LiveFactory) -> None:
    from controller.routing.live import AgentLive

    # Nobody waits, the only agent is on a call: one call (120 s) > 90 s.
    live = live_factory(AgentLive("8001", {"sales": False}, True, 0.0))
    assert decide(rules, UNKNOWN_SH, live).callback_offer == "sales"
    data = company()
    data["queues"][0]["callback"]["offer_after_seconds"] = 120
    assert decide(make_rules(data), UNKNOWN_SH, live).callback_offer is None


def test_offer_when_nobody_is_logged_in(rules: Rules, live_factory: LiveFactory) -> None:
    live = live_factory(free("8004", "support"))  # sales has no ready member at all
    assert decide(rules, UNKNOWN_SH, live).callback_offer == "sales"


def test_no_offer_outside_calling_hours(rules: Rules, live_factory: LiveFactory) -> None:
    # Saturday 10:00: the queue is open (hours) but callbacks are Monday-Friday only.
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    live = live_factory(free("8004", "support"))
    assert decide(rules, UNKNOWN_SH, live, now=saturday).callback_offer is None


def test_no_offer_without_a_number_to_call(rules: Rules, live_factory: LiveFactory) -> None:
    assert decide(rules, "anonymous", live_factory(free("8004", "support"))).callback_offer is None


def test_no_offer_without_live_state(rules: Rules) -> None:
    assert decide(rules, UNKNOWN_SH, NO_LIVE).callback_offer is None


def test_no_offer_for_a_queue_without_callback(rules: Rules, live_factory: LiveFactory) -> None:
    d = decide(rules, VIP, live_factory(busy("8004", "support")))  # region route -> support
    assert d.destination == dest("queue:support")
    assert d.callback_offer is None


# -- combinations --------------------------------------------------------------------------------


def test_vip_from_beijing_with_free_owner(rules: Rules, live_factory: LiveFactory) -> None:
    d = decide(rules, VIP, live_factory(free("8001", "sales")))
    assert d.vip
    assert d.region == "北京市"
    assert d.destination == dest("queue:support")  # region route
    assert d.agent is not None
    assert (d.agent.agent, d.agent.then_queue) == ("8001", "support")


def test_blacklist_beats_everything(rules: Rules, live_factory: LiveFactory) -> None:
    data_live = live_factory(free("8001", "sales"))
    d = decide(rules, BLOCKED, data_live, last={BLOCKED: "8001"})
    assert d.rejected
    assert d.agent is None
    assert d.callback_offer is None


def test_holiday_beats_sticky_and_offer(rules: Rules, live_factory: LiveFactory) -> None:
    holiday = dt.datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI)
    d = decide(rules, OWNED, live_factory(free("8002", "sales")), now=holiday)
    assert (d.destination, d.agent, d.callback_offer) == (dest("hangup"), None, None)


def test_sticky_beats_skills_and_offer(rules: Rules, live_factory: LiveFactory) -> None:
    # The owner (8002) lacks the queue's skill level but is still the owner.
    live = live_factory(
        free("8002", "sales"), free("8001", "sales", idle_since=1.0), callers={"sales": 5}
    )
    d = decide(rules, OWNED, live, route="direct")
    assert d.agent is not None
    assert (d.agent.agent, d.agent.reason) == ("8002", AgentChoice.OWNER)
    assert d.callback_offer is None


def test_owner_busy_long_queue_vip_gets_offer(rules: Rules, live_factory: LiveFactory) -> None:
    from controller.routing.live import AgentLive

    live = live_factory(AgentLive("8002", {"sales": False}, True, 0.0), callers={"sales": 4})
    d = decide(rules, OWNED, live, route="direct")
    assert d.agent is None
    assert d.callback_offer == "sales"
