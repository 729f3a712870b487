"""Queue callback rules (see shared/asterisk/CALLBACK.md for the design they serve).

Pure decisions only; :mod:`controller.agi.callbacks` does the database writes and the AMI
Originate of the placeholder that keeps the caller's place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from controller.routing.hours import is_open
from controller.routing.live import LiveView, estimated_wait
from controller.routing.rules import QueueRule, Rules

DEFAULT_RETRY_SECONDS = 300.0  # a queue whose callback settings vanished meanwhile


class Refusal(StrEnum):
    NO_CALLBACK = "the queue offers no callback"
    NO_NUMBER = "the caller's number cannot be called back"
    OUTSIDE_HOURS = "outside the queue's callback hours"
    DUPLICATE = "this number already has a callback waiting in this queue"


def in_calling_hours(rules: Rules, queue: QueueRule, now: dt.datetime) -> bool:
    cb = queue.callback
    if cb is None:
        return False
    if cb.calling_hours is None:
        return True
    schedule = rules.schedules.get(cb.calling_hours)
    return schedule is not None and is_open(schedule, now)


def callable_now(rules: Rules | None, queue_name: str, now: dt.datetime) -> bool:
    """Whether a request of this queue may be called back now (within calling hours)."""
    queue = rules.queues.get(queue_name) if rules is not None else None
    return rules is not None and queue is not None and in_calling_hours(rules, queue, now)


def retry_delay(rules: Rules | None, queue_name: str) -> float:
    """Seconds before a placeholder goes back into the queue for another attempt."""
    queue = rules.queues.get(queue_name) if rules is not None else None
    cb = queue.callback if queue is not None else None
    return float(cb.retry_seconds) if cb is not None else DEFAULT_RETRY_SECONDS


def should_offer(
    rules: Rules, live: LiveView, queue: QueueRule, now: dt.datetime, callable_number: bool
) -> bool:
    """Offer a callback to a caller about to join ``queue``: the queue offers callbacks, the
    estimated wait is longer than its threshold, we could call now, and the caller has a
    number we can call. Without fresh live state we cannot estimate the wait: no offer."""
    cb = queue.callback
    if cb is None or not callable_number or not live.fresh:
        return False
    if estimated_wait(live.queue(queue.name)) <= cb.offer_after_seconds:
        return False
    return in_calling_hours(rules, queue, now)


def refusal(
    rules: Rules,
    queue: QueueRule | None,
    number: str | None,
    now: dt.datetime,
    already_waiting: bool,
) -> Refusal | None:
    """Why a callback request cannot be taken, or None when it can."""
    if queue is None or queue.callback is None:
        return Refusal.NO_CALLBACK
    if number is None:
        return Refusal.NO_NUMBER
    if not in_calling_hours(rules, queue, now):
        return Refusal.OUTSIDE_HOURS
    if already_waiting:
        return Refusal.DUPLICATE
    return None


@dataclass(frozen=True, slots=True)
class Placeholder:
    """Timing of the channel that waits in the queue in the caller's place."""

    max_wait_seconds: int  # Queue() timeout of the placeholder
    ring_seconds: int  # how long the customer's phone rings
    expires_at: dt.datetime


def placeholder_for(queue: QueueRule, now: dt.datetime) -> Placeholder:
    cb = queue.callback
    assert cb is not None
    expiry = cb.expiry_minutes * 60
    # The placeholder waits until the request expires; the queue's own limit does not apply
    # to someone who was promised a call.
    return Placeholder(expiry, 30, now + dt.timedelta(seconds=expiry))


class NextStep(StrEnum):
    DONE = "done"  # the customer answered
    RETRY = "retry"  # queue the placeholder again after retry_seconds
    GIVE_UP = "give_up"


def after_attempt(
    queue: QueueRule | None, dial_status: str, attempts: int, expired: bool
) -> NextStep:
    """What follows one attempt to reach the customer (``DIALSTATUS`` of the Dial)."""
    if dial_status == "ANSWER":
        return NextStep.DONE
    cb = queue.callback if queue is not None else None
    if cb is None or expired or attempts >= cb.max_attempts:
        return NextStep.GIVE_UP
    return NextStep.RETRY
