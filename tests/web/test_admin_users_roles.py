"""Editing users and roles in the admin pages: role, queues, agent, password, enable/disable;
roles created, changed (permissions) and deleted. Every change through the access store's
checks (a refusal at the field it names), audited; no change may leave the site without an
enabled user who can manage users (the last admin)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from controller.access.store import UserInput, create_user, has_admin, role_by_name
from controller.db.models import AuditEvent, Role, User
from tests.web.conftest import Api
from tests.web.test_admin_pages import PASSWORD, _signed_in

pytestmark = pytest.mark.asyncio


def _user(api: Api, login: str) -> User:
    with api.factory() as session:
        user = session.scalar(select(User).where(User.login == login))
        assert user is not None
        session.expunge(user)
        return user


def _events(api: Api, action: str, target: str) -> list[AuditEvent]:
    with api.factory() as session:
        found = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_id == target)
        )
        return list(found)


def _ensure(api: Api, login: str, role: str, agent: str | None = None) -> None:
    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == login)) is None:
            create_user(session, UserInput(login, PASSWORD, role, login, "en", agent))


def _at_field(text: str, field: str, message: str) -> bool:
    pattern = rf'data-field="{field}".*?class="field-error">[^<]*{re.escape(message)}'
    return re.search(pattern, text, re.S) is not None


async def _sign_in_as(api: Api, login: str, password: str = PASSWORD) -> int:
    api.client.session.cookie_jar.clear()
    form = await (await api.client.get("/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    signed = await api.client.post(
        "/login", data={"login": login, "password": password, "csrf_token": csrf.group(1)},
        allow_redirects=False,
    )  # fmt: skip
    return signed.status


async def test_an_admin_changes_a_users_role_queues_and_agent(api: Api) -> None:
    _ensure(api, "zhang.wei", "agent", "8003")
    assert await _sign_in_as(api, "zhang.wei") == 303
    zhang_cookies = list(api.client.session.cookie_jar)
    csrf = await _signed_in(api)
    page = await api.client.get("/admin/users/zhang.wei?lang=en")
    assert page.status == 200
    text = await page.text()
    assert 'value="8003" selected' in text
    form = {"csrf_token": csrf, "display_name": "张伟", "role": "agent", "agent_code": "",
            "language": "zh"}  # fmt: skip
    refused = await api.client.post("/admin/users/zhang.wei?lang=en", data=form)
    assert refused.status == 422
    assert _at_field(await refused.text(), "agent_code", "the agent role needs the agent")
    assert _user(api, "zhang.wei").role.name == "agent"  # nothing changed
    bad_queue = await api.client.post(
        "/admin/users/zhang.wei", data={**form, "role": "supervisor", "queues": "nowhere"}
    )
    assert bad_queue.status == 422
    assert _at_field(await bad_queue.text(), "queues", "no queue nowhere")
    saved = await api.client.post(
        "/admin/users/zhang.wei",
        data=[*form.items(), ("role", "supervisor"), ("queues", "sales"), ("queues", "support")],
        allow_redirects=False,
    )
    assert saved.status == 303, await saved.text()
    user = _user(api, "zhang.wei")
    assert (user.role.name, user.queues, user.agent_code, user.display_name) == (
        "supervisor", ["sales", "support"], None, "张伟")  # fmt: skip
    [event] = _events(api, "user.edit", "zhang.wei")
    assert event.actor == "root.admin"
    assert event.detail["role"] == ["agent", "supervisor"]
    # What zhang may do changed: the session zhang had is over.
    api.client.session.cookie_jar.clear()
    api.client.session.cookie_jar.update_cookies({c.key: c.value for c in zhang_cookies})
    assert (await api.client.get("/api/v1/me")).status == 401


async def test_an_admin_resets_a_password_and_a_weak_one_is_refused_at_its_field(
    api: Api,
) -> None:
    _ensure(api, "li.na", "reports")
    csrf = await _signed_in(api)
    weak = await api.client.post("/admin/users/li.na/password?lang=en",
                                 data={"csrf_token": csrf, "password": "short",
                                       "password_again": "short"})  # fmt: skip
    assert weak.status == 422
    text = await weak.text()
    assert _at_field(text, "password", "at least 10 characters")
    assert 'value="short"' not in text  # a password never goes back into a page
    differ = await api.client.post("/admin/users/li.na/password",
                                   data={"csrf_token": csrf, "password": "new pass phrase 99",
                                         "password_again": "new pass phrase 98"})  # fmt: skip
    assert differ.status == 422
    assert _at_field(await differ.text(), "password_again", "the two passwords differ")
    done = await api.client.post("/admin/users/li.na/password",
                                 data={"csrf_token": csrf, "password": "new pass phrase 99",
                                       "password_again": "new pass phrase 99"},
                                 allow_redirects=False)  # fmt: skip
    assert done.status == 303
    assert len(_events(api, "user.passwd", "li.na")) == 1
    assert await _sign_in_as(api, "li.na") != 303  # the old password no longer works
    assert await _sign_in_as(api, "li.na", "new pass phrase 99") == 303
    missing = await api.client.get("/admin/users/nobody-here")
    assert missing.status in (401, 403, 404)  # li.na is not an admin...
    await _signed_in(api)
    assert (await api.client.get("/admin/users/nobody-here")).status == 404  # ...an admin: 404


async def test_the_last_admin_cannot_be_locked_out(api: Api) -> None:
    csrf = await _signed_in(api)
    _ensure(api, "it.two", "admin")
    with api.factory() as session, session.begin():  # root.admin and it.two: the only admins
        admins = select(Role.id).where(Role.name == "admin")
        session.execute(update(User).where(User.role_id.in_(admins),
                                           User.login.not_in(["root.admin", "it.two"]))
                        .values(disabled_at=dt.datetime.now(dt.UTC)))  # fmt: skip
    # Two admins: one may be disabled, and enabled again.
    off = await api.client.post("/admin/users/it.two/disable", data={"csrf_token": csrf},
                                allow_redirects=False)  # fmt: skip
    assert off.status == 303
    assert _user(api, "it.two").disabled_at is not None
    # Now root.admin is the last one: its role cannot go.
    form = {"csrf_token": csrf, "display_name": "root", "role": "reports", "language": "en"}
    refused = await api.client.post("/admin/users/root.admin?lang=en", data=form)
    assert refused.status == 422
    assert _at_field(await refused.text(), "role", "the last admin")
    assert _user(api, "root.admin").role.name == "admin"
    # ... nor can a role of its own lose users.manage.
    with api.factory() as session, session.begin():
        session.add(Role(name="boss", builtin=False, scopes=["#"], description=""))
        session.flush()
        root = session.scalar(select(User).where(User.login == "root.admin"))
        assert root is not None
        root.role = role_by_name(session, "boss")
    csrf = await _signed_in(api)  # its sessions were not closed by the test's own change
    narrowed = await api.client.post("/admin/roles/boss?lang=en",
                                     data={"csrf_token": csrf, "scope.config.read": "all",
                                           "scope.config.apply": "all"})  # fmt: skip
    assert narrowed.status == 422
    assert _at_field(await narrowed.text(), "scopes", "the last admin")
    with api.factory() as session:
        assert has_admin(session)
        assert role_by_name(session, "boss").scopes == ["#"]
    # Another admin again: now the change is allowed.
    on = await api.client.post("/admin/users/it.two/enable", data={"csrf_token": csrf},
                               allow_redirects=False)  # fmt: skip
    assert on.status == 303
    with api.factory() as session, session.begin():
        root = session.scalar(select(User).where(User.login == "root.admin"))
        assert root is not None
        root.role = role_by_name(session, "admin")
        session.delete(role_by_name(session, "boss"))


async def test_an_admin_creates_changes_and_deletes_a_role(api: Api) -> None:
    csrf = await _signed_in(api)
    new = await api.client.get("/admin/roles/new?from=reports&lang=en")
    assert new.status == 200
    assert re.search(r'name="scope.history.read" value="all"[^>]*checked', await new.text())
    form = {"csrf_token": csrf, "name": "qa", "description": "quality",
            "scope.history.read": "all", "scope.recordings.read": "all",
            "scope.reports.read": "own", "other": "status.*\n"}  # fmt: skip
    bad = await api.client.post("/admin/roles?lang=en", data={**form, "name": "QA!"})
    assert bad.status == 422
    assert _at_field(await bad.text(), "name", "field name: 2-32 of a-z")
    wrong = await api.client.post("/admin/roles?lang=en", data={**form, "other": "Status.x"})
    assert wrong.status == 422
    assert _at_field(await wrong.text(), "scopes", "Status.x")
    empty = await api.client.post("/admin/roles?lang=en", data={"csrf_token": csrf, "name": "qa"})
    assert empty.status == 422
    assert _at_field(await empty.text(), "scopes", "give at least one scope")
    made = await api.client.post("/admin/roles", data=form, allow_redirects=False)
    assert made.status == 303
    with api.factory() as session:
        assert role_by_name(session, "qa").scopes == [
            "history.read", "recordings.read", "me.reports.read", "status.*"]  # fmt: skip
    again = await api.client.post("/admin/roles?lang=en", data=form)
    assert again.status == 422
    assert _at_field(await again.text(), "name", "exists already")
    changed = await api.client.post("/admin/roles/qa", allow_redirects=False, data={
        "csrf_token": csrf, "description": "quality", "scope.history.read": "all"})  # fmt: skip
    assert changed.status == 303
    with api.factory() as session:
        assert role_by_name(session, "qa").scopes == ["history.read"]
    shipped = await api.client.post("/admin/roles/admin?lang=en", data={
        "csrf_token": csrf, "scope.history.read": "all"})  # fmt: skip
    assert shipped.status == 422
    assert "shipped with the product" in await shipped.text()
    _ensure(api, "qa.one", "qa")
    held = await api.client.post("/admin/roles/qa/delete?lang=en", data={"csrf_token": csrf})
    assert held.status == 409
    assert "still given to user qa.one" in await held.text()
    with api.factory() as session, session.begin():
        session.delete(session.scalars(select(User).where(User.login == "qa.one")).one())
    gone = await api.client.post("/admin/roles/qa/delete", data={"csrf_token": csrf},
                                 allow_redirects=False)  # fmt: skip
    assert gone.status == 303
    assert [e.detail["scopes"] for e in _events(api, "role.save", "qa")] == [
        ["history.read", "recordings.read", "me.reports.read", "status.*"],
        ["history.read"],
    ]
    assert len(_events(api, "role.delete", "qa")) == 1
    listed = await (await api.client.get("/admin/roles")).text()
    assert 'data-role="qa"' not in listed


async def test_a_new_users_queues_are_ticked_and_a_wrong_one_is_shown_at_its_field(
    api: Api,
) -> None:
    csrf = await _signed_in(api)
    page = await (await api.client.get("/admin/users?lang=en")).text()
    assert 'name="queues" value="sales"' in page  # a checkbox per queue
    form = [("csrf_token", csrf), ("login", "lead.ma"), ("display_name", "马"),
            ("password", "a long pass phrase 5"), ("role", "supervisor"), ("language", "zh"),
            ("agent_code", "")]  # fmt: skip
    wrong = await api.client.post("/admin/users?lang=en", data=[*form, ("queues", "nowhere")])
    assert wrong.status == 422
    assert _at_field(await wrong.text(), "queues", "no queue nowhere")
    made = await api.client.post("/admin/users", data=[*form, ("queues", "sales"),
                                                       ("queues", "support")],
                                 allow_redirects=False)  # fmt: skip
    assert made.status == 303
    assert _user(api, "lead.ma").queues == ["sales", "support"]


async def test_a_refusal_is_worded_in_the_pages_language(api: Api) -> None:
    # The access store words its refusals in English (as pbxctl shows them); a Chinese page
    # shows them in Chinese, at the same field.
    _ensure(api, "zhang.wei", "agent", "8003")
    before = _user(api, "zhang.wei")
    csrf = await _signed_in(api)
    form = {"csrf_token": csrf, "display_name": "张伟", "role": "supervisor", "agent_code": "",
            "language": "zh", "queues": "nowhere"}  # fmt: skip
    zh = await api.client.post("/admin/users/zhang.wei?lang=zh", data=form)
    assert zh.status == 422
    assert _at_field(await zh.text(), "queues", "用户 &#39;zhang.wei&#39;：队列：没有队列 nowhere")
    en = await api.client.post("/admin/users/zhang.wei?lang=en", data=form)
    assert _at_field(
        await en.text(), "queues", "user &#39;zhang.wei&#39;: field queues: no queue nowhere"
    )
    weak = await api.client.post("/admin/users/zhang.wei/password?lang=zh",
                                 data={"csrf_token": csrf, "password": "short",
                                       "password_again": "short"})  # fmt: skip
    assert _at_field(
        await weak.text(), "password", "用户 &#39;zhang.wei&#39;：密码：至少 10 个字符"
    )
    differ = await api.client.post("/admin/users/zhang.wei/password?lang=zh",
                                   data={"csrf_token": csrf, "password": "new pass phrase 99",
                                         "password_again": "new pass phrase 98"})  # fmt: skip
    assert _at_field(await differ.text(), "password_again", "两次输入的密码不一致")
    after = _user(api, "zhang.wei")
    assert (after.role_id, after.queues, after.password_hash) == (
        before.role_id, before.queues, before.password_hash,
    )  # nothing changed  # fmt: skip


async def test_the_role_form_says_what_each_permission_allows(api: Api) -> None:
    await _signed_in(api)
    chinese = await (await api.client.get("/admin/roles/new?lang=zh")).text()
    english = await (await api.client.get("/admin/roles/new?lang=en")).text()
    for page, words in ((chinese, "监听通话"), (english, "Listen in on a call")):
        row = re.search(r'<tr data-scope="calls.listen">.*?</tr>', page, re.S)
        assert row is not None
        assert words in row.group(0)
        assert "<code>calls.listen</code>" in row.group(0)  # the name stays for those who know it
    copy = await (await api.client.get("/admin/roles/new?from=reports&lang=zh")).text()
    assert 'value="经理:报表、通话记录和录音"' in copy  # the shipped description, in Chinese
