"""Counting failures in a sliding window: sign-in attempts per login name and per address,
unknown API tokens per address. Pure (a clock is passed in); kept in memory, so a restart
forgets, which errs on the side of letting people in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class Throttle:
    limit: int  # failures allowed within the window
    window: float  # seconds
    max_keys: int = 100_000  # memory bound: the oldest keys go first
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def blocked_for(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again (0: now)."""
        times = self._recent(key, now)
        if len(times) < self.limit:
            return 0.0
        return max(0.0, times[-self.limit] + self.window - now)

    def fail(self, key: str, now: float) -> None:
        times = self._recent(key, now)
        if key not in self._failures:
            if len(self._failures) >= self.max_keys:
                del self._failures[next(iter(self._failures))]
            self._failures[key] = times
        times.append(now)
        while len(times) > self.limit:
            times.popleft()

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)
