"""A realistic rule set for the FastAGI benchmark: 1,000 customers, 50 agents, 20 queues,
public holidays and worked weekend days, region routes; plus live state and a caller mix.

Deterministic (seeded), so every run decides the same calls.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import yaml

from controller.pbxconfig.load import parse_config
from controller.routing.live import AgentLive, QueueLive, StaticLiveView
from controller.routing.rules import Rules, build_rules

SKILLS = ["sales", "tech", "billing", "english", "vip"]
REGIONS = ["北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东"]
MOBILE_PREFIXES = ["130", "133", "135", "136", "138", "139", "150", "158", "186", "189"]


def _number(rng: random.Random) -> str:
    return "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def company(
    customers: int = 1000, agents: int = 50, queues: int = 20, seed: int = 7
) -> dict[str, Any]:
    rng = random.Random(seed)
    agent_list = [
        {"code": f"{8000 + i}", "name": f"坐席{i}",
         "skills": {s: rng.randint(1, 10) for s in rng.sample(SKILLS, 3)}}
        for i in range(agents)
    ]  # fmt: skip
    queue_list = []
    for i in range(queues):
        members = rng.sample(agent_list, 8)
        queue_list.append({
            "name": f"q{i}",
            "display_name": f"队列{i}",
            "strategy": "leastrecent",
            "max_wait_seconds": 600,
            "periodic_announce": "custom/press-5-callback",
            "required_skills": {rng.choice(SKILLS): rng.randint(1, 4)} if i % 2 else {},
            "members": [{"agent": a["code"], "penalty": j % 3} for j, a in enumerate(members)],
            "callback": {"offer_after_seconds": 60, "calling_hours": "callback-hours"},
        })  # fmt: skip
    used: set[str] = set()
    customer_list = []
    for i in range(customers):
        number = _number(rng)
        while number in used:
            number = _number(rng)
        used.add(number)
        customer_list.append({
            "code": f"C{100000 + i}",
            "name": f"客户{i}",
            "numbers": [number],
            "owner": rng.choice(agent_list)["code"] if i % 3 == 0 else None,
            "vip": i % 10 == 0,
            "blacklisted": i % 97 == 0,
        })  # fmt: skip
        if customer_list[-1]["owner"] is None:
            del customer_list[-1]["owner"]
    holidays = [
        {"date": "2026-01-01", "until": "2026-01-03", "name": "元旦"},
        {"date": "2026-02-15", "until": "2026-02-23", "name": "春节"},
        {"date": "2026-04-04", "until": "2026-04-06", "name": "清明节"},
        {"date": "2026-05-01", "until": "2026-05-05", "name": "劳动节"},
        {"date": "2026-10-01", "until": "2026-10-07", "name": "国庆节"},
    ]
    workdays = [{"date": d, "name": "调休"} for d in ("2026-01-04", "2026-02-14", "2026-09-20")]
    return {
        "format": 1,
        "site": {"name": "Bench 呼叫中心"},
        "extensions": [{"number": "1000", "name": "前台", "voicemail": {}}],
        "agents": agent_list,
        "skills": [{"name": s} for s in SKILLS],
        "holiday_calendars": [{"name": "cn", "holidays": holidays, "workdays": workdays}],
        "time_conditions": [
            {"name": "hours", "rules": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                         "start": "00:00", "end": "24:00"}],
             "calendars": ["cn"], "open": "queue:q0", "closed": "voicemail:1000"},
            {"name": "callback-hours", "rules": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                                  "start": "00:00", "end": "24:00"}]},
        ],
        "queues": queue_list,
        "inbound_routes": [{
            "name": "hotline", "did": "4008001234", "destination": "time_condition:hours",
            "region_routes": [{"regions": [r], "destination": f"queue:q{i + 1}"}
                              for i, r in enumerate(REGIONS)],
        }],
        "customers": customer_list,
    }  # fmt: skip


def rules(seed: int = 7) -> Rules:
    text = yaml.safe_dump(company(seed=seed), allow_unicode=True, sort_keys=False)
    return build_rules(parse_config(text, "bench.yaml").config, revision=1)


def live_state(rules: Rules, now: float, seed: int = 7) -> StaticLiveView:
    """Half the agents logged in; of those, most free and idle for a while."""
    rng = random.Random(seed)
    agents: dict[str, AgentLive] = {}
    for code in rules.agents:
        queues = rules.agent_queues.get(code, ())
        if not queues or rng.random() < 0.5:
            continue
        agents[code] = AgentLive(
            code,
            {q: rng.random() < 0.1 for q in queues},
            in_use=rng.random() < 0.4,
            idle_since=now - rng.randint(10, 900),
        )
    queues = {
        name: QueueLive(name, callers=rng.randint(0, 6), logged_in=4, ready=3,
                        free=rng.randint(0, 3), talk_seconds=150.0, hold_seconds=40.0)
        for name in rules.queues
    }  # fmt: skip
    return StaticLiveView(agents, queues)


def callers(rules: Rules, count: int = 5000, seed: int = 7) -> list[str]:
    """A third known customers (some VIP, owned, blacklisted), the rest new numbers, in the
    forms providers send them (with or without +86)."""
    rng = random.Random(seed)
    known = list(rules.customers)
    out = []
    for _ in range(count):
        number = rng.choice(known) if rng.random() < 0.33 else _number(rng)
        out.append(number if rng.random() < 0.5 else number.removeprefix("+86"))
    return out


# A Tuesday at 11:00 in Shanghai: business hours, not a holiday.
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
