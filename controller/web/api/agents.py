"""Agent login, logout, pause (with a reason) and unpause."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from controller.agents.service import AgentService
from controller.agents.store import AgentError, LoginState
from controller.ami.session import AmiError
from controller.web.errors import ApiError, parse_body
from controller.web.keys import SERVICES

routes = web.RouteTableDef()


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str | None = Field(
        None,
        pattern=r"^(PJSIP|SIP|IAX2|Local)/[A-Za-z0-9_.@+-]{1,80}$",
        description="where the agent sits; default: the agent's usual phone",
    )


class PauseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=32, description="a configured pause reason")


def _service(request: web.Request) -> AgentService:
    agents = request.app[SERVICES].agents
    if agents is None:
        raise ApiError(503, "unavailable", "agent actions need the AMI connection (pbxctl serve)")
    return agents


def _json(state: LoginState | None) -> dict[str, Any]:
    if state is None:
        return {"logged_in": False}
    data = asdict(state)
    data["logged_in_at"] = state.logged_in_at.isoformat()
    return {"logged_in": True, **data}


async def _call(work: Any) -> Any:
    try:
        return await work
    except AgentError as exc:
        status = 404 if "does not exist" in str(exc) else 409
        problems = [{"field": "reason", "message": str(exc)}] if "reason" in str(exc) else None
        raise ApiError(status, "agent_error", str(exc), problems) from None
    except AmiError as exc:
        raise ApiError(502, "asterisk_error", str(exc)) from None


@routes.get("/api/v1/logins")
async def logins(request: web.Request) -> web.Response:
    states = await _call(_service(request).logins())
    return web.json_response({"logins": [_json(s) for s in states]})


@routes.post("/api/v1/agents/{code}/login")
async def login(request: web.Request) -> web.Response:
    body = await parse_body(request, LoginRequest) if request.can_read_body else LoginRequest()
    state = await _call(_service(request).login(request.match_info["code"], body.device))
    return web.json_response(_json(state))


@routes.post("/api/v1/agents/{code}/logout")
async def logout(request: web.Request) -> web.Response:
    await _call(_service(request).logout(request.match_info["code"]))
    return web.json_response(_json(None))


@routes.post("/api/v1/agents/{code}/pause")
async def pause(request: web.Request) -> web.Response:
    body = await parse_body(request, PauseRequest)
    state = await _call(_service(request).pause(request.match_info["code"], body.reason))
    return web.json_response(_json(state))


@routes.post("/api/v1/agents/{code}/unpause")
async def unpause(request: web.Request) -> web.Response:
    state = await _call(_service(request).unpause(request.match_info["code"]))
    return web.json_response(_json(state))
