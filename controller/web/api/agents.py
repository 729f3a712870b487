"""Agent login, logout, pause (with a reason) and unpause: an agent their own seat, a
supervisor the agents of their queues."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from controller.access.policy import allows, queue_visible
from controller.access.scopes import Scope
from controller.agents.service import AgentService
from controller.agents.store import AgentError, LoginState
from controller.ami.encode import AmiValueError
from controller.ami.session import AmiError
from controller.web.access import forbidden, principal, requires
from controller.web.api.fields import Device, PauseReason, QueueName, path_value
from controller.web.errors import ApiError, parse_body
from controller.web.keys import SERVICES
from controller.web.scoping import agent_target, require_on_agent

routes = web.RouteTableDef()


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: Device | None = Field(
        None, description="where the agent sits; default: the agent's usual phone"
    )
    queues: list[QueueName] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="sign in to these of the agent's queues that need a login, besides those "
        "the agent is in already (a new login: only to these); default: to every one",
    )


class LogoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queues: list[QueueName] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="sign out of these queues only, staying in the others (out of the last "
        "one: logged out); default: out of every queue",
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
        if str(exc).startswith("field queues: "):  # well formed, but not the agent's: as reason
            problems = [{"field": "queues", "message": str(exc)}]
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
    _queues_in_sight(request, body.queues, "log in")
    state = await _call(_service(request).login(code, body.device, body.queues))
    return web.json_response(_json(state))


@routes.post("/api/v1/agents/{code}/logout")
@requires(Scope.AGENTS_STATE)
async def logout(request: web.Request) -> web.Response:
    code = _agent(request, "log out")
    body = await parse_body(request, LogoutRequest) if request.can_read_body else LogoutRequest()
    _queues_in_sight(request, body.queues, "log out")
    state = await _call(_service(request).logout(code, body.queues))
    return web.json_response(_json(state))


def _queues_in_sight(request: web.Request, queues: list[str] | None, what: str) -> None:
    """A supervisor signs agents in and out of their own queues only."""
    who = principal(request)
    for queue in queues or ():
        if not queue_visible(who, queue):
            raise forbidden(who, f"{what} an agent of queue {queue!r}")


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
