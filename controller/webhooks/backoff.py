"""When a failed delivery is tried again: exponential backoff with jitter, capped.

Attempt ``n`` (1-based) failed: the next one waits ``base * 2**(n-1)`` seconds, at most
``cap``, of which a random half is taken off ("equal jitter": deliveries that failed together,
when an endpoint was down, do not all come back at the same second). After ``max_attempts``
the delivery is given up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float = 5.0
    cap: float = 3600.0
    max_attempts: int = 10

    def ceiling(self, attempts: int) -> float:
        """The longest wait after ``attempts`` failed attempts."""
        return min(self.cap, self.base * 2 ** min(attempts - 1, 62))

    def delay(self, attempts: int, jitter: float) -> float | None:
        """Seconds until the next attempt after ``attempts`` failures, None to give up;
        ``jitter`` in [0, 1) (random.random())."""
        if attempts >= self.max_attempts:
            return None
        ceiling = self.ceiling(attempts)
        return ceiling / 2 + ceiling / 2 * jitter
