"""How many AMI events reached the controller: its own count, read from ``/api/v1/status``.

The load test reads it before and after the load, so the figure is the events of the load's
calls (and of anything else Asterisk did meanwhile), after Asterisk's server-side filters.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp


async def events_received(api_url: str, token: str) -> int | None:
    """The controller AMI client's ``events_received``, or None when the API did not say."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(headers=headers) as http,
            http.get(f"{api_url}/api/v1/status") as response,
        ):
            if not response.ok:
                return None
            count = (await response.json()).get("ami", {}).get("events_received")
    except aiohttp.ClientError:
        return None
    return count if isinstance(count, int) else None


async def settled_count(
    api_url: str, token: str, quiet: float = 0.5, within: float = 5.0
) -> int | None:
    """``events_received`` once it stopped moving for ``quiet`` seconds: the events of what
    was done before (the load test's QueueAdd of its agents) are not counted as the load's."""
    deadline = time.monotonic() + within
    count = await events_received(api_url, token)
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet)
        now = await events_received(api_url, token)
        if now == count:
            break
        count = now
    return count
