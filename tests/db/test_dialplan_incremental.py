"""The incremental render is the full render: after every edit of a random sequence, the files
the render cache holds equal a render of everything from scratch.

Edits are what admins do: queue members and settings, IVR options, extensions and their
phones and mailboxes, inbound and outbound routes, agents, time conditions, trunks, music
classes, reordering, the site's settings. Small extension contexts (shard size 2 or 4) make
additions and removals move extensions between contexts and change their number.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, update

from controller.db import models as m
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.dialplan import incremental
from controller.dialplan.build import build
from controller.dialplan.cache import Cache
from controller.dialplan.model import Options
from controller.dialplan.render import FILES, Renderer, compose, digest
from controller.errors import ConfigFileError
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

Data = dict[str, Any]
BASE: Data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


class Site:
    """A database, a render cache, and the YAML document last imported."""

    def __init__(self, engine: Engine, directory: Path, options: Options) -> None:
        self.engine = engine
        self.directory = directory
        self.options = options
        self.renderer = Renderer()
        self.data = copy.deepcopy(BASE)

    def load(self, data: Data) -> bool:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        try:
            with session_factory(self.engine)() as session, session.begin():
                import_config(session, parse_config(text, "company.yaml"))
        except ConfigFileError:
            return False
        self.data = data
        return True

    def update(self, inputs: str | None = None) -> incremental.Update:
        # The templates' digest, as the service passes: a template edited while the test
        # runs (the tree is shared) makes a full render, not a false difference.
        inputs = inputs or self.renderer.template_sources_digest()
        cache = Cache.open(self.directory)
        try:
            with session_factory(self.engine)() as session, session.begin():
                result = incremental.update(
                    cache, session, self.renderer, self.options, inputs, use_asterisklint=False
                )
        finally:
            cache.close()
        assert not result.errors, [str(i) for i in result.errors]
        return result

    def cached(self) -> dict[str, str]:
        cache = Cache.open(self.directory)
        try:
            return {spec.name: compose(spec, cache.body(spec.name)) for spec in FILES}
        finally:
            cache.close()

    def rendered(self) -> dict[str, str]:
        with session_factory(self.engine)() as session:
            snapshot = export_config(session, include_secrets=True)
        return self.renderer.render(build(snapshot, self.options))

    def check(self) -> incremental.Update:
        result = self.update()
        cached, rendered = self.cached(), self.rendered()
        for name in rendered:
            assert cached[name] == rendered[name], f"{name} differs from a full render"
        return result


# -- edits -----------------------------------------------------------------------------------

Edit = Callable[[Data, st.DataObject], None]


def _pick(draw: st.DataObject, items: list[Any]) -> Any:
    return draw.draw(st.sampled_from(items)) if items else None


def queue_members(data: Data, draw: st.DataObject) -> None:
    queue = _pick(draw, data["queues"])
    agents = [a["code"] for a in data["agents"]]
    members = queue.setdefault("members", [])
    action = draw.draw(st.sampled_from(["add", "remove", "penalty"]))
    if action == "add":
        free = [c for c in agents if c not in {x["agent"] for x in members}]
        if free:
            members.append({"agent": _pick(draw, free), "penalty": draw.draw(st.integers(0, 3))})
    elif members and action == "remove":
        members.pop(draw.draw(st.integers(0, len(members) - 1)))
    elif members:
        members[0]["penalty"] = draw.draw(st.integers(0, 5))


def queue_setting(data: Data, draw: st.DataObject) -> None:
    queue = _pick(draw, data["queues"])
    field = draw.draw(st.sampled_from(["strategy", "max_wait", "vip", "login", "callback"]))
    if field == "strategy":
        queue["strategy"] = draw.draw(st.sampled_from(["ringall", "leastrecent", "fewestcalls"]))
    elif field == "max_wait":
        queue["max_wait_seconds"] = draw.draw(st.integers(0, 900))
    elif field == "vip":
        queue["vip_priority"] = draw.draw(st.integers(1, 20))
    elif field == "login":
        queue["login_required"] = not queue.get("login_required", True)
    elif "callback" in queue:
        del queue["callback"]
    else:
        queue["callback"] = {"key": "5"}


def ivr_option(data: Data, draw: st.DataObject) -> None:
    menu = _pick(draw, data["ivr_menus"])
    targets = [f"queue:{q['name']}" for q in data["queues"]] + [
        f"extension:{e['number']}" for e in data["extensions"]
    ]
    action = draw.draw(st.sampled_from(["set", "delete", "direct", "timeout"]))
    options = menu.setdefault("options", {})
    if action == "set":
        options[draw.draw(st.sampled_from(["1", "2", "7", "9"]))] = _pick(draw, targets)
    elif action == "delete" and len(options) > 1:
        del options[_pick(draw, sorted(options))]
    elif action == "direct":
        menu["direct_dial"] = not menu.get("direct_dial", False)
    else:
        menu["timeout"] = _pick(draw, targets)


def extension(data: Data, draw: st.DataObject) -> None:
    ext = _pick(draw, data["extensions"])
    field = draw.draw(
        st.sampled_from(["ring", "name", "voicemail", "phone", "language", "policy", "cid"])
    )
    if field == "ring":
        ext["ring_seconds"] = draw.draw(st.integers(5, 60))
    elif field == "name":
        ext["name"] = draw.draw(st.sampled_from(["王五", "Sales desk", "Front"]))
    elif field == "voicemail":
        if "voicemail" in ext:
            del ext["voicemail"]
        else:
            ext["voicemail"] = {"pin": "1357"}
    elif field == "phone":
        if ext.get("phone", {}) is None:
            ext.pop("phone")
        else:
            ext["phone"] = None
    elif field == "language":
        ext["language"] = draw.draw(st.sampled_from(["en", "zh"]))
    elif field == "policy":
        names = [p["name"] for p in data.get("recording_policies", [])]
        if names and "recording_policy" not in ext:
            ext["recording_policy"] = _pick(draw, names)
        else:
            ext.pop("recording_policy", None)
    else:
        ext["outbound_caller_id"] = draw.draw(st.sampled_from(["+8675586001234", "075586001299"]))


def add_or_remove_extension(data: Data, draw: st.DataObject) -> None:
    if draw.draw(st.booleans()):
        number = str(draw.draw(st.integers(2000, 2099)))
        if number not in {e["number"] for e in data["extensions"]}:
            at = draw.draw(st.integers(0, len(data["extensions"])))
            data["extensions"].insert(at, {"number": number, "name": f"Added {number}"})
    else:
        data["extensions"].pop(draw.draw(st.integers(0, len(data["extensions"]) - 1)))


def inbound_route(data: Data, draw: st.DataObject) -> None:
    routes = data["inbound_routes"]
    action = draw.draw(st.sampled_from(["did", "destination", "language", "add", "remove"]))
    if action == "add":
        n = draw.draw(st.integers(10, 99))
        routes.append({"name": f"extra-{n}", "did": f"40086000{n}", "destination": "hangup"})
    elif action == "remove" and len(routes) > 1:
        routes.pop(draw.draw(st.integers(0, len(routes) - 1)))
    elif routes:
        route = _pick(draw, routes)
        if action == "did":
            route["did"] = f"+86755860{draw.draw(st.integers(10000, 99999))}"
        elif action == "destination":
            route["destination"] = _pick(draw, [f"queue:{q['name']}" for q in data["queues"]])
        else:
            route["language"] = draw.draw(st.sampled_from(["en", "zh"]))


def agent(data: Data, draw: st.DataObject) -> None:
    action = draw.draw(st.sampled_from(["extension", "add", "remove"]))
    taken = {a.get("extension") for a in data["agents"]}
    free = [e["number"] for e in data["extensions"] if e["number"] not in taken]
    if action == "add":
        code = str(draw.draw(st.integers(9000, 9099)))
        if code not in {a["code"] for a in data["agents"]}:
            new = {"code": code, "name": f"Agent {code}"}
            if free and draw.draw(st.booleans()):
                new["extension"] = _pick(draw, free)
            data["agents"].append(new)
    elif action == "remove" and len(data["agents"]) > 1:
        gone = data["agents"].pop(draw.draw(st.integers(0, len(data["agents"]) - 1)))
        for queue in data["queues"]:
            queue["members"] = [x for x in queue.get("members", []) if x["agent"] != gone["code"]]
    elif data["agents"]:
        member = _pick(draw, data["agents"])
        if free:
            member["extension"] = _pick(draw, free)
        else:
            member.pop("extension", None)


def schedule(data: Data, draw: st.DataObject) -> None:
    if data["time_conditions"] and draw.draw(st.booleans()):
        rule = data["time_conditions"][0]["rules"][0]
        rule["start"] = draw.draw(st.sampled_from(["08:00", "08:30", "09:00"]))
    elif data.get("holiday_calendars"):
        day = draw.draw(st.integers(1, 28))
        data["holiday_calendars"][0].setdefault("holidays", []).append(
            {"date": f"2027-02-{day:02d}", "name": "Extra"}
        )


def reorder(data: Data, draw: st.DataObject) -> None:
    section = draw.draw(st.sampled_from(["extensions", "queues", "ivr_menus", "agents"]))
    items = data[section]
    if len(items) > 1:
        items.insert(draw.draw(st.integers(0, len(items) - 1)), items.pop())


def trunk_and_outbound(data: Data, draw: st.DataObject) -> None:
    if draw.draw(st.booleans()):
        trunk = _pick(draw, data["trunks"])
        trunk["max_channels"] = draw.draw(st.integers(1, 60))
    else:
        route = _pick(draw, data["outbound_routes"])
        route["trunks"] = list(reversed(route["trunks"]))


def music(data: Data, draw: st.DataObject) -> None:
    classes = data.setdefault("moh_classes", [])
    if classes and draw.draw(st.booleans()):
        classes[0]["directory"] = draw.draw(st.sampled_from(["moh", "moh/alt"]))
    else:
        n = draw.draw(st.integers(0, 9))
        if f"extra-{n}" not in {c["name"] for c in classes}:
            classes.append({"name": f"extra-{n}", "directory": "moh"})


def site_setting(data: Data, draw: st.DataObject) -> None:
    data["site"]["blf_hints"] = not data["site"].get("blf_hints", True)


EDITS: list[Edit] = [
    queue_members, queue_setting, ivr_option, extension, add_or_remove_extension,
    inbound_route, agent, schedule, reorder, trunk_and_outbound, music, site_setting,
]  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(draw=st.data(), shard_size=st.sampled_from([2, 4, 200]))
def test_incremental_render_equals_a_full_render_after_every_edit(
    tmp_path_factory: pytest.TempPathFactory, draw: st.DataObject, shard_size: int
) -> None:
    directory = tmp_path_factory.mktemp("incremental")
    engine = make_engine(f"sqlite:///{directory / 'pbx.sqlite3'}")
    upgrade(engine)
    site = Site(engine, directory, Options(shard_size=shard_size))
    assert site.load(site.data)
    assert site.check().full
    incremental_updates = 0
    for _ in range(draw.draw(st.integers(1, 8))):
        data = copy.deepcopy(site.data)
        draw.draw(st.sampled_from(EDITS))(data, draw)
        if not site.load(data):
            continue
        if not site.check().full:
            incremental_updates += 1
    engine.dispose()


def _site(engine: Engine, tmp_path: Path) -> Site:
    site = Site(engine, tmp_path, Options(shard_size=4))
    assert site.load(site.data)
    assert site.check().full
    return site


def test_typical_edits_are_incremental_on_every_backend(engine: Engine, tmp_path: Path) -> None:
    site = _site(engine, tmp_path)
    data = copy.deepcopy(site.data)
    data["queues"][0]["members"].append({"agent": "8005", "penalty": 1})
    assert site.load(data)
    result = site.check()
    assert not result.full
    assert set(result.texts) == {"extensions.conf"}  # the agent's static login (dynamic members)
    data = copy.deepcopy(site.data)
    data["ivr_menus"][0]["options"]["9"] = f"queue:{data['queues'][1]['name']}"
    assert site.load(data)
    result = site.check()
    assert (result.full, set(result.texts)) == (False, {"extensions_ivr.conf"})
    data = copy.deepcopy(site.data)
    data["extensions"].insert(3, {"number": "2042", "name": "New desk"})
    assert site.load(data)
    result = site.check()
    assert not result.full
    assert set(result.texts) == {"extensions_phones.conf", "pjsip.conf"}
    data = copy.deepcopy(site.data)
    data["inbound_routes"][0]["language"] = "en"
    assert site.load(data)
    result = site.check()
    assert (result.full, set(result.texts)) == (False, {"extensions.conf"})


def test_what_the_cache_cannot_vouch_for_is_rendered_whole(engine: Engine, tmp_path: Path) -> None:
    site = _site(engine, tmp_path)
    assert site.update().texts == {}  # nothing changed: nothing rendered
    assert site.update(inputs="other templates").full
    assert site.update().reason == "templates or settings changed"
    data = copy.deepcopy(site.data)
    data["site"]["default_language"] = "en"
    assert site.load(data)
    result = site.check()
    assert result.full
    assert result.reason == "site settings changed"
    data = copy.deepcopy(site.data)
    data["queues"][0]["strategy"] = "fewestcalls"
    assert site.load(data)
    with session_factory(engine)() as session, session.begin():  # a gap in the journal
        session.execute(update(m.ConfigChange).values(changes=None))
    assert site.check().full
    (tmp_path / "dialplan-cache.sqlite3").write_bytes(b"not a database at all")
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"dialplan-cache.sqlite3{suffix}").unlink(missing_ok=True)
    assert site.check().full


def test_a_deferred_fill_leaves_the_cache_to_the_caller(engine: Engine, tmp_path: Path) -> None:
    """The apply renders everything, has Asterisk reload, and fills the cache meanwhile."""
    site = Site(engine, tmp_path, Options(shard_size=4))
    assert site.load(site.data)
    cache = Cache.open(tmp_path)
    try:
        with session_factory(engine)() as session, session.begin():
            result = incremental.update(
                cache,
                session,
                site.renderer,
                site.options,
                site.renderer.template_sources_digest(),
                use_asterisklint=False,
                defer_fill=True,
            )
        assert cache.meta() == {}  # nothing filled yet
        assert result.full
        assert result.fill is not None
        result.fill(cache)
    finally:
        cache.close()
    rendered = site.rendered()
    assert result.texts == rendered
    assert result.digests == {name: digest(text) for name, text in rendered.items()}
    assert site.cached() == rendered
    data = copy.deepcopy(site.data)
    data["queues"][0]["strategy"] = "fewestcalls"
    assert site.load(data)
    assert not site.check().full  # the cache it filled serves the next update
