"""Callback rules: when to offer, when a request is refused, what follows an attempt."""

from __future__ import annotations

import datetime as dt

import pytest

from controller.routing.callback import (
    NextStep,
    Refusal,
    after_attempt,
    in_calling_hours,
    placeholder_for,
    refusal,
)
from controller.routing.rules import Rules
from tests.unit.routing.conftest import SHANGHAI, TUESDAY_11, company, make_rules

EVENING = dt.datetime(2026, 11, 24, 21, 0, tzinfo=SHANGHAI)  # after callback hours


def test_refusals(rules: Rules) -> None:
    sales, support = rules.queues["sales"], rules.queues["support"]
    number = "+8613800138000"
    assert refusal(rules, sales, number, TUESDAY_11, already_waiting=False) is None
    assert refusal(rules, None, number, TUESDAY_11, False) is Refusal.NO_CALLBACK
    assert refusal(rules, support, number, TUESDAY_11, False) is Refusal.NO_CALLBACK
    assert refusal(rules, sales, None, TUESDAY_11, False) is Refusal.NO_NUMBER
    assert refusal(rules, sales, number, EVENING, False) is Refusal.OUTSIDE_HOURS
    assert refusal(rules, sales, number, TUESDAY_11, True) is Refusal.DUPLICATE


def test_any_time_without_calling_hours() -> None:
    data = company()
    del data["queues"][0]["callback"]["calling_hours"]
    rules = make_rules(data)
    assert in_calling_hours(rules, rules.queues["sales"], EVENING)


def test_placeholder_waits_until_the_request_expires(rules: Rules) -> None:
    timing = placeholder_for(rules.queues["sales"], TUESDAY_11)
    assert timing.max_wait_seconds == 240 * 60  # the default expiry
    assert timing.expires_at == TUESDAY_11 + dt.timedelta(minutes=240)


@pytest.mark.parametrize(
    ("status", "attempts", "expired", "step"),
    [
        ("ANSWER", 1, False, NextStep.DONE),
        ("ANSWER", 3, True, NextStep.DONE),  # answered is answered
        ("BUSY", 1, False, NextStep.RETRY),
        ("NOANSWER", 2, False, NextStep.RETRY),
        ("CANCEL", 1, False, NextStep.RETRY),  # the agent hung up before the customer answered
        ("BUSY", 3, False, NextStep.GIVE_UP),  # max_attempts (3) used up
        ("NOANSWER", 1, True, NextStep.GIVE_UP),
    ],
)
def test_after_attempt(
    rules: Rules, status: str, attempts: int, expired: bool, step: NextStep
) -> None:
    assert after_attempt(rules.queues["sales"], status, attempts, expired) is step


def test_after_attempt_without_callback_settings(rules: Rules) -> None:
    assert after_attempt(None, "BUSY", 1, False) is NextStep.GIVE_UP
    assert after_attempt(rules.queues["support"], "BUSY", 1, False) is NextStep.GIVE_UP
