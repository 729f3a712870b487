"""Scopes: what a user or a machine token may do, as dotted names (after Wazo's ACLs).

A scope names an action on an area: ``calls.control``, ``history.read``. A role grants
scope *patterns*: ``*`` stands for one word, ``#`` for one or more (``#`` alone: everything).
The ``me.`` form of a scope allows it on the principal's own seat and calls only
(``me.calls.control``: hang up or transfer the calls the agent is on).

Scopes that touch a queue's calls, agents or figures are narrowed to the queues the user or
token is given (``queues``, empty: all); see :mod:`controller.access.policy`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum


class Scope(StrEnum):
    """Every scope a route or a websocket message can require, with what it allows."""

    CALLS_READ = "calls.read"  # live calls: who calls, where they are, who talks
    CALLS_CONTROL = "calls.control"  # hang up, transfer, hold
    CALLS_ORIGINATE = "calls.originate"  # click-to-call from an agent's phone
    CALLS_RECORD = "calls.record"  # start and stop recording a call
    CALLS_LISTEN = "calls.listen"  # supervision: listen in
    CALLS_WHISPER = "calls.whisper"  # supervision: speak to the agent only
    CALLS_BARGE = "calls.barge"  # supervision: join the call
    CALLS_NOTES = "calls.notes"  # notes and a disposition saved with a call
    QUEUES_READ = "queues.read"  # queue state: waiting callers, members
    AGENTS_READ = "agents.read"  # agents' states
    AGENTS_STATE = "agents.state"  # log agents in and out, pause and unpause them
    SCREEN_POPS = "screen_pops.read"  # the caller's record when an agent's phone rings
    CUSTOMERS_READ = "customers.read"  # customer records
    HISTORY_READ = "history.read"  # finished calls
    RECORDINGS_READ = "recordings.read"  # listen to / download recordings
    RECORDINGS_DELETE = "recordings.delete"
    WALLBOARD_READ = "wallboard.read"  # the wallboard's figures
    REPORTS_READ = "reports.read"  # reports of the queues given; me.: an agent's own figures
    FOLLOWUPS_READ = "followups.read"  # follow-ups (工单) of calls and customers
    FOLLOWUPS_WRITE = "followups.write"  # create, assign, change and close follow-ups
    WEBHOOKS_MANAGE = "webhooks.manage"  # CRM webhook endpoints, their deliveries, test sends
    STATUS_READ = "status.read"  # the service's health and counts
    STATUS_DETAILS = "status.details"  # its internal error texts
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"  # users, roles and tokens
    CONFIG_READ = "config.read"
    CONFIG_APPLY = "config.apply"

    @property
    def own(self) -> str:
        """The ``me.`` form: this scope on the principal's own seat and calls."""
        return f"me.{self.value}"


# Scopes whose ``me.`` form means something (an agent's own seat, calls, history, pops).
OWNABLE = frozenset(
    {
        Scope.CALLS_READ,
        Scope.CALLS_CONTROL,
        Scope.CALLS_ORIGINATE,
        Scope.CALLS_RECORD,
        Scope.CALLS_NOTES,
        Scope.AGENTS_READ,
        Scope.AGENTS_STATE,
        Scope.SCREEN_POPS,
        Scope.HISTORY_READ,
        Scope.RECORDINGS_READ,
        Scope.FOLLOWUPS_READ,
        Scope.FOLLOWUPS_WRITE,
        Scope.REPORTS_READ,
    }
)

_PATTERN = re.compile(r"^(#|(\*|[a-z_]+)(\.(\*|#|[a-z_]+))*)$")


class ScopeError(ValueError):
    """A scope pattern that is not one."""


def check_pattern(pattern: str) -> str:
    """``pattern`` if it is a valid scope pattern; :class:`ScopeError` naming it if not."""
    if not _PATTERN.match(pattern) or "#" in pattern[:-1]:
        raise ScopeError(
            f"scope {pattern!r}: dotted lower-case words, '*' for one word, '#' (last) for the rest"
        )
    return pattern


def matches(pattern: str, scope: str) -> bool:
    """Whether ``pattern`` grants ``scope`` (both dotted; ``*`` one word, ``#`` the rest)."""
    wanted, given = scope.split("."), pattern.split(".")
    for index, word in enumerate(given):
        if word == "#":
            return len(wanted) > index
        if index >= len(wanted) or (word != "*" and word != wanted[index]):
            return False
    return len(given) == len(wanted)


def grants(patterns: Iterable[str], scope: str) -> bool:
    return any(matches(pattern, scope) for pattern in patterns)
