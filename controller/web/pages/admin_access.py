"""The administration of who may do what (``/admin/users``, ``/admin/roles``,
``/admin/tokens``) and the audit log (``/admin/audit``), as pages for admins.

Every change goes through :mod:`controller.access.store`, as ``pbxctl user``, ``pbxctl role``
and ``pbxctl token`` do: one validator, its refusal (``AccessError``) shown at the field it
names. Each change is written to the audit log with the admin who made it. A new token is
shown once, in the answer to its creation, and stored hashed. No change may leave the site
without an enabled user who can manage users (the store refuses it: "the last admin").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access import audit
from controller.access.scopes import OWNABLE, Scope
from controller.access.sessions import close_all
from controller.access.store import (
    AccessError,
    UserEdit,
    UserInput,
    create_token,
    create_user,
    delete_role,
    edit_user,
    list_tokens,
    revoke_token,
    role_by_name,
    save_role,
    set_disabled,
    set_password,
    user_by_login,
)
from controller.db.models import Agent, Queue, Role, User
from controller.errors import Message
from controller.web import config_messages, i18n
from controller.web.access import principal, requires
from controller.web.errors import ApiError
from controller.web.keys import SERVICES
from controller.web.pages.account import language
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


def _described(request: web.Request, found: list[Role]) -> list[Role]:
    """The shipped roles' descriptions in the page's language (others as the admin wrote)."""
    gettext = i18n.translations(language(request)).gettext
    words = {
        "agent": gettext("an agent: own seat and calls"),
        "supervisor": gettext("a team lead: the queues given, live and in reports"),
        "wallboard": gettext("a wallboard screen: read-only figures"),
        "reports": gettext("a manager: reports, history and recordings"),
        "admin": gettext("the administrator: everything"),
    }
    for role in found:
        if role.builtin and role.name in words:
            role.description = words[role.name]  # detached: shown, never written back
    return found


def scope_descriptions(gettext: Callable[[str], str]) -> dict[str, str]:
    """What each scope allows, in words of the page's language (the role form shows them
    beside the scope's name; ``tests/web/test_admin_roles_scopes.py`` checks every scope has
    one)."""
    return {
        Scope.CALLS_READ: gettext("See live calls: who calls, where they are, who talks"),
        Scope.CALLS_CONTROL: gettext("Hang up, transfer and hold calls"),
        Scope.CALLS_ORIGINATE: gettext("Call out from an agent's phone (click-to-call)"),
        Scope.CALLS_RECORD: gettext("Start and stop recording a call"),
        Scope.CALLS_LISTEN: gettext("Listen in on a call"),
        Scope.CALLS_WHISPER: gettext("Speak to the agent only (whisper)"),
        Scope.CALLS_BARGE: gettext("Join a call (barge in)"),
        Scope.CALLS_NOTES: gettext("Write notes and a disposition on a call"),
        Scope.QUEUES_READ: gettext("See queues: waiting callers and members"),
        Scope.AGENTS_READ: gettext("See agents' states"),
        Scope.AGENTS_STATE: gettext("Log agents in and out of queues, pause and unpause them"),
        Scope.SCREEN_POPS: gettext("Get the caller's record when a phone rings (screen pop)"),
        Scope.CUSTOMERS_READ: gettext("See customer records"),
        Scope.HISTORY_READ: gettext("See finished calls (call history)"),
        Scope.RECORDINGS_READ: gettext("Listen to and download recordings"),
        Scope.RECORDINGS_DELETE: gettext("Delete recordings"),
        Scope.WALLBOARD_READ: gettext("See the wallboard's figures"),
        Scope.REPORTS_READ: gettext("See reports of the queues given (own: an agent's figures)"),
        Scope.FOLLOWUPS_READ: gettext("See follow-ups of calls and customers"),
        Scope.FOLLOWUPS_WRITE: gettext("Create, assign, change and close follow-ups"),
        Scope.WEBHOOKS_MANAGE: gettext("Manage CRM webhooks, their deliveries and test sends"),
        Scope.STATUS_READ: gettext("See the service's health and counts"),
        Scope.STATUS_DETAILS: gettext("See the service's internal error texts"),
        Scope.AUDIT_READ: gettext("Read the audit log"),
        Scope.USERS_MANAGE: gettext("Manage users, roles and API tokens"),
        Scope.CONFIG_READ: gettext("Read the configuration"),
        Scope.CONFIG_APPLY: gettext("Change and apply the configuration"),
    }


def scope_label(pattern: str, words: dict[str, str], gettext: Callable[[str], str]) -> str:
    """A role's scope pattern in words for the roles list: a scope's description, its
    ``me.`` form as the same on the holder's own seat, ``#`` as everything; a wildcard
    pattern the admin typed stays as written (the list shows the pattern beside it)."""
    if pattern == "#":
        return gettext("Everything")
    if pattern in words:
        return words[pattern]
    if pattern == Scope.REPORTS_READ.own:
        return gettext("See reports of the agent's own seat only")
    if pattern.startswith("me.") and pattern[3:] in words:
        return gettext("%(what)s: own seat and calls only") % {"what": words[pattern[3:]]}
    return pattern


def _worded(request: web.Request, text: object) -> str:
    """A refusal in the page's language: the store words it as a Message (in English, as
    ``pbxctl`` shows it), translated with the configuration's catalogue."""
    return config_messages.localize(text, i18n.translations(language(request), "config").gettext)


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
        said = exc.args[0] if exc.args else str(exc)
        return Refused(_FORM_FIELDS.get(exc.field or "", exc.field), _worded(request, said))


