"""What the routes work with, passed in explicitly (no globals, nothing found by import).

Routes read the rules snapshot and the live view from memory; the few that write (callback,
survey) go through the stores here, off the event loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from controller.routing.live import LiveView, StaticLiveView
from controller.routing.region import RegionLookup
from controller.routing.rules import Rules

if TYPE_CHECKING:
    from controller.agents.service import AgentService
    from controller.agi.callbacks import CallbackService
    from controller.agi.stores import SurveyStore


class NoRules(Exception):
    """No rules snapshot yet: the database has been unreachable since the server started."""


class RulesSource(Protocol):
    def current(self) -> Rules | None: ...


class CallerHistory(Protocol):
    def last_agent(self, e164: str) -> str | None: ...


class NoHistory:
    def last_agent(self, e164: str) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class FixedRules:
    """A RulesSource that always answers the same snapshot (tests, benchmarks, classic AGI)."""

    rules: Rules | None

    def current(self) -> Rules | None:
        return self.rules


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class AgiServices:
    rules_source: RulesSource
    live: LiveView = field(default_factory=StaticLiveView)
    region: RegionLookup = field(default_factory=RegionLookup)
    history: CallerHistory = field(default_factory=NoHistory)
    callbacks: CallbackService | None = None
    surveys: SurveyStore | None = None
    agents: AgentService | None = None  # the *45-*48 agent routes (pbxctl serve)
    clock: Callable[[], dt.datetime] = utc_now
    server_id: str = "default"

    def rules(self) -> Rules:
        rules = self.rules_source.current()
        if rules is None:
            raise NoRules("no routing rules loaded (is the database reachable?)")
        return rules
