"""The websocket: live changes for wallboards, screen pops for agents.

Connect to ``/api/v1/ws`` with the token in the ``Authorization`` header, or (browsers cannot
set headers on a websocket) as ``?access_token=``. On connect the server sends a ``snapshot``
(all calls, queues and agents), then changes as they happen. The client may narrow what it
gets by sending ``{"subscribe": ["calls", "queues", "agents", "screen_pops"],
"agents": ["8001"]}`` (``agents``: screen pops only for these agents).
"""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from controller.ami.tracker import to_json
from controller.web.hub import TOPICS, Subscriber
from controller.web.keys import SERVICES

routes = web.RouteTableDef()


@routes.get("/api/v1/ws")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    services = request.app[SERVICES]
    socket = web.WebSocketResponse(heartbeat=20.0)
    await socket.prepare(request)
    tracker = services.tracker
    await socket.send_json(
        {
            "type": "snapshot",
            "data": {
                "calls": to_json(tracker.calls()),
                "queues": to_json(tracker.queues()),
                "agents": to_json(tracker.seats()),
            },
        }
    )
    subscriber = Subscriber(socket)
    services.hub.subscribers.add(subscriber)
    try:
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            error = _subscribe(subscriber, message.data)
            await socket.send_json(
                {"type": "error", "data": {"message": error}}
                if error
                else {"type": "subscribed", "data": {"topics": sorted(subscriber.topics),
                                                      "agents": sorted(subscriber.agents)}}
            )  # fmt: skip
    finally:
        services.hub.subscribers.discard(subscriber)
    return socket


def _subscribe(subscriber: Subscriber, text: str) -> str | None:
    """Apply a subscription message; the error text, or None."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc.msg} at position {exc.pos}"
    if not isinstance(data, dict):
        return 'send an object like {"subscribe": ["calls"]}'
    unknown = set(data) - {"subscribe", "agents"}
    if unknown:
        return f"unknown field(s) {sorted(unknown)}; use subscribe and agents"
    topics = data.get("subscribe", sorted(subscriber.topics))
    if not isinstance(topics, list) or not set(topics) <= TOPICS:
        return f"field subscribe: a list of {sorted(TOPICS)}"
    agents = data.get("agents", [])
    if not isinstance(agents, list) or not all(isinstance(a, str) for a in agents):
        return "field agents: a list of agent codes"
    subscriber.topics, subscriber.agents = set(topics), set(agents)
    return None
