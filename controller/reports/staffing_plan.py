"""Staffing per interval from history figures, with what-if inputs (pure: no database).

Per interval (15 minutes or an hour: Erlang's steady state means nothing over a day):

- **calls** = queue legs that entered the selected queues in the interval (the queue
  report's *offered*), times the what-if growth factor, or the what-if number instead;
- **AHT** = (talk + hold + after-call work) ÷ handlings of those legs (the queue report's
  AHT); an interval whose calls nobody handled takes the window's AHT;
- **load** A = calls × AHT ÷ interval length, in Erlangs;
- **patience**, one estimate for the window: total time callers spent waiting (answered,
  abandoned, timed out, left with a key) ÷ number of abandons. This is the maximum-likelihood
  estimate of an exponential patience when waits that ended otherwise are censored
  (Mandelbaum & Zeltyn [S39]: θ ≈ P(abandon) / E[wait]). No abandons: infinitely patient
  callers, for whom Erlang A is Erlang C;
- **Erlang C** and **Erlang A** agents on the phones: the smallest N with SL(T) ≥ target and
  occupancy ≤ the cap (and for Erlang A, abandons ≤ a cap if one is set), see
  :mod:`controller.reports.erlang`; **scheduled** = ⌈N / (1 − shrinkage)⌉.

Every input can be replaced for a what-if: target, threshold T, occupancy cap, abandon cap,
shrinkage, AHT, patience, calls (a number per interval, or a growth factor on the history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from controller.reports import erlang

# What a what-if may ask, at most: beyond this nothing is a call center any more.
MAX_CALLS = 1_000_000  # per interval
MAX_SECONDS = 86_400
# Erlangs: a center ten times larger than any the controller runs (Erlang A's search takes
# seconds per interval beyond).
MAX_LOAD = 5_000


class StaffingInputError(ValueError):
    """A what-if input outside its domain; the message names it."""


@dataclass(frozen=True, slots=True)
class Demand:
    """One interval of history: what arrived and what handling it took."""

    label: str
    seconds: int  # the interval's length (an hour is 7200 s on the day clocks go back)
    offered: int
    handled: int
    handle_ms: int  # talk + hold + after-call work of the handled ones


@dataclass(frozen=True, slots=True)
class PatienceSample:
    """Waiting in the window: every caller's wait, and how many gave up."""

    waited_ms: int
    abandoned: int

    @property
    def mean_s(self) -> float | None:
        """Mean patience in seconds; None when nobody gave up (no finite estimate)."""
        if self.abandoned == 0 or self.waited_ms <= 0:
            return None
        return self.waited_ms / 1000 / self.abandoned


