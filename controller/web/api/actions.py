"""Call control: click-to-call, hangup, transfer, hold, supervision, recording.

Each action needs its scope on the call of the channel it names (a supervisor: a call of
their queues; an agent: a call they are on); supervision is written to the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Literal

from aiohttp import web
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from controller.access import audit
from controller.access.scopes import Scope, grants
from controller.ami.actions import ActionError, CallActions, NotFound, SpyMode, Target, TargetKind
from controller.ami.encode import AmiValueError
from controller.ami.session import AmiError
from controller.ami.tracker import CallView
from controller.web.access import forbidden, principal, requires
from controller.web.api.fields import (
    TARGET_TYPES,
    AgentCode,
    CallerIdText,
    Device,
    DialNumber,
    RequestId,
    caller_id_parts,
    path_value,
)
from controller.web.errors import ApiError, not_found, parse_body
from controller.web.keys import SERVICES, WebServices
from controller.web.scoping import channel_call, require_on_agent, require_on_call

routes = web.RouteTableDef()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OriginateRequest(_Body):
    number: DialNumber
    agent: AgentCode | None = Field(None, description="ring this agent's phone")
    device: Device | None = None
    caller_id: CallerIdText | None = None
    request_id: RequestId | None = None


class TargetBody(_Body):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"properties": {"kind": {"const": kind.value}, "value": adapter.json_schema()}}
                for kind, adapter in TARGET_TYPES.items()
            ]
        }
    )

    kind: TargetKind
    value: str = Field(description="by kind: an extension, agent code, queue name or number")

    @field_validator("value")
    @classmethod
    def _by_kind(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is None:
            return value  # the kind's own error says what is wrong
        try:
            return TARGET_TYPES[kind].validate_python(value)
        except ValidationError as exc:
            raise ValueError(f"not a valid {kind.value}: {exc.errors()[0]['msg']}") from None


class TransferRequest(_Body):
    kind: Literal["blind", "attended"] = "blind"
    target: TargetBody


class SpyRequest(_Body):
    mode: SpyMode
    supervisor_device: Device
    request_id: RequestId | None = None


class RecordingRequest(_Body):
    action: Literal["start", "stop"]


def _actions(request: web.Request) -> CallActions:
    actions = request.app[SERVICES].actions
    if actions is None:
        raise ApiError(503, "unavailable", "call control needs the AMI connection (pbxctl serve)")
    return actions


SPY_SCOPES = {
    SpyMode.LISTEN: Scope.CALLS_LISTEN,
    SpyMode.WHISPER: Scope.CALLS_WHISPER,
    SpyMode.BARGE: Scope.CALLS_BARGE,
}


def _on_call(request: web.Request, scope: Scope, what: str) -> CallView:
    """The call of the channel in the path, if the principal holds ``scope`` on it."""
    view = channel_call(request, path_value(request, "uniqueid"))
    require_on_call(request, scope, view, what)
    return view


async def _audit(services: WebServices, actor: audit.Actor, entry: audit.Entry) -> None:
    def run() -> None:
        with services.factory() as session, session.begin():
            audit.record(session, actor, entry)

    await asyncio.to_thread(run)


@contextlib.asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """Action errors as HTTP errors: 404 unknown channel, 409 not possible, 502 Asterisk.

    Every field of a request was checked by its type already: a value the AMI encoder still
    refuses came from Asterisk or the database (a channel name), hence 409, not 400."""
    try:
        yield
    except NotFound as exc:
        raise not_found(str(exc)) from None
    except ActionError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except AmiValueError as exc:
        raise ApiError(
            409, "conflict", f"cannot be sent to Asterisk: {exc}",
            [{"field": exc.field, "message": exc.reason}],
        ) from None  # fmt: skip
    except AmiError as exc:
        raise ApiError(502, "asterisk_error", str(exc)) from None


@routes.post("/api/v1/calls/originate")
@requires(Scope.CALLS_ORIGINATE)
async def originate(request: web.Request) -> web.Response:
    body = await parse_body(request, OriginateRequest)
    services = request.app[SERVICES]
    who = principal(request)
    if not grants(who.patterns, Scope.CALLS_ORIGINATE.value):
        # Only as `me.`: from the agent's own phone, as the agent.
        if body.agent not in (None, who.agent) or body.device is not None:
            raise forbidden(who, "call from another agent's phone or a device")
        body = body.model_copy(update={"agent": who.agent})
    elif body.agent is not None:
        require_on_agent(request, Scope.CALLS_ORIGINATE, body.agent, "call from the phone of")
    device = body.device
    if device is None and body.agent is not None and services.agents is not None:
        logins = {state.code: state.device for state in await services.agents.logins()}
        device = logins.get(body.agent)
        if device is None:
            raise ApiError(
                409,
                "conflict",
                f"agent {body.agent!r} is not logged in: give field device",
                [{"field": "device", "message": "required when the agent is not logged in"}],
            )
    if device is None:
        raise ApiError(
            400,
            "invalid_input",
            "give field agent or field device",
            [{"field": "device", "message": "field required"}],
        )
    actions = _actions(request)
    async with translated():
        uid = await actions.originate(
            device,
            body.number,
            agent=body.agent,
            caller_id=caller_id_parts(body.caller_id) if body.caller_id is not None else None,
            request_id=body.request_id,
        )
    return web.json_response({"uniqueid": uid, "device": device}, status=202)


@routes.post("/api/v1/channels/{uniqueid}/hangup")
@requires(Scope.CALLS_CONTROL)
async def hangup(request: web.Request) -> web.Response:
    _on_call(request, Scope.CALLS_CONTROL, "hang up")
    async with translated():
        await _actions(request).hangup(path_value(request, "uniqueid"))
    return web.json_response({"ok": True})


@routes.post("/api/v1/channels/{uniqueid}/transfer")
@requires(Scope.CALLS_CONTROL)
async def transfer(request: web.Request) -> web.Response:
    _on_call(request, Scope.CALLS_CONTROL, "transfer")
    body = await parse_body(request, TransferRequest)
    target = Target(body.target.kind, body.target.value)
    actions, uid = _actions(request), path_value(request, "uniqueid")
    async with translated():
        if body.kind == "blind":
            await actions.blind_transfer(uid, target)
        else:
            await actions.attended_transfer(uid, target)
    return web.json_response({"ok": True, "kind": body.kind})


@routes.post("/api/v1/channels/{uniqueid}/transfer/cancel")
@requires(Scope.CALLS_CONTROL)
async def cancel_transfer(request: web.Request) -> web.Response:
    _on_call(request, Scope.CALLS_CONTROL, "cancel a transfer")
    async with translated():
        await _actions(request).cancel_transfer(path_value(request, "uniqueid"))
    return web.json_response({"ok": True})


@routes.post("/api/v1/channels/{uniqueid}/hold")
@requires(Scope.CALLS_CONTROL)
async def hold(request: web.Request) -> web.Response:
    _on_call(request, Scope.CALLS_CONTROL, "hold")
    async with translated():
        await _actions(request).hold(path_value(request, "uniqueid"))
    return web.json_response({"ok": True})


@routes.post("/api/v1/channels/{uniqueid}/unhold")
@requires(Scope.CALLS_CONTROL)
async def unhold(request: web.Request) -> web.Response:
    _on_call(request, Scope.CALLS_CONTROL, "take off hold")
    async with translated():
        await _actions(request).unhold(path_value(request, "uniqueid"))
    return web.json_response({"ok": True})


@routes.post("/api/v1/channels/{uniqueid}/spy")
@requires(Scope.CALLS_LISTEN, Scope.CALLS_WHISPER, Scope.CALLS_BARGE)
async def spy(request: web.Request) -> web.Response:
    body = await parse_body(request, SpyRequest)
    scope = SPY_SCOPES[body.mode]
    view = _on_call(request, scope, body.mode.value)
    actions, uid = _actions(request), path_value(request, "uniqueid")
    services = request.app[SERVICES]
    entry = audit.Entry(
        f"call.{body.mode.value}", "channel", uid, view.linkedid,
        detail={"supervisor_device": body.supervisor_device},
    )  # fmt: skip
    actor = audit.Actor.of(principal(request), services.auth.address(request))
    try:
        async with translated():
            spy_uid = await actions.spy(body.supervisor_device, uid, body.mode, body.request_id)
    except ApiError:
        await _audit(services, actor, replace(entry, success=False))
        raise
    await _audit(services, actor, entry)
    return web.json_response({"uniqueid": spy_uid, "mode": body.mode.value}, status=202)


@routes.post("/api/v1/channels/{uniqueid}/recording")
@requires(Scope.CALLS_RECORD)
async def recording(request: web.Request) -> web.Response:
    _on_call(request, Scope.CALLS_RECORD, "record")
    body = await parse_body(request, RecordingRequest)
    actions, uid = _actions(request), path_value(request, "uniqueid")
    result: dict[str, str] = {}
    async with translated():
        if body.action == "start":
            result["path"] = await actions.start_recording(uid)
        else:
            await actions.stop_recording(uid)
    return web.json_response({"ok": True, **result})
