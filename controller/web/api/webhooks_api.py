"""CRM webhook endpoints, their delivery log, a test send (``webhooks.manage``: admins).

    GET    /api/v1/webhooks                                   endpoints (never their secrets)
    POST   /api/v1/webhooks                                   add one: its secret, once (201)
    GET    /api/v1/webhooks/{endpoint_id}                     one
    PATCH  /api/v1/webhooks/{endpoint_id}                     change; rotate_secret: a new one
    DELETE /api/v1/webhooks/{endpoint_id}                     remove it and its log
    GET    /api/v1/webhooks/{endpoint_id}/deliveries          its delivery log, newest first
    POST   /api/v1/webhooks/{endpoint_id}/test                send a ping now; the outcome
    POST   /api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry   queue it again

Every change (secrets left out), test and retry is written to the audit log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

from aiohttp import web
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from controller.access import audit
from controller.access.scopes import Scope
from controller.db.models.webhooks import DeliveryStatus, WebhookDelivery
from controller.web.access import principal, requires
from controller.web.api.fields import path_value
from controller.web.errors import ApiError, parse_body, validate
from controller.web.keys import SERVICES, WebServices
from controller.webhooks import store
from controller.webhooks.events import EVENTS
from controller.webhooks.service import send_test
from controller.webhooks.validate import (
    EndpointCreate,
    EndpointUpdate,
    WebhookError,
    event_name,
)

routes = web.RouteTableDef()


def _whole(value: object) -> object:
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 19:
            raise ValueError("a whole number of at most 19 ASCII digits is needed")
        return int(value)
    return value


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: DeliveryStatus | None = None
    event: (
        Annotated[str, Field(json_schema_extra={"enum": list(EVENTS)}), AfterValidator(event_name)]
        | None
    ) = None
    limit: Annotated[int, Field(ge=1, le=1000), BeforeValidator(_whole)] = 100
    offset: Annotated[int, Field(ge=0, le=2**63 - 1), BeforeValidator(_whole)] = 0


def _refused(exc: WebhookError) -> ApiError:
    code = {404: "not_found", 409: "conflict"}.get(exc.status, "invalid_input")
    return ApiError(exc.status, code, str(exc), [{"field": exc.field, "message": str(exc)}])


async def _in_session(
    request: web.Request, work: Any, action: str | None = None, detail: Any = None
) -> Any:
    """``work(session)`` in one transaction, with an audit entry when ``action`` is given."""
    services: WebServices = request.app[SERVICES]
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run() -> Any:
        with services.factory() as session, session.begin():
            result = work(session)
            if action is not None:
                object_id, extra = detail(result) if detail else ("", {})
                audit.record(session, actor, audit.Entry(action, "webhook", object_id,
                                                         detail=extra))  # fmt: skip
            return result

    try:
        return await asyncio.to_thread(run)
    except WebhookError as exc:
        raise _refused(exc) from None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@routes.get("/api/v1/webhooks")
@requires(Scope.WEBHOOKS_MANAGE)
async def list_endpoints(request: web.Request) -> web.Response:
    found = await _in_session(request, store.list_endpoints)
    return web.json_response({"endpoints": found})


@routes.post("/api/v1/webhooks")
@requires(Scope.WEBHOOKS_MANAGE)
async def create_endpoint(request: web.Request) -> web.Response:
    body = await parse_body(request, EndpointCreate)

    def work(session: Session) -> dict[str, Any]:
        row, secret = store.create_endpoint(session, body, _now())
        return {**store.endpoint_json(row), "secret": secret}

    def detail(made: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return made["name"], {"url": made["url"], "events": made["events"]}

    made = await _in_session(request, work, "webhook.create", detail)
    return web.json_response(made, status=201)


@routes.get("/api/v1/webhooks/{endpoint_id}")
@requires(Scope.WEBHOOKS_MANAGE)
async def get_endpoint(request: web.Request) -> web.Response:
    endpoint_id = path_value(request, "endpoint_id")

    def work(session: Session) -> dict[str, Any]:
        row = store.find_endpoint(session, endpoint_id)
        return store.endpoint_json(row, store.delivery_counts(session).get(row.id, {}))

    return web.json_response(await _in_session(request, work))


@routes.patch("/api/v1/webhooks/{endpoint_id}")
@requires(Scope.WEBHOOKS_MANAGE)
async def change_endpoint(request: web.Request) -> web.Response:
    endpoint_id = path_value(request, "endpoint_id")
    body = await parse_body(request, EndpointUpdate)

    def work(session: Session) -> dict[str, Any]:
        row, secret, changed = store.update_endpoint(session, endpoint_id, body, _now())
        shown = store.endpoint_json(row)
        if secret is not None:
            shown["secret"] = secret
        return {**shown, "_changed": sorted(changed) + (["secret"] if secret else [])}

    def detail(done: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return done["name"], {"changed": done["_changed"]}

    done = await _in_session(request, work, "webhook.change", detail)
    done.pop("_changed")
    return web.json_response(done)


@routes.delete("/api/v1/webhooks/{endpoint_id}")
@requires(Scope.WEBHOOKS_MANAGE)
async def delete_endpoint(request: web.Request) -> web.Response:
    endpoint_id = path_value(request, "endpoint_id")

    def work(session: Session) -> dict[str, Any]:
        row = store.find_endpoint(session, endpoint_id)
        shown = store.endpoint_json(row)
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id))
        session.delete(row)
        return shown

    def detail(gone: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return gone["name"], {"url": gone["url"]}

    gone = await _in_session(request, work, "webhook.delete", detail)
    return web.json_response({"deleted": gone})


@routes.get("/api/v1/webhooks/{endpoint_id}/deliveries")
@requires(Scope.WEBHOOKS_MANAGE)
async def list_deliveries(request: web.Request) -> web.Response:
    endpoint_id = path_value(request, "endpoint_id")
    q = validate(DeliveryQuery, dict(request.query), "query")

    def work(session: Session) -> list[dict[str, Any]]:
        row = store.find_endpoint(session, endpoint_id)
        return store.deliveries(session, row.id, q.status, q.event, q.limit, q.offset)

    return web.json_response({"deliveries": await _in_session(request, work)})


@routes.post("/api/v1/webhooks/{endpoint_id}/test")
@requires(Scope.WEBHOOKS_MANAGE)
async def test_endpoint(request: web.Request) -> web.Response:
    endpoint_id = path_value(request, "endpoint_id")
    services = request.app[SERVICES]
    try:
        outcome = await send_test(
            services.factory, endpoint_id, services.webhook_settings, services.tracker.server_id
        )
    except WebhookError as exc:
        raise _refused(exc) from None

    def named(session: Session) -> dict[str, Any]:
        return {**outcome, "_name": store.find_endpoint(session, endpoint_id).name}

    def detail(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # By name, like the other entries (and the command line's).
        return result["_name"], {k: result[k] for k in ("delivered", "status", "error")}

    await _in_session(request, named, "webhook.test", detail)
    return web.json_response(outcome)


@routes.post("/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry")
@requires(Scope.WEBHOOKS_MANAGE)
async def retry_delivery(request: web.Request) -> web.Response:
    endpoint_id = path_value(request, "endpoint_id")
    delivery_id = path_value(request, "delivery_id")

    def work(session: Session) -> dict[str, Any]:
        store.retry(session, endpoint_id, delivery_id, _now())
        row = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))
        assert row is not None
        name = store.find_endpoint(session, endpoint_id).name
        return {**store.delivery_json(row), "_name": name}

    def detail(queued: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return queued["_name"], {"delivery_id": queued["id"]}

    queued = await _in_session(request, work, "webhook.retry", detail)
    queued.pop("_name")
    return web.json_response(queued)
