"""The OpenAPI 3.1 document, built from the same pydantic models, field types and views the
handlers use.

Every operation is listed in :data:`OPERATIONS` (a test checks that the list and the route
tables agree), so the document cannot silently miss an endpoint. What each operation
requires comes from its route's own declaration (:mod:`controller.web.access`), passed in by
the application: ``x-required-scopes`` and the description cannot drift from what the server
enforces. Every status an operation can answer is declared: the inputs it takes (400; 404
for a thing named in the path; 413 and 415 for a body), signing in (401, 403, 429) and what
the operation itself may meet (:attr:`Operation.errors`). Schemas referenced anywhere are
collected in ``components/schemas``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from controller import __version__
from controller.ami.tracker import CallView, QueueView, SeatView
from controller.followups.validate import FollowupCreate, FollowupQuery, FollowupUpdate
from controller.web.access import Access
from controller.web.api.actions import (
    OriginateRequest,
    RecordingRequest,
    SpyRequest,
    TransferRequest,
)
from controller.web.api.agents import LoginRequest, LogoutRequest, PauseRequest
from controller.web.api.audit_api import AuditQuery
from controller.web.api.fields import PATH_TYPES
from controller.web.api.history import CallQuery, RecordingQuery
from controller.web.api.notes_api import DispositionQuery, NoteBody
from controller.web.api.reports_api import MEDIA, QUERIES
from controller.web.api.webhooks_api import DeliveryQuery
from controller.webhooks.validate import EndpointCreate, EndpointUpdate

REF = "#/components/schemas/{model}"
JsonSchema = dict[str, Any]

# What the body of a 2xx answer is: a view type, a JSON schema, or ("key", view type) for an
# object holding a list under that key.
Response = type | JsonSchema | tuple[str, Any] | None

# Statuses an operation of a kind may answer besides its inputs' and signing in.
ACTION_ERRORS = (404, 409, 502, 503)  # unknown channel, not possible now, Asterisk, no AMI
AGENT_ERRORS = (404, 409, 502, 503)  # unknown agent, not possible now, Asterisk, no AMI

ROW: JsonSchema = {"type": "object", "description": "one row, as docs/history.md describes it"}
OK: JsonSchema = {
    "type": "object",
    "properties": {"ok": {"const": True}},
    "required": ["ok"],
}
LOGIN: JsonSchema = {
    "type": "object",
    "properties": {
        "logged_in": {"type": "boolean"},
        "code": {"type": "string"},
        "device": {"type": "string"},
        "logged_in_at": {"type": "string", "format": "date-time"},
        "paused": {"type": "boolean"},
        "pause_reason": {"type": ["string", "null"]},
        "queues_out": {
            "type": "array",
            "items": {"type": "string"},
            "description": "queues needing a login the agent signed out of, in the others",
        },
    },
    "required": ["logged_in"],
}
NOTE: JsonSchema = {
    "type": "object",
    "properties": {
        "linkedid": {"type": "string"},
        "agent": {"type": "string"},
        "disposition": {"type": ["string", "null"]},
        "disposition_label": {"type": ["string", "null"]},
        "notes": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "updated_by": {"type": "string"},
    },
    "required": ["linkedid", "agent", "disposition", "notes", "updated_at"],
}
DISPOSITION: JsonSchema = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "label": {"type": "string"},
                   "description": {"type": "string"}},
    "required": ["code", "label"],
}  # fmt: skip
CALL_NOTES: JsonSchema = {
    "type": "object",
    "properties": {
        "linkedid": {"type": "string"},
        "agents": {"type": "array", "items": {"type": "string"}},
        "queues": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "array", "items": NOTE},
        "dispositions": {"type": "array", "items": DISPOSITION},
    },
    "required": ["linkedid", "agents", "notes", "dispositions"],
}
_TEXT_OR_NULL: JsonSchema = {"type": ["string", "null"]}
FOLLOWUP: JsonSchema = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "linkedid": _TEXT_OR_NULL,
        "customer_code": _TEXT_OR_NULL,
        "customer_number": _TEXT_OR_NULL,
        "queue": _TEXT_OR_NULL,
        "subject": {"type": "string"},
        "notes": {"type": "string"},
        "assignee_agent": _TEXT_OR_NULL,
        "assignee_user": _TEXT_OR_NULL,
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "status": {"enum": ["open", "in_progress", "done"]},
        "version": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
        "updated_at": {"type": "string", "format": "date-time"},
        "updated_by": {"type": "string"},
        "history": {
            "type": "array",
            "description": "each creation and change: at, actor, action, {field: [old, new]}",
            "items": {"type": "object"},
        },
    },
    "required": ["id", "subject", "status", "version", "created_at", "updated_at"],
}
ENDPOINT: JsonSchema = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "queues": {"type": ["array", "null"], "items": {"type": "string"}},
        "enabled": {"type": "boolean"},
        "description": {"type": "string"},
        "secret": {"type": "string", "description": "only when created or rotated"},
        "deliveries": {"type": "object", "description": "how many, by status"},
    },
    "required": ["id", "name", "url", "events", "queues", "enabled"],
}
DELIVERY: JsonSchema = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "event_id": {"type": "string"},
        "event": {"type": "string"},
        "status": {"enum": ["pending", "delivered", "failed", "dropped"]},
        "attempts": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "last_attempt_at": {"type": ["string", "null"], "format": "date-time"},
        "next_attempt_at": {"type": ["string", "null"], "description": "when pending"},
        "last_status": {"type": ["integer", "null"], "description": "the endpoint's HTTP status"},
        "last_error": {"type": "string"},
        "delivered_at": {"type": ["string", "null"], "format": "date-time"},
        "test": {"type": "boolean", "description": "a test send (ping)"},
        "payload": {"type": "string", "description": "the body, exactly as signed and sent"},
    },
    "required": ["id", "event", "status", "attempts", "created_at", "payload"],
}
TEST_SEND: JsonSchema = {
    "type": "object",
    "properties": {
        "delivery_id": {"type": "integer"},
        "delivered": {"type": "boolean"},
        "status": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
    },
    "required": ["delivery_id", "delivered"],
}
STARTED: JsonSchema = {
    "type": "object",
    "properties": {"uniqueid": {"type": "string"}},
    "required": ["uniqueid"],
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    response: Response = None
    status: int = 200  # of success
    errors: tuple[int, ...] = ()  # statuses of the operation itself (404, 409, 502 ...)
    media_type: str = "application/json"  # of the 2xx answer
    other_media: tuple[str, ...] = ()  # further 2xx media types (files), as binary strings


REPORT: JsonSchema = {
    "type": "object",
    "properties": {
        "report": {"type": "string"},
        "title": {"type": "object"},
        "params": {"type": "object"},
        "columns": {"type": "array", "items": {"type": "object"}},
        "rows": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["report", "columns", "rows"],
}


def report_operations() -> tuple[Operation, ...]:
    """The report list, and one operation per report of the registry (docs/reports.md)."""
    listing = Operation("get", "/api/v1/reports", "The reports this principal may run",
                        "reports", response=("reports", {"type": "object"}))  # fmt: skip
    return (listing, *[
        Operation("get", f"/api/v1/reports/{name}", f"Report {name!r} (JSON, CSV or Excel)",
                  "reports", query=query, response=REPORT, other_media=tuple(MEDIA.values()),
                  errors=(404,))
        for name, query in QUERIES.items()
    ])  # fmt: skip


OPERATIONS: tuple[Operation, ...] = (
    Operation("get", "/api/v1/calls", "Live calls", "live", response=("calls", CallView)),
    Operation("get", "/api/v1/calls/{linkedid}", "One live call", "live", response=CallView),
    Operation("get", "/api/v1/queues", "Live queues", "live", response=("queues", QueueView)),
    Operation("get", "/api/v1/queues/{name}", "One live queue", "live", response=QueueView),
    Operation("get", "/api/v1/agents", "Every agent's state", "live",
              response=("agents", SeatView)),
    Operation("get", "/api/v1/agents/{code}", "One agent's state", "live", response=SeatView),
    Operation("get", "/api/v1/status", "Service status and counts", "live",
              response={"type": "object"}),
    Operation("get", "/api/v1/history/calls", "Search call history", "history", query=CallQuery,
              response=("calls", ROW)),
    Operation("get", "/api/v1/history/calls/{call_id}", "One call with legs, agents, recordings",
              "history", response=ROW),
    Operation("get", "/api/v1/recordings", "Search recordings by time, number and agent",
              "recordings", query=RecordingQuery, response=("recordings", ROW)),
    Operation("get", "/api/v1/recordings/{recording_id}/file", "Download a recording",
              "recordings", media_type="audio/*",
              response={"type": "string", "format": "binary"}),
    Operation("post", "/api/v1/calls/originate", "Click-to-call from an agent's phone", "actions",
              body=OriginateRequest, status=202, errors=(409, 502, 503), response=STARTED),
    Operation("post", "/api/v1/channels/{uniqueid}/hangup", "Hang up a channel", "actions",
              errors=ACTION_ERRORS, response=OK),
    Operation("post", "/api/v1/channels/{uniqueid}/transfer", "Blind or attended transfer",
              "actions", body=TransferRequest, errors=ACTION_ERRORS, response=OK),
    Operation("post", "/api/v1/channels/{uniqueid}/transfer/cancel",
              "Cancel an attended transfer", "actions", errors=ACTION_ERRORS, response=OK),
    Operation("post", "/api/v1/channels/{uniqueid}/hold", "Put the channel's peer on hold",
              "actions", errors=ACTION_ERRORS, response=OK),
    Operation("post", "/api/v1/channels/{uniqueid}/unhold", "Take the held peer back", "actions",
              errors=ACTION_ERRORS, response=OK),
    Operation("post", "/api/v1/channels/{uniqueid}/spy", "Listen, whisper or barge (ChanSpy)",
              "actions", body=SpyRequest, status=202, errors=ACTION_ERRORS, response=STARTED),
    Operation("post", "/api/v1/channels/{uniqueid}/recording", "Start or stop recording",
              "actions", body=RecordingRequest, errors=ACTION_ERRORS, response=OK),
    Operation("get", "/api/v1/logins", "Agents logged in and where", "agents",
              errors=(502, 503), response=("logins", LOGIN)),
    Operation("post", "/api/v1/agents/{code}/login", "Log an agent in (queues, device)", "agents",
              body=LoginRequest, body_required=False, errors=AGENT_ERRORS, response=LOGIN),
    Operation("post", "/api/v1/agents/{code}/logout", "Log an agent out (of some queues)",
              "agents", body=LogoutRequest, body_required=False, errors=AGENT_ERRORS,
              response=LOGIN),
    Operation("post", "/api/v1/agents/{code}/pause", "Pause an agent with a reason", "agents",
              body=PauseRequest, errors=AGENT_ERRORS, response=LOGIN),
    Operation("post", "/api/v1/agents/{code}/unpause", "Unpause an agent", "agents",
              errors=AGENT_ERRORS, response=LOGIN),
    Operation("post", "/api/v1/ws/ticket", "A one-use websocket ticket, good for 30 s", "live",
              response={"type": "object", "properties": {"ticket": {"type": "string"},
                        "expires_in": {"type": "integer"}}, "required": ["ticket"]}),
    Operation("get", "/api/v1/me", "Who is signed in: role, scopes, queues, agent", "access",
              response={"type": "object"}),
    Operation("get", "/api/v1/audit", "The audit log (admins)", "access", query=AuditQuery,
              response=("events", ROW)),
    Operation("delete", "/api/v1/recordings/{recording_id}", "Delete a recording's file",
              "recordings", response={"type": "object"}),
    Operation("get", "/api/v1/calls/{linkedid}/notes",
              "A call's notes and dispositions (live, lately ended or in the history), and the "
              "dispositions offered on it", "notes", response=CALL_NOTES),
    Operation("put", "/api/v1/calls/{linkedid}/notes",
              "Save one agent's notes and disposition on a call (default: the signed-in agent)",
              "notes", body=NoteBody, errors=(409,), response=NOTE),
    Operation("get", "/api/v1/dispositions", "The dispositions offered on a queue's calls",
              "notes", query=DispositionQuery, response=("dispositions", DISPOSITION)),
    Operation("post", "/api/v1/kiosk/link", "A one-time pairing link for a wallboard screen "
              "(the wallboard token itself; docs/web.md)", "access", status=201, errors=(409,),
              response={"type": "object", "properties": {"link": {"type": "string"},
                        "expires_in": {"type": "integer"}}, "required": ["link"]}),
    *report_operations(),
    Operation("post", "/api/v1/followups", "Create a follow-up (from a call or for a customer)",
              "followups", body=FollowupCreate, status=201, errors=(404, 409),
              response=FOLLOWUP),
    Operation("get", "/api/v1/followups",
              "Search follow-ups: status, assignee, customer, queue, call, due before, text",
              "followups", query=FollowupQuery, response=("followups", FOLLOWUP)),
    Operation("get", "/api/v1/followups/{followup_id}", "One follow-up with its history",
              "followups", response=FOLLOWUP),
    Operation("patch", "/api/v1/followups/{followup_id}",
              "Change a follow-up: status, assignee, due time, subject, notes, customer",
              "followups", body=FollowupUpdate, errors=(409,), response=FOLLOWUP),
    Operation("get", "/api/v1/webhooks", "CRM webhook endpoints (never their secrets)",
              "webhooks", response=("endpoints", ENDPOINT)),
    Operation("post", "/api/v1/webhooks", "Add a webhook endpoint: its secret is shown once",
              "webhooks", body=EndpointCreate, status=201, errors=(409,), response=ENDPOINT),
    Operation("get", "/api/v1/webhooks/{endpoint_id}", "One webhook endpoint", "webhooks",
              response=ENDPOINT),
    Operation("patch", "/api/v1/webhooks/{endpoint_id}",
              "Change a webhook endpoint; rotate_secret makes a new secret (shown once)",
              "webhooks", body=EndpointUpdate, response=ENDPOINT),
    Operation("delete", "/api/v1/webhooks/{endpoint_id}",
              "Remove a webhook endpoint and its delivery log", "webhooks",
              response={"type": "object"}),
    Operation("get", "/api/v1/webhooks/{endpoint_id}/deliveries",
              "An endpoint's delivery log, newest first", "webhooks", query=DeliveryQuery,
              response=("deliveries", DELIVERY)),
    Operation("post", "/api/v1/webhooks/{endpoint_id}/test",
              "Send a signed ping to the endpoint now; the outcome", "webhooks",
              response=TEST_SEND),
    Operation("post", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry",
              "Queue a failed or dropped delivery again", "webhooks", errors=(409,),
              response=DELIVERY),
    Operation("get", "/api/v1/openapi.json", "This document", "meta",
              response={"type": "object"}),
)  # fmt: skip

ERROR_SCHEMA: JsonSchema = {
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
    "required": ["error"],
}

STATUS_TEXT = {
    400: "the input is malformed: `problems` names each bad field",
    401: "not signed in, or the token is unknown or revoked",
    403: "the role may not do this (on this call, agent or queue), or a session's change "
    "lacks its CSRF token",
    404: "no such thing, or none the principal may see",
    409: "not possible in the current state",
    413: "the body is larger than 64 KiB",
    415: "the body is not UTF-8 JSON",
    429: "too many failures from this address: retry after Retry-After seconds",
    502: "Asterisk refused or did not answer",
    503: "needs the AMI connection (pbxctl serve)",
}

# OpenAPI 3.1 cannot describe a websocket: an operation whose success is 101 makes every
# OpenAPI tool (fuzzers, client generators) treat the handshake as a failure. It is described
# beside the paths instead, with the same access text.
WEBSOCKET_PATH = "/api/v1/ws"
WEBSOCKET_SUMMARY = (
    "Websocket: a snapshot, then live changes and screen pops. Connect signed in: a session "
    "cookie (from a page of this site), a one-use ticket (POST /api/v1/ws/ticket, then "
    '?ticket=...), or Authorization: Bearer. Send {"subscribe": ["calls", "queues", '
    '"agents", "screen_pops", "board", "figures"], "agents": ["8001"]} to choose what '
    'arrives (default: the first four), {"ping": 1} for a pong; messages of at most 64 KiB.'
    " Each message type needs its scope; see docs/live.md and docs/web.md."
)


class Schemas:
    """components/schemas, filled as schemas are generated: every ``$ref`` resolves."""

    def __init__(self) -> None:
        self.components: dict[str, JsonSchema] = {"Error": ERROR_SCHEMA}

    def of(self, kind: Any, mode: Literal["validation", "serialization"]) -> JsonSchema:
        schema = TypeAdapter(kind).json_schema(ref_template=REF, mode=mode)
        for name, definition in schema.pop("$defs", {}).items():
            known = self.components.setdefault(name, definition)
            if known != definition:
                raise ValueError(f"two different schemas are named {name}")
        return schema

    def named(self, kind: type) -> JsonSchema:
        """A reference to the view's schema, itself in components/schemas."""
        schema = self.of(kind, "serialization")
        name = schema.get("title", kind.__name__)
        known = self.components.setdefault(name, schema)
        if known != schema:
            raise ValueError(f"two different schemas are named {name}")
        return {"$ref": REF.format(model=name)}


