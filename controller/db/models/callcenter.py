"""Call-center objects: skills, agents and their groups, pause reasons, dispositions, queues
and members."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.db.base import Base
from controller.db.models.pbx import Extension, MohClass, RecordingPolicy
from controller.db.models.routing import Destination, TimeCondition, destinations_relationship
from controller.db.types import str_enum
from controller.domain import AgentRole, AnnounceHoldtime, AnnouncePosition, QueueStrategy


class Skill(Base):
    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")


class Agent(Base):
    """A person who takes or makes calls (坐席), identified by a numeric agent code (工号)."""

    __tablename__ = "agent"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[AgentRole] = mapped_column(str_enum(AgentRole, "agent_role"))
    # The phone the agent normally sits at; login from another phone is live state.
    extension_id: Mapped[int | None] = mapped_column(ForeignKey("extension.id"), index=True)
    pin: Mapped[str | None] = mapped_column(String(16))  # for login from a phone

    extension: Mapped[Extension | None] = relationship()
    skills: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AgentSkill.position",
    )


class AgentSkill(Base):
    __tablename__ = "agent_skill"
    __table_args__ = (
        UniqueConstraint("agent_id", "skill_id"),
        CheckConstraint("level BETWEEN 1 AND 10", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)

    agent: Mapped[Agent] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class AgentGroup(Base):
    """A team (班组) with its team leads (组长)."""

    __tablename__ = "agent_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")

    members: Mapped[list[AgentGroupMember]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="AgentGroupMember.position"
    )


class AgentGroupMember(Base):
    __tablename__ = "agent_group_member"
    __table_args__ = (UniqueConstraint("group_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("agent_group.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    is_team_lead: Mapped[bool] = mapped_column(Boolean)

    agent: Mapped[Agent] = relationship()


class PauseReason(Base):
    """Why an agent is paused; ``productive`` reasons (e.g. after-call work) count as working."""

    __tablename__ = "pause_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(128))
    productive: Mapped[bool] = mapped_column(Boolean)


class Disposition(Base):
    """What came of a call, chosen with the call's notes; history keeps the code (a string),
    so removing a disposition from the configuration never rewrites past calls."""

    __tablename__ = "disposition"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(String(255), default="")


class Queue(Base):
    __tablename__ = "queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    name: Mapped[str] = mapped_column(String(64), unique=True)  # also the Asterisk queue name
    display_name: Mapped[str] = mapped_column(String(128))
    strategy: Mapped[QueueStrategy] = mapped_column(str_enum(QueueStrategy, "queue_strategy"))
    ring_seconds: Mapped[int] = mapped_column(Integer)  # per attempt at one member
    retry_seconds: Mapped[int] = mapped_column(Integer)
    wrapup_seconds: Mapped[int] = mapped_column(Integer)
    max_callers: Mapped[int] = mapped_column(Integer)  # 0: unlimited
    weight: Mapped[int] = mapped_column(Integer)
    vip_priority: Mapped[int] = mapped_column(Integer)  # QUEUE_PRIO given to VIP callers
    announce_position: Mapped[AnnouncePosition] = mapped_column(
        str_enum(AnnouncePosition, "announce_position")
    )
    announce_holdtime: Mapped[AnnounceHoldtime] = mapped_column(
        str_enum(AnnounceHoldtime, "announce_holdtime")
    )
    announce_frequency_seconds: Mapped[int] = mapped_column(Integer)  # 0: never
    periodic_announce: Mapped[str | None] = mapped_column(String(255))
    periodic_announce_seconds: Mapped[int] = mapped_column(Integer)
    service_level_seconds: Mapped[int] = mapped_column(Integer)  # SL threshold T
    short_abandon_seconds: Mapped[int] = mapped_column(Integer)  # abandons up to S are "short"
    max_wait_seconds: Mapped[int] = mapped_column(Integer)  # 0: wait forever
    join_empty: Mapped[bool] = mapped_column(Boolean)
    leave_when_empty: Mapped[bool] = mapped_column(Boolean)
    ring_in_use: Mapped[bool] = mapped_column(Boolean)
    login_required: Mapped[bool] = mapped_column(Boolean, default=True)
    moh_class_id: Mapped[int | None] = mapped_column(ForeignKey("moh_class.id"))
    recording_policy_id: Mapped[int | None] = mapped_column(ForeignKey("recording_policy.id"))

    callback_enabled: Mapped[bool] = mapped_column(Boolean)
    callback_key: Mapped[str | None] = mapped_column(String(1))
    callback_offer_after_seconds: Mapped[int | None] = mapped_column(Integer)  # est. wait
    callback_expiry_minutes: Mapped[int | None] = mapped_column(Integer)
    callback_max_attempts: Mapped[int | None] = mapped_column(Integer)
    callback_retry_seconds: Mapped[int | None] = mapped_column(Integer)
    callback_hours_id: Mapped[int | None] = mapped_column(ForeignKey("time_condition.id"))
    screen_pop_url: Mapped[str | None] = mapped_column(String(1000))  # a urltemplate
    # When the wallboard's tiles turn amber / red (None: never): waiting callers and longest
    # wait at or above, service level below.
    wallboard_waiting_amber: Mapped[int | None] = mapped_column(Integer)
    wallboard_waiting_red: Mapped[int | None] = mapped_column(Integer)
    wallboard_wait_amber_seconds: Mapped[int | None] = mapped_column(Integer)
    wallboard_wait_red_seconds: Mapped[int | None] = mapped_column(Integer)
    wallboard_sl_amber_percent: Mapped[int | None] = mapped_column(Integer)
    wallboard_sl_red_percent: Mapped[int | None] = mapped_column(Integer)
    # The post-call survey (schema.Survey as JSON: prompts, scale ...); None: no survey.
    survey: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    moh_class: Mapped[MohClass | None] = relationship()
    recording_policy: Mapped[RecordingPolicy | None] = relationship()
    callback_hours: Mapped[TimeCondition | None] = relationship()
    members: Mapped[list[QueueMember]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="QueueMember.position"
    )
    required_skills: Mapped[list[QueueSkill]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="QueueSkill.position"
    )
    # The dispositions offered for this queue's calls; none: every disposition.
    disposition_links: Mapped[list[QueueDisposition]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="QueueDisposition.position"
    )
    destinations: Mapped[dict[str, Destination]] = destinations_relationship("owner_queue_id")


class QueueMember(Base):
    __tablename__ = "queue_member"
    __table_args__ = (
        UniqueConstraint("queue_id", "agent_id"),
        CheckConstraint("penalty >= 0", name="penalty_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    penalty: Mapped[int] = mapped_column(Integer)

    agent: Mapped[Agent] = relationship()


class QueueSkill(Base):
    """A skill an agent needs (at ``min_level`` or better) to take this queue's calls."""

    __tablename__ = "queue_skill"
    __table_args__ = (UniqueConstraint("queue_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    min_level: Mapped[int] = mapped_column(Integer)

    skill: Mapped[Skill] = relationship()


class QueueDisposition(Base):
    __tablename__ = "queue_disposition"
    __table_args__ = (UniqueConstraint("queue_id", "disposition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"))
    disposition_id: Mapped[int] = mapped_column(ForeignKey("disposition.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    disposition: Mapped[Disposition] = relationship()
