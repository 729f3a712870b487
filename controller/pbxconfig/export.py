"""Read the configuration stored in the database back into a :class:`PbxConfig`.

Rows were validated when they were imported, so objects are built with ``model_construct``
(no second validation: reading 10,000 extensions stays cheap).

Secrets the controller generated itself (phone passwords, voicemail PINs) are left out
unless ``include_secrets`` is set: an exported file then round-trips to the file that was
imported, and re-importing it keeps the generated secrets. Secrets the admin supplied are
always exported, since the file is where they came from.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from controller.db import models as m
from controller.domain import Destination, HolidayKind, Weekday
from controller.errors import DatabaseError
from controller.pbxconfig import schema as s


def destination_of(row: m.Destination | None) -> Destination | None:
    if row is None:
        return None
    target = (
        (row.target_extension.number if row.target_extension else None)
        or (row.target_queue.name if row.target_queue else None)
        or (row.target_ivr_menu.name if row.target_ivr_menu else None)
        or (row.target_time_condition.name if row.target_time_condition else None)
        or row.target_number
        or ""
    )
    return Destination(row.kind, target)


def _name(row: Any) -> str | None:
    return row.name if row is not None else None


def _threshold(amber: int | None, red: int | None) -> s.Threshold | None:
    if amber is None or red is None:
        return None
    return s.Threshold.model_construct(amber=amber, red=red)


def _wallboard(q: m.Queue) -> s.WallboardThresholds:
    return s.WallboardThresholds.model_construct(
        waiting_callers=_threshold(q.wallboard_waiting_amber, q.wallboard_waiting_red),
        longest_wait_seconds=_threshold(
            q.wallboard_wait_amber_seconds, q.wallboard_wait_red_seconds
        ),
        service_level_percent=_threshold(q.wallboard_sl_amber_percent, q.wallboard_sl_red_percent),
    )


# The section each model holds, and its key column (the objects export_objects may pick).
SECTION_MODELS: dict[str, tuple[type[Any], str]] = {
    "moh_classes": (m.MohClass, "name"),
    "recording_policies": (m.RecordingPolicy, "name"),
    "extensions": (m.Extension, "number"),
    "trunks": (m.Trunk, "name"),
    "skills": (m.Skill, "name"),
    "agents": (m.Agent, "code"),
    "agent_groups": (m.AgentGroup, "name"),
    "pause_reasons": (m.PauseReason, "code"),
    "dispositions": (m.Disposition, "code"),
    "holiday_calendars": (m.HolidayCalendar, "name"),
    "time_conditions": (m.TimeCondition, "name"),
    "queues": (m.Queue, "name"),
    "ivr_menus": (m.IvrMenu, "name"),
    "inbound_routes": (m.InboundRoute, "name"),
    "outbound_routes": (m.OutboundRoute, "name"),
    "customers": (m.Customer, "code"),
}
_KEY_OF: dict[type[Any], str] = {model: key for model, key in SECTION_MODELS.values()}


def _destination_load(relationship: Any) -> Any:
    dest = m.Destination
    return selectinload(relationship).options(
        selectinload(dest.target_extension),
        selectinload(dest.target_queue),
        selectinload(dest.target_ivr_menu),
        selectinload(dest.target_time_condition),
    )


class _Exporter:
    def __init__(
        self,
        session: Session,
        include_secrets: bool,
        only: Mapping[type[Any], Collection[str]] | None = None,
    ) -> None:
        self.session = session
        self.include_secrets = include_secrets
        # None: every object; else the keys to read, by model (models not named: none).
        self.only = only

    def _picked(self, statement: Any, model: type[Any]) -> Any:
        """``statement`` limited to the objects export_objects asked for; None: none asked."""
        if self.only is None:
            return statement
        keys = self.only.get(model)
        if not keys:
            return None
        return statement.where(getattr(model, _KEY_OF[model]).in_(list(keys)))

    def _all(self, model: type[Any], *options: Any, order: Any = None) -> list[Any]:
        if order is None:
            order = getattr(model, "position", model.id)
        statement = self._picked(select(model).options(*options).order_by(order, model.id), model)
        return [] if statement is None else list(self.session.scalars(statement))

    def site(self) -> s.Site:
        site = self.session.get(m.Site, 1)
        if site is None:
            raise DatabaseError(
                "no configuration has been imported yet: run `pbxctl config import`"
            )
        return s.Site.model_construct(
            name=site.name,
            timezone=site.timezone,
            country=site.country,
            default_language=site.default_language,
            default_moh_class=_name(site.default_moh_class),
            blf_hints=site.blf_hints,
        )

    def extensions(self) -> list[s.Extension]:
        # The biggest section (thousands of rows): read with one joined Core query, not ORM
        # objects, which cost several times more per row.
        ext, phone = m.Extension, m.Phone
        policy, moh = m.RecordingPolicy, m.MohClass
        statement = (
            select(
                ext.number, ext.name, ext.language, ext.ring_seconds, ext.outbound_caller_id,
                ext.voicemail_enabled, ext.voicemail_pin, ext.voicemail_pin_generated,
                ext.voicemail_email, policy.name, moh.name, phone.id, phone.username,
                phone.password, phone.password_generated, phone.transport, phone.max_contacts,
                phone.codecs,
            )
            .outerjoin(phone, phone.extension_id == ext.id)
            .outerjoin(policy, policy.id == ext.recording_policy_id)
            .outerjoin(moh, moh.id == ext.moh_class_id)
            .order_by(ext.position, ext.id)
        )  # fmt: skip
        statement = self._picked(statement, ext)
        if statement is None:
            return []
        secrets_too = self.include_secrets
        result = []
        for row in self.session.execute(statement):
            (number, name, language, ring, out_cid, vm_on, pin, pin_generated, email,
             policy_name, moh_name, phone_id, username, password, password_generated,
             transport, max_contacts, codecs) = row  # fmt: skip
            voicemail = None
            if vm_on:
                show_pin = secrets_too or not pin_generated
                voicemail = s.Voicemail.model_construct(pin=pin if show_pin else None, email=email)
            phone_item = None
            if phone_id is not None:
                show = secrets_too or not password_generated
                phone_item = s.Phone.model_construct(
                    username=None if username == number else username,
                    password=password if show else None,
                    transport=transport,
                    max_contacts=max_contacts,
                    codecs=codecs,
                )
            result.append(
                s.Extension.model_construct(
                    number=number,
                    name=name,
                    language=language,
                    ring_seconds=ring,
                    outbound_caller_id=out_cid,
                    voicemail=voicemail,
                    phone=phone_item,
                    recording_policy=policy_name,
                    moh_class=moh_name,
                )
            )
        return result

    def trunks(self) -> list[s.Trunk]:
        return [
            s.Trunk.model_construct(
                name=t.name,
                auth=t.auth,
                host=t.host,
                port=t.port,
                transport=t.transport,
                username=t.username,
                password=t.password,
                from_user=t.from_user,
                from_domain=t.from_domain,
                caller_id=t.caller_id,
                max_channels=t.max_channels,
                codecs=t.codecs,
                match=t.match_addresses,
                currency=t.currency,
                tariffs=[
                    s.Tariff.model_construct(
                        prefix=r.prefix,
                        per_minute=r.per_minute,
                        increment_seconds=r.increment_seconds,
                        connection_fee=r.connection_fee,
                        description=r.description,
                    )
                    for r in t.tariffs
                ],
            )
            for t in self._all(m.Trunk, selectinload(m.Trunk.tariffs))
        ]

    def agents(self) -> list[s.Agent]:
        rows = self._all(
            m.Agent,
            selectinload(m.Agent.extension),
            selectinload(m.Agent.skills).selectinload(m.AgentSkill.skill),
        )
        return [
            s.Agent.model_construct(
                code=a.code,
                name=a.name,
                role=a.role,
                extension=a.extension.number if a.extension else None,
                pin=a.pin,
                skills={link.skill.name: link.level for link in a.skills},
            )
            for a in rows
        ]

    def agent_groups(self) -> list[s.AgentGroup]:
        rows = self._all(
            m.AgentGroup,
            selectinload(m.AgentGroup.members).selectinload(m.AgentGroupMember.agent),
        )
        return [
            s.AgentGroup.model_construct(
                name=g.name,
                description=g.description,
                team_leads=[x.agent.code for x in g.members if x.is_team_lead],
                members=[x.agent.code for x in g.members],
            )
            for g in rows
        ]

    def holiday_calendars(self) -> list[s.HolidayCalendar]:
        result = []
        for cal in self._all(m.HolidayCalendar, selectinload(m.HolidayCalendar.days)):
            holidays = [
                s.Holiday.model_construct(
                    date=d.first_day,
                    until=None if d.last_day == d.first_day else d.last_day,
                    name=d.name,
                )
                for d in cal.days
                if d.kind is HolidayKind.HOLIDAY
            ]
            workdays = [
                s.Workday.model_construct(date=d.first_day, name=d.name)
                for d in cal.days
                if d.kind is HolidayKind.WORKDAY
            ]
            result.append(
                s.HolidayCalendar.model_construct(
                    name=cal.name,
                    description=cal.description,
                    holidays=holidays,
                    workdays=workdays,
                )
            )
        return result

    def time_conditions(self) -> list[s.TimeCondition]:
        rows = self._all(
            m.TimeCondition,
            selectinload(m.TimeCondition.rules),
            selectinload(m.TimeCondition.calendar_links).selectinload(
                m.TimeConditionCalendar.calendar
            ),
            _destination_load(m.TimeCondition.destinations),
        )
        return [
            s.TimeCondition.model_construct(
                name=tc.name,
                description=tc.description,
                timezone=tc.timezone,
                rules=[
                    s.TimeRule.model_construct(
                        days=[Weekday(d) for d in r.weekdays], start=r.start, end=r.end
                    )
                    for r in tc.rules
                ],
                calendars=[link.calendar.name for link in tc.calendar_links],
                open=destination_of(tc.destinations.get("open")),
                closed=destination_of(tc.destinations.get("closed")),
                holiday=destination_of(tc.destinations.get("holiday")),
            )
            for tc in rows
        ]

    def queues(self) -> list[s.Queue]:
        rows = self._all(
            m.Queue,
            selectinload(m.Queue.members).selectinload(m.QueueMember.agent),
            selectinload(m.Queue.required_skills).selectinload(m.QueueSkill.skill),
            selectinload(m.Queue.moh_class),
            selectinload(m.Queue.recording_policy),
            selectinload(m.Queue.callback_hours),
            selectinload(m.Queue.disposition_links).selectinload(m.QueueDisposition.disposition),
            _destination_load(m.Queue.destinations),
        )
        result = []
        for q in rows:
            callback = None
            if q.callback_enabled:
                callback = s.Callback.model_construct(
                    key=q.callback_key,
                    offer_after_seconds=q.callback_offer_after_seconds,
                    expiry_minutes=q.callback_expiry_minutes,
                    max_attempts=q.callback_max_attempts,
                    retry_seconds=q.callback_retry_seconds,
                    calling_hours=_name(q.callback_hours),
                )
            result.append(
                s.Queue.model_construct(
                    name=q.name,
                    display_name=None if q.display_name == q.name else q.display_name,
                    strategy=q.strategy,
                    ring_seconds=q.ring_seconds,
                    retry_seconds=q.retry_seconds,
                    wrapup_seconds=q.wrapup_seconds,
                    max_callers=q.max_callers,
                    weight=q.weight,
                    vip_priority=q.vip_priority,
                    announce_position=q.announce_position,
                    announce_holdtime=q.announce_holdtime,
                    announce_frequency_seconds=q.announce_frequency_seconds,
                    periodic_announce=q.periodic_announce,
                    periodic_announce_seconds=q.periodic_announce_seconds,
                    service_level_seconds=q.service_level_seconds,
                    short_abandon_seconds=q.short_abandon_seconds,
                    max_wait_seconds=q.max_wait_seconds,
                    overflow=destination_of(q.destinations.get("overflow")),
                    join_empty=q.join_empty,
                    leave_when_empty=q.leave_when_empty,
                    ring_in_use=q.ring_in_use,
                    moh_class=_name(q.moh_class),
                    recording_policy=_name(q.recording_policy),
                    required_skills={x.skill.name: x.min_level for x in q.required_skills},
                    login_required=q.login_required,
                    members=[
                        s.QueueMember.model_construct(agent=x.agent.code, penalty=x.penalty)
                        for x in q.members
                    ],
                    callback=callback,
                    survey=s.Survey.model_construct(**q.survey) if q.survey else None,
                    dispositions=[x.disposition.code for x in q.disposition_links],
                    screen_pop_url=q.screen_pop_url,
                    wallboard=_wallboard(q),
                )
            )
        return result

    def ivr_menus(self) -> list[s.IvrMenu]:
        rows = self._all(
            m.IvrMenu,
            selectinload(m.IvrMenu.zero_out_extension),
            selectinload(m.IvrMenu.options).options(_destination_load(m.IvrOption.destinations)),
            _destination_load(m.IvrMenu.destinations),
        )
        result = []
        for menu in rows:
            options = {}
            for option in menu.options:
                dest = destination_of(option.destinations.get("main"))
                options[option.key] = s.IvrChoice.model_construct(
                    destination=dest, language=option.set_language
                )
            result.append(
                s.IvrMenu.model_construct(
                    name=menu.name,
                    description=menu.description,
                    prompts=menu.prompts,
                    invalid_prompts=menu.invalid_prompts,
                    timeout_seconds=menu.timeout_seconds,
                    max_retries=menu.max_retries,
                    direct_dial=menu.direct_dial,
                    zero_out=menu.zero_out_extension.number if menu.zero_out_extension else None,
                    options=options,
                    timeout=destination_of(menu.destinations.get("timeout")),
                    invalid=destination_of(menu.destinations.get("invalid")),
                )
            )
        return result

    def inbound_routes(self) -> list[s.InboundRoute]:
        rows = self._all(
            m.InboundRoute,
            selectinload(m.InboundRoute.moh_class),
            selectinload(m.InboundRoute.recording_policy),
            _destination_load(m.InboundRoute.destinations),
            selectinload(m.InboundRoute.region_rules).options(
                _destination_load(m.InboundRegionRule.destinations)
            ),
            order=m.InboundRoute.position,
        )
        return [
            s.InboundRoute.model_construct(
                name=r.name,
                description=r.description,
                did=r.did,
                caller_prefix=r.caller_prefix,
                destination=destination_of(r.destinations.get("main")),
                region_routes=[
                    s.RegionRoute.model_construct(
                        regions=rule.regions, destination=destination_of(rule.destinations["main"])
                    )
                    for rule in r.region_rules
                ],
                language=r.language,
                moh_class=_name(r.moh_class),
                recording_policy=_name(r.recording_policy),
            )
            for r in rows
        ]

    def outbound_routes(self) -> list[s.OutboundRoute]:
        rows = self._all(
            m.OutboundRoute,
            selectinload(m.OutboundRoute.patterns),
            selectinload(m.OutboundRoute.trunk_links).selectinload(m.OutboundRouteTrunk.trunk),
            selectinload(m.OutboundRoute.recording_policy),
            order=m.OutboundRoute.position,
        )
        return [
            s.OutboundRoute.model_construct(
                name=r.name,
                description=r.description,
                patterns=[
                    s.OutboundPattern.model_construct(
                        match=p.match, prefix=p.prefix, prepend=p.prepend
                    )
                    for p in r.patterns
                ],
                trunks=[link.trunk.name for link in r.trunk_links],
                caller_id=r.caller_id_policy,
                caller_id_number=r.caller_id_number,
                recording_policy=_name(r.recording_policy),
            )
            for r in rows
        ]

    def customers(self) -> list[s.Customer]:
        rows = self._all(
            m.Customer,
            selectinload(m.Customer.numbers),
            selectinload(m.Customer.owner_agent),
        )
        return [
            s.Customer.model_construct(
                code=c.code,
                name=c.name,
                company=c.company,
                numbers=[n.number for n in c.numbers],
                owner=c.owner_agent.code if c.owner_agent else None,
                vip=c.vip,
                blacklisted=c.blacklisted,
                blacklist_reason=c.blacklist_reason,
                language=c.language,
                notes=c.notes,
            )
            for c in rows
        ]

    def export(self) -> s.PbxConfig:
        return s.PbxConfig.model_construct(
            format=s.FORMAT_VERSION,
            site=self.site(),
            moh_classes=[
                s.MohClass.model_construct(
                    name=x.name, directory=x.directory, sort=x.sort, description=x.description
                )
                for x in self._all(m.MohClass)
            ],
            recording_policies=[
                s.RecordingPolicy.model_construct(
                    name=x.name,
                    record=x.record,
                    notice_prompts=x.notice_prompts,
                    retention_days=x.retention_days,
                    format=x.format,
                    description=x.description,
                )
                for x in self._all(m.RecordingPolicy)
            ],
            extensions=self.extensions(),
            trunks=self.trunks(),
            skills=[
                s.Skill.model_construct(name=x.name, description=x.description)
                for x in self._all(m.Skill)
            ],
            agents=self.agents(),
            agent_groups=self.agent_groups(),
            pause_reasons=[
                s.PauseReason.model_construct(code=x.code, label=x.label, productive=x.productive)
                for x in self._all(m.PauseReason, order=m.PauseReason.position)
            ],
            dispositions=[
                s.Disposition.model_construct(code=x.code, label=x.label, description=x.description)
                for x in self._all(m.Disposition, order=m.Disposition.position)
            ],
            holiday_calendars=self.holiday_calendars(),
            time_conditions=self.time_conditions(),
            queues=self.queues(),
            ivr_menus=self.ivr_menus(),
            inbound_routes=self.inbound_routes(),
            outbound_routes=self.outbound_routes(),
            customers=self.customers(),
        )


def export_config(session: Session, *, include_secrets: bool = False) -> s.PbxConfig:
    """The stored configuration as a document (raises DatabaseError if none was imported)."""
    return _Exporter(session, include_secrets).export()


def export_objects(
    session: Session, only: Mapping[str, Collection[str]], *, include_secrets: bool = True
) -> s.PbxConfig:
    """The site and the objects named in ``only`` (keys by section), each section in its
    configuration order; every other section is empty. For readers that need a few objects
    of a large configuration (controller.dialplan.incremental)."""
    picked = {SECTION_MODELS[section][0]: keys for section, keys in only.items()}
    return _Exporter(session, include_secrets, picked).export()
