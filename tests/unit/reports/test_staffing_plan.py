"""Staffing per interval from history figures, with what-if inputs (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from controller.reports.staffing_plan import (
    Demand,
    PatienceSample,
    StaffingInputError,
    Targets,
    WhatIf,
    plan,
)

# REPORTING.md §4.3: 100 calls in 30 min at 180 s, 80 % in 20 s, occupancy ≤ 85 %, 30 % shrinkage.
REFERENCE = Targets(
    service_level=0.8,
    threshold_s=20,
    max_occupancy=0.85,
    max_abandon=0.05,
    shrinkage=Decimal("0.3"),
)
# 12 callers gave up after 3 600 s of waiting in all: a mean patience of 300 s.
PATIENT = PatienceSample(waited_ms=3_600_000, abandoned=12)


def half_hour(label: str, offered: int, handled: int, handle_s: int) -> Demand:
    return Demand(label, 1800, offered, handled, handle_s * 1000)


def test_the_reference_interval_from_history() -> None:
    got = plan([half_hour("09:00", 100, 90, 90 * 180)], PATIENT, REFERENCE)
    (row,) = got.rows
    assert (row.calls, row.aht_s, row.load) == (100, 180, 10)
    assert row.erlang_c is not None
    assert row.erlang_a is not None
    assert (row.erlang_c.agents, row.erlang_c.scheduled) == (14, 20)
    assert (row.erlang_a.agents, row.erlang_a.scheduled) == (13, 19)
    assert got.patience_s == 300


def test_an_interval_nobody_handled_takes_the_windows_aht() -> None:
    got = plan(
        [half_hour("09:00", 10, 10, 10 * 100), half_hour("09:30", 5, 0, 0)],
        PATIENT,
        REFERENCE,
    )
    assert [r.aht_s for r in got.rows] == [100, 100]
    assert got.window_aht_s == 100


def test_what_if_inputs_replace_the_history() -> None:
    demands = [half_hour("09:00", 100, 100, 100 * 120)]
    grown = plan(demands, PATIENT, REFERENCE, WhatIf(growth=Decimal("1.1"), aht_s=180))
    assert (grown.rows[0].calls, grown.rows[0].aht_s) == (110, 180)
    fixed = plan(demands, PATIENT, REFERENCE, WhatIf(calls=100, aht_s=180, patience_s=300))
    assert fixed.rows[0].erlang_a is not None
    assert fixed.rows[0].erlang_a.agents == 13


def test_without_abandons_erlang_a_has_no_patience_to_work_with() -> None:
    got = plan([half_hour("09:00", 100, 100, 18000)], PatienceSample(50_000, 0), REFERENCE)
    assert got.patience_s is None
    assert got.rows[0].erlang_a is None
    assert got.rows[0].erlang_c is not None


def test_nothing_handled_and_no_aht_given() -> None:
    got = plan([half_hour("09:00", 3, 0, 0)], PATIENT, REFERENCE)
    assert got.rows[0].aht_s is None
    assert got.rows[0].erlang_c is None
    assert got.peak is None


def test_the_peak_interval() -> None:
    got = plan(
        [half_hour("09:00", 20, 20, 20 * 180), half_hour("09:30", 100, 100, 100 * 180)],
        PATIENT,
        REFERENCE,
    )
    assert got.peak is not None
    assert got.peak.label == "09:30"


def test_a_load_beyond_any_call_center_is_refused() -> None:
    with pytest.raises(StaffingInputError, match="09:00: 100000 calls of 180 s in 1800 s are"):
        plan([half_hour("09:00", 100_000, 1, 180)], PATIENT, REFERENCE)


def test_repeated_intervals_are_solved_once_and_alike() -> None:
    same = [half_hour(f"0{h}:00", 100, 100, 18000) for h in range(4)]
    rows = plan(same, PATIENT, REFERENCE).rows
    assert len({(r.erlang_c, r.erlang_a) for r in rows}) == 1
    assert rows[0].erlang_c is rows[3].erlang_c


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Targets(service_level=1), "'target' must be above 0 and below 1"),
        (lambda: Targets(max_occupancy=0), "'max_occupancy' must be above 0"),
        (lambda: Targets(shrinkage=Decimal(1)), "'shrinkage' must be at least 0 and below 1"),
        (lambda: Targets(threshold_s=-1), "'threshold' must be at least 0"),
        (lambda: WhatIf(aht_s=0), "'aht' must be at least 1"),
        (lambda: WhatIf(calls=float("nan")), "'calls' must be"),
        (lambda: WhatIf(patience_s=10**9), "'patience' must be at least 1 and at most 86400"),
    ],
)
def test_bad_inputs_are_named(make: object, message: str) -> None:
    with pytest.raises(StaffingInputError, match=message):
        make()  # type: ignore[operator]
