"""Today's figures per queue for the wallboard, computed by the queue report's own code.

:func:`queue_day_figures` runs the queue report's fact queries (queue_facts.py) over one
window as a single interval, and its figures come from :func:`controller.reports.queues.figures`:
the wallboard, the report, the API and the exports cannot disagree. ``since``/``until`` are
any two instants (the wallboard passes the site's local midnight and now).

The center (key ``""``) counts each call once; its service level judges each call by the
threshold of the queue it entered first, and ``service_level_seconds`` shows the threshold
the queues share, or the smallest of them when they differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from controller.reports import rollup
from controller.reports.queue_facts import CENTER, FactQuery, QueueFacts
from controller.reports.queues import figures, threshold_shown
from controller.reports.request import site_zone
from controller.reports.service_level import DEFAULT_VARIANT
from controller.reports.thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class QueueDayFigures:
    queue: str  # queue name; "" = the whole center (a call through several queues once)
    offered: int
    answered: int
    abandoned: int  # excluding short abandons
    short_abandoned: int
    service_level: float | None  # 0..1; None when nothing to count
    service_level_variant: str  # key of the default variant (service_level.py)
    service_level_seconds: int  # the queue's threshold (center: see the module text)
    asa_seconds: float | None
    aht_seconds: float | None


def queue_day_figures(
    session: Session,
    *,
    since: dt.datetime,
    until: dt.datetime,
    queues: Collection[str] | None,
) -> dict[str, QueueDayFigures]:
    """Figures of ``queues`` (None: every queue) for legs entered in [since, until), plus the
    center under ``""``. Every queue asked appears, with zeros when it had no calls."""
    chosen = frozenset(queues) if queues is not None else None
    q = FactQuery(
        since=since,
        until=until,
        tz=site_zone(session),
        queues=chosen,
        quarters=False,
        thresholds=Thresholds.load(session, chosen),
    )
    totals: dict[str, QueueFacts] = {}
    for (queue, _bucket), facts in rollup.queue_facts(session, q, daily=True).items():
        totals.setdefault(queue, QueueFacts()).add(facts)
    names = sorted({name for name in totals if name != CENTER} | set(chosen or ()))
    result = {}
    for queue in (CENTER, *names):
        facts = totals.get(queue, QueueFacts())
        if queue == CENTER or not facts.sl_seconds:
            facts.sl_seconds = threshold_shown(q, queue, names)
        f = figures(facts, DEFAULT_VARIANT)
        result[queue] = QueueDayFigures(
            queue=queue,
            offered=f["offered"],
            answered=f["answered"],
            abandoned=f["abandoned"],
            short_abandoned=f["short_abandoned"],
            service_level=f["service_level"],
            service_level_variant=DEFAULT_VARIANT.value,
            service_level_seconds=facts.sl_seconds,
            asa_seconds=f["asa"],
            aht_seconds=f["aht"],
        )
    return result
