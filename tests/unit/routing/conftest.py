"""A small call center to decide calls against, built fresh for each test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from controller.pbxconfig.load import parse_config
from controller.routing.live import AgentLive, QueueLive, StaticLiveView
from controller.routing.rules import Rules, build_rules

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Tuesday 2026-11-24 at 11:00 in Shanghai: open.
TUESDAY_11 = dt.datetime(2026, 11, 24, 11, 0, tzinfo=SHANGHAI)

VIP = "+8613800138000"  # 北京, owner 8001
OWNED = "+8675583219876"  # 广东省深圳市, owner 8002
BLOCKED = "+8617000001111"
ENGLISH = "+14155550123"
UNKNOWN_GZ = "+862081234567"  # 广东省广州市
UNKNOWN_SH = "+862161234567"  # 上海市


def company() -> dict[str, Any]:
    return {
        "format": 1,
        "site": {"name": "测试公司"},
        "extensions": [{"number": "1000", "name": "前台", "voicemail": {}}],
        "trunks": [
            {"name": "cheap", "auth": "ip", "host": "192.0.2.1", "max_channels": 10,
             "caller_id": "+8675500000001",
             "tariffs": [{"prefix": "", "per_minute": "0.10"},
                         {"prefix": "+86755", "per_minute": "0.03"},
                         {"prefix": "+1", "per_minute": "0.50"}]},
            {"name": "backup", "auth": "ip", "host": "192.0.2.2",
             "tariffs": [{"prefix": "", "per_minute": "0.08"},
                         {"prefix": "+1", "per_minute": "0.20", "connection_fee": "0.10"}]},
            {"name": "flat", "auth": "ip", "host": "192.0.2.3"},
        ],
        "skills": [{"name": "sales"}, {"name": "english"}],
        "agents": [
            {"code": "8001", "name": "张伟", "skills": {"sales": 9}},
            {"code": "8002", "name": "李娜", "skills": {"sales": 4, "english": 6}},
            {"code": "8003", "name": "王芳", "skills": {"sales": 7}},
            {"code": "8004", "name": "刘洋", "skills": {"english": 9}},
        ],
        "holiday_calendars": [{
            "name": "cn",
            "holidays": [{"date": "2026-10-01", "until": "2026-10-07", "name": "国庆节"}],
            "workdays": [{"date": "2026-10-10", "name": "国庆节调休上班"}],
        }],
        "time_conditions": [
            {"name": "hours", "rules": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                         "start": "09:00", "end": "18:00"},
                                        {"days": ["sat"], "start": "09:00", "end": "12:00"}],
             "calendars": ["cn"], "open": "queue:sales", "closed": "voicemail:1000",
             "holiday": "hangup"},
            {"name": "callback-hours", "rules": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                                  "start": "09:00", "end": "20:00"}]},
        ],
        "queues": [
            {"name": "sales", "ring_seconds": 12, "periodic_announce": "custom/press-5",
             "required_skills": {"sales": 5},
             "members": [{"agent": "8001"}, {"agent": "8002"},
                         {"agent": "8003", "penalty": 1}],
             "callback": {"offer_after_seconds": 90, "calling_hours": "callback-hours"}},
            {"name": "support", "members": [{"agent": "8004"}, {"agent": "8002"}]},
        ],
        "ivr_menus": [{"name": "main", "prompts": {"zh": "custom/main"},
                       "options": {"1": "queue:sales"}}],
        "inbound_routes": [
            {"name": "main", "did": "4001", "destination": "time_condition:hours",
             "region_routes": [{"regions": ["北京", "天津"], "destination": "queue:support"},
                               {"regions": ["广州"], "destination": "ivr:main"}]},
            {"name": "direct", "did": "4002", "destination": "queue:sales"},
        ],
        "outbound_routes": [
            {"name": "all", "patterns": [{"match": "X."}], "trunks": ["flat", "cheap", "backup"]},
        ],
        "customers": [
            {"code": "C1", "name": "赵明", "numbers": [VIP], "owner": "8001", "vip": True},
            {"code": "C2", "name": "孙丽", "numbers": [OWNED], "owner": "8002"},
            {"code": "C3", "name": "骚扰", "numbers": [BLOCKED], "blacklisted": True},
            {"code": "C4", "name": "Michael", "numbers": [ENGLISH], "language": "en"},
        ],
    }  # fmt: skip


def make_rules(data: dict[str, Any] | None = None) -> Rules:
    text = yaml.safe_dump(data or company(), allow_unicode=True, sort_keys=False)
    return build_rules(parse_config(text, "test.yaml").config, revision=7)


@pytest.fixture
def rules() -> Rules:
    return make_rules()


def free(code: str, *queues: str, idle_since: float = 0.0) -> AgentLive:
    return AgentLive(code, dict.fromkeys(queues, False), in_use=False, idle_since=idle_since)


def busy(code: str, *queues: str) -> AgentLive:
    return AgentLive(code, dict.fromkeys(queues, False), in_use=True, idle_since=0.0)


@pytest.fixture
def live_factory() -> Callable[..., StaticLiveView]:
    def make(*agents: AgentLive, callers: dict[str, int] | None = None) -> StaticLiveView:
        counts = {"sales": 0, "support": 0, **(callers or {})}
        ready = {q: sum(1 for a in agents if a.ready_in(q)) for q in counts}
        idle = {q: sum(1 for a in agents if a.ready_in(q) and not a.in_use) for q in counts}
        queues = {
            q: QueueLive(q, counts[q], ready[q], ready[q], idle[q], talk_seconds=120.0)
            for q in counts
        }
        return StaticLiveView({a.code: a for a in agents}, queues)

    return make
