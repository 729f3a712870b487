"""The rules snapshot: the configuration indexed for routing decisions, immutable.

Built once per configuration revision from a :class:`PbxConfig` (no database here), so a
decision is dictionary lookups, never a query. Everything is frozen: a snapshot can be
shared by every running session while a newer one is being built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

from controller.domain import CallerIdPolicy, Destination
from controller.pbxconfig import schema as s


@dataclass(frozen=True, slots=True)
class CustomerRule:
    code: str
    name: str
    vip: bool
    blacklisted: bool
    owner: str | None  # agent code
    language: str | None


@dataclass(frozen=True, slots=True)
class AgentRule:
    code: str
    name: str
    skills: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class CallbackRule:
    key: str
    offer_after_seconds: int
    expiry_minutes: int
    max_attempts: int
    retry_seconds: int
    calling_hours: str | None  # a schedule name


@dataclass(frozen=True, slots=True)
class SurveyRule:
    scale: int  # answers are keys 1..scale
    question: str


@dataclass(frozen=True, slots=True)
class QueueRule:
    name: str
    members: tuple[tuple[str, int], ...]  # (agent code, penalty) in configured order
    required_skills: Mapping[str, int]
    ring_seconds: int
    wrapup_seconds: int
    max_wait_seconds: int
    periodic_announce: str | None
    callback: CallbackRule | None
    survey: SurveyRule | None = None


@dataclass(frozen=True, slots=True)
class ScheduleRule:
    """A time condition: weekly hours, closed days, worked weekend days (调休)."""

    name: str
    timezone: ZoneInfo
    # Per weekday (Monday = 0): (start minute, end minute) ranges, end exclusive.
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # open with Monday's hours
    open: Destination | None
    closed: Destination | None
    holiday: Destination | None


@dataclass(frozen=True, slots=True)
class RegionRouteRule:
    regions: tuple[str, ...]
    destination: Destination


@dataclass(frozen=True, slots=True)
class InboundRule:
    name: str
    did: str
    destination: Destination
    region_routes: tuple[RegionRouteRule, ...]
    language: str | None


@dataclass(frozen=True, slots=True)
class Tariff:
    prefix: str  # E.164 prefix with "+", "" for all
    per_minute: Decimal
    connection_fee: Decimal


@dataclass(frozen=True, slots=True)
class TrunkRule:
    name: str
    max_channels: int | None
    caller_id: str | None
    tariffs: tuple[Tariff, ...]  # longest prefix first


@dataclass(frozen=True, slots=True)
class OutboundRule:
    name: str
    trunks: tuple[str, ...]  # the configured failover order
    caller_id: CallerIdPolicy
    caller_id_number: str | None


@dataclass(frozen=True, slots=True)
class Rules:
    revision: int
    country: str  # the site's, for numbers written without a country code
    timezone: ZoneInfo
    default_language: str
    customers: Mapping[str, CustomerRule]  # by E.164 number
    agents: Mapping[str, AgentRule]
    queues: Mapping[str, QueueRule]
    schedules: Mapping[str, ScheduleRule]
    inbound: Mapping[str, InboundRule]
    trunks: Mapping[str, TrunkRule]
    outbound: Mapping[str, OutboundRule]
    agent_queues: Mapping[str, tuple[str, ...]]  # agent code -> queues listing them


def _minutes(clock: dt.time) -> int:
    if clock == dt.time(23, 59, 59, 999999):  # "24:00"
        return 24 * 60
    return clock.hour * 60 + clock.minute


def _schedule(tc: s.TimeCondition, cfg: s.PbxConfig) -> ScheduleRule:
    weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for rule in tc.rules:
        for day in rule.days:
            weekly[day.index].append((_minutes(rule.start), _minutes(rule.end)))
    calendars = {c.name: c for c in cfg.holiday_calendars}
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for name in tc.calendars:
        for holiday in calendars[name].holidays:
            day, last = holiday.date, holiday.until or holiday.date
            while day <= last:
                holidays.add(day)
                day += dt.timedelta(days=1)
        workdays.update(w.date for w in calendars[name].workdays)
    return ScheduleRule(
        name=tc.name,
        timezone=ZoneInfo(tc.timezone or cfg.site.timezone),
        weekly=tuple(tuple(sorted(day)) for day in weekly),
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        open=tc.open,
        closed=tc.closed,
        holiday=tc.holiday,
    )


def _queue(q: s.Queue) -> QueueRule:
    cb = q.callback
    return QueueRule(
        name=q.name,
        members=tuple((m.agent, m.penalty) for m in q.members),
        required_skills=MappingProxyType(dict(q.required_skills)),
        ring_seconds=q.ring_seconds,
        wrapup_seconds=q.wrapup_seconds,
        max_wait_seconds=q.max_wait_seconds,
        periodic_announce=q.periodic_announce,
        callback=None
        if cb is None
        else CallbackRule(
            cb.key,
            cb.offer_after_seconds,
            cb.expiry_minutes,
            cb.max_attempts,
            cb.retry_seconds,
            cb.calling_hours,
        ),
        survey=SurveyRule(q.survey.scale, q.survey.question) if q.survey else None,
    )


def _trunk(t: s.Trunk) -> TrunkRule:
    tariffs = sorted(
        (Tariff(x.prefix, x.per_minute, x.connection_fee) for x in t.tariffs),
        key=lambda x: -len(x.prefix),
    )
    return TrunkRule(t.name, t.max_channels, t.caller_id, tuple(tariffs))


def build_rules(cfg: s.PbxConfig, revision: int = 0) -> Rules:
    """Index a validated configuration for routing (references are known to resolve)."""
    customers: dict[str, CustomerRule] = {}
    for c in cfg.customers:
        rule = CustomerRule(c.code, c.name, c.vip, c.blacklisted, c.owner, c.language)
        for number in c.numbers:
            customers[number] = rule
    agent_queues: dict[str, list[str]] = {}
    for q in cfg.queues:
        for member in q.members:
            agent_queues.setdefault(member.agent, []).append(q.name)
    frozen = MappingProxyType
    return Rules(
        revision=revision,
        country=cfg.site.country,
        timezone=ZoneInfo(cfg.site.timezone),
        default_language=cfg.site.default_language,
        customers=frozen(customers),
        agents=frozen(
            {a.code: AgentRule(a.code, a.name, frozen(dict(a.skills))) for a in cfg.agents}
        ),
        queues=frozen({q.name: _queue(q) for q in cfg.queues}),
        schedules=frozen({tc.name: _schedule(tc, cfg) for tc in cfg.time_conditions}),
        inbound=frozen(
            {
                r.name: InboundRule(
                    r.name,
                    r.did,
                    r.destination,
                    tuple(
                        RegionRouteRule(tuple(x.regions), x.destination) for x in r.region_routes
                    ),
                    r.language,
                )
                for r in cfg.inbound_routes
            }
        ),
        trunks=frozen({t.name: _trunk(t) for t in cfg.trunks}),
        outbound=frozen(
            {
                r.name: OutboundRule(r.name, tuple(r.trunks), r.caller_id, r.caller_id_number)
                for r in cfg.outbound_routes
            }
        ),
        agent_queues=frozen({k: tuple(v) for k, v in agent_queues.items()}),
    )
