"""The admin pages over HTTP: lists with search and paging, an object's form saved through
the importer (its errors at their fields, nothing written on a refusal), the conflict of a
stale form, removal, the pending changes and Apply with its result over the websocket."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from multidict import MultiDict
from sqlalchemy import select

from controller.access import audit
from controller.access.store import UserInput, create_user
from controller.config import AsteriskSettings, Settings
from controller.db.models import AuditEvent, User
from controller.dialplan.apply import ApplyReport, ApplyStep, Outcome, Progress
from controller.dialplan.render import Module
from controller.dialplan.service import Applied
from controller.pbxconfig.dump import dump_config
from controller.pbxconfig.export import export_config
from controller.pbxconfig.revision import current_revision
from controller.web.config_apply import ApplyRunner, AsteriskDialplan, PendingFile
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio
PASSWORD = "admin pass phrase 7"


async def _signed_in(api: Api, login: str = "root.admin", role: str = "admin") -> str:
    """A browser session of a user of ``role``; its CSRF token."""
    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == login)) is None:
            create_user(session, UserInput(login, PASSWORD, role, login, "en"))
    api.client.session.cookie_jar.clear()
    form = await (await api.client.get("/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    signed = await api.client.post(
        "/login", data={"login": login, "password": PASSWORD, "csrf_token": csrf.group(1)},
        allow_redirects=False,
    )  # fmt: skip
    assert signed.status == 303
    me = await (await api.client.get("/api/v1/me")).json()
    return str(me["csrf_token"])


def _form_values(html: str) -> MultiDict[str]:
    """The values a browser would send for the object form (inputs, selects, text areas;
    not a disabled one, nor the rows' templates). A yes/no is one value ("true" when ticked);
    several checkboxes of one name (a rule's days) are several values."""
    found: MultiDict[str] = MultiDict()
    form = html.split('<form class="object"', 1)[1].split("</form>", 1)[0]
    form = re.sub(r"<template>.*?</template>", "", form, flags=re.S)
    checkboxes = {a for a in re.findall(r'<input type="checkbox" name="([^"]+)"', form)}
    for m in re.finditer(r"<input([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m.group(1)))
        if "name" not in attrs or re.search(r"\sdisabled\b", m.group(1)):
            continue
        name = attrs["name"]
        if attrs.get("type") == "checkbox":
            if re.search(r"\schecked\b", m.group(1)):
                if attrs.get("value") == "true":
                    found[name] = "true"
                else:
                    found.add(name, attrs["value"])
            continue
        if attrs.get("type") == "hidden" and name in checkboxes and attrs.get("value") == "false":
            found[name] = "false"
            continue
        found[name] = _unescape(attrs.get("value", ""))
    for m in re.finditer(r"<select([^>]*)>(.*?)</select>", form, re.S):
        if re.search(r"\sdisabled\b", m.group(1)):
            continue
        name = re.search(r'name="([^"]+)"', m.group(1))
        assert name is not None
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
        found[name.group(1)] = _unescape(chosen.group(1)) if chosen else ""
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        found[m.group(1)] = _unescape(m.group(2))
    return found


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _exported_queue(api: Api, name: str) -> dict[str, object]:
    with api.factory() as session:
        config = export_config(session)
    return next(q.model_dump(mode="json") for q in config.queues if q.name == name)


async def test_a_reports_user_cannot_open_admin(api: Api) -> None:
    await _signed_in(api, "manager.zhao", "reports")
    for path in ("/admin", "/admin/objects/queues", "/admin/objects/queues/sales",
                 "/admin/changes"):  # fmt: skip
        response = await api.client.get(path, allow_redirects=False)
        assert response.status == 403, path


async def test_lists_search_and_page_in_sql(api: Api) -> None:
    await _signed_in(api)
    overview = await (await api.client.get("/admin?lang=en")).text()
    assert "Extensions and phones" in overview
    listing = await (await api.client.get("/admin/objects/extensions?q=10")).text()
    keys = re.findall(r'href="/admin/objects/extensions/(\d+)"', listing)
    assert keys
    assert all("10" in k for k in keys)
    none = await (await api.client.get("/admin/objects/extensions?q=%25_nothing")).text()
    assert "0 found" in none  # % and _ are searched for as themselves
    unknown = await api.client.get("/admin/objects/bogus")
    assert unknown.status == 404


async def test_a_queue_is_saved_through_the_importer(api: Api) -> None:
    csrf = await _signed_in(api)
    page = await (await api.client.get("/admin/objects/queues/support")).text()
    values = _form_values(page)
    assert values["strategy"]
    assert values["csrf_token"] == csrf
    revision = _revision(api)

    # The importer's own messages, each at the field it names: the schema's ...
    bad = {**values, "ring_seconds": "-3", "strategy": "bogus"}
    refused = await api.client.post("/admin/objects/queues/support", data=bad)
    assert refused.status == 422
    text = await refused.text()
    assert re.search(r'data-field="ring_seconds".*?class="field-error"[^>]*>'
                     r'Input should be greater than or equal to 1 \(got -3\)<', text, re.S)  # fmt: skip
    assert re.search(r'data-field="strategy".*?class="field-error"[^>]*>[^<]*bogus', text, re.S)
    # ... and the references' (checked once the schema's are met).
    unknown = {**values, "members[0].agent": "9999"}
    refused = await api.client.post("/admin/objects/queues/support", data=unknown)
    assert refused.status == 422
    text = await refused.text()
    assert re.search(r'data-path="members\[0\]\.agent".*?class="field-error"[^>]*>[^<]*9999',
                     text, re.S), text[-3000:]  # fmt: skip
    assert _revision(api) == revision  # nothing written

    good = {**values, "ring_seconds": "27", "max_wait_seconds": ""}
    saved = await api.client.post("/admin/objects/queues/support", data=good,
                                  allow_redirects=False)  # fmt: skip
    assert saved.status == 303, await saved.text()
    assert saved.headers["Location"] == "/admin/objects/queues/support?saved=1"  # no ?lang
    assert _revision(api) == revision + 1
    exported = _exported_queue(api, "support")
    assert exported["ring_seconds"] == 27
    assert exported["max_wait_seconds"] == 0
    with api.factory() as session:
        assert "ring_seconds: 27" in dump_config(export_config(session))
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "config.edit")
                                .order_by(AuditEvent.id.desc())).first()  # fmt: skip
    assert event is not None
    assert (event.actor, event.object_id) == ("root.admin", "support")

    # The same form again: its base is the old queue, so the save is a conflict.
    stale = await api.client.post("/admin/objects/queues/support",
                                  data={**values, "weight": "7"})  # fmt: skip
    assert stale.status == 409
    conflict = await stale.text()
    assert "ring_seconds" in conflict
    assert "27" in conflict
    assert _exported_queue(api, "support")["weight"] == 0


async def test_an_extension_is_added_and_removed(api: Api) -> None:
    await _signed_in(api)
    form = await (await api.client.get("/admin/new/extensions")).text()
    values = _form_values(form)
    values.update({"number": "1999", "name": "测试 分机", "phone.__on": "true",
                   "phone.transport": "udp", "phone.codecs[0].codecs": "alaw",
                   "phone.codecs[1].codecs": ""})  # fmt: skip
    made = await api.client.post("/admin/new/extensions", data=values, allow_redirects=False)
    assert made.status == 303, await made.text()
    with api.factory() as session:
        ext = next(e for e in export_config(session).extensions if e.number == "1999")
    assert ext.name == "测试 分机"
    assert ext.phone is not None
    assert ext.phone.codecs == ["alaw"]

    again = await api.client.post("/admin/new/extensions", data=values)
    assert again.status == 422  # the importer's duplicate
    assert "1999" in await again.text()

    page = await (await api.client.get("/admin/objects/extensions/1999")).text()
    base = _form_values(page)["base"]
    gone = await api.client.post("/admin/objects/extensions/1999/remove",
                                 data={"csrf_token": _form_values(page)["csrf_token"], "base": base},
                                 allow_redirects=False)  # fmt: skip
    assert gone.status == 303
    with api.factory() as session:
        assert "1999" not in [e.number for e in export_config(session).extensions]


async def test_a_form_without_its_csrf_token_is_refused(api: Api) -> None:
    await _signed_in(api)
    values = _form_values(await (await api.client.get("/admin/objects/queues/sales")).text())
    del values["csrf_token"]
    response = await api.client.post("/admin/objects/queues/sales", data=values)
    assert response.status == 403


async def test_a_key_typed_twice_is_shown_at_its_row(api: Api) -> None:
    await _signed_in(api)
    values = _form_values(await (await api.client.get("/admin/objects/queues/sales")).text())
    skill = values["required_skills[0].key"]
    response = await api.client.post("/admin/objects/queues/sales", data={
        **values, "required_skills[5].key": skill, "required_skills[5].value": "3"})  # fmt: skip
    assert response.status == 422
    text = await response.text()
    assert re.search(r'data-error-of="required_skills\[1\]".*?class="field-error"[^>]*>'
                     rf"{skill} is listed twice<", text, re.S)  # fmt: skip


def _revision(api: Api) -> int:
    with api.factory() as session:
        return current_revision(session)


class FakeDialplan:
    def __init__(self, outcome: Outcome, changed: list[str], problems: list[str]) -> None:
        self.report = ApplyReport(outcome, changed, [Module.QUEUES] if changed else [], problems)
        self.applied = 0

    def pending(self) -> list[PendingFile]:
        return [PendingFile("queues.conf", "--- a\n+++ b\n+strategy=linear", 1, 0, False)]

    async def apply(self, progress: Progress = None) -> Applied:
        self.applied += 1
        if progress is not None:
            progress(ApplyStep("lint", "done"))
        return Applied(self.report, [])


@pytest.mark.parametrize(
    ("outcome", "changed", "problems", "state"),
    [
        (Outcome.APPLIED, ["queues.conf"], [], "applied"),
        (Outcome.APPLIED, [], [], "nothing"),
        (Outcome.ROLLED_BACK, ["queues.conf"], ["queue 'x': not loaded"], "rolled_back"),
    ],
)
async def test_apply_streams_its_result_over_the_websocket(
    api: Api, outcome: Outcome, changed: list[str], problems: list[str], state: str
) -> None:
    fake = FakeDialplan(outcome, changed, problems)
    runner = ApplyRunner(fake, api.factory)  # type: ignore[arg-type]
    api.services.config_apply = runner
    try:
        csrf = await _signed_in(api)
        page = await (await api.client.get("/admin/changes")).text()
        assert "strategy=linear" in page
        socket = await api.client.ws_connect("/api/v1/ws")
        await socket.receive_json(timeout=5)  # snapshot
        await socket.send_json({"subscribe": ["apply"]})
        assert (await socket.receive_json(timeout=5))["type"] == "subscribed"
        started = await api.client.post("/admin/apply", headers={"X-CSRF-Token": csrf})
        assert started.status == 202
        assert (await started.json())["state"] == "running"
        messages = []
        while not messages or messages[-1]["data"]["state"] == "running":
            messages.append(await socket.receive_json(timeout=5))
        await socket.close()
        assert [m["type"] for m in messages] == ["apply", "apply", "apply"]
        assert messages[1]["data"]["steps"] == [
            {"step": "lint", "status": "done", "module": "", "detail": ""}
        ]
        final = messages[-1]["data"]
        assert (final["state"], final["changed"], final["problems"]) == (state, changed, problems)
        shown = await (await api.client.get("/admin/apply/state")).json()
        assert shown["state"] == state
        assert fake.applied == 1
    finally:
        api.services.config_apply = None


async def test_a_second_apply_while_one_runs_is_refused(api: Api) -> None:
    import asyncio

    class Slow(FakeDialplan):
        async def apply(self, progress: Progress = None) -> Applied:
            await asyncio.sleep(0.3)
            return await super().apply(progress)

    runner = ApplyRunner(Slow(Outcome.APPLIED, [], []), api.factory)  # type: ignore[arg-type]
    api.services.config_apply = runner
    try:
        csrf = await _signed_in(api)
        first = await api.client.post("/admin/apply", headers={"X-CSRF-Token": csrf})
        second = await api.client.post("/admin/apply", headers={"X-CSRF-Token": csrf})
        assert (first.status, second.status) == (202, 409)
        assert "root.admin" in (await second.json())["error"]["message"]
        await runner.wait()
    finally:
        api.services.config_apply = None


async def test_the_real_pending_changes_hide_secrets_and_apply_is_refused_without_asterisk(
    api: Api, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        templates_dir=tmp_path / "no-templates",
        asterisk=AsteriskSettings(config_dir=tmp_path / "asterisk"),
    )
    engine = api.factory.kw["bind"]
    dialplan = AsteriskDialplan(settings, engine)
    pending = {f.name: f for f in dialplan.pending()}
    assert "pjsip.conf" in pending
    assert "queues.conf" in pending
    assert "password=********" in pending["pjsip.conf"].diff
    assert not re.search(r"password=(?!\*)", pending["pjsip.conf"].diff)
    assert not re.search(r"\d+ => \d", pending["voicemail.conf"].diff)
    # The phones are rows of phones.sqlite3 (as `pbxctl dialplan diff` shows them), not
    # sections of pjsip.conf: listed apart, their passwords not shown.
    assert "[1001]" not in pending["pjsip.conf"].diff
    rows = pending["phones.sqlite3"].diff
    assert "+ phone 1001: ps_auths row added" in rows
    assert "password=***" in rows
    assert not re.search(r"password=(?!\*)", rows)
    runner = ApplyRunner(dialplan, api.factory)
    published: list[dict[str, object]] = []

    async def publish(data: dict[str, object]) -> None:
        published.append(json.loads(json.dumps(data)))

    runner.start(audit.Actor("user", "root.admin"), publish)
    await runner.wait()
    states = [m["state"] for m in published]
    assert (states[0], states[-1]) == ("running", "refused")
    assert set(states[1:-1]) <= {"running"}  # one message per step as it goes
    final = published[-1]
    assert [(s["step"], s["status"]) for s in final["steps"]] == [  # type: ignore[union-attr]
        ("prompts", "done"),  # no sounds directory here: a warning, not a refusal
        ("lint", "start"),
        ("lint", "done"),
    ]  # then AMI cannot be reached: refused before writing
    assert final["problems"]  # says why (Asterisk's AMI cannot be reached)
    assert "not applied" in str(final["summary"])
