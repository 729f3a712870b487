"""Erlang B, C and A against the published references (REPORTING.md §4.3, WEB.md §5), an
independent closed form of Erlang A's waiting time, and properties in N."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.reports import erlang as e
from controller.reports.erlang import Traffic

# Call Centre Helper's example: 100 calls per 30 min, AHT 180 s -> A = 10 Erlangs.
HELPER = Traffic(calls=100, interval_s=1800, aht_s=180)


@pytest.mark.parametrize(
    ("agents", "b", "c", "sl", "asa", "occupancy"),
    [  # REPORTING.md §4.3, each figure to the decimals it is written with
        (11, "0.163232", "0.682118", "0.3896", "122.8", "0.909"),
        (12, "0.119739", "0.4494", "0.6402", "40.4", "0.833"),
        (13, "0.084339", "0.2853", "0.7956", "17.1", "0.769"),
        (14, "0.056819", "0.174132", "0.888350", "7.84", "0.714"),
        (15, "0.036497", "0.1020", "0.9415", "3.67", "0.667"),
    ],
)
def test_erlang_c_reference_table(
    agents: int, b: str, c: str, sl: str, asa: str, occupancy: str
) -> None:
    got = e.erlang_c(HELPER, agents, threshold_s=20)

    def at(value: float, written: str) -> str:
        decimals = len(written.split(".")[1])
        return f"{value:.{decimals}f}"

    assert got.load == 10
    assert got.erlang_b is not None
    assert at(got.erlang_b, b) == b
    assert at(got.wait_probability, c) == c
    assert at(got.service_level, sl) == sl
    assert at(got.asa_s, asa) == asa
    assert at(got.occupancy, occupancy) == occupancy


def test_erlang_c_staffing_reference() -> None:
    # 80 % in 20 s, occupancy at most 85 %, shrinkage 30 %: 14 on the phones, 20 scheduled.
    got = e.staff_erlang_c(HELPER, threshold_s=20, target=0.8, max_occupancy=0.85, shrinkage=0.3)
    assert (got.agents, got.scheduled) == (14, 20)
    assert f"{got.performance.service_level:.4f}" == "0.8884"
    assert f"{got.performance.wait_probability:.4f}" == "0.1741"
    assert f"{got.performance.asa_s:.2f}" == "7.84"
    assert f"{got.performance.occupancy:.3f}" == "0.714"


def test_erlang_c_second_reference() -> None:
    # 360 calls per 30 min, 4 min each, 55 agents, 15 s target.
    got = e.erlang_c(Traffic(360, 1800, 240), 55, threshold_s=15)
    assert got.load == 48
    assert f"{got.occupancy:.3f}" == "0.873"
    assert f"{got.wait_probability:.4f}" == "0.2387"
    assert f"{got.service_level:.4f}" == "0.8459"
    assert f"{got.asa_s:.2f}" == "8.18"


def test_the_occupancy_cap_can_decide() -> None:
    # 70 % of the calls within 60 s needs 12 agents; at most 80 % occupancy needs 13.
    free = e.staff_erlang_c(HELPER, threshold_s=60, target=0.7)
    capped = e.staff_erlang_c(HELPER, threshold_s=60, target=0.7, max_occupancy=0.8)
    assert (free.agents, capped.agents) == (12, 13)


@pytest.mark.parametrize("agents", [1, 9, 10])
def test_erlang_c_is_undefined_when_agents_do_not_exceed_the_load(agents: int) -> None:
    with pytest.raises(e.ErlangCUndefined, match=rf"{agents} agents at 10 Erlangs"):
        e.erlang_c(HELPER, agents, threshold_s=20)


def test_erlang_b_recursion() -> None:
    # The exact value (the pyworkforce README's 0.0183 is wrong, WEB.md §5).
    assert f"{e.erlang_b(10, 17):.4f}" == "0.0129"
    assert e.erlang_b(10, 0) == 1.0
    # 900**200 / 200! overflows a float; the recursion does not (and matches the log form).
    assert e.erlang_b(900, 200) == pytest.approx(1 - 200 / 900, rel=1e-3)
    large = e.erlang_b(5000, 5200)
    assert 0 < large < 0.01


def test_erlang_c_for_thousands_of_agents() -> None:
    got = e.staff_erlang_c(Traffic(36000, 3600, 300), threshold_s=20, target=0.8)
    assert 3000 < got.agents < 3100
    assert got.performance.service_level >= 0.8


def test_erlang_a_reference() -> None:
    # The same interval with a mean patience of 5 min (pyworkforce's guide, reproduced).
    got = e.staff_erlang_a(
        HELPER,
        threshold_s=20,
        target=0.8,
        patience_s=300,
        max_occupancy=0.85,
        max_abandon=0.05,
        shrinkage=0.3,
    )
    assert (got.agents, got.scheduled) == (13, 19)
    perf = got.performance
    assert f"{perf.service_level:.3f}" == "0.858"
    assert f"{perf.abandon_probability:.3f}" == "0.025"
    assert f"{perf.wait_probability:.3f}" == "0.226"
    assert f"{perf.asa_s:.1f}" == "7.5"
    assert f"{perf.occupancy:.3f}" == "0.750"


def test_erlang_a_needs_no_more_agents_than_the_load() -> None:
    # 9 agents for 10 Erlangs: Erlang C has no answer, Erlang A does (many give up).
    got = e.erlang_a(HELPER, 9, threshold_s=20, patience_s=300)
    assert got.abandon_probability > 0.1
    assert got.occupancy < 1
    # Throughput is what the agents can serve: λ(1 − P(ab)) ≤ N·μ.
    assert got.occupancy * 9 == pytest.approx(10 * (1 - got.abandon_probability))


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    c = e.erlang_c(HELPER, 14, threshold_s=20)
    a = e.erlang_a(HELPER, 14, threshold_s=20, patience_s=1e7)
    assert a.wait_probability == pytest.approx(c.wait_probability, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa_s == pytest.approx(c.asa_s, abs=1e-3)
    assert a.abandon_probability < 1e-5


def _beta_tail(a: float, b: float, x: float, pieces: int = 4000) -> float:
    """P(U ≥ x) for U ~ Beta(a, b), by Simpson's rule (an independent check)."""
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    width = (1 - x) / pieces

    def f(u: float) -> float:
        if u >= 1:  # (1 − u)^(b − 1) at u = 1: 1 for b = 1, else 0
            return math.exp(-log_beta) if b == 1 else 0.0
        return math.exp((a - 1) * math.log(u) + (b - 1) * math.log1p(-u) - log_beta)

    total = f(x) + f(1.0)
    for i in range(1, pieces):
        total += (4 if i % 2 else 2) * f(x + i * width)
    return total * width / 3


