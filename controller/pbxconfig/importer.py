"""Write a validated configuration into the database: all of it, or nothing.

The file is the whole truth: objects it does not mention are removed. Objects are matched
by their key (extension number, queue name ...), so ids survive re-imports and only what
changed is written. The order of work avoids tripping unique and foreign-key constraints
that are only satisfied at the end:

1. delete objects nothing can point at (routes, customers, groups) and empty the child
   lists of changed objects, so moved numbers and members are free again;
2. write added and changed objects section by section, referenced sections first;
3. write destinations (they need the ids of their targets);
4. delete removed objects that could be targets, referencing sections first.

Secrets left out of the file are kept if the object has one, and generated otherwise.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.db import models as m
from controller.domain import Destination, DestinationKind, HolidayKind
from controller.errors import DatabaseError
from controller.pbxconfig import schema as s
from controller.pbxconfig.diff import ConfigDiff, diff_configs
from controller.pbxconfig.export import export_config
from controller.pbxconfig.load import ValidatedConfig
from controller.pbxconfig.revision import bump_revision

# Sections in the order they are written; removal of target sections runs in reverse.
_ORM: dict[str, type[Any]] = {
    "moh_classes": m.MohClass,
    "recording_policies": m.RecordingPolicy,
    "extensions": m.Extension,
    "trunks": m.Trunk,
    "skills": m.Skill,
    "agents": m.Agent,
    "agent_groups": m.AgentGroup,
    "pause_reasons": m.PauseReason,
    "dispositions": m.Disposition,
    "holiday_calendars": m.HolidayCalendar,
    "time_conditions": m.TimeCondition,
    "queues": m.Queue,
    "ivr_menus": m.IvrMenu,
    "inbound_routes": m.InboundRoute,
    "outbound_routes": m.OutboundRoute,
    "customers": m.Customer,
}
# Nothing references these, so they can go first and free their unique values.
_UNREFERENCED = ("agent_groups", "pause_reasons", "inbound_routes", "outbound_routes", "customers")
# Child collections rebuilt when their parent changed.
_CHILDREN: dict[str, tuple[str, ...]] = {
    "trunks": ("tariffs",),
    "agents": ("skills",),
    "agent_groups": ("members",),
    "holiday_calendars": ("days",),
    "time_conditions": ("rules", "calendar_links"),
    "queues": ("members", "required_skills", "disposition_links"),
    "ivr_menus": ("options",),
    "inbound_routes": ("region_rules",),
    "outbound_routes": ("patterns", "trunk_links"),
    "customers": ("numbers",),
}
_KEY_COLUMNS = {section: key for section, (key, _) in s.SECTION_KEYS.items()}


@dataclass
class ImportReport:
    diff: ConfigDiff
    generated: list[str] = field(default_factory=list)  # "phone password of extension 1001"

    def render(self) -> str:
        text = self.diff.render()
        if self.generated:
            text += (
                f"\ngenerated {len(self.generated)} secret(s) that the file left out "
                "(see `pbxctl config export --include-secrets`)"
            )
        return text


def _generated_password() -> str:
    return secrets.token_urlsafe(18)


def _generated_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(6))


class _Importer:
    def __init__(self, session: Session, validated: ValidatedConfig, now: datetime) -> None:
        self.session = session
        self.config = validated.config
        self.now = now
        self.rows: dict[str, dict[str, Any]] = {}
        self.pending_destinations: list[tuple[Any, str, Destination | None]] = []
        self.report: ImportReport

    # -- helpers --------------------------------------------------------------------------

    def row(self, section: str, key: str | None) -> Any:
        return None if key is None else self.rows[section][key]

    def load_rows(self) -> None:
        for section, model in _ORM.items():
            key = _KEY_COLUMNS[section]
            self.rows[section] = {getattr(r, key): r for r in self.session.scalars(select(model))}

    def flush(self, doing: str) -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(f"the database refused the import while {doing}: {reason}") from exc

    def destination(self, owner: Any, slot: str, dest: Destination | None) -> None:
        self.pending_destinations.append((owner, slot, dest))

    # -- phases ---------------------------------------------------------------------------

    def run(self) -> ImportReport:
        old = export_config(self.session) if self.session.get(m.Site, 1) else None
        diff = diff_configs(old, self.config)
        self.report = ImportReport(diff)
        self.load_rows()

        for section in _UNREFERENCED:
            for key in diff.sections[section].removed:
                self.session.delete(self.rows[section].pop(key))
        for section, children in _CHILDREN.items():
            for key in diff.keys(section, "changed"):
                for child in children:
                    getattr(self.rows[section][key], child).clear()
        self.flush("removing replaced entries")

        self.write_site_defaults()
        for section in _ORM:
            self.write_section(section, diff)
            self.flush(f"writing {section}")
        self.write_site()
        self.write_destinations()
        self.flush("writing destinations")

        for section in reversed(_ORM):
            if section in _UNREFERENCED:
                continue
            for key in diff.sections[section].removed:
                self.session.delete(self.rows[section].pop(key))
            self.flush(f"removing {section}")
        self.write_queue_versions(diff)
        if not diff.empty:
            bump_revision(self.session, self.now, diff)
        self.flush("recording queue thresholds")
        return self.report

    def write_section(self, section: str, diff: ConfigDiff) -> None:
        writer: Callable[[Any, Any], None] = getattr(self, f"write_{section}")
        touched = diff.keys(section, "added", "changed")
        model = _ORM[section]
        key_field = _KEY_COLUMNS[section]
        for position, item in enumerate(getattr(self.config, section)):
            key = getattr(item, key_field)
            row = self.rows[section].get(key)
            if row is None:
                row = model()
                setattr(row, key_field, key)
                self.session.add(row)
                self.rows[section][key] = row
            if key in touched:
                writer(row, item)
            if row.position != position:
                row.position = position

    def write_site_defaults(self) -> None:
        """The site row must exist before anything else; its references are set later."""
        if self.session.get(m.Site, 1) is None:
            site = self.config.site
            self.session.add(
                m.Site(
                    id=1,
                    name=site.name,
                    timezone=site.timezone,
                    country=site.country,
                    default_language=site.default_language,
                    blf_hints=site.blf_hints,
                )
            )

    def write_site(self) -> None:
        site = self.session.get(m.Site, 1)
        assert site is not None
        cfg = self.config.site
        site.name = cfg.name
        site.timezone = cfg.timezone
        site.country = cfg.country
        site.default_language = cfg.default_language
        site.blf_hints = cfg.blf_hints
        site.default_moh_class = self.row("moh_classes", cfg.default_moh_class)

    def write_destinations(self) -> None:
        targets = {
            DestinationKind.EXTENSION: ("extensions", "target_extension"),
            DestinationKind.VOICEMAIL: ("extensions", "target_extension"),
            DestinationKind.QUEUE: ("queues", "target_queue"),
            DestinationKind.IVR: ("ivr_menus", "target_ivr_menu"),
            DestinationKind.TIME_CONDITION: ("time_conditions", "target_time_condition"),
        }
        for owner, slot, dest in self.pending_destinations:
            current = owner.destinations.get(slot)
            if dest is None:
                if current is not None:
                    del owner.destinations[slot]
                continue
            row = current if current is not None else m.Destination(slot=slot)
            row.kind = dest.kind
            for attribute in ("target_extension", "target_queue", "target_ivr_menu"):
                setattr(row, attribute, None)
            row.target_time_condition = None
            row.target_number = None
            if dest.kind in targets:
                section, attribute = targets[dest.kind]
                setattr(row, attribute, self.row(section, dest.target))
            elif dest.kind is DestinationKind.EXTERNAL:
                row.target_number = dest.target
            if current is None:
                owner.destinations[slot] = row

    def write_queue_versions(self, diff: ConfigDiff) -> None:
        touched = diff.keys("queues", "added", "changed")
        for queue in self.config.queues:
            if queue.name not in touched:
                continue
            latest = self.session.scalars(
                select(m.QueueConfigVersion)
                .where(m.QueueConfigVersion.queue_name == queue.name)
                .order_by(m.QueueConfigVersion.valid_from.desc())
                .limit(1)
            ).first()
            thresholds = (queue.service_level_seconds, queue.short_abandon_seconds)
            if (
                latest
                and (latest.service_level_seconds, latest.short_abandon_seconds) == thresholds
            ):
                continue
            self.session.add(
                m.QueueConfigVersion(
                    queue_name=queue.name,
                    service_level_seconds=thresholds[0],
                    short_abandon_seconds=thresholds[1],
                    valid_from=self.now,
                )
            )

    # -- one writer per section -----------------------------------------------------------

    def write_moh_classes(self, row: m.MohClass, item: s.MohClass) -> None:
        row.directory, row.sort, row.description = item.directory, item.sort, item.description

    def write_recording_policies(self, row: m.RecordingPolicy, item: s.RecordingPolicy) -> None:
        row.record = item.record
        row.notice_prompts = dict(item.notice_prompts)
        row.retention_days = item.retention_days
        row.format = item.format
        row.description = item.description

    def write_extensions(self, row: m.Extension, item: s.Extension) -> None:
        row.name = item.name
        row.language = item.language
        row.ring_seconds = item.ring_seconds
        row.outbound_caller_id = item.outbound_caller_id
        row.recording_policy = self.row("recording_policies", item.recording_policy)
        row.moh_class = self.row("moh_classes", item.moh_class)
        row.voicemail_enabled = item.voicemail is not None
        if item.voicemail is None:
            row.voicemail_pin, row.voicemail_email, row.voicemail_pin_generated = None, None, False
        else:
            row.voicemail_email = item.voicemail.email
            if item.voicemail.pin is not None:
                row.voicemail_pin, row.voicemail_pin_generated = item.voicemail.pin, False
            elif row.voicemail_pin is None:
                row.voicemail_pin, row.voicemail_pin_generated = _generated_pin(), True
                self.report.generated.append(f"voicemail PIN of extension {item.number}")
        if item.phone is None:
            row.phone = None
            return
        phone = row.phone or m.Phone(password_generated=False)
        phone.username = item.phone.username or item.number
        phone.transport = item.phone.transport
        phone.max_contacts = item.phone.max_contacts
        phone.codecs = list(item.phone.codecs)
        if item.phone.password is not None:
            phone.password, phone.password_generated = item.phone.password, False
        elif not phone.password:
            phone.password, phone.password_generated = _generated_password(), True
            self.report.generated.append(f"phone password of extension {item.number}")
        row.phone = phone

    def write_trunks(self, row: m.Trunk, item: s.Trunk) -> None:
        for attribute in ("auth", "host", "port", "transport", "username", "from_user"):
            setattr(row, attribute, getattr(item, attribute))
        row.password = item.password
        row.from_domain = item.from_domain
        row.caller_id = item.caller_id
        row.max_channels = item.max_channels
        row.codecs = list(item.codecs)
        row.match_addresses = list(item.match)
        row.currency = item.currency
        row.tariffs = [
            m.TrunkTariff(
                position=i,
                prefix=t.prefix,
                per_minute=t.per_minute,
                increment_seconds=t.increment_seconds,
                connection_fee=t.connection_fee,
                description=t.description,
            )
            for i, t in enumerate(item.tariffs)
        ]

    def write_skills(self, row: m.Skill, item: s.Skill) -> None:
        row.description = item.description

    def write_agents(self, row: m.Agent, item: s.Agent) -> None:
        row.name, row.role, row.pin = item.name, item.role, item.pin
        row.extension = self.row("extensions", item.extension)
        row.skills = [
            m.AgentSkill(position=i, skill=self.row("skills", name), level=level)
            for i, (name, level) in enumerate(item.skills.items())
        ]

    def write_agent_groups(self, row: m.AgentGroup, item: s.AgentGroup) -> None:
        row.description = item.description
        row.members = [
            m.AgentGroupMember(
                position=i, agent=self.row("agents", code), is_team_lead=code in item.team_leads
            )
            for i, code in enumerate(item.members)
        ]

    def write_pause_reasons(self, row: m.PauseReason, item: s.PauseReason) -> None:
        row.label, row.productive = item.label, item.productive

    def write_dispositions(self, row: m.Disposition, item: s.Disposition) -> None:
        row.label, row.description = item.label, item.description

    def write_holiday_calendars(self, row: m.HolidayCalendar, item: s.HolidayCalendar) -> None:
        row.description = item.description
        days = [
            m.Holiday(
                kind=HolidayKind.HOLIDAY, name=h.name, first_day=h.date, last_day=h.until or h.date
            )
            for h in item.holidays
        ]
        days += [
            m.Holiday(kind=HolidayKind.WORKDAY, name=w.name, first_day=w.date, last_day=w.date)
            for w in item.workdays
        ]
        for i, day in enumerate(days):
            day.position = i
        row.days = days

    def write_time_conditions(self, row: m.TimeCondition, item: s.TimeCondition) -> None:
        row.description, row.timezone = item.description, item.timezone
        row.rules = [
            m.TimeRule(position=i, weekdays=[d.value for d in r.days], start=r.start, end=r.end)
            for i, r in enumerate(item.rules)
        ]
        row.calendar_links = [
            m.TimeConditionCalendar(position=i, calendar=self.row("holiday_calendars", name))
            for i, name in enumerate(item.calendars)
        ]
        for slot in ("open", "closed", "holiday"):
            self.destination(row, slot, getattr(item, slot))

    def write_queues(self, row: m.Queue, item: s.Queue) -> None:
        for attribute in (
            "strategy", "ring_seconds", "retry_seconds", "wrapup_seconds", "max_callers",
            "weight", "vip_priority", "announce_position", "announce_holdtime",
            "announce_frequency_seconds", "periodic_announce", "periodic_announce_seconds",
            "service_level_seconds", "short_abandon_seconds", "max_wait_seconds",
            "join_empty", "leave_when_empty", "ring_in_use", "login_required",
        ):  # fmt: skip
            setattr(row, attribute, getattr(item, attribute))
        row.display_name = item.display_name or item.name
        row.moh_class = self.row("moh_classes", item.moh_class)
        row.recording_policy = self.row("recording_policies", item.recording_policy)
        row.members = [
            m.QueueMember(position=i, agent=self.row("agents", x.agent), penalty=x.penalty)
            for i, x in enumerate(item.members)
        ]
        row.required_skills = [
            m.QueueSkill(position=i, skill=self.row("skills", name), min_level=level)
            for i, (name, level) in enumerate(item.required_skills.items())
        ]
        row.disposition_links = [
            m.QueueDisposition(position=i, disposition=self.row("dispositions", code))
            for i, code in enumerate(item.dispositions)
        ]
        row.screen_pop_url = item.screen_pop_url
        board = item.wallboard
        for prefix, limit in (
            ("wallboard_waiting", board.waiting_callers),
            ("wallboard_wait", board.longest_wait_seconds),
            ("wallboard_sl", board.service_level_percent),
        ):
            unit = {"wallboard_wait": "_seconds", "wallboard_sl": "_percent"}.get(prefix, "")
            setattr(row, f"{prefix}_amber{unit}", limit.amber if limit else None)
            setattr(row, f"{prefix}_red{unit}", limit.red if limit else None)
        cb = item.callback
        row.callback_enabled = cb is not None
        row.callback_key = cb.key if cb else None
        row.callback_offer_after_seconds = cb.offer_after_seconds if cb else None
        row.callback_expiry_minutes = cb.expiry_minutes if cb else None
        row.callback_max_attempts = cb.max_attempts if cb else None
        row.callback_retry_seconds = cb.retry_seconds if cb else None
        row.callback_hours = self.row("time_conditions", cb.calling_hours) if cb else None
        row.survey = item.survey.model_dump(mode="json") if item.survey else None
        self.destination(row, "overflow", item.overflow)

    def write_ivr_menus(self, row: m.IvrMenu, item: s.IvrMenu) -> None:
        row.description = item.description
        row.prompts = dict(item.prompts)
        row.invalid_prompts = dict(item.invalid_prompts)
        row.timeout_seconds = item.timeout_seconds
        row.max_retries = item.max_retries
        row.direct_dial = item.direct_dial
        row.zero_out_extension = self.row("extensions", item.zero_out)
        options = []
        for i, (key, choice) in enumerate(item.options.items()):
            option = m.IvrOption(position=i, key=key, set_language=choice.language)
            self.destination(option, "main", choice.destination)
            options.append(option)
        row.options = options
        self.destination(row, "timeout", item.timeout)
        self.destination(row, "invalid", item.invalid)

    def write_inbound_routes(self, row: m.InboundRoute, item: s.InboundRoute) -> None:
        row.description, row.did, row.caller_prefix = item.description, item.did, item.caller_prefix
        row.language = item.language
        row.moh_class = self.row("moh_classes", item.moh_class)
        row.recording_policy = self.row("recording_policies", item.recording_policy)
        rules = []
        for i, rule in enumerate(item.region_routes):
            region_rule = m.InboundRegionRule(position=i, regions=list(rule.regions))
            self.destination(region_rule, "main", rule.destination)
            rules.append(region_rule)
        row.region_rules = rules
        self.destination(row, "main", item.destination)

    def write_outbound_routes(self, row: m.OutboundRoute, item: s.OutboundRoute) -> None:
        row.description = item.description
        row.caller_id_policy, row.caller_id_number = item.caller_id, item.caller_id_number
        row.recording_policy = self.row("recording_policies", item.recording_policy)
        row.patterns = [
            m.OutboundPattern(position=i, match=p.match, prefix=p.prefix, prepend=p.prepend)
            for i, p in enumerate(item.patterns)
        ]
        row.trunk_links = [
            m.OutboundRouteTrunk(position=i, trunk=self.row("trunks", name))
            for i, name in enumerate(item.trunks)
        ]

    def write_customers(self, row: m.Customer, item: s.Customer) -> None:
        row.name, row.company, row.language, row.notes = (
            item.name,
            item.company,
            item.language,
            item.notes,
        )
        row.owner_agent = self.row("agents", item.owner)
        row.vip, row.blacklisted, row.blacklist_reason = (
            item.vip,
            item.blacklisted,
            item.blacklist_reason,
        )
        row.numbers = [m.CustomerNumber(position=j, number=n) for j, n in enumerate(item.numbers)]


def import_config(
    session: Session, validated: ValidatedConfig, *, now: datetime | None = None
) -> ImportReport:
    """Make the database hold exactly ``validated``; the caller commits or rolls back."""
    return _Importer(session, validated, now or datetime.now(UTC)).run()
