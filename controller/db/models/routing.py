"""Call routing: destinations, inbound/outbound routes, IVR menus, time conditions, holidays.

A :class:`Destination` row is the one place where "send the call there" is stored. It has
exactly one *owner* (the route, IVR option, time condition ... whose slot it fills; deleting
the owner deletes it) and exactly one *target* whose foreign key makes the database itself
refuse a destination that points at nothing, and refuse to delete a queue, IVR, extension or
time condition that is still a target. Both rules are CHECK constraints.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship

from controller.db.base import Base
from controller.db.models.pbx import Extension, MohClass, RecordingPolicy, Trunk
from controller.db.types import str_enum
from controller.domain import CallerIdPolicy, DestinationKind, HolidayKind

if TYPE_CHECKING:
    from controller.db.models.callcenter import Queue

# (owner column, owner table): every table that can hold destinations.
DESTINATION_OWNERS: dict[str, str] = {
    "owner_inbound_route_id": "inbound_route",
    "owner_region_rule_id": "inbound_region_rule",
    "owner_ivr_menu_id": "ivr_menu",
    "owner_ivr_option_id": "ivr_option",
    "owner_time_condition_id": "time_condition",
    "owner_queue_id": "queue",
}

# Which target column each kind uses; the others must be NULL.
TARGET_COLUMNS: dict[DestinationKind, str | None] = {
    DestinationKind.EXTENSION: "target_extension_id",
    DestinationKind.VOICEMAIL: "target_extension_id",
    DestinationKind.QUEUE: "target_queue_id",
    DestinationKind.IVR: "target_ivr_menu_id",
    DestinationKind.TIME_CONDITION: "target_time_condition_id",
    DestinationKind.EXTERNAL: "target_number",
    DestinationKind.HANGUP: None,
}
_ALL_TARGET_COLUMNS = sorted({c for c in TARGET_COLUMNS.values() if c})


def _exactly_one_owner() -> str:
    terms = [f"(CASE WHEN {col} IS NULL THEN 0 ELSE 1 END)" for col in DESTINATION_OWNERS]
    return " + ".join(terms) + " = 1"


def _target_matches_kind() -> str:
    clauses = []
    kinds_by_column: dict[str | None, list[str]] = {}
    for kind, column in TARGET_COLUMNS.items():
        kinds_by_column.setdefault(column, []).append(kind.value)
    for column, kinds in kinds_by_column.items():
        kind_list = ", ".join(f"'{k}'" for k in kinds)
        parts = [f"kind IN ({kind_list})"]
        parts += [
            f"{col} IS NOT NULL" if col == column else f"{col} IS NULL"
            for col in _ALL_TARGET_COLUMNS
        ]
        clauses.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(clauses)


def _owner_fk(table: str) -> Mapped[int | None]:
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), index=True)


class Destination(Base):
    __tablename__ = "destination"
    __table_args__ = (
        CheckConstraint(_exactly_one_owner(), name="one_owner"),
        CheckConstraint(_target_matches_kind(), name="target_matches_kind"),
        *(UniqueConstraint(col, "slot") for col in DESTINATION_OWNERS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[str] = mapped_column(String(16))  # "main", "timeout", "open", "overflow" ...
    kind: Mapped[DestinationKind] = mapped_column(str_enum(DestinationKind, "destination_kind"))

    owner_inbound_route_id: Mapped[int | None] = _owner_fk("inbound_route")
    owner_region_rule_id: Mapped[int | None] = _owner_fk("inbound_region_rule")
    owner_ivr_menu_id: Mapped[int | None] = _owner_fk("ivr_menu")
    owner_ivr_option_id: Mapped[int | None] = _owner_fk("ivr_option")
    owner_time_condition_id: Mapped[int | None] = _owner_fk("time_condition")
    owner_queue_id: Mapped[int | None] = _owner_fk("queue")

    # Targets: no ON DELETE action, so deleting a target still in use fails.
    target_extension_id: Mapped[int | None] = mapped_column(ForeignKey("extension.id"), index=True)
    target_queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"), index=True)
    target_ivr_menu_id: Mapped[int | None] = mapped_column(ForeignKey("ivr_menu.id"), index=True)
    target_time_condition_id: Mapped[int | None] = mapped_column(
        ForeignKey("time_condition.id"), index=True
    )
    target_number: Mapped[str | None] = mapped_column(String(32))

    target_extension: Mapped[Extension | None] = relationship(foreign_keys=[target_extension_id])
    target_queue: Mapped[Queue | None] = relationship(foreign_keys=[target_queue_id])
    target_ivr_menu: Mapped[IvrMenu | None] = relationship(foreign_keys=[target_ivr_menu_id])
    target_time_condition: Mapped[TimeCondition | None] = relationship(
        foreign_keys=[target_time_condition_id]
    )


def destinations_relationship(owner_column: str) -> Mapped[dict[str, Destination]]:
    return relationship(
        Destination,
        foreign_keys=f"Destination.{owner_column}",
        collection_class=attribute_keyed_dict("slot"),
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class InboundRoute(Base):
    """Calls to ``did`` (optionally only from callers matching ``caller_prefix``)."""

    __tablename__ = "inbound_route"
    __table_args__ = (UniqueConstraint("did", "caller_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    did: Mapped[str] = mapped_column(String(32))
    caller_prefix: Mapped[str] = mapped_column(String(32), default="")  # "" matches everyone
    language: Mapped[str | None] = mapped_column(String(16))
    moh_class_id: Mapped[int | None] = mapped_column(ForeignKey("moh_class.id"))
    recording_policy_id: Mapped[int | None] = mapped_column(ForeignKey("recording_policy.id"))
    description: Mapped[str] = mapped_column(String(255), default="")

    moh_class: Mapped[MohClass | None] = relationship()
    recording_policy: Mapped[RecordingPolicy | None] = relationship()
    destinations: Mapped[dict[str, Destination]] = destinations_relationship(
        "owner_inbound_route_id"
    )
    region_rules: Mapped[list[InboundRegionRule]] = relationship(
        back_populates="route",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InboundRegionRule.position",
    )


class InboundRegionRule(Base):
    """Send callers from these regions (归属地) somewhere else than the route's destination."""

    __tablename__ = "inbound_region_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_route.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    regions: Mapped[list[str]] = mapped_column(JSON)

    route: Mapped[InboundRoute] = relationship(back_populates="region_rules")
    destinations: Mapped[dict[str, Destination]] = destinations_relationship("owner_region_rule_id")