def _response_schema(response: Response, schemas: Schemas) -> JsonSchema | None:
    if response is None:
        return None
    if isinstance(response, tuple):
        key, item = response
        items = item if isinstance(item, dict) else schemas.named(item)
        return {
            "type": "object",
            "properties": {key: {"type": "array", "items": items}},
            "required": [key],
        }
    if isinstance(response, dict):
        return response
    return schemas.named(response)


def _path_parameters(path: str) -> list[JsonSchema]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"name": n, "in": "path", "required": True, "schema": _plain(PATH_TYPES[n].json_schema())}
        for n in names
    ]


def _plain(schema: JsonSchema) -> JsonSchema:
    """A parameter's schema: without the null of an optional field (a query string has none)."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            return {**kept[0], **rest}
    return {k: v for k, v in schema.items() if k != "title"}


def _query_parameters(model: type[BaseModel], schemas: Schemas) -> list[JsonSchema]:
    schema = schemas.of(model, "validation")
    return [
        {"name": name, "in": "query", "required": False, "schema": _plain(prop),
         "description": prop.get("description", "")}
        for name, prop in schema.get("properties", {}).items()
    ]  # fmt: skip


def _body(op: Operation, schemas: Schemas) -> JsonSchema:
    assert op.body is not None
    schema = schemas.of(op.body, "validation")
    if op.body is OriginateRequest:  # the handler needs one of them (not null)
        schema["anyOf"] = [
            {"required": [name], "properties": {name: {"type": "string"}}}
            for name in ("agent", "device")
        ]
    return {"required": op.body_required, "content": _json(schema)}


def _access_text(access: Access) -> str:
    if access.public:
        return "Public: no sign-in."
    if not access.scopes:
        return "Needs any signed-in principal."
    scopes = ", ".join(f"`{scope}`" for scope in access.scopes)
    return (
        f"Needs one of the scopes {scopes}: in full, or as `me.<scope>` for the principal's own "
        "seat and calls; queue-narrowed roles only on their queues (docs/security.md)."
    )


def _statuses(op: Operation, access: Access) -> list[int]:
    statuses = set(op.errors)
    if op.body is not None or op.query is not None or "{" in op.path:
        statuses.add(400)
    if "{" in op.path:
        statuses.add(404)
    if op.body is not None:
        statuses |= {413, 415}
    if not access.public:
        statuses |= {401, 403, 429}
    return sorted(statuses)


def _operation(op: Operation, access: Access, schemas: Schemas) -> JsonSchema:
    success: JsonSchema = {"description": "OK"}
    schema = _response_schema(op.response, schemas)
    if schema is not None:
        success["content"] = {op.media_type: {"schema": schema}}
        for media in op.other_media:
            success["content"][media] = {"schema": {"type": "string", "format": "binary"}}
    responses: JsonSchema = {str(op.status): success}
    for status in _statuses(op, access):
        responses[str(status)] = {
            "description": STATUS_TEXT.get(status, "the request was refused"),
            "content": _json({"$ref": REF.format(model="Error")}),
        }
    parameters = _path_parameters(op.path)
    if op.query is not None:
        parameters += _query_parameters(op.query, schemas)
    operation: JsonSchema = {
        "summary": op.summary,
        "description": _access_text(access),
        "tags": [op.tag],
        "x-required-scopes": [scope.value for scope in access.scopes],
        "parameters": parameters,
        "responses": responses,
    }
    if access.public:
        operation["security"] = []
    if op.body is not None:
        operation["requestBody"] = _body(op, schemas)
    return operation


def build_document(access: Mapping[tuple[str, str], Access]) -> JsonSchema:
    """The document; ``access`` is each route's declaration by (method, path template)."""
    schemas = Schemas()
    paths: dict[str, JsonSchema] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, _declared(access, op), schemas)
    websocket = _declared(access, Operation("get", WEBSOCKET_PATH, WEBSOCKET_SUMMARY, "live"))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pbx-controller API",
            "version": __version__,
            "description": "Live calls, queues and seats, call history, recordings and call "
            "control. Every request needs `Authorization: Bearer <token>` (a machine token: "
            "`pbxctl token create NAME --role ROLE`) or a signed-in browser session (cookie, "
            "with the X-CSRF-Token header on changes). Each operation's `x-required-scopes` "
            "lists the scopes of which it needs one (empty: any signed-in principal); what "
            "each role holds: docs/security.md.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas.components,
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "x-websocket": {
            "path": WEBSOCKET_PATH,
            "summary": WEBSOCKET_SUMMARY,
            "description": _access_text(websocket),
            "x-required-scopes": [scope.value for scope in websocket.scopes],
        },
    }


def _declared(access: Mapping[tuple[str, str], Access], op: Operation) -> Access:
    found = access.get((op.method, op.path))
    if found is None:
        raise ValueError(f"{op.method.upper()} {op.path} is documented but not routed")
    return found


def _json(schema: JsonSchema) -> JsonSchema:
    return {"application/json": {"schema": schema}}