# -- users ------------------------------------------------------------------------------------


async def _users_page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    factory = request.app[SERVICES].factory

    def read(session: Session) -> tuple[list[User], dict[str, Any]]:
        return _users(session), _choices(session)

    users, choices = await asyncio.to_thread(in_session, factory, read)
    roles = choices["roles"]
    context.setdefault("form", {})
    context.setdefault("queues", choices["queues"])
    context.setdefault("refused", None)
    context.setdefault("done", "")
    return frame(request, "admin/users.html", status, section="", admin_page="users",
                 users=users, roles=_described(request, roles), **context)  # fmt: skip


@routes.get("/admin/users")
@requires(Scope.USERS_MANAGE)
async def users(request: web.Request) -> web.Response:
    return await _users_page(request, done=request.query.get("done", "")[:80])


@routes.post("/admin/users")
@requires(Scope.USERS_MANAGE)
async def add_user(request: web.Request) -> web.Response:
    posted = await request.post()
    form: dict[str, Any] = {
        k: str(v) for k, v in posted.items() if k not in ("csrf_token", "queues")
    }
    # Ticked queues (the page's checkboxes) or a typed list (a script, the CLI's habit).
    form["queues"] = " ".join(str(q) for q in posted.getall("queues", []))
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
        refused = Refused(None, _worded(request, Message("you cannot disable yourself")))
        return await _users_page(request, 409, refused=refused)

    def run(session: Session) -> str:
        user = set_disabled(session, login, change == "disable")
        if user.disabled_at is not None:
            close_all(session, user.id)  # signed out everywhere at once
        return user.login

    result = await _change(request, run, lambda done: audit.Entry(f"user.{change}", "user", done))
    if isinstance(result, Refused):
        status = 404 if result.field == "login" else 409  # no such user / the last admin
        return await _users_page(request, status, refused=result)
    raise web.HTTPSeeOther(f"/admin/users?done={change}d:{result}")


# -- one user: role, queues, agent, name, language; password; enable / disable -------------


def _choices(session: Session) -> dict[str, Any]:
    return {
        "roles": _roles(session),
        "queues": [
            tuple(r)
            for r in session.execute(
                select(Queue.name, Queue.display_name).order_by(Queue.position)
            )
        ],
        "agents": [(a.code, a.name) for a in session.scalars(select(Agent).order_by(Agent.code))],
    }


def _user_form(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "language": user.language,
        "role": user.role.name,
        "agent_code": user.agent_code or "",
        "queues": list(user.queues or []),
    }


async def _user_page(
    request: web.Request, login: str, status: int = 200, **context: Any
) -> web.Response:
    def read(session: Session) -> tuple[User, dict[str, Any]]:
        try:
            user = user_by_login(session, login)
        except AccessError as exc:
            raise ApiError(404, "not_found", str(exc)) from None
        session.expunge(user)
        return user, _choices(session)

    user, choices = await asyncio.to_thread(in_session, request.app[SERVICES].factory, read)
    _described(request, choices["roles"])
    context.setdefault("form", _user_form(user))
    context.setdefault("refused", None)
    context.setdefault("password_refused", None)
    context.setdefault("done", "")
    return frame(request, "admin/user.html", status, section="", admin_page="users",
                 user=user, myself=user.login == principal(request).name, **choices,
                 **context)  # fmt: skip


@routes.get("/admin/users/{login}")
@requires(Scope.USERS_MANAGE)
async def user_page(request: web.Request) -> web.Response:
    login = request.match_info["login"]
    return await _user_page(request, login, done=request.query.get("done", "")[:80])


