"""The websocket: live changes for wallboards, agents' screen pops, supervisors' consoles.

Connect to ``/api/v1/ws`` signed in: a browser with its session cookie, or with a one-use
ticket (``POST /api/v1/ws/ticket``, then ``/api/v1/ws?ticket=...`` within 30 s); a machine
with ``Authorization: Bearer``. A long-lived token is never accepted in the URL (URLs end up
in logs). On connect the server sends a ``snapshot`` of what the principal may see, then
changes as they happen, each message type to the principals allowed it
(:data:`controller.web.hub.MESSAGE_SCOPES`). The client chooses what it gets by sending
``{"subscribe": ["calls", "queues", "agents", "screen_pops", "board", "figures"],
"agents": ["8001"]}`` (default: the first four; ``agents``: screen pops only for these
agents). ``{"ping": N}`` is answered ``{"type": "pong", "data": {"ping": N, "server_time": T}}``:
a page that hears nothing for a while knows the connection is gone without waiting for TCP.
"""

from __future__ import annotations

from typing import Any

from aiohttp import WSMsgType, web

from controller.web.access import principal, signed_in
from controller.web.auth import TICKET_SECONDS
from controller.web.errors import ApiError, decode_json
from controller.web.hub import TOPICS, Subscriber
from controller.web.keys import SERVICES

routes = web.RouteTableDef()
PATH = "/api/v1/ws"
MAX_MESSAGE = 64 * 1024


@routes.post("/api/v1/ws/ticket")
@signed_in()
async def ticket(request: web.Request) -> web.Response:
    """A ticket for one websocket connection, good for 30 seconds."""
    value = request.app[SERVICES].auth.issue_ticket(principal(request))
    return web.json_response({"ticket": value, "expires_in": int(TICKET_SECONDS)})


@routes.get(PATH)
@signed_in()
async def websocket(request: web.Request) -> web.WebSocketResponse:
    services = request.app[SERVICES]
    # Subscriptions are a few hundred bytes: a client gets no more room than a request body.
    # No per-message deflate: small messages on a LAN, and zlib per socket per message would
    # cost more CPU than the rest of the fan-out.
    socket = web.WebSocketResponse(heartbeat=20.0, max_msg_size=MAX_MESSAGE, compress=False)
    await socket.prepare(request)
    subscriber = Subscriber(socket, principal(request), request.transport)
    services.hub.join(subscriber)  # the snapshot, then every change after it
    try:
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            await socket.send_json(_answer(subscriber, message.data, services.hub.clock()))
    finally:
        services.hub.subscribers.discard(subscriber)
    return socket


def _answer(subscriber: Subscriber, text: str, now: float) -> dict[str, Any]:
    """The reply to a client's message: pong, subscribed, or what was wrong."""
    try:
        data = decode_json(text, "the message")
    except ApiError as exc:
        return {"type": "error", "data": {"message": exc.message}}
    if isinstance(data, dict) and set(data) == {"ping"}:
        ping = data["ping"] if isinstance(data["ping"], int | str) else None
        return {"type": "pong", "data": {"ping": ping, "server_time": now}}
    error = _subscribe(subscriber, data)
    if error:
        return {"type": "error", "data": {"message": error}}
    topics, agents = sorted(subscriber.topics), sorted(subscriber.agents)
    return {"type": "subscribed", "data": {"topics": topics, "agents": agents}}


def _subscribe(subscriber: Subscriber, data: object) -> str | None:
    """Apply a subscription message; the error text, or None."""
    if not isinstance(data, dict):
        return 'send an object like {"subscribe": ["calls"]}'
    unknown = set(data) - {"subscribe", "agents"}
    if unknown:
        return f"unknown field(s) {sorted(unknown)}; use subscribe and agents, or ping alone"
    topics = data.get("subscribe", sorted(subscriber.topics))
    if not isinstance(topics, list) or not set(topics) <= TOPICS:
        return f"field subscribe: a list of {sorted(TOPICS)}"
    agents = data.get("agents", [])
    if not isinstance(agents, list) or not all(isinstance(a, str) for a in agents):
        return "field agents: a list of agent codes"
    subscriber.topics, subscriber.agents = set(topics), set(agents)
    return None