@dataclass(frozen=True, slots=True)
class Targets:
    service_level: float = 0.8
    threshold_s: float = 20
    max_occupancy: float = 0.85
    max_abandon: float | None = None  # Erlang A only; None: no cap
    shrinkage: Decimal = Decimal("0.3")

    def __post_init__(self) -> None:
        _bounded("target", self.service_level, 0, 1, low_open=True, high_open=True)
        _bounded("threshold", self.threshold_s, 0, 3600)
        _bounded("max_occupancy", self.max_occupancy, 0, 1, low_open=True)
        _bounded("max_abandon", self.max_abandon, 0, 1, low_open=True)
        _bounded("shrinkage", self.shrinkage, 0, 1, high_open=True)


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Inputs that replace what the history says (None: the history's)."""

    calls: float | None = None  # calls in every interval
    growth: Decimal = Decimal(1)  # factor on the history's calls
    aht_s: float | None = None
    patience_s: float | None = None

    def __post_init__(self) -> None:
        _bounded("calls", self.calls, 0, MAX_CALLS)
        _bounded("growth", self.growth, 0, 1000)
        _bounded("aht", self.aht_s, 1, MAX_SECONDS)
        _bounded("patience", self.patience_s, 1, MAX_SECONDS)


@dataclass(frozen=True, slots=True)
class StaffingRow:
    label: str
    seconds: int
    calls: float
    aht_s: float | None  # None: no AHT known (nothing handled in the window, no what-if)
    load: float
    erlang_c: erlang.Staffing | None  # None: no AHT known
    erlang_a: erlang.Staffing | None  # None: no AHT, or no finite patience (see patience_s)


@dataclass(frozen=True, slots=True)
class StaffingPlan:
    rows: tuple[StaffingRow, ...]
    targets: Targets
    patience_s: float | None  # used for Erlang A; None: nobody gave up and no what-if
    patience_sample: PatienceSample
    window_aht_s: float | None

    @property
    def peak(self) -> StaffingRow | None:
        """The interval needing the most agents (Erlang C, then Erlang A)."""
        staffed = [r for r in self.rows if r.erlang_c is not None]
        if not staffed:
            return None
        return max(staffed, key=lambda r: (_agents(r.erlang_c), _agents(r.erlang_a)))


def _agents(found: erlang.Staffing | None) -> int:
    return found.agents if found is not None else 0


def _bounded(
    name: str,
    value: float | Decimal | None,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise StaffingInputError(f"{name!r} must be a number, not {value!r}")
    number = float(value)
    if (
        number != number  # NaN
        or number < low
        or number > high
        or (low_open and number == low)
        or (high_open and number == high)
    ):
        lower = f"above {low:g}" if low_open else f"at least {low:g}"
        upper = f"below {high:g}" if high_open else f"at most {high:g}"
        raise StaffingInputError(f"{name!r} must be {lower} and {upper}, not {float(value):g}")


def window_aht_s(demands: Sequence[Demand]) -> float | None:
    handled = sum(d.handled for d in demands)
    if handled == 0:
        return None
    return sum(d.handle_ms for d in demands) / 1000 / handled


def plan(
    demands: Sequence[Demand],
    patience: PatienceSample,
    targets: Targets = Targets(),
    what_if: WhatIf = WhatIf(),
) -> StaffingPlan:
    """The staffing of each interval (pure: the history comes in as ``demands``)."""
    fallback_aht = window_aht_s(demands)
    patience_s = what_if.patience_s if what_if.patience_s is not None else patience.mean_s
    rows = []
    solved: dict[tuple[float, int, float], tuple[float, erlang.Staffing, erlang.Staffing | None]]
    solved = {}
    for d in demands:
        if what_if.calls is not None:
            calls = float(what_if.calls)
        else:
            calls = float(Decimal(d.offered) * what_if.growth)
        if what_if.aht_s is not None:
            aht: float | None = float(what_if.aht_s)
        elif d.handled:
            aht = d.handle_ms / 1000 / d.handled
        else:
            aht = fallback_aht
        if aht is None or aht <= 0:
            rows.append(StaffingRow(d.label, d.seconds, calls, None, 0.0, None, None))
            continue
        key = (calls, d.seconds, aht)
        if key not in solved:  # quiet nights and what-ifs repeat the same interval
            traffic = erlang.Traffic(calls=calls, interval_s=d.seconds, aht_s=aht)
            if traffic.load > MAX_LOAD:
                raise StaffingInputError(
                    f"{d.label}: {calls:g} calls of {aht:g} s in {d.seconds} s are"
                    f" {traffic.load:g} Erlangs, more than the {MAX_LOAD} this report plans for"
                )
            c = _staff_c(traffic, targets)
            solved[key] = (traffic.load, c, _staff_a(traffic, targets, patience_s, c.agents))
        load, c, a = solved[key]
        rows.append(StaffingRow(d.label, d.seconds, calls, aht, load, c, a))
    return StaffingPlan(tuple(rows), targets, patience_s, patience, fallback_aht)


def _staff_c(traffic: erlang.Traffic, t: Targets) -> erlang.Staffing:
    try:
        return erlang.staff_erlang_c(
            traffic,
            threshold_s=t.threshold_s,
            target=t.service_level,
            max_occupancy=t.max_occupancy,
            shrinkage=t.shrinkage,
        )
    except erlang.ErlangInputError as error:
        raise StaffingInputError(str(error)) from None


def _staff_a(
    traffic: erlang.Traffic, t: Targets, patience_s: float | None, guess: int
) -> erlang.Staffing | None:
    if patience_s is None:
        return None
    try:
        return erlang.staff_erlang_a(
            traffic,
            threshold_s=t.threshold_s,
            target=t.service_level,
            patience_s=patience_s,
            max_occupancy=t.max_occupancy,
            max_abandon=t.max_abandon if t.max_abandon is not None else 1.0,
            shrinkage=t.shrinkage,
            guess=guess,
        )
    except erlang.ErlangInputError as error:
        raise StaffingInputError(str(error)) from None
