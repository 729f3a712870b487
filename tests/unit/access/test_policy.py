"""Scopes, roles and the policy: who may do what, on which queue's things."""

from __future__ import annotations

import pytest

from controller.access import roles
from controller.access.policy import Principal, Target, allows
from controller.access.scopes import Scope, ScopeError, check_pattern, matches
from controller.access.throttle import Throttle


def principal(role: str, queues: set[str] | None = None, agent: str | None = None) -> Principal:
    patterns = frozenset(str(p) for p in roles.BUILTIN[role])
    return Principal("user", "u", role, patterns, frozenset(queues) if queues else None, agent)


SALES_CALL = Target(queues=frozenset({"sales"}), agents=frozenset({"8001"}))
SUPPORT_CALL = Target(queues=frozenset({"support"}), agents=frozenset({"8004"}))
# A call rung straight to a sales agent: no queue, but the agent serves sales.
DIRECT_TO_8002 = Target(agents=frozenset({"8002"}), agent_queues=frozenset({"sales"}))


@pytest.mark.parametrize(("pattern", "scope", "expected"), [
    ("#", "calls.read", True),
    ("#", "me.calls.read", True),
    ("calls.*", "calls.read", True),
    ("calls.*", "calls.read.more", False),
    ("calls.#", "calls.read.more", True),
    ("calls.#", "calls", False),
    ("*.read", "history.read", True),
    ("calls.read", "me.calls.read", False),
    ("me.calls.read", "calls.read", False),
])  # fmt: skip
def test_patterns(pattern: str, scope: str, expected: bool) -> None:
    assert matches(pattern, scope) is expected


@pytest.mark.parametrize("bad", ["", "Calls.read", "calls..read", "#.calls", "calls read", "a#"])
def test_bad_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ScopeError):
        check_pattern(bad)


def test_every_shipped_pattern_is_valid() -> None:
    for patterns in roles.BUILTIN.values():
        for pattern in patterns:
            check_pattern(str(pattern))


def test_a_supervisor_acts_on_their_queues_only() -> None:
    sales = principal(roles.SUPERVISOR, {"sales"})
    assert allows(sales, Scope.CALLS_LISTEN, on=SALES_CALL)
    assert not allows(sales, Scope.CALLS_LISTEN, on=SUPPORT_CALL)
    assert allows(sales, Scope.CALLS_CONTROL, on=DIRECT_TO_8002)  # a sales agent's call
    assert allows(principal(roles.SUPERVISOR), Scope.CALLS_LISTEN, on=SUPPORT_CALL)  # all queues


def test_an_agent_acts_on_their_own_calls_only() -> None:
    agent = principal(roles.AGENT, agent="8001")
    assert allows(agent, Scope.CALLS_CONTROL, on=SALES_CALL)  # 8001 is on it
    assert not allows(agent, Scope.CALLS_CONTROL, on=DIRECT_TO_8002)
    assert not allows(agent, Scope.CALLS_LISTEN, on=SALES_CALL)  # never supervision
    assert allows(agent, Scope.CALLS_READ)  # some calls (their own)
    assert not allows(principal(roles.AGENT), Scope.CALLS_READ)  # no agent: nothing own


def test_a_wallboard_token_cannot_listen_control_or_read_customers() -> None:
    board = principal(roles.WALLBOARD)
    for scope in (Scope.CALLS_LISTEN, Scope.CALLS_BARGE, Scope.CALLS_CONTROL,
                  Scope.CALLS_RECORD, Scope.CALLS_READ, Scope.CUSTOMERS_READ,
                  Scope.HISTORY_READ, Scope.QUEUES_READ):  # fmt: skip
        assert not allows(board, scope, on=SALES_CALL), scope
    assert allows(board, Scope.WALLBOARD_READ)


def test_admin_may_do_everything() -> None:
    admin = principal(roles.ADMIN)
    assert all(allows(admin, scope, on=SUPPORT_CALL) for scope in Scope)


def test_the_throttle_blocks_after_the_limit_and_forgets_after_the_window() -> None:
    throttle = Throttle(limit=3, window=60.0)
    for second in (0.0, 1.0, 2.0):
        assert throttle.blocked_for("wang", second) == 0
        throttle.fail("wang", second)
    assert throttle.blocked_for("wang", 3.0) == pytest.approx(57.0)
    assert throttle.blocked_for("li", 3.0) == 0  # others are not slowed down
    assert throttle.blocked_for("wang", 60.5) == 0  # the first failure left the window
    small = Throttle(limit=1, window=10.0, max_keys=2)
    for key in ("a", "b", "c"):
        small.fail(key, 0.0)
    assert small.blocked_for("a", 1.0) == 0  # the oldest key went: memory stays bounded
