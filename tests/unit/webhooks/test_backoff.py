"""Backoff: doubling, capped, jittered by at most half, given up after max_attempts."""

from __future__ import annotations

from controller.webhooks.backoff import Backoff


def test_waits_double_up_to_the_cap_and_stop_after_max_attempts() -> None:
    backoff = Backoff(base=5.0, cap=60.0, max_attempts=6)
    longest = [backoff.delay(n, 0.999999) for n in range(1, 6)]
    assert [round(d or 0) for d in longest] == [5, 10, 20, 40, 60]
    assert backoff.delay(6, 0.5) is None  # the sixth attempt failed: given up


def test_jitter_takes_off_at_most_half() -> None:
    backoff = Backoff(base=8.0, cap=3600.0, max_attempts=10)
    assert backoff.delay(3, 0.0) == 16.0  # half of 32
    assert backoff.delay(3, 0.5) == 24.0
    delays = [backoff.delay(3, j / 100) for j in range(100)]
    assert all(d is not None and 16.0 <= d < 32.0 for d in delays)


def test_a_huge_attempt_count_stays_at_the_cap() -> None:
    backoff = Backoff(base=5.0, cap=3600.0, max_attempts=10_000)
    assert backoff.ceiling(5000) == 3600.0
