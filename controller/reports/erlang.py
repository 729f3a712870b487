"""Queueing formulas for staffing: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M).

Pure math, no I/O. Inputs per interval: ``calls`` arriving in ``interval_s`` seconds, average
handling time ``aht_s`` (talk + hold + after-call work), ``agents`` N, the service-level
threshold ``threshold_s`` (answered within T seconds) and, for Erlang A, the callers' mean
patience ``patience_s``. Offered load A = calls · aht / interval Erlangs; occupancy ρ = A/N.

Erlang B, by recursion (no factorials: ``A**N / N!`` overflows a float near N = 170)::

    B(0) = 1;   B(k) = A·B(k−1) / (k + A·B(k−1)),   k = 1..N

Erlang C (callers wait as long as it takes), defined only for N > A::

    C     = N·B / (N − A·(1 − B))               probability of waiting
    SL(T) = 1 − C·exp(−(N − A)·T / aht)          answered within T, over all calls
    ASA   = C·aht / (N − A)                      mean wait over all calls
    mean wait of those who wait = aht / (N − A);  occupancy = A / N

For N ≤ A the queue grows without bound: Erlang C has no answer (:class:`ErlangCUndefined`).

Erlang A (Palm's M/M/N+M: each waiting caller hangs up after an exponential patience of
mean ``patience_s``, rate θ = 1/patience) is stable for any N. Its stationary distribution
is the birth–death chain on n callers in the system, birth λ, death min(n, N)·μ +
max(n − N, 0)·θ (μ = 1/aht), built in logarithms (no overflow at any load) until the terms
fall below 1e−17 of the largest, then normalised::

    P(wait) = Σ_{n≥N} p(n);   Lq = Σ_{n≥N} (n − N)·p(n);   P(abandon) = θ·Lq / λ
    mean wait over all calls = Lq / λ (Little);   occupancy = λ·(1 − P(abandon)) / (N·μ)
    SL(T) = Σ_{n<N} p(n) + Σ_{j≥0} p(N + j)·G_j(T)

G_j(T) is the probability that a caller who finds j callers waiting ahead is answered
within T: it moves up one place at rate N·μ + j·θ (an agent frees, or someone ahead gives
up), reaches an agent from the head at rate N·μ, and gives up itself at rate θ. G is
computed for every j at once by uniformisation (every term positive, so no cancellation).
Callers who give up count as *not* answered within T (PASTA: an arrival sees p(n)).

Staffing: the smallest N meeting the service level (and the occupancy cap, and for Erlang A
an optional cap on abandons); scheduled agents = ⌈N / (1 − shrinkage)⌉, computed in exact
fractions (14 / 0.7 must give 20, never 20.000000000000004 → 21).

References (docs/reports.md, REPORTING.md §4): Erlang B recursion [S38]; Erlang A chain and
the tagged-caller chain as in pyworkforce and Mandelbaum & Zeltyn, *The Palm/Erlang-A
Queue* (2005) [S37][S39].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# The chain is cut where a term is below this share of the largest one.
_NEGLIGIBLE_LOG = math.log(1e-17)
# More callers in the system than this: the patience is too long for the overload asked.
MAX_STATES = 500_000


class ErlangInputError(ValueError):
    """An input outside the formulas' domain; the message names the input."""


class ErlangCUndefined(ErlangInputError):
    """Erlang C has no steady state for N ≤ A: the queue grows without bound."""

    def __init__(self, agents: int, load: float) -> None:
        self.agents = agents
        self.load = load
        super().__init__(
            f"Erlang C is undefined for {agents} agents at {load:g} Erlangs (needs N > A):"
            " the queue would grow without bound"
        )


@dataclass(frozen=True, slots=True)
class Traffic:
    """One interval's load: ``calls`` arriving in ``interval_s`` seconds, each taking
    ``aht_s`` seconds of an agent's time."""

    calls: float
    interval_s: float
    aht_s: float

    def __post_init__(self) -> None:
        _finite("calls", self.calls, minimum=0.0)
        _finite("interval_s", self.interval_s, positive=True)
        _finite("aht_s", self.aht_s, positive=True)

    @property
    def arrival_rate(self) -> float:
        """λ, calls per second."""
        return self.calls / self.interval_s

    @property
    def load(self) -> float:
        """A = λ · aht, in Erlangs (computed as calls · aht / interval: 100 · 180 / 1800 is
        exactly 10)."""
        return self.calls * self.aht_s / self.interval_s


