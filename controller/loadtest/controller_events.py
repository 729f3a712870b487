"""How many AMI events reached the controller: its own count, read from ``/api/v1/status``.

The load test reads it before and after the load, so the figure is the events of the load's
calls (and of anything else Asterisk did meanwhile), after Asterisk's server-side filters.
"""

from __future__ import annotations

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
