"""Telephony objects: the site, extensions and their phones, trunks, music on hold, recording."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.db.base import Base
from controller.db.types import Money, UtcDateTime, str_enum
from controller.domain import MohSort, RecordingFormat, RecordWhat, Transport, TrunkAuth


class Site(Base):
    """Company-wide defaults. Exactly one row (id 1)."""

    __tablename__ = "site"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    # Not auto-incremented: MariaDB refuses a CHECK on an AUTO_INCREMENT column.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166 alpha-2, for number parsing
    default_language: Mapped[str] = mapped_column(String(16))
    blf_hints: Mapped[bool] = mapped_column(Boolean, default=True)
    default_moh_class_id: Mapped[int | None] = mapped_column(
        ForeignKey("moh_class.id", ondelete="RESTRICT")
    )
    default_moh_class: Mapped[MohClass | None] = relationship()


class MohClass(Base):
    __tablename__ = "moh_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    directory: Mapped[str] = mapped_column(String(255))
    sort: Mapped[MohSort] = mapped_column(str_enum(MohSort, "moh_sort"))
    description: Mapped[str] = mapped_column(String(255), default="")


class RecordingPolicy(Base):
    __tablename__ = "recording_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    record: Mapped[RecordWhat] = mapped_column(str_enum(RecordWhat, "record_what"))
    # {language: prompt}; played to the caller before recording starts.
    notice_prompts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    retention_days: Mapped[int | None] = mapped_column(Integer)  # None: keep forever
    format: Mapped[RecordingFormat] = mapped_column(str_enum(RecordingFormat, "recording_format"))
    description: Mapped[str] = mapped_column(String(255), default="")


class Extension(Base):
    __tablename__ = "extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    number: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(16))
    ring_seconds: Mapped[int] = mapped_column(Integer)
    outbound_caller_id: Mapped[str | None] = mapped_column(String(32))
    voicemail_enabled: Mapped[bool] = mapped_column(Boolean)
    voicemail_pin: Mapped[str | None] = mapped_column(String(16))
    # Generated secrets are left out of exports unless asked for (see pbxconfig.export).
    voicemail_pin_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_email: Mapped[str | None] = mapped_column(String(255))
    recording_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("recording_policy.id", ondelete="RESTRICT")
    )
    moh_class_id: Mapped[int | None] = mapped_column(
        ForeignKey("moh_class.id", ondelete="RESTRICT")
    )

    recording_policy: Mapped[RecordingPolicy | None] = relationship()
    moh_class: Mapped[MohClass | None] = relationship()
    phone: Mapped[Phone | None] = relationship(
        back_populates="extension", cascade="all, delete-orphan", passive_deletes=True
    )


class Phone(Base):
    """The PJSIP endpoint (with its AOR and auth) of an extension."""

    __tablename__ = "phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    extension_id: Mapped[int] = mapped_column(
        ForeignKey("extension.id", ondelete="CASCADE"), unique=True
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password: Mapped[str] = mapped_column(String(128))
    password_generated: Mapped[bool] = mapped_column(Boolean)
    transport: Mapped[Transport] = mapped_column(str_enum(Transport, "phone_transport"))
    max_contacts: Mapped[int] = mapped_column(Integer)
    codecs: Mapped[list[str]] = mapped_column(JSON)

    extension: Mapped[Extension] = relationship(back_populates="phone")


class Trunk(Base):
    __tablename__ = "trunk"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    auth: Mapped[TrunkAuth] = mapped_column(str_enum(TrunkAuth, "trunk_auth"))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    transport: Mapped[Transport] = mapped_column(str_enum(Transport, "trunk_transport"))
    username: Mapped[str | None] = mapped_column(String(128))
    password: Mapped[str | None] = mapped_column(String(128))
    from_user: Mapped[str | None] = mapped_column(String(128))
    from_domain: Mapped[str | None] = mapped_column(String(255))
    caller_id: Mapped[str | None] = mapped_column(String(32))
    max_channels: Mapped[int | None] = mapped_column(Integer)
    codecs: Mapped[list[str]] = mapped_column(JSON)
    # IP-authenticated providers: addresses/networks their calls come from.
    match_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    currency: Mapped[str] = mapped_column(String(3))

    tariffs: Mapped[list[TrunkTariff]] = relationship(
        back_populates="trunk",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TrunkTariff.position",
    )


class TrunkTariff(Base):
    """Price per minute for numbers starting with ``prefix`` (longest prefix wins)."""

    __tablename__ = "trunk_tariff"
    __table_args__ = (UniqueConstraint("trunk_id", "prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trunk_id: Mapped[int] = mapped_column(ForeignKey("trunk.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    prefix: Mapped[str] = mapped_column(String(32))  # "" matches every number
    per_minute: Mapped[Decimal] = mapped_column(Money)
    increment_seconds: Mapped[int] = mapped_column(Integer)  # billing step (6, 60 ...)
    connection_fee: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(String(128), default="")

    trunk: Mapped[Trunk] = relationship(back_populates="tariffs")


class ConfigRevision(Base):
    """A counter every configuration change increments: readers that cache a snapshot (the
    dialplan apply, the FastAGI rules) compare it instead of re-reading everything."""

    __tablename__ = "config_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ConfigChange(Base):
    """What each configuration revision changed: the objects (by section and key) that were
    added, changed or removed. The dialplan apply renders only what they affect
    (controller/dialplan/incremental.py). ``token`` is random per revision, so a cache
    made for revision N of another database (a restored backup) is not taken for this one.
    ``changes`` is None when the change is too large to list: readers start over."""

    __tablename__ = "config_change"

    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
