"""The OpenAPI 3.1 document, built from the same pydantic models and views the handlers use.

Every operation is listed in :data:`OPERATIONS` (a test checks that the list and the route
tables agree), so the document cannot silently miss an endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter

from controller import __version__
from controller.ami.tracker import CallView, QueueView, SeatView
from controller.web.api.actions import (
    OriginateRequest,
    RecordingRequest,
    SpyRequest,
    TransferRequest,
)
from controller.web.api.agents import LoginRequest, PauseRequest
from controller.web.api.audit_api import AuditQuery
from controller.web.api.history import CallQuery, RecordingQuery


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None  # a view type for the 200 schema
    status: int = 200


OPERATIONS: tuple[Operation, ...] = (
    Operation("get", "/api/v1/calls", "Live calls", "live", response=list[CallView]),
    Operation("get", "/api/v1/calls/{linkedid}", "One live call", "live", response=CallView),
    Operation("get", "/api/v1/queues", "Live queues", "live", response=list[QueueView]),
    Operation("get", "/api/v1/queues/{name}", "One live queue", "live", response=QueueView),
    Operation("get", "/api/v1/agents", "Every agent's state", "live", response=list[SeatView]),
    Operation("get", "/api/v1/agents/{code}", "One agent's state", "live", response=SeatView),
    Operation("get", "/api/v1/status", "Service status and counts", "live"),
    Operation("get", "/api/v1/history/calls", "Search call history", "history", query=CallQuery),
    Operation("get", "/api/v1/history/calls/{call_id}", "One call with legs, agents, recordings",
              "history"),
    Operation("get", "/api/v1/recordings", "Search recordings by time, number and agent",
              "recordings", query=RecordingQuery),
    Operation("get", "/api/v1/recordings/{recording_id}/file", "Download a recording",
              "recordings"),
    Operation("post", "/api/v1/calls/originate", "Click-to-call from an agent's phone", "actions",
              body=OriginateRequest, status=202),
    Operation("post", "/api/v1/channels/{uniqueid}/hangup", "Hang up a channel", "actions"),
    Operation("post", "/api/v1/channels/{uniqueid}/transfer", "Blind or attended transfer",
              "actions", body=TransferRequest),
    Operation("post", "/api/v1/channels/{uniqueid}/transfer/cancel",
              "Cancel an attended transfer", "actions"),
    Operation("post", "/api/v1/channels/{uniqueid}/hold", "Put the channel's peer on hold",
              "actions"),
    Operation("post", "/api/v1/channels/{uniqueid}/unhold", "Take the held peer back", "actions"),
    Operation("post", "/api/v1/channels/{uniqueid}/spy", "Listen, whisper or barge (ChanSpy)",
              "actions", body=SpyRequest, status=202),
    Operation("post", "/api/v1/channels/{uniqueid}/recording", "Start or stop recording",
              "actions", body=RecordingRequest),
    Operation("get", "/api/v1/logins", "Agents logged in and where", "agents"),
    Operation("post", "/api/v1/agents/{code}/login", "Log an agent in (queues, device)", "agents",
              body=LoginRequest),
    Operation("post", "/api/v1/agents/{code}/logout", "Log an agent out", "agents"),
    Operation("post", "/api/v1/agents/{code}/pause", "Pause an agent with a reason", "agents",
              body=PauseRequest),
    Operation("post", "/api/v1/agents/{code}/unpause", "Unpause an agent", "agents"),
    Operation("get", "/api/v1/ws", "Websocket: snapshot, then live changes and screen pops "
              "(signed in: a session cookie, a ticket, or a bearer token)", "live"),
    Operation("post", "/api/v1/ws/ticket", "A one-use websocket ticket, good for 30 s", "live"),
    Operation("get", "/api/v1/me", "Who is signed in: role, scopes, queues, agent", "access"),
    Operation("get", "/api/v1/audit", "The audit log (admins)", "access", query=AuditQuery),
    Operation("delete", "/api/v1/recordings/{recording_id}", "Delete a recording's file",
              "recordings"),
    Operation("get", "/api/v1/openapi.json", "This document", "meta"),
)  # fmt: skip

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
            "required": ["status", "code", "message"],
        }
    },
}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    return [
        {"name": name, "in": "query", "required": False, "schema": prop,
         "description": prop.get("description", "")}
        for name, prop in schema.get("properties", {}).items()
    ]  # fmt: skip


def build_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        responses: dict[str, Any] = {
            str(op.status): {"description": "OK"},
            "401": {"description": "missing or invalid token", "content": _json(ERROR_SCHEMA)},
            "403": {"description": "the role may not do this", "content": _json(ERROR_SCHEMA)},
            "400": {"description": "the input was malformed", "content": _json(ERROR_SCHEMA)},
        }
        if op.response is not None:
            schema = TypeAdapter(op.response).json_schema(
                ref_template="#/components/schemas/{model}"
            )
            responses[str(op.status)]["content"] = _json(schema)
        operation: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": _path_parameters(op.path)
            + (_query_parameters(op.query) if op.query else []),
            "responses": responses,
        }
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": _json(op.body.model_json_schema()),
            }
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pbx-controller API",
            "version": __version__,
            "description": "Live calls, queues and seats, call history, recordings and call "
            "control. Every request needs `Authorization: Bearer <token>` (a machine token: "
            "`pbxctl token create NAME --role ROLE`) or a signed-in browser session (cookie, "
            "with the X-CSRF-Token header on changes). What each role may do: "
            "docs/security.md.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}
