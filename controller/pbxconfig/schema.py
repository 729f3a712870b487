"""The configuration document: one YAML file describing the whole PBX and call center.

Field order here is the order of the exported file, and a field equal to its default is
left out of exports, so a hand-written file in the same shape round-trips byte for byte.
Each model checks itself; references between objects are checked in
:mod:`controller.pbxconfig.references`. ``docs/configuration.md`` documents every field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_serializer,
    model_validator,
)

from controller.domain import (
    AgentRole,
    AnnounceHoldtime,
    AnnouncePosition,
    CallerIdPolicy,
    MohSort,
    QueueStrategy,
    RecordingFormat,
    RecordWhat,
    Transport,
    TrunkAuth,
    Weekday,
)
from controller.errors import Message
from controller.pbxconfig.types import (
    AgentCode,
    CallerIdNumber,
    Clock,
    Codec,
    Country,
    Currency,
    Day,
    DestinationField,
    DialKey,
    DialPattern,
    Did,
    DigitKey,
    DigitPrefix,
    Email,
    ExtensionNumber,
    Hostname,
    Language,
    LongText,
    Money,
    Name,
    Network,
    Pin,
    Prompt,
    Text,
    TimeZone,
    UrlTemplate,
    Username,
)

FORMAT_VERSION = 1

Seconds = Annotated[int, Field(ge=0, le=86400)]
PositiveSeconds = Annotated[int, Field(ge=1, le=3600)]
SkillLevel = Annotated[int, Field(ge=1, le=10)]


def _secret(value: str) -> str:
    # Long enough to survive the SIP scanners that probe every public PBX.
    if not 12 <= len(value) <= 128 or not all("\x21" <= ch <= "\x7e" for ch in value):
        raise ValueError(
            Message("a password must be 12-128 printable ASCII characters without spaces")
        )
    if value.isdigit() or len(set(value)) < 6:
        raise ValueError(Message("this password is too easy to guess; use a random one"))
    return value


Secret = Annotated[str, AfterValidator(_secret)]


def _default_codecs() -> list[str]:
    return ["alaw", "ulaw"]


# Lists and dicts default through factories: pydantic deep-copies a mutable default value
# for every object that leaves the field out (10,000 phones' codecs on a large site).
class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Site(Model):
    name: Text
    timezone: TimeZone = "Asia/Shanghai"
    country: Country = "CN"
    default_language: Language = "zh"
    default_moh_class: Name | None = None
    # A dialplan hint per phone lets phones show each other's state (BLF). Asterisk
    # re-evaluates every hint on each dialplan reload: thousands of phones make each apply
    # take seconds; a large site may turn them off.
    blf_hints: bool = True


class MohClass(Model):
    name: Name
    directory: Prompt  # below Asterisk's MOH directory
    sort: MohSort = MohSort.RANDOM
    description: Text = ""


class RecordingPolicy(Model):
    name: Name
    record: RecordWhat = RecordWhat.ALL
    notice_prompts: dict[Language, Prompt] = Field(default_factory=dict)
    retention_days: Annotated[int, Field(ge=1, le=36500)] | None = None
    format: RecordingFormat = RecordingFormat.WAV
    description: Text = ""


class Voicemail(Model):
    pin: Pin | None = None  # None: generated on import
    email: Email | None = None


class Phone(Model):
    username: Username | None = None  # None: the extension number
    password: Secret | None = None  # None: generated on import, kept on re-import
    transport: Transport = Transport.UDP
    max_contacts: Annotated[int, Field(ge=1, le=10)] = 1
    codecs: Annotated[list[Codec], Field(min_length=1)] = Field(default_factory=_default_codecs)


class Extension(Model):
    number: ExtensionNumber
    name: Text
    language: Language | None = None
    ring_seconds: PositiveSeconds = 20
    outbound_caller_id: CallerIdNumber | None = None
    voicemail: Voicemail | None = None  # None: no voicemail box
    # A factory, not a default instance: pydantic deep-copies a model default for every
    # extension (a fifth of validating 10,000 of them).
    phone: Phone | None = Field(default_factory=Phone)  # None: a virtual extension without a phone
    recording_policy: Name | None = None
    moh_class: Name | None = None


class Tariff(Model):
    prefix: DigitPrefix  # "" applies to every number
    per_minute: Money
    increment_seconds: Annotated[int, Field(ge=1, le=3600)] = 60
    connection_fee: Money = Decimal(0)
    description: Text = ""


class Trunk(Model):
    name: Name
    auth: TrunkAuth
    host: Hostname
    port: Annotated[int, Field(ge=1, le=65535)] = 5060
    transport: Transport = Transport.UDP
    username: Username | None = None
    password: Secret | None = None
    from_user: Username | None = None
    from_domain: Hostname | None = None
    caller_id: CallerIdNumber | None = None
    max_channels: Annotated[int, Field(ge=1, le=10000)] | None = None
    codecs: Annotated[list[Codec], Field(min_length=1)] = Field(default_factory=_default_codecs)
    match: list[Network] = Field(
        default_factory=list
    )  # addresses an IP-authenticated provider calls from
    currency: Currency = "CNY"
    tariffs: list[Tariff] = Field(default_factory=list)

    @model_validator(mode="after")
    def _credentials(self) -> Trunk:
        if self.auth in {TrunkAuth.REGISTER, TrunkAuth.CREDENTIALS}:
            if not self.username:
                raise ValueError(Message("auth '{auth}' needs a username", auth=self.auth.value))
        elif self.username or self.password:
            raise ValueError(Message("auth 'ip' takes no username or password"))
        return self


class Skill(Model):
    name: Name
    description: Text = ""


class Agent(Model):
    code: AgentCode
    name: Text
    role: AgentRole = AgentRole.INBOUND
    extension: ExtensionNumber | None = None
    pin: Pin | None = None
    skills: dict[Name, SkillLevel] = Field(default_factory=dict)


class AgentGroup(Model):
    name: Name
    description: Text = ""
    team_leads: list[AgentCode] = Field(default_factory=list)
    members: Annotated[list[AgentCode], Field(min_length=1)]

    @model_validator(mode="after")
    def _leads_are_members(self) -> AgentGroup:
        outside = [lead for lead in self.team_leads if lead not in self.members]
        if outside:
            raise ValueError(
                Message("team leads {leads} must also be listed in members", leads=outside)
            )
        return self


class PauseReason(Model):
    code: Name
    label: Text
    productive: bool = False


class Disposition(Model):
    """What came of a call, chosen by the agent with the call's notes (docs/crm.md)."""

    code: Name
    label: Text
    description: Text = ""