@routes.post("/admin/users/{login}")
@requires(Scope.USERS_MANAGE)
async def edit_user_page(request: web.Request) -> web.Response:
    login = request.match_info["login"]
    posted = await request.post()
    form: dict[str, Any] = {
        k: str(v) for k, v in posted.items() if k not in ("csrf_token", "queues")
    }
    form["queues"] = [str(q) for q in posted.getall("queues", [])]
    for name in ("display_name", "language", "role", "agent_code"):
        form.setdefault(name, "")
    data = UserEdit(
        display_name=form.get("display_name", ""),
        language=form.get("language", "zh"),
        role=form.get("role", ""),
        agent_code=form.get("agent_code", "").strip() or None,
        queues=form["queues"] or None,
    )

    def run(session: Session) -> tuple[str, dict[str, object]]:
        user, changed = edit_user(session, login, data)
        if {"role", "queues", "agent_code"} & set(changed):
            close_all(session, user.id)  # what they may do changed: sign in again
        return user.login, changed

    result = await _change(
        request, run, lambda done: audit.Entry("user.edit", "user", done[0], detail=done[1])
    )
    if isinstance(result, Refused):
        if result.field == "login":
            raise ApiError(404, "not_found", result.message)
        return await _user_page(request, login, 422, form=form, refused=result)
    raise web.HTTPSeeOther(f"/admin/users/{quote(result[0])}?done=saved")


@routes.post("/admin/users/{login}/password")
@requires(Scope.USERS_MANAGE)
async def reset_password(request: web.Request) -> web.Response:
    login = request.match_info["login"]
    posted = await request.post()
    password, again = str(posted.get("password", "")), str(posted.get("password_again", ""))
    if password != again:
        refused = Refused("password_again", _worded(request, Message("the two passwords differ")))
        return await _user_page(request, login, 422, password_refused=refused)

    def run(session: Session) -> str:
        user = set_password(session, login, password)
        close_all(session, user.id)  # signed out everywhere: the old password is gone
        return user.login

    result = await _change(request, run, lambda done: audit.Entry("user.passwd", "user", done))
    if isinstance(result, Refused):
        if result.field == "login":
            raise ApiError(404, "not_found", result.message)
        return await _user_page(request, login, 422, password_refused=result)
    if result == principal(request).name:
        raise web.HTTPSeeOther("/login")  # your own: sign in with the new one
    raise web.HTTPSeeOther(f"/admin/users/{quote(result)}?done=password")


# -- roles ------------------------------------------------------------------------------------


@routes.get("/admin/roles")
@requires(Scope.USERS_MANAGE)
async def roles(request: web.Request) -> web.Response:
    def read(session: Session) -> tuple[list[Role], dict[str, int]]:
        found = _roles(session)
        holders = {r.name: 0 for r in found}
        for user in _users(session):
            holders[user.role.name] = holders.get(user.role.name, 0) + 1
        return found, holders

    found, holders = await asyncio.to_thread(in_session, request.app[SERVICES].factory, read)
    _described(request, found)
    gettext = i18n.translations(language(request)).gettext
    words = scope_descriptions(gettext)
    labels = {p: scope_label(p, words, gettext) for role in found for p in role.scopes}
    return frame(request, "admin/roles.html", section="", admin_page="roles", roles=found,
                 holders=holders, done=request.query.get("done", "")[:80],
                 scope_labels=labels, refused=None)  # fmt: skip


# The scopes a role form offers, one row each: not given, given (narrowed to the holder's
# queues where it touches a queue), or only on the holder's own seat and calls (me.).
SCOPE_ROWS = [(scope, scope in OWNABLE) for scope in Scope]


def _scope_form(patterns: list[str]) -> dict[str, Any]:
    chosen: dict[str, str] = {}
    other: list[str] = []
    for pattern in patterns:
        scope = next((s for s in Scope if pattern in (s.value, s.own)), None)
        if scope is None or scope.value in chosen:
            other.append(pattern)
        else:
            chosen[scope.value] = "all" if pattern == scope.value else "own"
    return {"scopes": chosen, "other": "\n".join(other)}


def _scopes_of(form: dict[str, Any]) -> list[str]:
    given = []
    for scope in Scope:
        how = form["scopes"].get(scope.value, "")
        if how == "all":
            given.append(scope.value)
        elif how == "own" and scope in OWNABLE:
            given.append(scope.own)
    given += [line.strip() for line in form["other"].splitlines() if line.strip()]
    return list(dict.fromkeys(given))