class OutboundRoute(Base):
    __tablename__ = "outbound_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer)  # lower is tried first
    caller_id_policy: Mapped[CallerIdPolicy] = mapped_column(
        str_enum(CallerIdPolicy, "caller_id_policy")
    )
    caller_id_number: Mapped[str | None] = mapped_column(String(32))
    recording_policy_id: Mapped[int | None] = mapped_column(ForeignKey("recording_policy.id"))
    description: Mapped[str] = mapped_column(String(255), default="")

    recording_policy: Mapped[RecordingPolicy | None] = relationship()
    patterns: Mapped[list[OutboundPattern]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="OutboundPattern.position"
    )
    trunk_links: Mapped[list[OutboundRouteTrunk]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="OutboundRouteTrunk.position"
    )


class OutboundPattern(Base):
    """Dialled ``prefix`` + ``match`` is sent to the trunk as ``prepend`` + ``match``."""

    __tablename__ = "outbound_pattern"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_route.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    match: Mapped[str] = mapped_column(String(64))  # Asterisk pattern syntax, without "_"
    prefix: Mapped[str] = mapped_column(String(16), default="")
    prepend: Mapped[str] = mapped_column(String(16), default="")


class OutboundRouteTrunk(Base):
    """The trunks of a route, in failover order."""

    __tablename__ = "outbound_route_trunk"
    __table_args__ = (UniqueConstraint("route_id", "trunk_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("outbound_route.id", ondelete="CASCADE"))
    trunk_id: Mapped[int] = mapped_column(ForeignKey("trunk.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    trunk: Mapped[Trunk] = relationship()


class IvrMenu(Base):
    __tablename__ = "ivr_menu"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    prompts: Mapped[dict[str, str]] = mapped_column(JSON)  # {language: prompt}
    invalid_prompts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    timeout_seconds: Mapped[int] = mapped_column(Integer)
    max_retries: Mapped[int] = mapped_column(Integer)  # replays after timeout or invalid key
    direct_dial: Mapped[bool] = mapped_column(Boolean)  # callers may dial an extension number
    zero_out_extension_id: Mapped[int | None] = mapped_column(ForeignKey("extension.id"))

    zero_out_extension: Mapped[Extension | None] = relationship()
    options: Mapped[list[IvrOption]] = relationship(
        back_populates="menu",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="IvrOption.position",
    )
    destinations: Mapped[dict[str, Destination]] = destinations_relationship("owner_ivr_menu_id")


class IvrOption(Base):
    __tablename__ = "ivr_option"
    __table_args__ = (UniqueConstraint("menu_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("ivr_menu.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(1))
    set_language: Mapped[str | None] = mapped_column(String(16))

    menu: Mapped[IvrMenu] = relationship(back_populates="options")
    destinations: Mapped[dict[str, Destination]] = destinations_relationship("owner_ivr_option_id")


class HolidayCalendar(Base):
    __tablename__ = "holiday_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")

    days: Mapped[list[Holiday]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Holiday.position"
    )


class Holiday(Base):
    """A closed day or range of days, or a worked weekend day (调休)."""

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("holiday_calendar.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[HolidayKind] = mapped_column(str_enum(HolidayKind, "holiday_kind"))
    name: Mapped[str] = mapped_column(String(128))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)


class TimeCondition(Base):
    __tablename__ = "time_condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the site's
    description: Mapped[str] = mapped_column(String(255), default="")

    rules: Mapped[list[TimeRule]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="TimeRule.position"
    )
    calendar_links: Mapped[list[TimeConditionCalendar]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TimeConditionCalendar.position",
    )
    destinations: Mapped[dict[str, Destination]] = destinations_relationship(
        "owner_time_condition_id"
    )


class TimeRule(Base):
    """Open on these weekdays from ``start`` to ``end`` (local time of the condition)."""

    __tablename__ = "time_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    time_condition_id: Mapped[int] = mapped_column(
        ForeignKey("time_condition.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    weekdays: Mapped[list[str]] = mapped_column(JSON)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)


class TimeConditionCalendar(Base):
    __tablename__ = "time_condition_calendar"
    __table_args__ = (UniqueConstraint("time_condition_id", "calendar_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    time_condition_id: Mapped[int] = mapped_column(
        ForeignKey("time_condition.id", ondelete="CASCADE")
    )
    calendar_id: Mapped[int] = mapped_column(ForeignKey("holiday_calendar.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    calendar: Mapped[HolidayCalendar] = relationship()
