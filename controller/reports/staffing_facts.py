"""The history behind the staffing report: SQL only, the same facts as the queue report.

Per interval, for the selected queues taken as one pool of agents:

- calls offered: the queue report's center *offered* (each call once, in the interval its
  first leg entered the selected queues; :func:`queue_facts.center_leg_facts`);
- handled, and talk + hold + after-call work: the queue report's handlings of those queues
  (:func:`queue_facts.handling_facts`), so AHT is the queue report's AHT.

For the patience estimate, over the whole window: the sum of every leg's wait (answered,
abandoned, timed out, left by key: each caller waited that long without giving up, or until
giving up) and the number of legs abandoned (short abandons included: they gave up too).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from controller.db.models import QueueLeg
from controller.reports.calendar import Interval, IntervalKey, Window, bucket_of, interval_key
from controller.reports.queue_facts import (
    FactQuery,
    center_leg_facts,
    handling_facts,
    leg_window,
)
from controller.reports.sql import as_int
from controller.reports.staffing_plan import PatienceSample

# Staffing is per interval of the day: Erlang's steady state over a day or a month means
# nothing (the peak half hour decides).
STEPS = {Interval.QUARTER: dt.timedelta(minutes=15), Interval.HOUR: dt.timedelta(hours=1)}


def interval_seconds(window: Window, interval: Interval) -> dict[IntervalKey, int]:
    """How long each interval of the window lasts on the wall clock: 3600 s an hour, but
    7200 s for the hour the clocks go back (both of its passes are one interval)."""
    step = STEPS[interval]
    seconds: dict[IntervalKey, int] = {}
    at = window.since
    while at < window.until:
        key = interval_key(bucket_of(at, window.tz, True), interval)
        seconds[key] = seconds.get(key, 0) + int(step.total_seconds())
        at += step
    return seconds


def demand(
    session: Session, q: FactQuery, interval: Interval
) -> dict[IntervalKey, tuple[int, int, int]]:
    """Per interval: (calls offered, handled, talk + hold + ACW in ms)."""
    found: dict[IntervalKey, list[int]] = {}
    for bucket, facts in center_leg_facts(session, q).items():
        found.setdefault(interval_key(bucket, interval), [0, 0, 0])[0] += facts.offered
    for (_queue, bucket), facts in handling_facts(session, q).items():
        row = found.setdefault(interval_key(bucket, interval), [0, 0, 0])
        row[1] += facts.handled
        row[2] += facts.talk_ms + facts.hold_ms + facts.acw_ms
    return {key: (row[0], row[1], row[2]) for key, row in found.items()}


def patience(session: Session, q: FactQuery) -> PatienceSample:
    leg = QueueLeg
    query = select(
        func.sum(func.coalesce(leg.wait_ms, 0)),
        func.sum(case((leg.outcome == "abandoned", 1), else_=0)),
    ).where(*leg_window(leg, q))
    waited, abandoned = session.execute(query).one()
    return PatienceSample(waited_ms=as_int(waited), abandoned=as_int(abandoned))
