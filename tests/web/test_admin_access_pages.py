"""Users, roles, tokens and the audit log as admin pages: changes go through the access
store's own checks (a refusal shown at the field it names), each is audited, a new token is
shown once and works, a revoked one does not."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from controller.db.models import AuditEvent, User
from tests.web.conftest import Api
from tests.web.test_admin_pages import _signed_in

pytestmark = pytest.mark.asyncio


async def test_an_admin_adds_a_user_and_a_bad_field_is_shown_at_it(api: Api) -> None:
    csrf = await _signed_in(api)
    page = await api.client.get("/admin/users?lang=en")
    assert page.status == 200
    assert "root.admin" in await page.text()
    form = {"csrf_token": csrf, "login": "zhang.wei", "display_name": "张伟", "role": "agent",
            "language": "zh", "password": "a long pass phrase 42", "agent_code": "",
            "queues": ""}  # fmt: skip
    refused = await api.client.post("/admin/users?lang=en", data=form)
    assert refused.status == 422
    text = await refused.text()
    assert re.search(r'data-field="agent_code".*?class="field-error">[^<]*agent role needs', text,
                     re.S)  # fmt: skip
    assert "a long pass phrase 42" not in text  # a password never goes back into a page
    made = await api.client.post("/admin/users", data={**form, "agent_code": "8003"},
                                 allow_redirects=False)  # fmt: skip
    assert made.status == 303
    with api.factory() as session:
        user = session.scalar(select(User).where(User.login == "zhang.wei"))
        assert user is not None
        assert (user.role.name, user.agent_code) == ("agent", "8003")
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
        assert event is not None
        assert event.actor == "root.admin"
    disabled = await api.client.post("/admin/users/zhang.wei/disable", data={"csrf_token": csrf},
                                     allow_redirects=False)  # fmt: skip
    assert disabled.status == 303
    with api.factory() as session:
        user = session.scalar(select(User).where(User.login == "zhang.wei"))
        assert user is not None
        assert user.disabled_at is not None
    myself = await api.client.post("/admin/users/root.admin/disable", data={"csrf_token": csrf})
    assert myself.status == 409


async def test_a_token_is_shown_once_works_and_is_revoked(api: Api) -> None:
    csrf = await _signed_in(api)
    made = await api.client.post("/admin/tokens", data={"csrf_token": csrf, "name": "crm-sync",
                                                        "role": "reports", "queues": "sales"})  # fmt: skip
    assert made.status == 201
    found = re.search(r'<pre class="token">(pbx_[^<]+)</pre>', await made.text())
    assert found is not None
    token = {"Authorization": f"Bearer {found.group(1)}"}
    queues = await (await api.client.get("/api/v1/queues", headers=token)).json()
    assert [q["name"] for q in queues["queues"]] == ["sales"]
    listed = await (await api.client.get("/admin/tokens")).text()
    assert "crm-sync" in listed
    assert found.group(1) not in listed  # shown once
    again = await api.client.post("/admin/tokens", data={"csrf_token": csrf, "name": "crm-sync",
                                                         "role": "reports"})  # fmt: skip
    assert again.status == 422
    assert re.search(r'data-field="name".*?class="field-error">[^<]*exists already',
                     await again.text(), re.S)  # fmt: skip
    revoked = await api.client.post("/admin/tokens/crm-sync/revoke", data={"csrf_token": csrf},
                                    allow_redirects=False)  # fmt: skip
    assert revoked.status == 303
    api.client.session.cookie_jar.clear()
    assert (await api.client.get("/api/v1/queues", headers=token)).status == 401


async def test_roles_and_the_audit_log(api: Api) -> None:
    await _signed_in(api)
    roles = await (await api.client.get("/admin/roles")).text()
    assert "reports.read" in roles
    assert "supervisor" in roles
    log = await (await api.client.get("/admin/audit?action=login.")).text()
    assert "login.success" in log or "login" in log
    assert "root.admin" in log
    nothing = await (await api.client.get("/admin/audit?actor=nobody-at-all")).text()
    assert "<tbody>\n  </tbody>" in nothing