async def _role_page(
    request: web.Request, role: Role | None, form: dict[str, Any], status: int = 200,
    refused: Refused | None = None,
) -> web.Response:  # fmt: skip
    return frame(request, "admin/role.html", status, section="", admin_page="roles", role=role,
                 form=form, refused=refused, scope_rows=SCOPE_ROWS,
                 scope_words=scope_descriptions(i18n.translations(language(request)).gettext),
                 done=request.query.get("done", "")[:80])  # fmt: skip


def _find_role(session: Session, name: str) -> Role:
    try:
        role = role_by_name(session, name)
    except AccessError as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    session.expunge(role)
    return role


@routes.get("/admin/roles/new")
@requires(Scope.USERS_MANAGE)
async def new_role(request: web.Request) -> web.Response:
    """A new role, empty or a copy of another (``?from=supervisor``)."""
    source = request.query.get("from", "")
    form: dict[str, Any] = {"name": "", "description": "", **_scope_form([])}
    if source:
        role = await asyncio.to_thread(in_session, request.app[SERVICES].factory, _find_role,
                                       source)  # fmt: skip
        # A copy of a shipped role starts with its description in the page's language.
        _described(request, [role])
        form.update(_scope_form(list(role.scopes)), description=role.description)
    return await _role_page(request, None, form)


@routes.get("/admin/roles/{name}")
@requires(Scope.USERS_MANAGE)
async def role_page(request: web.Request) -> web.Response:
    factory = request.app[SERVICES].factory
    role = await asyncio.to_thread(in_session, factory, _find_role, request.match_info["name"])
    _described(request, [role])
    form = {"name": role.name, "description": role.description, **_scope_form(list(role.scopes))}
    return await _role_page(request, role, form)


def _posted_role(posted: Any) -> dict[str, Any]:
    return {
        "name": str(posted.get("name", "")).strip(),
        "description": str(posted.get("description", "")).strip(),
        "scopes": {s.value: str(posted.get(f"scope.{s.value}", "")) for s in Scope},
        "other": str(posted.get("other", "")),
    }


async def _save_role(request: web.Request, name: str, existing: bool) -> web.Response:
    form = _posted_role(await request.post())
    form["name"] = name if existing else form["name"]
    scopes = _scopes_of(form)
    factory = request.app[SERVICES].factory

    def run(session: Session) -> tuple[str, list[str]]:
        found = session.scalar(select(Role).where(Role.name == form["name"]))
        if existing and found is None:
            raise AccessError(Message("no role {name}", name=repr(name)), "missing")
        if not existing and found is not None:
            raise AccessError(Message("role {name} exists already", name=repr(form["name"])),
                              "name")  # fmt: skip
        role = save_role(session, form["name"], scopes, form["description"])
        if existing:  # what its holders may do changed: they sign in again
            for user_id in session.scalars(select(User.id).where(User.role_id == role.id)):
                close_all(session, user_id)
        return role.name, list(role.scopes)

    result = await _change(
        request, run,
        lambda done: audit.Entry("role.save", "role", done[0], detail={"scopes": done[1]}),
    )  # fmt: skip
    if isinstance(result, Refused):
        if result.field == "missing":
            raise ApiError(404, "not_found", result.message)
        role = await asyncio.to_thread(in_session, factory, _find_role, name) if existing else None
        return await _role_page(request, role, form, 422, result)
    raise web.HTTPSeeOther(f"/admin/roles/{quote(result[0])}?done=saved")


@routes.post("/admin/roles")
@requires(Scope.USERS_MANAGE)
async def add_role(request: web.Request) -> web.Response:
    return await _save_role(request, "", existing=False)


@routes.post("/admin/roles/{name}")
@requires(Scope.USERS_MANAGE)
async def change_role(request: web.Request) -> web.Response:
    return await _save_role(request, request.match_info["name"], existing=True)


@routes.post("/admin/roles/{name}/delete")
@requires(Scope.USERS_MANAGE)
async def remove_role(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    result = await _change(
        request,
        lambda session: delete_role(session, name),
        lambda _none: audit.Entry("role.delete", "role", name),
    )
    if isinstance(result, Refused):
        if "no role" in result.message:
            raise ApiError(404, "not_found", result.message)
        factory = request.app[SERVICES].factory
        role = await asyncio.to_thread(in_session, factory, _find_role, name)
        form = {"name": role.name, "description": role.description,
                **_scope_form(list(role.scopes))}  # fmt: skip
        return await _role_page(request, role, form, 409, result)
    raise web.HTTPSeeOther(f"/admin/roles?done=deleted:{quote(name)}")


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