class Holiday(Model):
    date: Day
    until: Day | None = None  # last day of a range
    name: Text

    @model_validator(mode="after")
    def _order(self) -> Holiday:
        if self.until is not None and self.until < self.date:
            raise ValueError(
                Message("until ({until}) is before date ({date})", until=self.until, date=self.date)
            )
        return self


class Workday(Model):
    """A weekend day that is worked (调休); open with the hours of a Monday."""

    date: Day
    name: Text


class HolidayCalendar(Model):
    name: Name
    description: Text = ""
    holidays: list[Holiday] = Field(default_factory=list)
    workdays: list[Workday] = Field(default_factory=list)


class TimeRule(Model):
    days: Annotated[list[Weekday], Field(min_length=1)]
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _order(self) -> TimeRule:
        if self.end <= self.start:
            raise ValueError(
                Message(
                    "end must be after start; write an overnight opening as two rules"
                    " (e.g. 22:00-24:00 and 00:00-06:00)"
                )
            )
        if len(set(self.days)) != len(self.days):
            raise ValueError(Message("a day is listed twice"))
        return self


class TimeCondition(Model):
    name: Name
    description: Text = ""
    timezone: TimeZone | None = None  # None: the site's
    rules: Annotated[list[TimeRule], Field(min_length=1)]
    calendars: list[Name] = Field(default_factory=list)
    # Needed when the condition routes calls; a condition used only as a schedule
    # (e.g. a queue's callback hours) can leave them out.
    open: DestinationField | None = None
    closed: DestinationField | None = None
    holiday: DestinationField | None = None  # None: same as closed


class Callback(Model):
    key: DigitKey = "5"
    offer_after_seconds: Seconds = 120  # offer when the estimated wait is longer
    expiry_minutes: Annotated[int, Field(ge=1, le=10080)] = 240
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    retry_seconds: Annotated[int, Field(ge=10, le=86400)] = 300
    calling_hours: Name | None = None  # a time condition; None: any time


