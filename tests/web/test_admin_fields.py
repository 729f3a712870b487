"""The admin forms' widgets, labels and messages: every object of the example company goes
through its form and back unchanged; an importer's issue is placed at the widget its field
names (a row, a row's cell, a nested field); every label, choice and message of the
validator has its Chinese; the messages stay the same English for the CLI and the API."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from multidict import MultiDict

import controller
from controller.errors import ConfigIssue, Message
from controller.pbxconfig import load
from controller.pbxconfig.export import export_config
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig
from controller.web import admin_forms as forms
from controller.web import config_labels, config_messages, i18n
from tests.web.conftest import Api
from tests.web.test_admin_pages import _form_values, _signed_in

ROOT = Path(controller.__file__).parent
CATALOGUE = ROOT / "web" / "i18n" / "zh_CN" / "LC_MESSAGES" / "config.po"
VALIDATOR = ["domain.py", "pbxconfig/types.py", "pbxconfig/schema.py",
             "pbxconfig/references.py", "pbxconfig/load.py", "pbxconfig/bulk.py",
             "dialplan/escape.py", "access/store.py", "access/passwords.py",
             "web/pages/admin_access.py"]  # fmt: skip


def _translated() -> dict[str, str]:
    with CATALOGUE.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and m.string}


def _validator_texts() -> set[str]:
    """Every text the validator words its messages with (templates and their parts)."""
    found: set[str] = set()
    for name in VALIDATOR:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if called == "Message" and node.args:
                # Message(what): a part named elsewhere (_matching's, SECTION_KEYS', unique's)
                found.update(t for t in texts[:1] if isinstance(t, str))
            elif called == "_matching" and len(texts) == 2:
                found.add(texts[1])
            elif called == "unique" and texts:
                found.add(texts[-1])
    found |= set(load._PYDANTIC.values()) | set(load._SIZED.values())
    found |= {"List", "Dictionary", "item", "items"}
    found |= {what for _key, what in SECTION_KEYS.values()}
    return found


def test_every_field_has_a_label_and_every_text_its_chinese() -> None:
    names: set[str] = set()

    def walk(widget: forms.Widget) -> None:
        names.add(widget.title or widget.name)
        for column in widget.columns:
            walk(column)

    for section in SECTION_KEYS:
        for widget in forms.form_fields(section):
            walk(widget)
    assert sorted(n for n in names if n not in config_labels.LABELS) == []
    translated = _translated()
    texts = config_labels.all_texts() | _validator_texts()
    texts |= {"line {line}", "field {field}", ": "}
    texts |= set(
        re.findall(r'self\.gettext\(\s*"([^"]+)"', (ROOT / "web/admin_forms.py").read_text())
    )
    assert "{value} is not {what}" in texts  # the extraction found the validator's templates
    assert sorted(texts - set(translated)) == []
    for english, chinese in translated.items():  # the same placeholders in both
        placeholders = r"\{\w+\}|%\(\w+\)s"
        assert set(re.findall(placeholders, english)) == set(re.findall(placeholders, chinese)), (
            english
        )


def test_messages_are_english_for_the_cli_and_chinese_on_a_page() -> None:
    issue = ConfigIssue(
        Message("{value} is not {what}", value="'9x'", what=Message("an agent code (2-10 digits)")),
        object="queue 'sales'", field="members[0].agent",
    )  # fmt: skip
    assert issue.render() == (
        "queue 'sales': field members[0].agent: '9x' is not an agent code (2-10 digits)"
    )
    zh = i18n.translations("zh", "config").gettext
    assert config_messages.message(issue, zh) == "'9x' 不是有效的坐席工号（2-10 位数字）"
    assert config_messages.render(issue, zh) == (
        "队列 'sales'：字段 members[0].agent：'9x' 不是有效的坐席工号（2-10 位数字）"
    )
    en = i18n.translations("en", "config").gettext
    assert config_messages.render(issue, en) == issue.render()
    assert config_messages.message(ConfigIssue("plain words"), zh) == "plain words"


def _issues(document: dict[str, object]) -> list[ConfigIssue]:
    with pytest.raises(controller.errors.ConfigFileError) as refused:
        load.validate_document(document)
    return refused.value.issues


def test_the_importer_words_pydantic_and_its_own_checks_as_templates() -> None:
    import yaml

    document = yaml.safe_load((ROOT.parent / "examples" / "company.yaml").read_text())
    queue = document["queues"][0]
    queue["ring_seconds"] = 0
    queue["members"] = [{"agent": "8001", "penalty": 500}]
    document["time_conditions"][0]["rules"] = []
    zh = i18n.translations("zh", "config").gettext
    found = {(i.field, config_messages.message(i, zh)) for i in _issues(document)}
    assert ("ring_seconds", "应大于或等于 1（填写的是 0）") in found
    assert ("members[0].penalty", "应小于或等于 100（填写的是 500）") in found
    assert ("rules", "列表至少需要 1 项，现有 0 项") in found
    document = yaml.safe_load((ROOT.parent / "examples" / "company.yaml").read_text())
    document["ivr_menus"][0]["options"]["7"] = "queue:nothere"
    (issue,) = _issues(document)
    assert config_messages.message(issue, zh) == "目的地 queue:nothere：队列不存在"
    assert str(issue.message) == "destination queue:nothere: queue does not exist"


def test_an_issue_is_placed_at_the_widget_its_field_names() -> None:
    queue = forms.shown_values("queues", {
        "name": "sales", "members": [{"agent": "8001"}, {"agent": "8002"}, {"agent": "8003"}],
        "required_skills": {"english": 3, "tech": 5}, "callback": {"key": "5"},
    })  # fmt: skip
    assert forms.place("queues", "members[2].penalty", queue) == ("members[2].penalty", "")
    assert forms.place("queues", "members[2]", queue) == ("members[2]", "")
    assert forms.place("queues", "members[7].agent", queue) == ("members", "[7].agent")
    assert forms.place("queues", "required_skills.tech", queue) == ("required_skills[1].value", "")
    assert forms.place("queues", "callback.calling_hours", queue) == ("callback.calling_hours", "")
    assert forms.place("queues", "wallboard", queue) == ("wallboard", "")
    assert forms.place("queues", "wallboard.waiting_callers.red", queue) == (
        "wallboard.waiting_callers.red", "")  # fmt: skip
    menu = forms.shown_values("ivr_menus", {
        "name": "main", "prompts": {"zh": "custom/a", "en": "custom/b"},
        "options": {"1": "queue:sales", "7": {"destination": "hangup", "language": "en"}},
    })  # fmt: skip
    assert menu["options"] == [
        {"key": "1", "destination": "queue:sales", "language": ""},
        {"key": "7", "destination": "hangup", "language": "en"},
    ]
    assert forms.place("ivr_menus", "options['7'].destination", menu) == (
        "options[1].destination", "")  # fmt: skip
    assert forms.place("ivr_menus", "options['7']", menu) == ("options[1]", "")
    assert forms.place("ivr_menus", "prompts.en", menu) == ("prompts[1].value", "")
    assert forms.place("ivr_menus", "bogus", menu) == ("", "bogus")


def test_a_form_is_read_as_the_importer_reads_a_file() -> None:
    form = MultiDict([
        ("name", "main"), ("prompts[0].key", "zh"), ("prompts[0].value", "custom/a"),
        ("prompts[3].key", ""), ("prompts[3].value", ""),  # a row added, never filled
        ("options[0].key", "1"), ("options[0].destination:kind", "queue"),
        ("options[0].destination:target", "sales"), ("options[0].language", ""),
        ("options[1].key", "0"), ("options[1].destination:kind", "hangup"),
        ("timeout:kind", ""), ("timeout:target", ""), ("direct_dial", "false"),
        ("direct_dial", "true"),
    ])  # fmt: skip
    read = forms.read_form("ivr_menus", {k: form.getall(k) for k in form})
    assert read.errors == {}
    assert read.item == {
        "name": "main", "prompts": {"zh": "custom/a"}, "direct_dial": True,
        "options": {"1": {"destination": "queue:sales"}, "0": {"destination": "hangup"}},
    }  # fmt: skip
    assert len(read.shown["prompts"]) == 1
    rules = MultiDict([("name", "x"), ("rules[0].days", "mon"), ("rules[0].days", "tue"),
                       ("rules[0].start", "09:00"), ("rules[0].end", "18:00")])  # fmt: skip
    read = forms.read_form("time_conditions", {k: rules.getall(k) for k in rules})
    assert read.item["rules"] == [{"days": ["mon", "tue"], "start": "09:00", "end": "18:00"}]
    tariffs = MultiDict(
        [("name", "t"), ("tariffs[0].prefix", ""), ("tariffs[0].per_minute", "0.1")]
    )
    read = forms.read_form("trunks", {k: tariffs.getall(k) for k in tariffs})
    assert read.item["tariffs"] == [{"prefix": "", "per_minute": "0.1"}]  # "" is every number


@pytest.mark.asyncio
async def test_every_object_goes_through_its_form_unchanged(api: Api) -> None:
    await _signed_in(api)
    with api.factory() as session:
        before = export_config(session)
    checked = 0
    for section, (key_field, _what) in SECTION_KEYS.items():
        for item in getattr(before, section)[:3]:
            key = getattr(item, key_field)
            url = f"/admin/objects/{section}/{key}"
            page = await api.client.get(url)
            assert page.status == 200, url
            values = _form_values(await page.text())
            saved = await api.client.post(url, data=values, allow_redirects=False)
            assert saved.status == 303, (url, (await saved.text())[-2000:])
            checked += 1
    with api.factory() as session:
        after = export_config(session)
    for section in SECTION_KEYS:
        assert getattr(after, section) == getattr(before, section), section
    assert checked > 30
    assert isinstance(after, PbxConfig)


@pytest.mark.asyncio
async def test_a_new_prompt_is_uploaded_below_custom_and_then_offered(
    api: Api, tmp_path: Path
) -> None:
    from tests.unit.test_prompts import tone
    from tests.web.test_admin_prompts import _form

    api.services.sounds_dir = tmp_path
    try:
        csrf = await _signed_in(api)
        headers = {"X-CSRF-Token": csrf}
        recording = tone(8000, 1, 2, 0.5)
        for name in ("en/beep", "custom/../x", "custom/a.wav/"):
            refused = await api.client.post(f"/admin/prompts/upload?name={name}&new=1",
                                            data=_form(recording, "a.wav"), headers=headers)  # fmt: skip
            assert refused.status == 422, name
            assert "field name" in (await refused.json())["error"]["message"]
        stored = await api.client.post("/admin/prompts/upload?name=custom/hello&new=1",
                                       data=_form(recording, "a.wav"), headers=headers)  # fmt: skip
        assert stored.status == 200
        assert (tmp_path / "custom" / "hello.wav").is_file()
        listed = await (await api.client.get("/admin/prompts?lang=en")).text()
        assert 'data-prompt="custom/hello"' in listed
        form = await (await api.client.get("/admin/objects/queues/sales")).text()
        assert '<option value="custom/hello"' in form  # the queue's announcement may use it
        assert forms.stored_prompts(tmp_path) == ["custom/hello"]
    finally:
        api.services.sounds_dir = None


@pytest.mark.asyncio
async def test_a_large_section_is_suggested_as_one_types_not_listed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from controller.web.pages import admin

    await _signed_in(api)
    monkeypatch.setattr(admin, "SELECT_LIMIT", 3)  # the example's agents: a "large" section
    page = await (await api.client.get("/admin/objects/queues/support")).text()
    cell = page.split('data-path="members[0].agent"', 1)[1].split("</td>", 1)[0]
    assert 'list="dl-agents"' in cell
    assert "<select" not in cell
    assert '<datalist id="dl-agents"></datalist>' in page  # filled as one types
    found = await (await api.client.get("/admin/choices/agents?q=800")).json()
    assert found["objects"]
    assert all("800" in key or "800" in name for key, name in found["objects"])
    missing = await api.client.get("/admin/choices/bogus")
    assert missing.status == 404
    values = _form_values(page)
    saved = await api.client.post("/admin/objects/queues/support", data=values,
                                  allow_redirects=False)  # fmt: skip
    assert saved.status == 303


@pytest.mark.asyncio
async def test_a_bulk_import_problem_is_worded_in_the_page_language(api: Api) -> None:
    from aiohttp import FormData

    from controller.access.store import UserInput, create_user
    from tests.web.test_admin_pages import PASSWORD

    with api.factory() as session, session.begin():
        create_user(session, UserInput("it.wang", PASSWORD, "admin", "it.wang", "zh"))
    csrf = await _signed_in(api, "it.wang")
    form = FormData()
    form.add_field("file", b"number,name,ring_seconds\n3102,X,-1\n", filename="a.csv",
                   content_type="text/csv")  # fmt: skip
    bad = await api.client.post("/admin/import/extensions/preview", data=form,
                                headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert bad.status == 422
    (problem,) = (await bad.json())["error"]["problems"]
    assert problem["field"] == "ring_seconds"
    assert problem["message"] == "分机 '3102'：字段 ring_seconds：应大于或等于 1（填写的是 '-1'）"


@pytest.mark.asyncio
async def test_a_value_asterisk_cannot_hold_is_refused_in_chinese_at_its_field(api: Api) -> None:
    from sqlalchemy import select

    from controller.access.store import UserInput, create_user
    from controller.db.models import User
    from tests.web.test_admin_pages import PASSWORD

    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == "it.wang")) is None:
            create_user(session, UserInput("it.wang", PASSWORD, "admin", "it.wang", "zh"))
    await _signed_in(api, "it.wang")
    values = _form_values(await (await api.client.get("/admin/objects/extensions/1001")).text())
    refused = await api.client.post("/admin/objects/extensions/1001",
                                    data={**values, "name": '张"伟'})  # fmt: skip
    assert refused.status == 422
    text = await refused.text()
    assert re.search(r'data-field="name".*?class="field-error"[^>]*>主叫名称中不能使用字符 &#34;<',
                     text, re.S), text[-2000:]  # fmt: skip


@pytest.mark.asyncio
async def test_the_site_settings_are_a_form_saved_through_the_importer(api: Api) -> None:
    from sqlalchemy import select

    from controller.access.store import UserInput, create_user
    from controller.db.models import User
    from tests.web.test_admin_pages import PASSWORD

    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == "it.wang")) is None:
            create_user(session, UserInput("it.wang", PASSWORD, "admin", "it.wang", "zh"))
    await _signed_in(api, "it.wang")
    page = await (await api.client.get("/admin/site")).text()
    assert "站点设置" in page
    assert '<option value="Asia/Shanghai"' in page  # time zones are chosen, not typed
    values = _form_values(page)
    refused = await api.client.post("/admin/site", data={**values, "timezone": "Mars/Base"})
    assert refused.status == 422
    assert re.search(r'data-field="timezone".*?class="field-error"[^>]*>未知的时区 &#39;Mars/Base&#39;',
                     await refused.text(), re.S)  # fmt: skip
    saved = await api.client.post("/admin/site", data={**values, "blf_hints": "false"},
                                  allow_redirects=False)  # fmt: skip
    assert saved.status == 303
    assert saved.headers["Location"] == "/admin/site?saved=1"
    with api.factory() as session:
        assert export_config(session).site.blf_hints is False
    stale = await api.client.post("/admin/site", data={**values, "name": "别的名字"})
    assert stale.status == 409  # the form's base is the site before the save
    assert "BLF" in await stale.text()
    again = _form_values(await (await api.client.get("/admin/site")).text())
    back = await api.client.post("/admin/site", data={**again, "blf_hints": "true"},
                                 allow_redirects=False)  # fmt: skip
    assert back.status == 303
