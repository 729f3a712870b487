"""Service-level variants: the reporting reference's worked example (§1.2)."""

from __future__ import annotations

import pytest

from controller.reports.service_level import (
    DEFAULT_VARIANT,
    SlCounts,
    Variant,
    mean_seconds,
    ratio,
    service_level,
)

# Answered 1000, 860 within 20 s; abandoned 60, 20 within 20 s, 10 within 5 s.
WORKED = SlCounts(answered=1000, answered_in=860, abandoned=60, abandoned_in=20, short=10)


@pytest.mark.parametrize(
    ("variant", "percent"),
    [(Variant.A, 86.0), (Variant.B, 81.1), (Variant.C, 82.7), (Variant.D, 83.0), (Variant.E, 81.9)],
)
def test_the_worked_example(variant: Variant, percent: float) -> None:
    value = service_level(WORKED, variant)
    assert value is not None
    assert round(value * 100, 1) == percent


def test_the_default_is_e() -> None:
    assert DEFAULT_VARIANT is Variant.E
    assert service_level(WORKED) == 860 / 1050


def test_nothing_to_count_is_none_not_zero() -> None:
    empty = SlCounts(0, 0, 0, 0, 0)
    assert all(service_level(empty, v) is None for v in Variant)
    only_short = SlCounts(0, 0, 2, 2, 2)
    assert service_level(only_short, Variant.E) is None
    assert service_level(only_short, Variant.B) == 0.0
    assert ratio(1, 0) is None
    assert mean_seconds(5000, 0) is None
    assert mean_seconds(5000, 2) == 2.5