@settings(max_examples=40, deadline=None)
@given(
    agents=st.integers(1, 30),
    aht=st.floats(30, 600),
    patience=st.floats(20, 900),
    threshold=st.floats(1, 120),
    ahead=st.integers(0, 12),
)
def test_waiting_time_matches_the_closed_form(
    agents: int, aht: float, patience: float, threshold: float, ahead: int
) -> None:
    """With j callers ahead, the time to reach an agent S is a sum of exponentials of rates
    θ(c + k), k = 0..j, c = Nμ/θ; so e^{−θS} ~ Beta(c, j + 1) and
    P(answered ≤ T) = E[e^{−θS}; S ≤ T] = c/(c + j + 1) · P(Beta(c + 1, j + 1) ≥ e^{−θT})."""
    service, abandon = 1 / aht, 1 / patience
    got = e._answered_within(agents, service, abandon, ahead + 1, threshold)[ahead]
    c = agents * service / abandon
    expected = c / (c + ahead + 1) * _beta_tail(c + 1, ahead + 1, math.exp(-abandon * threshold))
    # Simpson's rule is good to ~1e-9 here, not better: when c is large, (c + 1)'s power of
    # u is steep near 1 (hypothesis found a case 1.004e-9 apart). An error in the closed form
    # or the chain would be off by far more than this.
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-9)


loads = st.builds(
    Traffic,
    calls=st.integers(1, 400),
    interval_s=st.sampled_from([900, 1800, 3600]),
    aht_s=st.integers(20, 600),
)


