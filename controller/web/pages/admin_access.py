"""The administration of who may do what (``/admin/users``, ``/admin/roles``,
``/admin/tokens``) and the audit log (``/admin/audit``), as pages for admins.

Every change goes through :mod:`controller.access.store`, as ``pbxctl user`` and
``pbxctl token`` do: one validator, its refusal (``AccessError``) shown at the field it
names. Each change is written to the audit log with the admin who made it. A new token is
shown once, in the answer to its creation, and stored hashed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access import audit
from controller.access.scopes import Scope
from controller.access.store import (
    AccessError,
    UserInput,
    create_token,
    create_user,
    list_tokens,
    revoke_token,
    set_disabled,
)
from controller.db.models import Role, User
from controller.web.access import principal, requires
from controller.web.keys import SERVICES
from controller.web.pages.admin import frame
from controller.web.pages.frame import in_session

routes = web.RouteTableDef()
T = TypeVar("T")
AUDIT_PAGE = 200  # events a page shows, newest first
# The store's field names that the forms call otherwise.
_FORM_FIELDS = {"agent": "agent_code"}


def _queues(text: str) -> list[str] | None:
    names = [q.strip() for q in text.replace(",", " ").split() if q.strip()]
    return names or None


def _roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name)))


def _users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.login)))


@dataclass(frozen=True, slots=True)
class Refused:
    field: str | None
    message: str


async def _change(
    request: web.Request, change: Callable[[Session], T], entry: Callable[[T], audit.Entry]
) -> T | Refused:
    """Run ``change`` in one transaction with its audit event; a refusal, not an error."""
    services = request.app[SERVICES]
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run(session: Session) -> T:
        with session.begin():
            done = change(session)
            audit.record(session, actor, entry(done))
            return done

    try:
        return await asyncio.to_thread(in_session, services.factory, run)
    except AccessError as exc:
        return Refused(_FORM_FIELDS.get(exc.field or "", exc.field), str(exc))


# -- users ------------------------------------------------------------------------------------


async def _users_page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    factory = request.app[SERVICES].factory

    def read(session: Session) -> tuple[list[User], list[Role]]:
        return _users(session), _roles(session)

    users, roles = await asyncio.to_thread(in_session, factory, read)
    context.setdefault("form", {})
    context.setdefault("refused", None)
    context.setdefault("done", "")
    return frame(request, "admin/users.html", status, section="", admin_page="users",
                 users=users, roles=roles, **context)  # fmt: skip


@routes.get("/admin/users")
@requires(Scope.USERS_MANAGE)
async def users(request: web.Request) -> web.Response:
    return await _users_page(request, done=request.query.get("done", "")[:80])


@routes.post("/admin/users")
@requires(Scope.USERS_MANAGE)
async def add_user(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf_token"}
    data = UserInput(
        login=form.get("login", ""),
        password=form.get("password", ""),
        role=form.get("role", ""),
        display_name=form.get("display_name", ""),
        language=form.get("language", "zh"),
        agent_code=form.get("agent_code", "").strip() or None,
        queues=_queues(form.get("queues", "")),
    )
    result = await _change(
        request,
        lambda session: create_user(session, data).login,
        lambda login: audit.Entry("user.create", "user", login, detail={"role": data.role}),
    )
    if isinstance(result, Refused):
        form.pop("password", None)  # never sent back into a page
        return await _users_page(request, 422, form=form, refused=result)
    raise web.HTTPSeeOther(f"/admin/users?done=created:{result}")


@routes.post("/admin/users/{login}/{change:(disable|enable)}")
@requires(Scope.USERS_MANAGE)
async def disable_user(request: web.Request) -> web.Response:
    login, change = request.match_info["login"], request.match_info["change"]
    if change == "disable" and login == principal(request).name:
        refused = Refused(None, "you cannot disable yourself")
        return await _users_page(request, 409, refused=refused)
    result = await _change(
        request,
        lambda session: set_disabled(session, login, change == "disable").login,
        lambda done: audit.Entry(f"user.{change}", "user", done),
    )
    if isinstance(result, Refused):
        return await _users_page(request, 404, refused=result)
    raise web.HTTPSeeOther(f"/admin/users?done={change}d:{result}")


# -- roles ------------------------------------------------------------------------------------


@routes.get("/admin/roles")
@requires(Scope.USERS_MANAGE)
async def roles(request: web.Request) -> web.Response:
    found = await asyncio.to_thread(in_session, request.app[SERVICES].factory, _roles)
    return frame(request, "admin/roles.html", section="", admin_page="roles", roles=found)


# -- tokens -----------------------------------------------------------------------------------


async def _tokens_page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    factory = request.app[SERVICES].factory

    def read(session: Session) -> tuple[list[Any], list[Role]]:
        return list_tokens(session), _roles(session)

    tokens, found_roles = await asyncio.to_thread(in_session, factory, read)
    for name in ("form", "refused", "new_token", "done"):
        context.setdefault(name, {} if name == "form" else None)
    return frame(request, "admin/tokens.html", status, section="", admin_page="tokens",
                 tokens=tokens, roles=found_roles, **context)  # fmt: skip


@routes.get("/admin/tokens")
@requires(Scope.USERS_MANAGE)
async def tokens(request: web.Request) -> web.Response:
    return await _tokens_page(request, done=request.query.get("done", "")[:80] or None)


@routes.post("/admin/tokens")
@requires(Scope.USERS_MANAGE)
async def add_token(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf_token"}
    name, role = form.get("name", "").strip(), form.get("role", "")
    queues = _queues(form.get("queues", ""))
    result = await _change(
        request,
        lambda session: create_token(session, name, role, queues),
        lambda _token: audit.Entry("token.create", "token", name, detail={"role": role}),
    )
    if isinstance(result, Refused):
        return await _tokens_page(request, 422, form=form, refused=result)
    # Shown once, in this answer (never in a URL: URLs end up in logs).
    return await _tokens_page(request, 201, new_token={"name": name, "value": result})


@routes.post("/admin/tokens/{name}/revoke")
@requires(Scope.USERS_MANAGE)
async def revoke(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    result = await _change(
        request,
        lambda session: revoke_token(session, name),
        lambda _none: audit.Entry("token.revoke", "token", name),
    )
    if isinstance(result, Refused):
        return await _tokens_page(request, 404, refused=result)
    raise web.HTTPSeeOther(f"/admin/tokens?done=revoked:{name}")


# -- the audit log ----------------------------------------------------------------------------


@routes.get("/admin/audit")
@requires(Scope.AUDIT_READ)
async def audit_log(request: web.Request) -> web.Response:
    actor = request.query.get("actor", "").strip()[:64]
    action = request.query.get("action", "").strip()[:64]
    wanted = audit.AuditFilter(actor=actor or None, action=action or None, limit=AUDIT_PAGE)

    def read(session: Session) -> list[dict[str, Any]]:
        return [audit.as_json(e) for e in audit.search(session, wanted)]

    events = await asyncio.to_thread(in_session, request.app[SERVICES].factory, read)
    return frame(request, "admin/audit.html", section="", admin_page="audit", events=events,
                 actor=actor, action=action, limit=AUDIT_PAGE)  # fmt: skip
