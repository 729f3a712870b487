"""The queues' wallboard thresholds (configuration ``queues[].wallboard``) as the pages read
them: ``{queue: {"waiting_callers": {"amber": 3, "red": 6} | None, "longest_wait_seconds":
..., "service_level_percent": ...}}``; the total's are the strictest of the queues shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.db.models import Queue

Limits = dict[str, dict[str, int] | None]
HIGHER_IS_WORSE = ("waiting_callers", "longest_wait_seconds")
LOWER_IS_WORSE = ("service_level_percent",)


def _pair(amber: int | None, red: int | None) -> dict[str, int] | None:
    return None if amber is None or red is None else {"amber": amber, "red": red}


def load(session: Session) -> dict[str, Limits]:
    found: dict[str, Limits] = {}
    for q in session.scalars(select(Queue)):
        found[q.name] = {
            "waiting_callers": _pair(q.wallboard_waiting_amber, q.wallboard_waiting_red),
            "longest_wait_seconds": _pair(
                q.wallboard_wait_amber_seconds, q.wallboard_wait_red_seconds
            ),
            "service_level_percent": _pair(
                q.wallboard_sl_amber_percent, q.wallboard_sl_red_percent
            ),
        }
    return found


def strictest(limits: Iterable[Mapping[str, Any]]) -> Limits:
    """The total's thresholds: the earliest amber and red of the queues shown."""
    chosen = list(limits)
    total: Limits = {}
    for name in (*HIGHER_IS_WORSE, *LOWER_IS_WORSE):
        pairs = [lim[name] for lim in chosen if lim.get(name)]
        if not pairs:
            total[name] = None
            continue
        pick = max if name in LOWER_IS_WORSE else min
        total[name] = {
            "amber": pick(p["amber"] for p in pairs),
            "red": pick(p["red"] for p in pairs),
        }
    return total