@dataclass(frozen=True, slots=True)
class Performance:
    """What N agents achieve on one interval's traffic. Times in seconds, shares 0..1."""

    model: str  # "erlang_c" or "erlang_a"
    agents: int
    load: float  # A, Erlangs
    wait_probability: float  # share of callers who wait at all
    service_level: float  # share answered within threshold_s (over all callers)
    threshold_s: float
    asa_s: float  # mean wait over all callers (Erlang A: answered and abandoning)
    occupancy: float  # share of the agents' time spent on calls
    abandon_probability: float  # 0 for Erlang C
    erlang_b: float | None = None  # Erlang C only: B(N, A)
    queue_length: float | None = None  # mean callers waiting


@dataclass(frozen=True, slots=True)
class Staffing:
    """The smallest staffing meeting the targets, and what it achieves."""

    agents: int  # on the phones (N)
    scheduled: int  # ⌈N / (1 − shrinkage)⌉
    performance: Performance


def _finite(
    name: str, value: float, *, minimum: float | None = None, positive: bool = False
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise ErlangInputError(f"{name} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ErlangInputError(f"{name} must be a finite number, not {value!r}")
    if positive and number <= 0:
        raise ErlangInputError(f"{name} must be greater than 0, not {value!r}")
    if minimum is not None and number < minimum:
        raise ErlangInputError(f"{name} must be at least {minimum:g}, not {value!r}")


def _agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ErlangInputError(f"agents must be a whole number of at least 1, not {agents!r}")


def _share(name: str, value: float, *, open_low: bool = False, open_high: bool = False) -> None:
    _finite(name, value, minimum=0.0)
    number = float(value)
    if number > 1 or (open_low and number <= 0) or (open_high and number >= 1):
        low = "above 0" if open_low else "at least 0"
        high = "below 1" if open_high else "at most 1"
        raise ErlangInputError(f"{name} must be {low} and {high}, not {value!r}")


# -- Erlang B and C ---------------------------------------------------------------------------


def erlang_b(load: float, agents: int) -> float:
    """Blocking probability B(N, A), by the recursion (stable for thousands of agents)."""
    _finite("load", load, minimum=0.0)
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ErlangInputError(f"agents must be a whole number of at least 0, not {agents!r}")
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(traffic: Traffic, agents: int, threshold_s: float) -> Performance:
    """Erlang C figures for ``agents``; :class:`ErlangCUndefined` when N ≤ A."""
    _agents(agents)
    _finite("threshold_s", threshold_s, minimum=0.0)
    load = traffic.load
    if agents <= load:
        raise ErlangCUndefined(agents, load)
    b = erlang_b(load, agents)
    return _erlang_c_from_b(traffic, agents, threshold_s, b)


def _erlang_c_from_b(traffic: Traffic, agents: int, threshold_s: float, b: float) -> Performance:
    load, aht = traffic.load, traffic.aht_s
    spare = agents - load
    wait = agents * b / (agents - load * (1 - b))
    return Performance(
        model="erlang_c",
        agents=agents,
        load=load,
        wait_probability=wait,
        service_level=1 - wait * math.exp(-spare * float(threshold_s) / aht),
        threshold_s=float(threshold_s),
        asa_s=wait * aht / spare,
        occupancy=load / agents,
        abandon_probability=0.0,
        erlang_b=b,
        queue_length=wait * load / spare,
    )


def staff_erlang_c(
    traffic: Traffic,
    *,
    threshold_s: float,
    target: float,
    max_occupancy: float = 1.0,
    shrinkage: float | Decimal | Fraction = 0,
) -> Staffing:
    """The smallest N > A with SL(T) ≥ ``target`` and A/N ≤ ``max_occupancy``."""
    _finite("threshold_s", threshold_s, minimum=0.0)
    _share("target", target, open_low=True, open_high=True)
    _share("max_occupancy", max_occupancy, open_low=True)
    share = _shrinkage(shrinkage)
    load = traffic.load
    if load == 0:
        return Staffing(0, 0, _idle("erlang_c", threshold_s))
    b, n = 1.0, 0
    while True:  # B(n) step by step: the search costs one recursion in all
        n += 1
        b = load * b / (n + load * b)
        if n <= load:
            continue
        found = _erlang_c_from_b(traffic, n, threshold_s, b)
        if found.service_level >= target and found.occupancy <= max_occupancy:
            return Staffing(n, scheduled_agents(n, share), found)


# -- Erlang A ----------------------------------------------------------------------------------


def _stationary(arrival: float, service: float, abandon: float, agents: int) -> list[float]:
    """p(n), n = 0.., of the M/M/N+M chain, normalised; cut where negligible."""
    logs = [0.0]
    top = 0.0
    log_arrival = math.log(arrival)
    n = 0
    while True:
        n += 1
        death = min(n, agents) * service + max(n - agents, 0) * abandon
        value = logs[-1] + log_arrival - math.log(death)
        logs.append(value)
        top = max(top, value)
        # Past the servers and past the mode (the ratio is falling below 1 from here on).
        if n > agents and arrival < death and value - top < _NEGLIGIBLE_LOG:
            break
        if n > MAX_STATES:
            raise ErlangInputError(
                f"{agents} agents for {arrival * 3600:g} calls an hour with a patience of"
                f" {1 / abandon:g} s would queue over {MAX_STATES} callers: too far from"
                " a working call center to compute"
            )
    weights = [math.exp(v - top) for v in logs]
    total = math.fsum(weights)
    return [w / total for w in weights]


def _poisson_weights(mean: float) -> list[float]:
    """P(K = k) for K ~ Poisson(mean), k = 0..kmax with the tail beyond below 1e−16."""
    kmax = int(mean + 12 * math.sqrt(mean) + 30)
    log_mean = math.log(mean) if mean > 0 else -math.inf
    weights = []
    for k in range(kmax + 1):
        log_w = -mean + (k * log_mean if k else 0.0) - math.lgamma(k + 1)
        weights.append(math.exp(log_w))
    return weights


def _answered_within(
    agents: int, service: float, abandon: float, positions: int, threshold_s: float
) -> list[float]:
    """G_j(T), j = 0..positions−1: answered within T with j callers waiting ahead."""
    if threshold_s == 0 or positions == 0:
        return [0.0] * positions
    served = agents * service
    rate = served + positions * abandon  # the fastest exit of any place (uniformisation)
    weights = _poisson_weights(rate * threshold_s)
    steps = len(weights) - 1
    depth = min(positions, steps)  # a caller further back cannot reach an agent in time
    move = [(served + j * abandon) / rate for j in range(depth)]
    stay = [1 - m - abandon / rate for m in move]
    # h[i]: the chance to have been answered after k uniformised steps, h[0] = answered.
    h = [1.0] + [0.0] * depth
    total = [weights[0] * x for x in h[1:]]
    for k in range(1, steps + 1):
        top = min(k, depth)
        h[1 : top + 1] = [
            m * below + s * here
            for m, s, below, here in zip(
                move[:top], stay[:top], h[:top], h[1 : top + 1], strict=True
            )
        ]
        w = weights[k]
        for i in range(top):
            total[i] += w * h[i + 1]
    return total + [0.0] * (positions - depth)


def erlang_a(traffic: Traffic, agents: int, threshold_s: float, patience_s: float) -> Performance:
    """Erlang A figures for ``agents`` (any N: abandons keep the queue finite)."""
    _agents(agents)
    _finite("threshold_s", threshold_s, minimum=0.0)
    _finite("patience_s", patience_s, positive=True)
    if traffic.calls == 0:
        return _idle("erlang_a", threshold_s, agents)
    arrival, service, abandon = traffic.arrival_rate, 1 / traffic.aht_s, 1 / float(patience_s)
    p = _stationary(arrival, service, abandon, agents)
    waiting = p[agents:]
    queue = math.fsum(j * x for j, x in enumerate(waiting))
    gave_up = abandon * queue / arrival
    within = _answered_within(agents, service, abandon, len(waiting), float(threshold_s))
    sl = math.fsum(p[:agents]) + math.fsum(x * g for x, g in zip(waiting, within, strict=True))
    return Performance(
        model="erlang_a",
        agents=agents,
        load=traffic.load,
        wait_probability=math.fsum(waiting),
        service_level=min(1.0, sl),
        threshold_s=float(threshold_s),
        asa_s=queue / arrival,
        occupancy=arrival * (1 - gave_up) / (agents * service),
        abandon_probability=gave_up,
        queue_length=queue,
    )


def staff_erlang_a(
    traffic: Traffic,
    *,
    threshold_s: float,
    target: float,
    patience_s: float,
    max_occupancy: float = 1.0,
    max_abandon: float = 1.0,
    shrinkage: float | Decimal | Fraction = 0,
    guess: int | None = None,
) -> Staffing:
    """The smallest N with SL(T) ≥ ``target``, occupancy ≤ ``max_occupancy`` and
    P(abandon) ≤ ``max_abandon``.

    Each figure improves with N (more agents: shorter queues, fewer abandons, lower
    occupancy), so the first N that meets all three is found by doubling, then bisection.
    No fewer than ⌈target · A⌉ can do (fewer agents answer at most N/A of the calls); the
    search tries ``guess`` first (e.g. Erlang C's answer, usually just above), which only
    saves time: the result is the same.
    """
    _finite("threshold_s", threshold_s, minimum=0.0)
    _finite("patience_s", patience_s, positive=True)
    _share("target", target, open_low=True, open_high=True)
    _share("max_occupancy", max_occupancy, open_low=True)
    _share("max_abandon", max_abandon, open_low=True)
    share = _shrinkage(shrinkage)
    if traffic.calls == 0:
        return Staffing(0, 0, _idle("erlang_a", threshold_s))

    def meets(n: int) -> Performance | None:
        found = erlang_a(traffic, n, threshold_s, patience_s)
        ok = (
            found.service_level >= target
            and found.occupancy <= max_occupancy
            and found.abandon_probability <= max_abandon
        )
        return found if ok else None

    low = max(1, math.ceil(float(target) * traffic.load))  # may meet the targets already
    high, step = max(low, guess or 0), 1
    found = meets(high)
    if found is None:
        low = high + 1
    while found is None:
        high, step = high + step, step * 2
        found = meets(high)
        if found is None:
            low = high + 1
    best = found
    while low < high:  # low..high-1 untested (or failing), high meets the targets
        middle = (low + high) // 2
        got = meets(middle)
        if got is None:
            low = middle + 1
        else:
            high, best = middle, got
    return Staffing(high, scheduled_agents(high, share), best)


# -- shrinkage ---------------------------------------------------------------------------------


def _shrinkage(value: float | Decimal | Fraction) -> Fraction:
    _share("shrinkage", value, open_high=True)
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def scheduled_agents(agents: int, shrinkage: float | Decimal | Fraction) -> int:
    """⌈N / (1 − shrinkage)⌉ in exact fractions: the people to schedule so that ``agents``
    are on the phones when ``shrinkage`` of paid time goes to breaks, training, leave ..."""
    share = _shrinkage(shrinkage)
    return math.ceil(Fraction(agents) / (1 - share))


def _idle(model: str, threshold_s: float, agents: int = 0) -> Performance:
    """No calls: nothing to wait for."""
    return Performance(
        model=model,
        agents=agents,
        load=0.0,
        wait_probability=0.0,
        service_level=1.0,
        threshold_s=float(threshold_s),
        asa_s=0.0,
        occupancy=0.0,
        abandon_probability=0.0,
        erlang_b=0.0 if model == "erlang_c" and agents else None,
        queue_length=0.0,
    )
