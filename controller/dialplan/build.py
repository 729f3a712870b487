"""Turn a configuration snapshot into the plain data each generated file is rendered from.

Every user-supplied string goes through :mod:`controller.dialplan.escape` here, with the path
of the field it came from, so a value that cannot be written safely is reported as
"queue 'sales': field display_name: ..." instead of reaching a file. :func:`problems` runs
the same build only to collect those reports; configuration import uses it so that an
unwritable value is refused before it is stored.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from controller.dialplan import escape, model
from controller.dialplan.escape import Safe, UnsafeValue
from controller.dialplan.locations import (
    Location,
    ivr_context,
    location,
    queue_context,
    survey_context,
    time_condition_context,
)
from controller.domain import CallerIdPolicy, Destination, DestinationKind, RecordingFormat, Weekday
from controller.pbxconfig import schema as s
from controller.pbxconfig.references import Problem
from controller.pbxconfig.types import format_clock
from controller.pbxconfig.yamlsrc import Path_
from controller.recovery.marks import MARKED_VARIABLES

HANGUP = Destination(DestinationKind.HANGUP)


@dataclass(frozen=True, slots=True)
class Built:
    """The data of every generated file, by file name."""

    main: model.MainDialplan
    routes: model.RoutesDialplan
    ivr: model.IvrDialplan
    queues_dialplan: model.QueuesDialplan
    phones: model.PhonesDialplan
    outbound: model.OutboundDialplan
    pjsip: model.Pjsip
    queues: model.QueuesConf
    musiconhold: model.MusicOnHold
    voicemail: model.Voicemail


def recording_context(policy: str) -> str:
    return f"pbx-rec-{policy}"


def shard_count(extensions: int, size: int) -> int:
    """How many dialplan contexts the extensions are spread over: a power of two keeping
    each near ``size`` or below, so it changes rarely as extensions come and go."""
    count = 1
    while extensions > size * count:
        count *= 2
    return count


def shard_of(number: str, count: int) -> int:
    """The shard of an extension: from its number alone (stable across processes), so adding
    or removing one extension changes one context, not every context after it."""
    return zlib.crc32(number.encode("utf-8")) % count


def _minute_before(clock: str) -> str:
    """Asterisk time ranges include their last minute: open until 18:00 is 09:00-17:59."""
    hours, minutes = (int(part) for part in clock.split(":"))
    total = hours * 60 + minutes - 1
    return f"{total // 60:02d}:{total % 60:02d}"


class _Builder:
    def __init__(
        self,
        config: s.PbxConfig,
        options: model.Options,
        *,
        require_secrets: bool = True,
        lookup: s.PbxConfig | None = None,
        extension_count: int | None = None,
    ) -> None:
        self.config = config
        self.options = options
        # What other objects are looked up in (memberships, agents' phones, trunks): the
        # configuration itself, or for a partial build (controller.dialplan.incremental) the
        # objects built plus everything they depend on.
        self.lookup = lookup or config
        self.extension_count = (
            len(config.extensions) if extension_count is None else extension_count
        )
        # A file being validated may leave secrets out (import generates them); a snapshot
        # from the database being rendered may not: a phone without password is open to all.
        self.require_secrets = require_secrets
        self.problems: list[Problem] = []

    # -- checked values -------------------------------------------------------------------

    def safe(self, check: Callable[[str], Safe], value: str, path: Path_) -> Safe:
        try:
            return check(value)
        except UnsafeValue as exc:
            self.problems.append(Problem(path, exc.args[0] if exc.args else str(exc)))
            return Safe("")

    def optional(self, check: Callable[[str], Safe], value: str | None, path: Path_) -> Safe | None:
        return None if value is None else self.safe(check, value, path)

    def where(self, dest: Destination | None, path: Path_) -> Location:
        try:
            return location(dest or HANGUP)
        except UnsafeValue as exc:
            self.problems.append(Problem(path, exc.args[0] if exc.args else str(exc)))
            return location(HANGUP)

    def localized(self, prompts: dict[str, str], path: Path_) -> model.Localized | None:
        if not prompts:
            return None
        language = self.config.site.default_language
        default_language = language if language in prompts else next(iter(prompts))
        return model.Localized(
            default=self.safe(escape.arg, prompts[default_language], (*path, default_language)),
            by_language=tuple(
                (
                    self.safe(escape.arg, lang, (*path, lang)),
                    self.safe(escape.arg, p, (*path, lang)),
                )
                for lang, p in prompts.items()
                if lang != default_language
            ),
        )

    def recording(self, policy: str | None) -> Safe | None:
        return None if policy is None else Safe(recording_context(policy))

    # -- files ----------------------------------------------------------------------------

    def main(self) -> model.MainDialplan:
        cfg = self.config
        matches: list[model.InboundMatch] = []
        routes: list[model.InboundRoute] = []
        for i, route in enumerate(cfg.inbound_routes):
            path: Path_ = ("inbound_routes", i)
            name = self.safe(escape.name, route.name, (*path, "name"))
            did = route.did
            caller = None
            if route.caller_prefix:
                caller = Safe(
                    self.safe(escape.pattern, route.caller_prefix + "!", (*path, "caller_prefix"))
                )
            # Providers send a DID with or without its "+": accept both spellings.
            spellings = [did, did[1:]] if did.startswith("+") else [did]
            for spelling in spellings:
                matches.append(
                    model.InboundMatch(
                        self.safe(escape.exten, spelling, (*path, "did")), caller, name
                    )
                )
            routes.append(
                model.InboundRoute(
                    name=name,
                    did=self.safe(escape.exten, did, (*path, "did")),
                    language=self.optional(escape.arg, route.language, (*path, "language")),
                    moh_class=self.optional(escape.name, route.moh_class, (*path, "moh_class")),
                    recording=self.recording(route.recording_policy),
                    destination=self.where(route.destination, (*path, "destination")),
                )
            )
        memberships: dict[str, list[tuple[Safe, int]]] = {}
        for queue in self.lookup.queues:
            for member in queue.members:
                memberships.setdefault(member.agent, []).append((Safe(queue.name), member.penalty))
        agents = tuple(
            model.AgentView(
                code=self.safe(escape.exten, agent.code, ("agents", i, "code")),
                default_device=Safe(f"PJSIP/{agent.extension}") if agent.extension else None,
                extension=Safe(agent.extension) if agent.extension else None,
                queues=tuple(memberships.get(agent.code, ())),
            )
            for i, agent in enumerate(cfg.agents)
        )
        policies = tuple(
            model.RecordingPolicyView(
                context=self.safe(
                    escape.name, recording_context(p.name), ("recording_policies", i, "name")
                ),
                record=Safe(p.record.value),
                notice=self.localized(
                    p.notice_prompts, ("recording_policies", i, "notice_prompts")
                ),
                extension=Safe({RecordingFormat.WAV49: "WAV"}.get(p.format, p.format.value)),
            )
            for i, p in enumerate(cfg.recording_policies)
        )
        return model.MainDialplan(
            globals=model.Globals(
                agi_url=self.safe(escape.arg, self.options.agi_url, ("settings", "agi")),
                classic_agi=self.safe(escape.arg, self.options.classic_agi, ("settings", "agi")),
                default_language=Safe(cfg.site.default_language),
                timezone=self.safe(escape.arg, cfg.site.timezone, ("site", "timezone")),
            ),
            inbound_matches=tuple(matches),
            inbound_routes=tuple(routes),
            agents=agents,
            recording_policies=policies,
            marked_variables=tuple(Safe(name) for name in MARKED_VARIABLES),
        )

    def routes(self) -> model.RoutesDialplan:
        cfg = self.config
        conditions = []
        for i, tc in enumerate(cfg.time_conditions):
            path: Path_ = ("time_conditions", i)
            ranges = tuple(self._ranges(tc.rules))
            monday = tuple(self._ranges(r for r in tc.rules if Weekday.MON in r.days))
            conditions.append(
                model.TimeConditionView(
                    name=self.safe(escape.name, tc.name, (*path, "name")),
                    context=self.safe(
                        escape.name, time_condition_context(tc.name), (*path, "name")
                    ),
                    timezone=self.safe(
                        escape.arg, tc.timezone or cfg.site.timezone, (*path, "timezone")
                    ),
                    ranges=ranges,
                    monday_ranges=tuple(model.TimeRange(r.times, Safe("*")) for r in monday),
                    calendars=tuple(Safe(name) for name in tc.calendars),
                    open=self.where(tc.open, (*path, "open")),
                    closed=self.where(tc.closed, (*path, "closed")),
                    holiday=self.where(tc.holiday or tc.closed, (*path, "holiday")),
                )
            )
        calendars = []
        for cal in cfg.holiday_calendars:
            days: list[Safe] = []
            for holiday in cal.holidays:
                day, last = holiday.date, holiday.until or holiday.date
                while day <= last:
                    days.append(Safe(day.strftime("%Y%m%d")))
                    day = day.fromordinal(day.toordinal() + 1)
            calendars.append(
                model.CalendarView(
                    name=Safe(cal.name),
                    holidays=tuple(days),
                    workdays=tuple(Safe(w.date.strftime("%Y%m%d")) for w in cal.workdays),
                )
            )
        return model.RoutesDialplan(tuple(conditions), tuple(calendars))

    @staticmethod
    def _ranges(rules: Iterable[s.TimeRule]) -> Iterable[model.TimeRange]:
        for rule in rules:
            times = f"{format_clock(rule.start)}-{_minute_before(format_clock(rule.end))}"
            yield model.TimeRange(Safe(times), Safe("&".join(d.value for d in rule.days)))

    def ivr(self) -> model.IvrDialplan:
        menus = []
        for i, menu in enumerate(self.config.ivr_menus):
            path: Path_ = ("ivr_menus", i)
            prompts = self.localized(menu.prompts, (*path, "prompts"))
            assert prompts is not None  # the schema requires at least one prompt
            options = tuple(
                model.IvrOptionView(
                    key=Safe(key),
                    language=self.optional(escape.arg, choice.language, (*path, "options", key)),
                    destination=self.where(choice.destination, (*path, "options", key)),
                )
                for key, choice in menu.options.items()
            )
            zero = Destination(DestinationKind.EXTENSION, menu.zero_out) if menu.zero_out else None
            menus.append(
                model.IvrView(
                    name=self.safe(escape.name, menu.name, (*path, "name")),
                    context=self.safe(escape.name, ivr_context(menu.name), (*path, "name")),
                    prompts=prompts,
                    invalid_prompts=self.localized(
                        menu.invalid_prompts, (*path, "invalid_prompts")
                    ),
                    timeout_seconds=menu.timeout_seconds,
                    max_retries=menu.max_retries,
                    direct_dial=menu.direct_dial,
                    zero_out=self.where(zero, (*path, "zero_out")) if zero else None,
                    options=options,
                    timeout=self.where(menu.timeout, (*path, "timeout")),
                    invalid=self.where(menu.invalid, (*path, "invalid")),
                )
            )
        return model.IvrDialplan(tuple(menus))

    def queues_dialplan(self) -> model.QueuesDialplan:
        views = []
        for i, q in enumerate(self.config.queues):
            path: Path_ = ("queues", i)
            views.append(
                model.QueueDialplanView(
                    name=self.safe(escape.name, q.name, (*path, "name")),
                    context=self.safe(escape.name, queue_context(q.name), (*path, "name")),
                    max_wait=q.max_wait_seconds,
                    vip_priority=q.vip_priority,
                    moh_class=self.optional(escape.name, q.moh_class, (*path, "moh_class")),
                    recording=self.recording(q.recording_policy),
                    overflow=self.where(q.overflow, (*path, "overflow")),
                    callback_key=Safe(q.callback.key) if q.callback else None,
                    survey=self.survey(q, path),
                )
            )
        return model.QueuesDialplan(tuple(views))

    def survey(self, q: s.Queue, path: Path_) -> model.SurveyView | None:
        if q.survey is None:
            return None
        prompts = self.localized(q.survey.prompts, (*path, "survey", "prompts"))
        assert prompts is not None  # the schema requires at least one prompt
        return model.SurveyView(
            context=self.safe(escape.name, survey_context(q.name), (*path, "name")),
            prompts=prompts,
            thanks=self.localized(q.survey.thanks_prompts, (*path, "survey", "thanks_prompts")),
            scale=q.survey.scale,
            timeout=q.survey.timeout_seconds,
            retries=q.survey.retries,
        )

    def phones(self) -> model.PhonesDialplan:
        views = [
            model.ExtensionView(
                number=self.safe(escape.exten, ext.number, ("extensions", i, "number")),
                ring_seconds=ext.ring_seconds,
                has_phone=ext.phone is not None,
                hint=ext.phone is not None and self.config.site.blf_hints,
                voicemail=ext.voicemail is not None,
                recording=self.recording(ext.recording_policy),
            )
            for i, ext in enumerate(self.config.extensions)
        ]
        count = shard_count(self.extension_count, self.options.shard_size)
        members: dict[int, list[model.ExtensionView]] = {}
        for view in views:
            members.setdefault(shard_of(view.number, count), []).append(view)
        # A partial build has only the shards of the extensions it builds.
        numbers = range(count) if len(views) == self.extension_count else sorted(members)
        shards = tuple((Safe(f"pbx-ext-{n}"), tuple(members.get(n, ()))) for n in numbers)
        boxes = tuple(v.number for v in views if v.voicemail)
        return model.PhonesDialplan(shards, boxes)

    def outbound(self) -> model.OutboundDialplan:
        trunks = {t.name: t for t in self.lookup.trunks}
        routes = []
        for i, route in enumerate(self.config.outbound_routes):
            path: Path_ = ("outbound_routes", i)
            patterns = tuple(
                model.OutboundPatternView(
                    exten=self.safe(
                        escape.pattern, p.prefix + p.match, (*path, "patterns", j, "match")
                    ),
                    strip=len(p.prefix),
                    prepend=self.safe(escape.arg, p.prepend, (*path, "patterns", j, "prepend"))
                    if p.prepend
                    else Safe(""),
                )
                for j, p in enumerate(route.patterns)
            )
            items = []
            for name in route.trunks:
                trunk = trunks[name]
                items.append(f"{name}:{trunk.max_channels or 0}:{trunk.caller_id or ''}")
            routes.append(
                model.OutboundRouteView(
                    name=self.safe(escape.name, route.name, (*path, "name")),
                    context=self.safe(escape.name, f"pbx-out-{route.name}", (*path, "name")),
                    patterns=patterns,
                    trunks=self.safe(escape.arg, "&".join(items), (*path, "trunks")),
                    caller_id_policy=Safe(route.caller_id.value),
                    caller_id_number=self.optional(
                        escape.arg, route.caller_id_number, (*path, "caller_id_number")
                    )
                    if route.caller_id is CallerIdPolicy.FIXED
                    else None,
                    recording=self.recording(route.recording_policy),
                )
            )
        return model.OutboundDialplan(tuple(routes))

    def pjsip(self) -> model.Pjsip:
        phones = []
        for i, ext in enumerate(self.config.extensions):
            if ext.phone is None:
                continue
            path: Path_ = ("extensions", i)
            phone = ext.phone
            if self.require_secrets and not phone.password:
                self.problems.append(
                    Problem((*path, "phone", "password"), "no password: import the configuration")
                )
            name = self.safe(escape.callerid_name, ext.name, (*path, "name"))
            number = self.safe(escape.exten, ext.number, (*path, "number"))
            phones.append(
                model.PhoneView(
                    endpoint=self.safe(
                        escape.name, phone.username or ext.number, (*path, "phone", "username")
                    ),
                    username=self.safe(
                        escape.conf, phone.username or ext.number, (*path, "phone", "username")
                    ),
                    password=self.safe(
                        escape.conf, phone.password or "", (*path, "phone", "password")
                    ),
                    transport=Safe(f"pbx-{phone.transport.value}"),
                    codecs=Safe(",".join(phone.codecs)),
                    callerid=Safe(f'"{name}" <{number}>'),
                    language=self.optional(escape.conf, ext.language, (*path, "language")),
                    mailbox=Safe(f"{number}@pbx") if ext.voicemail else None,
                    max_contacts=phone.max_contacts,
                    outbound_caller_id=self.optional(
                        escape.conf, ext.outbound_caller_id, (*path, "outbound_caller_id")
                    ),
                )
            )
        trunks = []
        for i, t in enumerate(self.config.trunks):
            path = ("trunks", i)
            match = t.match or [t.host]
            trunks.append(
                model.TrunkView(
                    name=self.safe(escape.name, t.name, (*path, "name")),
                    auth=Safe(t.auth.value),
                    host=self.safe(escape.conf, t.host, (*path, "host")),
                    port=t.port,
                    transport=Safe(f"pbx-{t.transport.value}"),
                    username=self.optional(escape.conf, t.username, (*path, "username")),
                    password=self.optional(escape.conf, t.password, (*path, "password")),
                    from_user=self.optional(escape.conf, t.from_user, (*path, "from_user")),
                    from_domain=self.optional(escape.conf, t.from_domain, (*path, "from_domain")),
                    codecs=Safe(",".join(t.codecs)),
                    match=self.safe(escape.conf, ",".join(match), (*path, "match")),
                )
            )
        return model.Pjsip(
            sip_bind=self.safe(escape.conf, self.options.sip_bind, ("settings", "sip_bind")),
            phones=tuple(phones),
            trunks=tuple(trunks),
        )

    def queues(self) -> model.QueuesConf:
        agents = {a.code: a for a in self.lookup.agents}
        views = []
        for i, q in enumerate(self.config.queues):
            path: Path_ = ("queues", i)
            yes_no = {True: "yes", False: "no"}
            settings: list[tuple[str, str]] = [
                ("strategy", q.strategy.value),
                ("timeout", str(q.ring_seconds)),
                ("retry", str(q.retry_seconds)),
                ("wrapuptime", str(q.wrapup_seconds)),
                ("maxlen", str(q.max_callers)),
                ("weight", str(q.weight)),
                ("announce-position", q.announce_position.value),
                ("announce-holdtime", q.announce_holdtime.value),
                ("announce-frequency", str(q.announce_frequency_seconds)),
                ("servicelevel", str(q.service_level_seconds)),
                ("joinempty", yes_no[q.join_empty]),
                ("leavewhenempty", yes_no[q.leave_when_empty]),
                ("ringinuse", yes_no[q.ring_in_use]),
                # Offer waiting callers to every free agent at once, not one caller at a time.
                ("autofill", "yes"),
                # Reports and the screen pop need these on the agent's channel.
                ("setinterfacevar", "yes"),
                ("setqueuevar", "yes"),
                ("setqueueentryvar", "yes"),
                ("reportholdtime", "no"),
            ]
            if q.periodic_announce:
                settings.append(("periodic-announce", q.periodic_announce))
                settings.append(("periodic-announce-frequency", str(q.periodic_announce_seconds)))
            if q.moh_class:
                settings.append(("musicclass", q.moh_class))
            if q.callback:
                # A key pressed while waiting leaves the queue into this context (callback offer).
                settings.append(("context", f"pbx-qcb-{q.name}"))
            members = ()
            if not q.login_required:
                members = tuple(
                    model.QueueMemberView(
                        agent=Safe(m.agent),
                        penalty=m.penalty,
                        state_interface=Safe(
                            f"PJSIP/{agents[m.agent].extension}"
                            if agents[m.agent].extension
                            else f"Custom:pbx-agent-{m.agent}"
                        ),
                    )
                    for m in q.members
                )
            views.append(
                model.QueueConfView(
                    name=self.safe(escape.name, q.name, (*path, "name")),
                    settings=tuple(
                        (Safe(key), self.safe(escape.conf, value, (*path, key)))
                        for key, value in settings
                    ),
                    members=members,
                )
            )
        return model.QueuesConf(tuple(views))

    def musiconhold(self) -> model.MusicOnHold:
        return model.MusicOnHold(
            tuple(
                model.MohClassView(
                    name=self.safe(escape.name, c.name, ("moh_classes", i, "name")),
                    directory=self.safe(escape.conf, c.directory, ("moh_classes", i, "directory")),
                    sort=Safe(c.sort.value),
                )
                for i, c in enumerate(self.config.moh_classes)
            )
        )

    def voicemail(self) -> model.Voicemail:
        boxes = []
        for i, ext in enumerate(self.config.extensions):
            if ext.voicemail is None:
                continue
            path: Path_ = ("extensions", i)
            boxes.append(
                model.MailboxView(
                    number=self.safe(escape.exten, ext.number, (*path, "number")),
                    pin=self.safe(
                        escape.voicemail_field, ext.voicemail.pin or "", (*path, "voicemail", "pin")
                    ),
                    name=self.safe(escape.voicemail_field, ext.name, (*path, "name")),
                    email=self.safe(
                        escape.voicemail_field,
                        ext.voicemail.email or "",
                        (*path, "voicemail", "email"),
                    ),
                )
            )
        return model.Voicemail(tuple(boxes))

    def build(self) -> Built:
        return Built(
            main=self.main(),
            routes=self.routes(),
            ivr=self.ivr(),
            queues_dialplan=self.queues_dialplan(),
            phones=self.phones(),
            outbound=self.outbound(),
            pjsip=self.pjsip(),
            queues=self.queues(),
            musiconhold=self.musiconhold(),
            voicemail=self.voicemail(),
        )


class BuildError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems))


def build(config: s.PbxConfig, options: model.Options | None = None) -> Built:
    """Build every file's data; raise BuildError listing every value that cannot be written."""
    builder = _Builder(config, options or model.Options())
    built = builder.build()
    if builder.problems:
        raise BuildError(builder.problems)
    return built


