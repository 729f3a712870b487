"""Agent login, logout, pause (with a reason) and unpause: an agent their own seat, a
supervisor the agents of their queues."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from controller.access.policy import allows
from controller.access.scopes import Scope
from controller.agents.service import AgentService
from controller.agents.store import AgentError, LoginState
from controller.ami.encode import AmiValueError
from controller.ami.session import AmiError
from controller.web.access import principal, requires
from controller.web.api.fields import Device, PauseReason, path_value
from controller.web.errors import ApiError, parse_body
from controller.web.keys import SERVICES
from controller.web.scoping import agent_target, require_on_agent

routes = web.RouteTableDef()


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: Device | None = Field(
        None, description="where the agent sits; default: the agent's usual phone"
    )


class PauseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: PauseReason


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
    except AmiValueError as exc:  # from the database: the request's fields were checked
        raise ApiError(
            409, "conflict", f"cannot be sent to Asterisk: {exc}",
            [{"field": exc.field, "message": exc.reason}],
        ) from None  # fmt: skip
    except AmiError as exc:
        raise ApiError(502, "asterisk_error", str(exc)) from None


def _agent(request: web.Request, what: str) -> str:
    code = path_value(request, "code")
    require_on_agent(request, Scope.AGENTS_STATE, code, what)
    return code


@routes.get("/api/v1/logins")
@requires(Scope.AGENTS_READ)
async def logins(request: web.Request) -> web.Response:
    states = await _call(_service(request).logins())
    services, who = request.app[SERVICES], principal(request)
    shown = [
        s for s in states
        if allows(who, Scope.AGENTS_READ, on=agent_target(services, s.code))
    ]  # fmt: skip
    return web.json_response({"logins": [_json(s) for s in shown]})


@routes.post("/api/v1/agents/{code}/login")
@requires(Scope.AGENTS_STATE)
async def login(request: web.Request) -> web.Response:
    code = _agent(request, "log in")
    body = await parse_body(request, LoginRequest) if request.can_read_body else LoginRequest()
    state = await _call(_service(request).login(code, body.device))
    return web.json_response(_json(state))


@routes.post("/api/v1/agents/{code}/logout")
@requires(Scope.AGENTS_STATE)
async def logout(request: web.Request) -> web.Response:
    code = _agent(request, "log out")
    await _call(_service(request).logout(code))
    return web.json_response(_json(None))


@routes.post("/api/v1/agents/{code}/pause")
@requires(Scope.AGENTS_STATE)
async def pause(request: web.Request) -> web.Response:
    code = _agent(request, "pause")
    body = await parse_body(request, PauseRequest)
    state = await _call(_service(request).pause(code, body.reason))
    return web.json_response(_json(state))


@routes.post("/api/v1/agents/{code}/unpause")
@requires(Scope.AGENTS_STATE)
async def unpause(request: web.Request) -> web.Response:
    code = _agent(request, "unpause")
    state = await _call(_service(request).unpause(code))
    return web.json_response(_json(state))