@settings(max_examples=60, deadline=None)
@given(traffic=loads, threshold=st.integers(0, 60), patience=st.integers(10, 1200))
def test_more_agents_never_do_worse(traffic: Traffic, threshold: int, patience: int) -> None:
    start = math.floor(traffic.load) + 1
    c = [e.erlang_c(traffic, n, threshold) for n in range(start, start + 5)]
    a = [e.erlang_a(traffic, n, threshold, patience) for n in range(max(1, start - 3), start + 5)]
    for rows in (c, a):
        for fewer, more in itertools.pairwise(rows):
            assert more.service_level >= fewer.service_level - 1e-12
            assert more.wait_probability <= fewer.wait_probability + 1e-12
            assert more.asa_s <= fewer.asa_s + 1e-9
            assert more.occupancy <= fewer.occupancy + 1e-12
            assert more.abandon_probability <= fewer.abandon_probability + 1e-12
    for row in c + a:
        assert 0 <= row.service_level <= 1
        assert 0 <= row.wait_probability <= 1
        assert 0 <= row.abandon_probability <= 1
    # Impatient callers free the agents for the others: never more waiting than Erlang C.
    for with_c in c:
        with_a = e.erlang_a(traffic, with_c.agents, threshold, patience)
        assert with_a.asa_s <= with_c.asa_s + 1e-9


@settings(max_examples=40, deadline=None)
@given(
    traffic=loads,
    threshold=st.integers(0, 60),
    patience=st.integers(10, 1200),
    target=st.sampled_from([0.5, 0.8, 0.9, 0.95]),
    occupancy=st.sampled_from([0.7, 0.85, 1.0]),
    abandon=st.sampled_from([0.02, 0.05, 1.0]),
    guess=st.one_of(st.none(), st.integers(0, 300)),
)
def test_staffing_is_the_first_agent_count_meeting_every_target(
    traffic: Traffic,
    threshold: int,
    patience: int,
    target: float,
    occupancy: float,
    abandon: float,
    guess: int | None,
) -> None:
    got = e.staff_erlang_a(
        traffic,
        threshold_s=threshold,
        target=target,
        patience_s=patience,
        max_occupancy=occupancy,
        max_abandon=abandon,
        guess=guess,  # a first try, right or wrong, never changes the answer
    )

    def meets(n: int) -> bool:
        p = e.erlang_a(traffic, n, threshold, patience)
        return (
            p.service_level >= target
            and p.occupancy <= occupancy
            and p.abandon_probability <= abandon
        )

    assert meets(got.agents)
    assert not any(meets(n) for n in range(1, got.agents))
    c = e.staff_erlang_c(traffic, threshold_s=threshold, target=target, max_occupancy=occupancy)
    assert e.erlang_c(traffic, c.agents, threshold).service_level >= target
    assert c.agents - 1 <= traffic.load or not (
        e.erlang_c(traffic, c.agents - 1, threshold).service_level >= target
        and traffic.load / (c.agents - 1) <= occupancy
    )


@pytest.mark.parametrize(
    ("agents", "shrinkage", "scheduled"),
    [(14, 0.3, 20), (13, 0.3, 19), (21, 0.3, 30), (42, 0.3, 60), (10, 0, 10), (1, 0.99, 100)],
)
def test_scheduled_agents_in_exact_fractions(agents: int, shrinkage: float, scheduled: int) -> None:
    # In floats 21 / 0.7 is 30.000000000000004, which would schedule 31.
    assert e.scheduled_agents(agents, shrinkage) == scheduled


def test_no_calls_need_no_agents() -> None:
    idle = Traffic(0, 1800, 180)
    assert e.staff_erlang_c(idle, threshold_s=20, target=0.8).agents == 0
    assert e.staff_erlang_a(idle, threshold_s=20, target=0.8, patience_s=60).agents == 0
    assert e.erlang_a(idle, 3, 20, 60).service_level == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Traffic(-1, 1800, 180), "calls must be at least 0"),
        (lambda: Traffic(10, 0, 180), "interval_s must be greater than 0"),
        (lambda: Traffic(10, 1800, float("nan")), "aht_s must be a finite number"),
        (lambda: e.erlang_c(HELPER, 0, 20), "agents must be a whole number of at least 1"),
        (lambda: e.erlang_a(HELPER, 12, 20, 0), "patience_s must be greater than 0"),
        (
            lambda: e.staff_erlang_c(HELPER, threshold_s=20, target=1),
            "target must be above 0 and below 1",
        ),
        (lambda: e.scheduled_agents(10, 1), "shrinkage must be at least 0 and below 1"),
        (
            lambda: e.staff_erlang_a(
                HELPER, threshold_s=20, target=0.8, patience_s=60, max_abandon=0
            ),
            "max_abandon must be above 0 and at most 1",
        ),
        (lambda: e.erlang_a(Traffic(36000, 3600, 300), 1, 20, 1e6), "too far from"),
    ],
)
def test_inputs_outside_the_domain_are_refused_by_name(call: object, message: str) -> None:
    with pytest.raises(e.ErlangInputError, match=message):
        call()  # type: ignore[operator]
