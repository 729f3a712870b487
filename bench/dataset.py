"""A large, realistic configuration for the benchmarks: N extensions, IVR menus and queues."""

from __future__ import annotations

from typing import Any


def large_company(
    extensions: int = 10_000, menus: int = 500, queues: int = 500, *, blf_hints: bool = False
) -> dict[str, Any]:
    """The configuration document (as YAML would load it) of a big call center."""
    agents = [
        {"code": f"{8000 + i}", "name": f"Agent {i}", "extension": f"{20000 + i}"}
        for i in range(min(extensions, 2000))
    ]
    exts = [
        {"number": f"{20000 + i}", "name": f"User {i}", **({"voicemail": {}} if i % 4 == 0 else {})}
        for i in range(extensions)
    ]
    queue_list = [
        {
            "name": f"q{i}",
            "display_name": f"Queue {i}",
            "max_wait_seconds": 300,
            "overflow": f"voicemail:{20000 + (i * 4) % extensions}",
            "members": [
                {"agent": agents[(i * 4 + j) % len(agents)]["code"], "penalty": j % 3}
                for j in range(4)
            ],
        }
        for i in range(queues)
    ]
    menu_list = [
        {
            "name": f"m{i}",
            "prompts": {"zh": f"custom/menu-{i}-zh", "en": f"custom/menu-{i}-en"},
            "options": {
                "1": f"queue:q{i % queues}",
                "2": f"queue:q{(i + 1) % queues}",
                "3": f"ivr:m{(i + 1) % menus}",
                "0": f"extension:{20000 + i % extensions}",
            },
            "timeout": f"queue:q{i % queues}",
        }
        for i in range(menus)
    ]
    hours = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}
    national_day = {"date": "2026-10-01", "until": "2026-10-07", "name": "国庆节"}
    return {
        "format": 1,
        "site": {"name": "Bench Co", "blf_hints": blf_hints},
        "extensions": exts,
        "trunks": [{"name": "carrier", "auth": "ip", "host": "127.0.0.1", "port": 5999}],
        "agents": agents,
        "holiday_calendars": [{"name": "cn", "holidays": [national_day]}],
        "time_conditions": [
            {
                "name": "hours",
                "rules": [hours],
                "calendars": ["cn"],
                "open": "ivr:m0",
                "closed": "voicemail:20000",
            }
        ],
        "queues": queue_list,
        "ivr_menus": menu_list,
        "inbound_routes": [
            {
                "name": f"did{i}",
                "did": f"400{i:07d}",
                "destination": f"ivr:m{i}" if i else "time_condition:hours",
            }
            for i in range(menus)
        ],
        "outbound_routes": [{"name": "all", "patterns": [{"match": "X."}], "trunks": ["carrier"]}],
    }
