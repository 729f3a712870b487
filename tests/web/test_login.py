"""Browser sign-in over real HTTP: the form and its CSRF cookie, refusals, throttling, the
session cookie's flags, CSRF on changes, sign-out, idle and absolute expiry, disabled users,
and what the audit log keeps of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import pytest_asyncio
from aiohttp import WSServerHandshakeError
from sqlalchemy import select, update

from controller.access.store import UserInput, create_user, set_disabled
from controller.db.models import AuditEvent, WebSession
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

PASSWORD = "a long passphrase 7"


@pytest_asyncio.fixture
async def user(api: Api) -> str:
    login = f"u{abs(hash(api.token_name)) % 10**8}"
    with api.factory() as session, session.begin():
        create_user(session, UserInput(login, PASSWORD, "supervisor", queues=["sales"]))
    api.client.session.cookie_jar.clear()
    return login


async def form(api: Api, query: str = "") -> str:
    page = await api.client.get(f"/login{query}")
    assert page.status == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    found = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert found is not None
    return found.group(1)


async def sign_in(api: Api, login: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    csrf = await form(api)
    return await api.client.post(
        "/login", data={"login": login, "password": password, "csrf_token": csrf,
                        "next": "/api/v1/me"},
        allow_redirects=False, headers=headers,
    )  # fmt: skip


def audit_actions(api: Api, actor: str) -> list[tuple[str, bool]]:
    with api.factory() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.actor == actor).order_by(AuditEvent.id)
        ).all()
        return [(row.action, row.success) for row in rows]


async def test_the_form_speaks_chinese_by_default_and_english_when_asked(api: Api) -> None:
    chinese = await (await api.client.get("/login")).text()
    assert "登录" in chinese
    assert '<html lang="zh-CN">' in chinese
    english = await (await api.client.get("/login", headers={"Accept-Language": "en-US"})).text()
    assert "Sign in" in english
    chosen = await api.client.get("/login?lang=en")
    assert "Login name" in await chosen.text()
    again = await (await api.client.get("/login")).text()  # the choice is remembered
    assert "Login name" in again


async def test_a_wrong_password_is_refused_and_audited(api: Api, user: str) -> None:
    refused = await sign_in(api, user, "not the password")
    assert refused.status == 401
    assert "用户名或密码错误" in await refused.text()
    unknown = await sign_in(api, "nobody-here", "not the password")
    assert unknown.status == 401
    assert audit_actions(api, user) == [("login.failure", False)]


async def test_sign_in_sets_a_private_cookie_and_the_session_works(api: Api, user: str) -> None:
    signed = await sign_in(api, user, PASSWORD)
    assert signed.status == 303
    assert signed.headers["Location"] == "/api/v1/me"
    cookie = signed.headers.getall("Set-Cookie")
    session_cookie = next(c for c in cookie if c.startswith("pbx_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain HTTP on loopback
    me = await (await api.client.get("/api/v1/me")).json()
    assert (me["name"], me["role"], me["queues"]) == (user, "supervisor", ["sales"])
    # A change without the CSRF token is refused, with it accepted.
    bare = await api.client.post("/api/v1/ws/ticket")
    assert bare.status == 403
    assert (await bare.json())["error"]["code"] == "csrf"
    ok = await api.client.post("/api/v1/ws/ticket", headers={"X-CSRF-Token": me["csrf_token"]})
    assert ok.status == 200
    assert audit_actions(api, user) == [("login.success", True)]


async def test_the_form_needs_its_own_csrf_value(api: Api, user: str) -> None:
    await form(api)
    forged = await api.client.post(
        "/login", data={"login": user, "password": PASSWORD, "csrf_token": "guessed"},
        allow_redirects=False,
    )  # fmt: skip
    assert forged.status == 403
    assert "pbx_session" not in api.client.session.cookie_jar.filter_cookies(
        api.client.make_url("/")
    )


async def test_failed_sign_ins_are_throttled(api: Api, user: str) -> None:
    statuses = [(await sign_in(api, user, f"wrong {n}")).status for n in range(6)]
    assert statuses == [401, 401, 401, 401, 401, 429]
    blocked = await sign_in(api, user, PASSWORD)  # even the right password, for a while
    assert blocked.status == 429
    assert "登录失败次数过多" in await blocked.text()


async def test_sign_out_ends_the_session(api: Api, user: str) -> None:
    await sign_in(api, user, PASSWORD)
    me = await (await api.client.get("/api/v1/me")).json()
    out = await api.client.post("/logout", data={"csrf_token": me["csrf_token"]},
                                allow_redirects=False)  # fmt: skip
    assert out.status == 303
    assert (await api.client.get("/api/v1/me")).status == 401
    assert [a for a, _ in audit_actions(api, user)] == ["login.success", "logout"]


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
async def test_idle_and_absolute_expiry(api: Api, user: str, column: str) -> None:
    await sign_in(api, user, PASSWORD)
    assert (await api.client.get("/api/v1/me")).status == 200
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with api.factory() as session, session.begin():
        session.execute(update(WebSession).values({column: past}))
    assert (await api.client.get("/api/v1/me")).status == 401
    page = await api.client.get("/", allow_redirects=False)
    assert page.status == 303
    assert page.headers["Location"] == "/login?next=/"


async def test_a_disabled_user_is_signed_out_and_cannot_sign_in(api: Api, user: str) -> None:
    await sign_in(api, user, PASSWORD)
    with api.factory() as session, session.begin():
        set_disabled(session, user, True)
    assert (await api.client.get("/api/v1/me")).status == 401
    assert (await sign_in(api, user, PASSWORD)).status == 401


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "x"])
async def test_no_open_redirect_after_sign_in(api: Api, user: str, target: str) -> None:
    csrf = await form(api)
    signed = await api.client.post(
        "/login", data={"login": user, "password": PASSWORD, "csrf_token": csrf, "next": target},
        allow_redirects=False,
    )  # fmt: skip
    assert signed.headers["Location"] == "/"


async def test_the_websocket_refuses_a_session_ridden_from_another_site(
    api: Api, user: str
) -> None:
    await sign_in(api, user, PASSWORD)
    with pytest.raises(WSServerHandshakeError) as refused:
        await api.client.ws_connect("/api/v1/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    socket = await api.client.ws_connect(
        "/api/v1/ws", headers={"Origin": str(api.client.make_url("/")).rstrip("/")}
    )
    assert (await socket.receive_json(timeout=5))["type"] == "snapshot"
    await socket.close()
