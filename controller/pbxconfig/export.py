"""Read the configuration stored in the database back into a :class:`PbxConfig`.

Rows were validated when they were imported, so objects are built with ``model_construct``
(no second validation: reading 10,000 extensions stays cheap).

Secrets the controller generated itself (phone passwords, voicemail PINs) are left out
unless ``include_secrets`` is set: an exported file then round-trips to the file that was
imported, and re-importing it keeps the generated secrets. Secrets the admin supplied are
always exported, since the file is where they came from.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from controller.db import models as m
from controller.domain import Destination, HolidayKind, Weekday
from controller.errors import DatabaseError
from controller.pbxconfig import schema as s
from controller.pbxconfig.collector import collector_paused

_M = TypeVar("_M", bound=BaseModel)


@cache
def _plain(model: type[BaseModel]) -> bool:
    """Whether model_construct of ``model`` given every field only stores them (no aliases,
    no post-init)."""
    return not model.__pydantic_post_init__ and all(
        f.alias is None and f.validation_alias is None for f in model.__pydantic_fields__.values()
    )


def _construct(model: type[_M], **values: Any) -> _M:
    """``model.model_construct(**values)``: the same object, built without model_construct's
    per-field work when ``values`` names every field (a third of the export's CPU for the
    10,000-extension site went to it)."""
    fields = model.__pydantic_fields__
    if len(values) != len(fields) or not _plain(model):
        return model.model_construct(**values)
    obj = model.__new__(model)
    object.__setattr__(obj, "__dict__", {name: values[name] for name in fields})
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


@cache
def _target_aliases() -> tuple[Any, Any, Any, Any]:
    """The aliases a destination's targets are joined through: made once, since making an
    alias builds a copy of every column (the larger part of reading one changed object)."""
    return aliased(m.Extension), aliased(m.Queue), aliased(m.IvrMenu), aliased(m.TimeCondition)


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
    return _construct(s.Threshold, amber=amber, red=red)


def _wallboard(q: Any) -> s.WallboardThresholds:
    return _construct(
        s.WallboardThresholds,
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
        return _construct(
            s.Site,
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
                voicemail = _construct(s.Voicemail, pin=pin if show_pin else None, email=email)
            phone_item = None
            if phone_id is not None:
                show = secrets_too or not password_generated
                phone_item = _construct(
                    s.Phone,
                    username=None if username == number else username,
                    password=password if show else None,
                    transport=transport,
                    max_contacts=max_contacts,
                    codecs=codecs,
                )
            result.append(
                _construct(
                    s.Extension,
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
            _construct(
                s.Trunk,
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
                    _construct(
                        s.Tariff,
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

    def _children(
        self,
        parent: type[Any],
        child: type[Any],
        parent_column: Any,
        *columns: Any,
        joins: tuple[tuple[type[Any], Any], ...] = (),
    ) -> dict[int, list[Any]]:
        """Rows of ``columns`` of ``child`` by its parent's id, in position order, for the
        parents this export reads (``joins``: tables the columns come from)."""
        statement = select(parent_column, *columns).select_from(child)
        for model, on in joins:
            statement = statement.join(model, on)
        statement = statement.join(parent, parent.id == parent_column).order_by(
            parent_column, child.position, child.id
        )
        statement = self._picked(statement, parent)
        found: dict[int, list[Any]] = {}
        if statement is not None:
            for row in self.session.execute(statement):
                found.setdefault(row[0], []).append(row[1:])
        return found

    def _destinations(
        self, owner_column: Any, picked_by: type[Any], *joins: tuple[type[Any], Any]
    ) -> dict[tuple[int, str], Destination]:
        """The destinations owned through ``owner_column``, by (owner id, slot); ``joins``
        lead from the owner to ``picked_by``, the model export_objects picks by."""
        dest = m.Destination
        ext, queue, ivr, tc = _target_aliases()
        statement = (
            select(
                owner_column, dest.slot, dest.kind, ext.number, queue.name, ivr.name, tc.name,
                dest.target_number,
            )
            .select_from(dest)
            .outerjoin(ext, ext.id == dest.target_extension_id)
            .outerjoin(queue, queue.id == dest.target_queue_id)
            .outerjoin(ivr, ivr.id == dest.target_ivr_menu_id)
            .outerjoin(tc, tc.id == dest.target_time_condition_id)
            .where(owner_column.is_not(None))
        )  # fmt: skip
        for model, on in joins:
            statement = statement.join(model, on)
        statement = self._picked(statement, picked_by)
        if statement is None:
            return {}
        return {
            (owner, slot): Destination(kind, ext_n or queue_n or ivr_n or tc_n or number or "")
            for owner, slot, kind, ext_n, queue_n, ivr_n, tc_n, number in self.session.execute(
                statement
            )
        }

    def agents(self) -> list[s.Agent]:
        # Thousands of rows: read with Core queries, not ORM objects (as for extensions).
        agent, ext = m.Agent, m.Extension
        statement = (
            select(agent.id, agent.code, agent.name, agent.role, ext.number, agent.pin)
            .outerjoin(ext, ext.id == agent.extension_id)
            .order_by(agent.position, agent.id)
        )
        statement = self._picked(statement, agent)
        if statement is None:
            return []
        skills = self._children(
            agent, m.AgentSkill, m.AgentSkill.agent_id, m.Skill.name, m.AgentSkill.level,
            joins=((m.Skill, m.Skill.id == m.AgentSkill.skill_id),),
        )  # fmt: skip
        return [
            _construct(
                s.Agent,
                code=code,
                name=name,
                role=role,
                extension=number,
                pin=pin,
                skills={skill: level for skill, level in skills.get(agent_id, ())},
            )
            for agent_id, code, name, role, number, pin in self.session.execute(statement)
        ]

    def agent_groups(self) -> list[s.AgentGroup]:
        rows = self._all(
            m.AgentGroup,
            selectinload(m.AgentGroup.members).selectinload(m.AgentGroupMember.agent),
        )
        return [
            _construct(
                s.AgentGroup,
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
                _construct(
                    s.Holiday,
                    date=d.first_day,
                    until=None if d.last_day == d.first_day else d.last_day,
                    name=d.name,
                )
                for d in cal.days
                if d.kind is HolidayKind.HOLIDAY
            ]
            workdays = [
                _construct(s.Workday, date=d.first_day, name=d.name)
                for d in cal.days
                if d.kind is HolidayKind.WORKDAY
            ]
            result.append(
                _construct(
                    s.HolidayCalendar,
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
            _construct(
                s.TimeCondition,
                name=tc.name,
                description=tc.description,
                timezone=tc.timezone,
                rules=[
                    _construct(
                        s.TimeRule, days=[Weekday(d) for d in r.weekdays], start=r.start, end=r.end
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

    def _rows(self, model: type[Any], *labelled: Any, joins: Any = ()) -> list[Any]:
        """The rows of ``model``'s table (and ``labelled`` columns of ``joins``, outer joined)
        this export reads, in configuration order, as Core rows."""
        statement = select(model.__table__, *labelled)
        for target, on in joins:
            statement = statement.outerjoin(target, on)
        statement = self._picked(statement.order_by(model.position, model.id), model)
        return [] if statement is None else list(self.session.execute(statement))

    def queues(self) -> list[s.Queue]:
        # Read with Core queries, not ORM objects: hundreds of queues with their members.
        queue = m.Queue
        moh, policy, hours = m.MohClass, m.RecordingPolicy, m.TimeCondition
        rows = self._rows(
            queue,
            moh.name.label("moh_name"),
            policy.name.label("policy_name"),
            hours.name.label("hours_name"),
            joins=(
                (moh, moh.id == queue.moh_class_id),
                (policy, policy.id == queue.recording_policy_id),
                (hours, hours.id == queue.callback_hours_id),
            ),
        )
        member, skill, link = m.QueueMember, m.QueueSkill, m.QueueDisposition
        members = self._children(
            queue, member, member.queue_id, m.Agent.code, member.penalty,
            joins=((m.Agent, m.Agent.id == member.agent_id),),
        )  # fmt: skip
        skills = self._children(
            queue, skill, skill.queue_id, m.Skill.name, skill.min_level,
            joins=((m.Skill, m.Skill.id == skill.skill_id),),
        )  # fmt: skip
        dispositions = self._children(
            queue, link, link.queue_id, m.Disposition.code,
            joins=((m.Disposition, m.Disposition.id == link.disposition_id),),
        )  # fmt: skip
        overflows = self._destinations(
            m.Destination.owner_queue_id, queue, (queue, queue.id == m.Destination.owner_queue_id)
        )
        result = []
        for q in rows:
            callback = None
            if q.callback_enabled:
                callback = _construct(
                    s.Callback,
                    key=q.callback_key,
                    offer_after_seconds=q.callback_offer_after_seconds,
                    expiry_minutes=q.callback_expiry_minutes,
                    max_attempts=q.callback_max_attempts,
                    retry_seconds=q.callback_retry_seconds,
                    calling_hours=q.hours_name,
                )
            result.append(
                _construct(
                    s.Queue,
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
                    overflow=overflows.get((q.id, "overflow")),
                    join_empty=q.join_empty,
                    leave_when_empty=q.leave_when_empty,
                    ring_in_use=q.ring_in_use,
                    moh_class=q.moh_name,
                    recording_policy=q.policy_name,
                    required_skills={name: level for name, level in skills.get(q.id, ())},
                    login_required=q.login_required,
                    members=[
                        _construct(s.QueueMember, agent=code, penalty=penalty)
                        for code, penalty in members.get(q.id, ())
                    ],
                    callback=callback,
                    survey=_construct(s.Survey, **q.survey) if q.survey else None,
                    dispositions=[code for (code,) in dispositions.get(q.id, ())],
                    screen_pop_url=q.screen_pop_url,
                    wallboard=_wallboard(q),
                )
            )
        return result

    def ivr_menus(self) -> list[s.IvrMenu]:
        menu_, option_, dest = m.IvrMenu, m.IvrOption, m.Destination
        zero = m.Extension
        rows = self._rows(
            menu_,
            zero.number.label("zero_out"),
            joins=((zero, zero.id == menu_.zero_out_extension_id),),
        )
        options = self._children(
            menu_, option_, option_.menu_id, option_.id, option_.key, option_.set_language
        )
        option_destinations = self._destinations(
            dest.owner_ivr_option_id,
            menu_,
            (option_, option_.id == dest.owner_ivr_option_id),
            (menu_, menu_.id == option_.menu_id),
        )
        menu_destinations = self._destinations(
            dest.owner_ivr_menu_id, menu_, (menu_, menu_.id == dest.owner_ivr_menu_id)
        )
        result = []
        for menu in rows:
            choices = {
                key: _construct(
                    s.IvrChoice,
                    destination=option_destinations.get((option_id, "main")),
                    language=language,
                )
                for option_id, key, language in options.get(menu.id, ())
            }
            result.append(
                _construct(
                    s.IvrMenu,
                    name=menu.name,
                    description=menu.description,
                    prompts=menu.prompts,
                    invalid_prompts=menu.invalid_prompts,
                    timeout_seconds=menu.timeout_seconds,
                    max_retries=menu.max_retries,
                    direct_dial=menu.direct_dial,
                    zero_out=menu.zero_out,
                    options=choices,
                    timeout=menu_destinations.get((menu.id, "timeout")),
                    invalid=menu_destinations.get((menu.id, "invalid")),
                )
            )
        return result

    def inbound_routes(self) -> list[s.InboundRoute]:
        route_, rule_, dest = m.InboundRoute, m.InboundRegionRule, m.Destination
        moh, policy = m.MohClass, m.RecordingPolicy
        rows = self._rows(
            route_,
            moh.name.label("moh_name"),
            policy.name.label("policy_name"),
            joins=(
                (moh, moh.id == route_.moh_class_id),
                (policy, policy.id == route_.recording_policy_id),
            ),
        )
        rules = self._children(route_, rule_, rule_.route_id, rule_.id, rule_.regions)
        rule_destinations = self._destinations(
            dest.owner_region_rule_id,
            route_,
            (rule_, rule_.id == dest.owner_region_rule_id),
            (route_, route_.id == rule_.route_id),
        )
        route_destinations = self._destinations(
            dest.owner_inbound_route_id, route_, (route_, route_.id == dest.owner_inbound_route_id)
        )
        return [
            _construct(
                s.InboundRoute,
                name=r.name,
                description=r.description,
                did=r.did,
                caller_prefix=r.caller_prefix,
                destination=route_destinations.get((r.id, "main")),
                region_routes=[
                    _construct(
                        s.RegionRoute,
                        regions=regions,
                        destination=rule_destinations[rule_id, "main"],
                    )
                    for rule_id, regions in rules.get(r.id, ())
                ],
                language=r.language,
                moh_class=r.moh_name,
                recording_policy=r.policy_name,
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
            _construct(
                s.OutboundRoute,
                name=r.name,
                description=r.description,
                patterns=[
                    _construct(s.OutboundPattern, match=p.match, prefix=p.prefix, prepend=p.prepend)
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
            _construct(
                s.Customer,
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

    def _section(self, section: str, read: Callable[[], list[_M]]) -> list[_M]:
        """``read()``, or nothing when export_objects asked for none of the section (not even
        its queries are built: reading one changed object of a large site stays cheap)."""
        if self.only is not None and not self.only.get(SECTION_MODELS[section][0]):
            return []
        return read()

    def export(self) -> s.PbxConfig:
        return _construct(
            s.PbxConfig,
            format=s.FORMAT_VERSION,
            site=self.site(),
            moh_classes=[
                _construct(
                    s.MohClass,
                    name=x.name,
                    directory=x.directory,
                    sort=x.sort,
                    description=x.description,
                )
                for x in self._all(m.MohClass)
            ],
            recording_policies=[
                _construct(
                    s.RecordingPolicy,
                    name=x.name,
                    record=x.record,
                    notice_prompts=x.notice_prompts,
                    retention_days=x.retention_days,
                    format=x.format,
                    description=x.description,
                )
                for x in self._all(m.RecordingPolicy)
            ],
            extensions=self._section("extensions", self.extensions),
            trunks=self._section("trunks", self.trunks),
            skills=[
                _construct(s.Skill, name=x.name, description=x.description)
                for x in self._all(m.Skill)
            ],
            agents=self._section("agents", self.agents),
            agent_groups=self._section("agent_groups", self.agent_groups),
            pause_reasons=[
                _construct(s.PauseReason, code=x.code, label=x.label, productive=x.productive)
                for x in self._all(m.PauseReason, order=m.PauseReason.position)
            ],
            dispositions=[
                _construct(s.Disposition, code=x.code, label=x.label, description=x.description)
                for x in self._all(m.Disposition, order=m.Disposition.position)
            ],
            holiday_calendars=self._section("holiday_calendars", self.holiday_calendars),
            time_conditions=self._section("time_conditions", self.time_conditions),
            queues=self._section("queues", self.queues),
            ivr_menus=self._section("ivr_menus", self.ivr_menus),
            inbound_routes=self._section("inbound_routes", self.inbound_routes),
            outbound_routes=self._section("outbound_routes", self.outbound_routes),
            customers=self._section("customers", self.customers),
        )


def export_config(session: Session, *, include_secrets: bool = False) -> s.PbxConfig:
    """The stored configuration as a document (raises DatabaseError if none was imported)."""
    with collector_paused():
        return _Exporter(session, include_secrets).export()


def export_objects(
    session: Session, only: Mapping[str, Collection[str]], *, include_secrets: bool = True
) -> s.PbxConfig:
    """The site and the objects named in ``only`` (keys by section), each section in its
    configuration order; every other section is empty. For readers that need a few objects
    of a large configuration (controller.dialplan.incremental)."""
    picked = {SECTION_MODELS[section][0]: keys for section, keys in only.items()}
    return _Exporter(session, include_secrets, picked).export()