class Survey(Model):
    """A post-call satisfaction question, put to the caller after the agent hangs up."""

    prompts: Annotated[dict[Language, Prompt], Field(min_length=1)]  # "press 1 to 5 ..."
    thanks_prompts: dict[Language, Prompt] = Field(default_factory=dict)  # played after an answer
    scale: Annotated[int, Field(ge=2, le=9)] = 5  # keys 1..scale, the higher the better
    timeout_seconds: Annotated[int, Field(ge=1, le=30)] = 5  # to press a key
    retries: Annotated[int, Field(ge=0, le=3)] = 1  # asked again after no or a wrong key
    question: Name = "csat"  # stored with each answer, to tell questions apart


class Threshold(Model):
    amber: Annotated[int, Field(ge=0, le=86400)]
    red: Annotated[int, Field(ge=0, le=86400)]


class WallboardThresholds(Model):
    """When a queue's wallboard tiles turn amber and red; None: never coloured."""

    waiting_callers: Threshold | None = None  # at or above
    longest_wait_seconds: Threshold | None = Threshold(amber=60, red=120)  # at or above
    service_level_percent: Threshold | None = Threshold(amber=80, red=60)  # below

    @model_validator(mode="after")
    def _amber_before_red(self) -> WallboardThresholds:
        for name in ("waiting_callers", "longest_wait_seconds"):
            limit = getattr(self, name)
            if limit is not None and limit.amber > limit.red:
                raise ValueError(
                    Message("{name}: amber ({amber}) must not be above red ({red})",
                            name=name, amber=limit.amber, red=limit.red)
                )  # fmt: skip
        sl = self.service_level_percent
        if sl is not None:
            if max(sl.amber, sl.red) > 100:
                raise ValueError(
                    Message("service_level_percent: amber and red are percentages, 0-100")
                )
            if sl.amber < sl.red:
                raise ValueError(
                    Message(
                        "service_level_percent: amber ({amber}) must not be below red ({red}):"
                        " a service level below amber turns amber, below red turns red",
                        amber=sl.amber,
                        red=sl.red,
                    )
                )
        return self


class QueueMember(Model):
    agent: AgentCode
    penalty: Annotated[int, Field(ge=0, le=100)] = 0


class Queue(Model):
    name: Name
    display_name: Text | None = None  # None: the name
    strategy: QueueStrategy = QueueStrategy.RRMEMORY
    ring_seconds: PositiveSeconds = 15
    retry_seconds: Seconds = 5
    wrapup_seconds: Seconds = 10
    max_callers: Annotated[int, Field(ge=0, le=10000)] = 0
    weight: Annotated[int, Field(ge=0, le=100)] = 0
    vip_priority: Annotated[int, Field(ge=0, le=100)] = 10
    announce_position: AnnouncePosition = AnnouncePosition.YES
    announce_holdtime: AnnounceHoldtime = AnnounceHoldtime.YES
    announce_frequency_seconds: Seconds = 60
    periodic_announce: Prompt | None = None
    periodic_announce_seconds: Seconds = 30
    service_level_seconds: PositiveSeconds = 20
    short_abandon_seconds: Seconds = 5
    max_wait_seconds: Seconds = 0  # 0: no limit
    overflow: DestinationField | None = None
    join_empty: bool = True
    leave_when_empty: bool = False
    ring_in_use: bool = False
    moh_class: Name | None = None
    recording_policy: Name | None = None
    required_skills: dict[Name, SkillLevel] = Field(default_factory=dict)
    # True: members take calls after logging in (call center). False: members always ring.
    login_required: bool = True
    members: list[QueueMember] = Field(default_factory=list)
    callback: Callback | None = None  # None: no callback offer
    survey: Survey | None = None  # None: no post-call survey
    # Codes of the dispositions an agent may choose for this queue's calls; []: all of them.
    dispositions: list[Name] = Field(default_factory=list)
    # The CRM page the agent workspace opens with a call of this queue (docs/crm.md).
    screen_pop_url: UrlTemplate | None = None
    wallboard: WallboardThresholds = WallboardThresholds()


def _option_shorthand(value: Any) -> Any:
    return {"destination": value} if isinstance(value, str) else value


class IvrChoice(Model):
    destination: DestinationField
    language: Language | None = None  # switch the caller to this language first

    @model_serializer(mode="wrap")
    def _short(self, handler: Any) -> Any:
        # Written as a plain destination string unless it also switches language.
        return str(self.destination) if self.language is None else handler(self)