def _extension_values_fit(config: s.PbxConfig) -> bool:
    """Whether every value the extensions' parts of a build check (``phones``, ``pjsip``,
    ``voicemail``) passes its check: the same escape functions on the same values, without
    building the 10,000 views a large site's build makes (most of what :func:`problems`
    cost). Any doubt (one value refused) and the parts run as they are, so the problems
    found, their order and their messages are those of a full build."""
    try:
        for ext in config.extensions:
            number = ext.number
            escape.exten(number)
            phone = ext.phone
            if phone is not None:
                escape.callerid_name(ext.name)
                username = phone.username or number
                escape.name(username)
                escape.conf(username)
                escape.conf(phone.password or "")
                if ext.language is not None:
                    escape.conf(ext.language)
                if ext.outbound_caller_id is not None:
                    escape.conf(ext.outbound_caller_id)
            voicemail = ext.voicemail
            if voicemail is not None:
                escape.voicemail_field(voicemail.pin or "")
                escape.voicemail_field(ext.name)
                escape.voicemail_field(voicemail.email or "")
    except UnsafeValue:
        return False
    return True


def problems(config: s.PbxConfig) -> list[Problem]:
    """The values of ``config`` that could not be written into Asterisk's configuration.

    The build the apply makes; when :func:`_extension_values_fit` finds nothing to report in
    the extensions, the rest is built without them (only the phones, PJSIP and voicemail
    parts read them): the same problems in the same order, without 10,000 extensions'
    views (tests/unit/dialplan/test_build_problems.py compares both ways on values refused
    in each field)."""
    if _extension_values_fit(config):
        config = config.model_copy(update={"extensions": []})
    builder = _Builder(config, model.Options(), require_secrets=False)
    builder.build()
    return [p for p in builder.problems if p.path[0] != "settings"]
