"""What each route needs, declared on the route, and the checks handlers make on one thing.

    @routes.post("/api/v1/channels/{uniqueid}/hangup")
    @requires(Scope.CALLS_CONTROL)
    async def hangup(request): ...

``requires(*scopes)``: a signed-in principal holding one of the scopes (in full or as ``me.``)
gets in; the handler then checks the thing itself with :func:`require_on` (the call of a
channel, an agent, a queue). ``signed_in()``: any principal. ``public()``: no sign-in (the
login page, static files). The authentication middleware refuses every route that declares
nothing, and ``tests/web/test_access_matrix.py`` walks the router to keep it so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from controller.access.policy import Principal, Target, allows, allows_any
from controller.access.scopes import Scope
from controller.ami.tracker import CallView
from controller.web.errors import ApiError
from controller.web.keys import PRINCIPAL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Access:
    scopes: tuple[Scope, ...] = ()  # one of them (in full or as me.); () and not public: any
    public: bool = False

    def describe(self) -> str:
        if self.public:
            return "public"
        return " or ".join(self.scopes) if self.scopes else "signed in"


ATTRIBUTE = "__pbx_access__"


def _declare(access: Access) -> Callable[[Handler], Handler]:
    def mark(handler: Handler) -> Handler:
        setattr(handler, ATTRIBUTE, access)
        return handler

    return mark


def requires(*scopes: Scope) -> Callable[[Handler], Handler]:
    if not scopes:
        raise ValueError("requires() needs a scope; use signed_in() for any principal")
    return _declare(Access(tuple(scopes)))


def signed_in() -> Callable[[Handler], Handler]:
    return _declare(Access())


def public() -> Callable[[Handler], Handler]:
    return _declare(Access(public=True))


def declared(handler: object) -> Access | None:
    """The access a route handler declares (the router may wrap plain handlers)."""
    access = getattr(handler, ATTRIBUTE, None)
    return access if isinstance(access, Access) else None


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def forbidden(who: Principal, what: str) -> ApiError:
    return ApiError(403, "forbidden", f"{who.describe()} may not {what}")


def require_on(request: web.Request, scope: Scope, target: Target, what: str) -> Principal:
    """The principal when it holds ``scope`` on ``target``; else a 403 saying what."""
    who = principal(request)
    if not allows(who, scope, on=target):
        raise forbidden(who, what)
    return who


def call_target(view: CallView) -> Target:
    """A live call, as access decisions see it: its queue, the agents on it."""
    return Target(
        queues=frozenset([view.queue] if view.queue else []), agents=frozenset(view.agents)
    )


def may_see_call(who: Principal, view: CallView, agent_queues: frozenset[str]) -> bool:
    target = call_target(view)
    target = Target(target.queues, target.agents, agent_queues)
    return allows(who, Scope.CALLS_READ, on=target)


def may_any(request: web.Request, scopes: tuple[Scope, ...]) -> bool:
    return allows_any(principal(request), scopes)