class IvrMenu(Model):
    name: Name
    description: Text = ""
    prompts: Annotated[dict[Language, Prompt], Field(min_length=1)]
    invalid_prompts: dict[Language, Prompt] = Field(default_factory=dict)
    timeout_seconds: PositiveSeconds = 5
    max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    direct_dial: bool = False
    zero_out: ExtensionNumber | None = None  # key 0 reaches this person
    options: dict[DialKey, Annotated[IvrChoice, BeforeValidator(_option_shorthand)]] = Field(
        default_factory=dict
    )
    timeout: DestinationField | None = None  # None: goodbye and hang up
    invalid: DestinationField | None = None  # None: goodbye and hang up

    @model_validator(mode="after")
    def _zero_out_key(self) -> IvrMenu:
        if self.zero_out is not None and "0" in self.options:
            raise ValueError(Message("key 0 is both an option and zero_out; keep one"))
        return self


class RegionRoute(Model):
    regions: Annotated[list[Text], Field(min_length=1)]
    destination: DestinationField


class InboundRoute(Model):
    name: Name
    description: Text = ""
    did: Did
    caller_prefix: DigitPrefix = ""
    destination: DestinationField
    region_routes: list[RegionRoute] = Field(default_factory=list)
    language: Language | None = None
    moh_class: Name | None = None
    recording_policy: Name | None = None


class OutboundPattern(Model):
    match: DialPattern
    prefix: DigitPrefix = ""  # dialled before the number, removed before sending
    prepend: DigitPrefix = ""  # added in front when sending to the trunk


class OutboundRoute(Model):
    name: Name
    description: Text = ""
    patterns: Annotated[list[OutboundPattern], Field(min_length=1)]
    trunks: Annotated[list[Name], Field(min_length=1)]  # tried in this order
    caller_id: CallerIdPolicy = CallerIdPolicy.EXTENSION
    caller_id_number: CallerIdNumber | None = None
    recording_policy: Name | None = None

    @model_validator(mode="after")
    def _fixed_number(self) -> OutboundRoute:
        if (self.caller_id is CallerIdPolicy.FIXED) != (self.caller_id_number is not None):
            raise ValueError(
                Message("caller_id_number is needed with, and only with, caller_id: fixed")
            )
        return self


class Customer(Model):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    name: Text
    company: Text = ""
    numbers: Annotated[list[Annotated[str, Field(max_length=40)]], Field(min_length=1)]
    owner: AgentCode | None = None
    vip: bool = False
    blacklisted: bool = False
    blacklist_reason: Text = ""
    language: Language | None = None
    notes: LongText = ""


def _format_version(value: int) -> int:
    if value != FORMAT_VERSION:
        raise ValueError(
            Message("this controller reads format {ours}, not {value}", ours=FORMAT_VERSION,
                    value=value)
        )  # fmt: skip
    return value


class PbxConfig(Model):
    """The whole configuration. Sections appear in this order in exported files."""

    format: Annotated[int, AfterValidator(_format_version)]
    site: Site
    moh_classes: list[MohClass] = []
    recording_policies: list[RecordingPolicy] = []
    extensions: list[Extension] = []
    trunks: list[Trunk] = []
    skills: list[Skill] = []
    agents: list[Agent] = []
    agent_groups: list[AgentGroup] = []
    pause_reasons: list[PauseReason] = []
    dispositions: list[Disposition] = []
    holiday_calendars: list[HolidayCalendar] = []
    time_conditions: list[TimeCondition] = []
    queues: list[Queue] = []
    ivr_menus: list[IvrMenu] = []
    inbound_routes: list[InboundRoute] = []
    outbound_routes: list[OutboundRoute] = []
    customers: list[Customer] = []


# The field that identifies an object in each list section, and how to call one in messages.
SECTION_KEYS: dict[str, tuple[str, str]] = {
    "moh_classes": ("name", "music-on-hold class"),
    "recording_policies": ("name", "recording policy"),
    "extensions": ("number", "extension"),
    "trunks": ("name", "trunk"),
    "skills": ("name", "skill"),
    "agents": ("code", "agent"),
    "agent_groups": ("name", "agent group"),
    "pause_reasons": ("code", "pause reason"),
    "dispositions": ("code", "disposition"),
    "holiday_calendars": ("name", "holiday calendar"),
    "time_conditions": ("name", "time condition"),
    "queues": ("name", "queue"),
    "ivr_menus": ("name", "IVR menu"),
    "inbound_routes": ("name", "inbound route"),
    "outbound_routes": ("name", "outbound route"),
    "customers": ("code", "customer"),
}
