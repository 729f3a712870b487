"""Checks across objects: unique keys, references that must exist, loops that must not.

Works on a schema-valid :class:`PbxConfig` and reports every problem with the path of the
offending value, so the caller can turn paths into file lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from controller.domain import Destination, DestinationKind
from controller.errors import Message
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig
from controller.pbxconfig.types import phone_number_e164
from controller.pbxconfig.yamlsrc import Path_


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path_
    message: str


@dataclass
class _Index:
    """Keys of one section with the path where each is defined."""

    what: str
    paths: dict[str, Path_] = field(default_factory=dict)

    def __contains__(self, key: object) -> bool:
        return key in self.paths


@dataclass
class Checker:
    config: PbxConfig
    line_of: dict[Path_, int] | None = None
    problems: list[Problem] = field(default_factory=list)
    indexes: dict[str, _Index] = field(default_factory=dict)
    # E.164 form of every customer number, by (customer index, number index).
    customer_numbers: dict[tuple[int, int], str] = field(default_factory=dict)
    # By section, the first object of each key (see _first).
    first_objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append(Problem(path, message))

    # -- keys -----------------------------------------------------------------------------

    def _where(self, path: Path_) -> str:
        line = self.line_of.get(path) if self.line_of else None
        return f"line {line}" if line else ".".join(str(p) for p in path)

    def build_indexes(self) -> None:
        for section, (key_field, what) in SECTION_KEYS.items():
            index = _Index(what)
            for i, item in enumerate(getattr(self.config, section)):
                key = getattr(item, key_field)
                path: Path_ = (section, i, key_field)
                if key in index.paths:
                    first = self._where(index.paths[key])
                    self.problem(
                        path,
                        Message("duplicate {what} {key} (first defined at {first})",
                                what=Message(what), key=repr(key), first=first),
                    )  # fmt: skip
                else:
                    index.paths[key] = path
            self.indexes[section] = index

    def ref(self, section: str, key: str | None, path: Path_) -> None:
        if key is not None and key not in self.indexes[section]:
            what = Message(self.indexes[section].what)
            self.problem(path, Message("{what} {key} does not exist", what=what, key=repr(key)))

    def unique(self, values: Iterable[tuple[str, Path_]], what: str) -> None:
        seen: dict[str, Path_] = {}
        for value, path in values:
            if value in seen:
                self.problem(
                    path,
                    Message(
                        "{what} {value} is listed twice", what=Message(what), value=repr(value)
                    ),
                )
            else:
                seen[value] = path

    # -- destinations ---------------------------------------------------------------------

    def destination(self, dest: Destination | None, path: Path_) -> None:
        if dest is None:
            return
        section = {
            DestinationKind.EXTENSION: "extensions",
            DestinationKind.VOICEMAIL: "extensions",
            DestinationKind.QUEUE: "queues",
            DestinationKind.IVR: "ivr_menus",
            DestinationKind.TIME_CONDITION: "time_conditions",
        }.get(dest.kind)
        if section is None:
            return
        if dest.target not in self.indexes[section]:
            what = Message(self.indexes[section].what)
            self.problem(
                path, Message("destination {dest}: {what} does not exist", dest=dest, what=what)
            )
        elif dest.kind is DestinationKind.TIME_CONDITION:
            tc = self._first("time_conditions")[dest.target]
            if tc.open is None or tc.closed is None:
                self.problem(
                    path,
                    Message(
                        "destination {dest}: that time condition has no open and closed"
                        " destinations",
                        dest=dest,
                    ),
                )
        elif dest.kind is DestinationKind.VOICEMAIL:
            extension = self._first("extensions")[dest.target]
            if extension.voicemail is None:
                self.problem(
                    path, Message("destination {dest}: extension has no voicemail box", dest=dest)
                )

    def _first(self, section: str) -> dict[str, Any]:
        """The first object of ``section`` with each key (a duplicate key is reported
        already): looked up per destination, a scan of 10,000 extensions for each
        voicemail destination took a tenth of a second on the benchmark site."""
        found = self.first_objects.get(section)
        if found is None:
            key_field = SECTION_KEYS[section][0]
            found = {}
            for item in getattr(self.config, section):
                found.setdefault(getattr(item, key_field), item)
            self.first_objects[section] = found
        return found

    def destinations(self) -> Iterator[tuple[Destination | None, Path_]]:
        cfg = self.config
        for i, tc in enumerate(cfg.time_conditions):
            for slot in ("open", "closed", "holiday"):
                yield getattr(tc, slot), ("time_conditions", i, slot)
        for i, queue in enumerate(cfg.queues):
            yield queue.overflow, ("queues", i, "overflow")
        for i, menu in enumerate(cfg.ivr_menus):
            for key, choice in menu.options.items():
                yield choice.destination, ("ivr_menus", i, "options", key)
            yield menu.timeout, ("ivr_menus", i, "timeout")
            yield menu.invalid, ("ivr_menus", i, "invalid")
        for i, route in enumerate(cfg.inbound_routes):
            yield route.destination, ("inbound_routes", i, "destination")
            for j, rule in enumerate(route.region_routes):
                yield rule.destination, ("inbound_routes", i, "region_routes", j, "destination")

    def time_condition_loops(self) -> None:
        """A time condition that leads back to itself through time conditions loops forever."""
        edges: dict[str, list[str]] = {}
        for tc in self.config.time_conditions:
            edges[tc.name] = [
                dest.target
                for dest in (tc.open, tc.closed, tc.holiday)
                if dest is not None and dest.kind is DestinationKind.TIME_CONDITION
            ]
        reported: set[str] = set()
        for i, tc in enumerate(self.config.time_conditions):
            trail = [tc.name]
            stack = [(tc.name, iter(edges.get(tc.name, [])))]
            while stack:
                _node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    stack.pop()
                    trail.pop()
                elif child == tc.name and tc.name not in reported:
                    reported.update(trail)
                    loop = " -> ".join([*trail, child])
                    self.problem(
                        ("time_conditions", i, "name"),
                        Message("time conditions loop: {loop}", loop=loop),
                    )
                elif child not in trail and child in edges:
                    trail.append(child)
                    stack.append((child, iter(edges[child])))

    # -- everything -----------------------------------------------------------------------

    def run(self) -> list[Problem]:
        cfg = self.config
        self.build_indexes()
        self.ref("moh_classes", cfg.site.default_moh_class, ("site", "default_moh_class"))
        self._extensions()
        self._trunks()
        self._agents()
        self._calendars_and_time()
        self._queues()
        self._ivrs()
        self._routes()
        self._customers()
        for dest, path in self.destinations():
            self.destination(dest, path)
        self.time_condition_loops()
        return self.problems

    def _extensions(self) -> None:
        usernames: list[tuple[str, Path_]] = []
        for i, ext in enumerate(self.config.extensions):
            self.ref(
                "recording_policies", ext.recording_policy, ("extensions", i, "recording_policy")
            )
            self.ref("moh_classes", ext.moh_class, ("extensions", i, "moh_class"))
            first = self.indexes["extensions"].paths[ext.number] == ("extensions", i, "number")
            if ext.phone is not None and first:  # a duplicate number is reported already
                username = ext.phone.username or ext.number
                usernames.append((username, ("extensions", i, "phone", "username")))
        self.unique(usernames, "phone username")

    def _trunks(self) -> None:
        for i, trunk in enumerate(self.config.trunks):
            self.unique(
                (
                    (t.prefix, ("trunks", i, "tariffs", j, "prefix"))
                    for j, t in enumerate(trunk.tariffs)
                ),
                "tariff prefix",
            )

    def _agents(self) -> None:
        for i, agent in enumerate(self.config.agents):
            self.ref("extensions", agent.extension, ("agents", i, "extension"))
            for skill in agent.skills:
                self.ref("skills", skill, ("agents", i, "skills", skill))
        for i, group in enumerate(self.config.agent_groups):
            for j, code in enumerate(group.members):
                self.ref("agents", code, ("agent_groups", i, "members", j))
            self.unique(
                ((c, ("agent_groups", i, "members", j)) for j, c in enumerate(group.members)),
                "agent",
            )

    def _calendars_and_time(self) -> None:
        for i, tc in enumerate(self.config.time_conditions):
            for j, name in enumerate(tc.calendars):
                self.ref("holiday_calendars", name, ("time_conditions", i, "calendars", j))
            self.unique(
                ((n, ("time_conditions", i, "calendars", j)) for j, n in enumerate(tc.calendars)),
                "calendar",
            )

    def _queues(self) -> None:
        for i, queue in enumerate(self.config.queues):
            self.ref("moh_classes", queue.moh_class, ("queues", i, "moh_class"))
            self.ref(
                "recording_policies", queue.recording_policy, ("queues", i, "recording_policy")
            )
            for skill in queue.required_skills:
                self.ref("skills", skill, ("queues", i, "required_skills", skill))
            for j, code in enumerate(queue.dispositions):
                self.ref("dispositions", code, ("queues", i, "dispositions", j))
            self.unique(
                ((c, ("queues", i, "dispositions", j)) for j, c in enumerate(queue.dispositions)),
                "disposition",
            )
            for j, member in enumerate(queue.members):
                self.ref("agents", member.agent, ("queues", i, "members", j, "agent"))
            self.unique(
                (
                    (m.agent, ("queues", i, "members", j, "agent"))
                    for j, m in enumerate(queue.members)
                ),
                "member",
            )
            if queue.callback is not None:
                self.ref(
                    "time_conditions",
                    queue.callback.calling_hours,
                    ("queues", i, "callback", "calling_hours"),
                )

    def _ivrs(self) -> None:
        language = self.config.site.default_language
        for i, menu in enumerate(self.config.ivr_menus):
            self.ref("extensions", menu.zero_out, ("ivr_menus", i, "zero_out"))
            if language not in menu.prompts:
                self.problem(
                    ("ivr_menus", i, "prompts"),
                    Message(
                        "no prompt for the site's default language {language}",
                        language=repr(language),
                    ),
                )

    def _routes(self) -> None:
        seen: dict[tuple[str, str], Path_] = {}
        for i, route in enumerate(self.config.inbound_routes):
            self.ref("moh_classes", route.moh_class, ("inbound_routes", i, "moh_class"))
            self.ref(
                "recording_policies",
                route.recording_policy,
                ("inbound_routes", i, "recording_policy"),
            )
            key = (route.did, route.caller_prefix)
            if key in seen:
                self.problem(
                    ("inbound_routes", i, "did"),
                    Message(
                        "another route already handles DID {did} with caller prefix {prefix}"
                        " (at {where})",
                        did=repr(route.did),
                        prefix=repr(route.caller_prefix),
                        where=self._where(seen[key]),
                    ),
                )
            else:
                seen[key] = ("inbound_routes", i, "did")
        for i, route in enumerate(self.config.outbound_routes):
            self.ref(
                "recording_policies",
                route.recording_policy,
                ("outbound_routes", i, "recording_policy"),
            )
            for j, trunk in enumerate(route.trunks):
                self.ref("trunks", trunk, ("outbound_routes", i, "trunks", j))
            self.unique(
                ((t, ("outbound_routes", i, "trunks", j)) for j, t in enumerate(route.trunks)),
                "trunk",
            )

    def _customers(self) -> None:
        country = self.config.site.country
        owners: dict[str, tuple[str, Path_]] = {}
        for i, customer in enumerate(self.config.customers):
            self.ref("agents", customer.owner, ("customers", i, "owner"))
            for j, number in enumerate(customer.numbers):
                path: Path_ = ("customers", i, "numbers", j)
                try:
                    e164 = phone_number_e164(number, country)
                except ValueError as exc:
                    self.problem(path, exc.args[0] if exc.args else str(exc))
                    continue
                if e164 in owners:
                    code, first = owners[e164]
                    self.problem(
                        path,
                        Message(
                            "number {number} already belongs to customer {code} ({where})",
                            number=e164,
                            code=repr(code),
                            where=self._where(first),
                        ),
                    )
                else:
                    owners[e164] = (customer.code, path)
                    self.customer_numbers[(i, j)] = e164


def check_references(
    config: PbxConfig, line_of: dict[Path_, int] | None = None
) -> tuple[list[Problem], dict[tuple[int, int], str]]:
    """Return the problems found and the E.164 form of each customer number."""
    checker = Checker(config, line_of)
    problems = checker.run()
    return problems, checker.customer_numbers
